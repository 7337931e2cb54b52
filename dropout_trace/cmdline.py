"""What a dropout-trace command line names, read by the CLI's own parser with nothing run."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Given:
    name: str  # the parameter's name, e.g. max_memory
    flag: str  # how --help writes it, e.g. --max-memory
    value: object


@dataclass(frozen=True)
class Named:
    command: str | None  # the subcommand as the parser resolves it ('run'), or None: none, or one it does not know
    given: tuple[Given, ...]  # the root's and the command's parameters given on the line, in that order


def named(argv) -> Named:
    """The command and the parameters `dropout-trace ARGV` names, however it spells them (--debug shell,
    --rate=0.3), by click's resilient parse: no callback acts and no error is raised."""
    from .errors import PROG
    from .program import command_tree

    root = command_tree()
    try:
        ctx = root.make_context(PROG, list(argv), resilient_parsing=True)
        rest = [*ctx._protected_args, *ctx.args]
        command = root.get_command(ctx, rest[0]) if rest else None
        contexts = [ctx]
        if command is not None:
            contexts.append(command.make_context(rest[0], rest[1:], parent=ctx, resilient_parsing=True))
    except Exception:  # the parser gave up; the command's own run will say why
        return Named(None, ())
    given = tuple(Given(p.name, (p.opts or [p.name])[0], c.params.get(p.name))
                  for c in contexts for p in c.command.params
                  if c.get_parameter_source(p.name) is not None and c.get_parameter_source(p.name).name == "COMMANDLINE")
    return Named(rest[0] if command is not None else None, given)
