"""The command line: parse, call the core, render. TensorFlow is imported only inside commands.

cli.base holds the app and the gate before any work, cli.options every option once, cli.run, cli.measure
and cli.teach the commands, cli.app main() and entry() with the error policy. Exit statuses, the
program's name and the one-line error live in dropout_trace.errors.
"""

from ..errors import EXIT_MEANINGS, PROG, ExitStatus
from .app import command_tree, entry, main
from .base import app

__all__ = ["EXIT_MEANINGS", "PROG", "ExitStatus", "app", "command_tree", "entry", "main"]
