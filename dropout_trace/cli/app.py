"""The program: main(argv, env) runs one command line in an env and turns every error into one line and a status."""

from __future__ import annotations

import functools
import os
import sys

import typer

from .. import program
from ..cmdline import named
from ..env import Env, from_process
from ..errors import PROG, ExitStatus, fail, is_usage_error
from ..spec import UsageError
from .base import app

# Each module registers its commands on app, and --help lists them in that order: run, chain, graph,
# compare, versions, stats, explain, shell, walkthrough.
from . import run  # noqa: E402,F401,I001
from . import measure  # noqa: E402,F401,I001
from . import teach  # noqa: E402,F401,I001


@functools.cache
def command_tree():
    """The click command typer builds from `app` (building it takes tens of milliseconds: once is enough)."""
    return typer.main.get_command(app)


def main(argv: list[str] | None = None, env: Env | None = None) -> int:
    """Run one command line in `env` (the process's by default); every error becomes one line on env's
    stderr and an exit status (see ExitStatus).

    Ctrl-C and SIGTERM raise (pause.signals_raise) so that every `finally` on the way out runs: the
    temporary file is removed, the cursor shown, child processes ended. This call reports the signal it
    received with one line and 130 or 143; a 130 or 143 handed up from an inner main() (the shell, a
    lesson) was reported there already.
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    env = env if env is not None else from_process()
    import signal

    from ..pause import Quit, Terminated, signals_raise
    from ..tfstate import isolated

    signalled = {signal.SIGINT: ExitStatus.INTERRUPTED, signal.SIGTERM: ExitStatus.TERMINATED}
    from .. import status as status_line

    with signals_raise() as signals, status_line.line(env.stderr, env.environ):
        try:
            with isolated():  # the caller's TensorFlow settings neither shape the trace nor are changed by it
                result = app(args=argv, prog_name=PROG, standalone_mode=False,  # typer makes Ctrl-C 130
                             obj=env)  # each command finds its env here (base.env_of)
            env.stdout.flush()
            status = int(result) if isinstance(result, int) else int(ExitStatus.OK)
        except Terminated:
            status = int(ExitStatus.TERMINATED)
        except KeyboardInterrupt:
            status = int(ExitStatus.INTERRUPTED)
        except Quit:  # q at a step-mode pause: the user chose to stop, not an error
            env.stdout.flush()
            status = int(ExitStatus.OK)
        except BrokenPipeError:  # the reader stopped early (`| head`): not an error, and nothing to say
            _quiet(env.stdout)
            status = int(ExitStatus.OK)
        except Exception as exc:
            status = _status_for(exc, env, argv)
            if status is None:  # --debug: the traceback, as Python shows it
                raise
    if signals.pending in signalled and status not in signalled.values():  # it came as the command ended
        status, signals.caught = int(signalled[signals.pending]), signals.pending
    if signals.caught in signalled and status == signalled[signals.caught]:  # received here: say so once
        fail("interrupted" if signals.caught == signal.SIGINT else "terminated", ExitStatus(status), env)
    return status


def _status_for(exc: Exception, env: Env, argv: list[str]) -> int | None:
    """The status for what a command raised, and its one line on env's stderr (--help for a bare command);
    None when the line asks for --debug: the error is raised, with its traceback."""
    if isinstance(exc, typer.Exit):
        return int(exc.exit_code)
    ctx = getattr(exc, "ctx", None)
    if type(exc).__name__ == "NoArgsIsHelpError":  # a bare command asks for its help
        env.stdout.write((ctx.get_help() if ctx else "") + "\n")
        return int(ExitStatus.OK)
    if named(argv).asks("debug"):  # as the parser reads the line, wherever --debug stands
        return None
    if isinstance(exc, UsageError):
        return fail(str(exc), ExitStatus.USAGE, env)
    if is_usage_error(exc):  # the parser's (typer's click)
        where = ctx.command_path if ctx is not None else PROG  # e.g. 'dropout-trace walkthrough play'
        message = " ".join(exc.format_message().split()).rstrip(".")
        joint = " See" if message.endswith(("?", "!")) else "; see"  # no '?; see' pile-up
        if env.at_prompt:  # the shell's own help: 'help walkthrough play'
            return fail(f"{message}{joint} {' '.join(['help', *where.split()[1:]])}", ExitStatus.USAGE, env)
        return fail(f"{message}{joint} '{where} --help'", ExitStatus.USAGE, env)
    first = str(exc).splitlines()[0] if str(exc) else ""
    return fail(f"{type(exc).__name__}: {first} (run with --debug for the traceback)", ExitStatus.ERROR, env)


def _quiet(stream) -> None:
    """Point the stream's file at /dev/null, so that the interpreter's final flush cannot complain."""
    try:
        fd = stream.fileno()
    except (OSError, ValueError, AttributeError):  # a stream in memory: nothing will flush it later
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, fd)


def entry() -> None:
    sys.exit(main())


program.install(main=main, command_tree=command_tree)  # the shell and the lesson player run commands through it
