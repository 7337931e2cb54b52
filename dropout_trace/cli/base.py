"""The typer app, its root callback (--version, --debug) and the one gate every command passes before work."""

from __future__ import annotations

import sys

import typer

from ..errors import PROG, Checked, ExitStatus, checking, exits
from .options import _debug


def _version(ctx: typer.Context, value: bool) -> None:
    """--version: this tool's version and the installed libraries', read from their metadata (no import)."""
    if not value or ctx.resilient_parsing:  # only parsed (a lesson's check, completion): print nothing
        return
    from importlib import metadata

    def installed(name: str) -> str:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return "not installed"

    libraries = ", ".join(f"{name} {installed(name)}" for name in ("tensorflow", "keras", "tf-keras"))
    python = ".".join(str(n) for n in sys.version_info[:3])
    sys.stdout.write(f"{PROG} {installed(PROG)} ({libraries}; Python {python})\n")
    raise typer.Exit(int(ExitStatus.OK))


app = typer.Typer(
    name=PROG,
    help="Step through TensorFlow/Keras Dropout as the library really runs it: every value on screen is "
         "captured from the installed library, not re-implemented.",
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)





def _output(export, width, force, theme):
    """Validate --export, --width and --theme before any work, and give the command its console."""
    from ..output import Output

    out = Output(export, width, force, theme)
    if checking.get():
        raise Checked
    return out


@app.callback(epilog=exits(ExitStatus.CHECK_FAILED, ExitStatus.REFUSED, ExitStatus.MISSING))
def _root(
    debug: bool = _debug(),
    version: bool = typer.Option(False, "--version", is_eager=True, callback=_version,
                                 help="Show the versions of dropout-trace, TensorFlow, Keras and tf-keras, and exit."),
) -> None:
    """Trace the real Dropout call chain of the installed TensorFlow and Keras."""


