"""Run the CLI in this process: main(argv, env) with a StringIO env, no subprocess and no capsys."""

from __future__ import annotations

import io
from dataclasses import dataclass

from dropout_trace.cli import main
from dropout_trace.env import Env


@dataclass(frozen=True)
class Ran:
    status: int
    out: str
    err: str


def run(*argv: str, columns: int = 80, environ: dict[str, str] | None = None, stdin: str = "") -> Ran:
    """`dropout-trace ARGV` drawn at `columns` into memory; `environ` is all the environment it sees
    (NO_COLOR, FORCE_COLOR), none by default: so no colour, as when piped."""
    env = Env(io.StringIO(), io.StringIO(), io.StringIO(stdin), environ={} if environ is None else environ,
              columns=columns)
    status = main(list(argv), env)
    return Ran(status, env.stdout.getvalue(), env.stderr.getvalue())
