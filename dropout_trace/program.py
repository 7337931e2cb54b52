"""The program's command line, for the parts that run commands themselves: the shell runs what is typed,
a lesson checks its commands, then runs them. The CLI hands itself in when it loads (cli.app calls
install), so they reach it through here instead of importing it (it imports them): layers stay one way,
and the shell and the lesson player share one runner, `main`, each with its own env."""

from __future__ import annotations

from typing import Callable

_installed: dict[str, Callable] = {}


def install(*, main: Callable, command_tree: Callable) -> None:
    _installed.update(main=main, command_tree=command_tree)


def main(argv: list[str], env=None) -> int:
    """Run `dropout-trace ARGV` in this process, in `env` (an env.Env; the process's by default): the one
    runner of the CLI, the shell and the lesson player."""
    return _cli("main")(argv, env)


def command_tree():
    """The click command tree of the whole CLI (built once)."""
    return _cli("command_tree")()


def _cli(name: str) -> Callable:
    if name not in _installed:
        raise RuntimeError("the command line is not loaded: import dropout_trace.cli first")
    return _installed[name]
