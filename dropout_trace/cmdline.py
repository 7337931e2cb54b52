"""A dropout-trace command line as the CLI's own parser reads it, with nothing run: what it names, and
whether the command accepts its values."""

from __future__ import annotations

import io
from dataclasses import dataclass


@dataclass(frozen=True)
class Given:
    name: str  # the parameter's name, e.g. max_memory
    flag: str  # how --help writes it, e.g. --max-memory
    value: object


@dataclass(frozen=True)
class Named:
    command: str | None  # the subcommand as the parser resolves it ('run'), or None: none, or one it does not know
    given: tuple[Given, ...]  # the parameters given on the line, the root's first, then each subcommand's

    def asks(self, name: str) -> bool:
        """Whether the line turns the flag `name` on (debug), wherever it stands."""
        return any(g.name == name and g.value is True for g in self.given)


def named(argv) -> Named:
    """The command and the parameters `dropout-trace ARGV` names, however it spells them (--debug shell,
    --rate=0.3), by click's resilient parse: no callback acts and no error is raised."""
    from .errors import PROG
    from .program import command_tree

    try:
        contexts = [command_tree().make_context(PROG, list(argv), resilient_parsing=True)]
        first = None
        while hasattr(contexts[-1].command, "get_command"):  # a group: down to the subcommand it names
            ctx = contexts[-1]
            rest = [*ctx._protected_args, *ctx.args]
            command = ctx.command.get_command(ctx, rest[0]) if rest else None
            if command is None:
                break
            first = first or rest[0]
            contexts.append(command.make_context(rest[0], rest[1:], parent=ctx, resilient_parsing=True))
    except Exception:  # the parser gave up; the command's own run will say why
        return Named(None, ())
    given = tuple(Given(p.name, (p.opts or [p.name])[0], c.params.get(p.name))
                  for c in contexts for p in c.command.params
                  if c.get_parameter_source(p.name) is not None and c.get_parameter_source(p.name).name == "COMMANDLINE")
    return Named(first, given)


def checked(argv) -> str | None:
    """The command's own verdict on its values, with nothing run: None, or its one-line error.

    It runs with check_only: each command validates all it was given, then stops before any work; what
    it would print (--help) goes nowhere."""
    from .env import Checked, Env
    from .errors import PROG
    from .program import command_tree
    from .spec import UsageError

    quiet = Env(io.StringIO(), io.StringIO(), io.StringIO(), check_only=True)
    try:
        command_tree().main(args=list(argv), prog_name=PROG, standalone_mode=False, obj=quiet)
    except Checked:
        return None
    except UsageError as exc:
        return str(exc)
    except Exception as exc:
        if type(exc).__name__ == "NoArgsIsHelpError" or getattr(exc, "exit_code", None) == 0:
            return None  # it asks for help (a bare command): help only prints
        if hasattr(exc, "format_message"):  # the parser's own usage errors
            return " ".join(exc.format_message().split()).rstrip(".")
        if hasattr(exc, "exit_code"):  # a command that stopped with its own status before any work
            return f"'{PROG} {' '.join(argv)}' stops with exit status {exc.exit_code} before it runs"
        return f"{type(exc).__name__}: {exc}"
    return None
