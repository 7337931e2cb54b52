"""Commands that teach: explain, shell, walkthrough."""

from __future__ import annotations

import typer

from ..errors import exits
from ..spec import UsageError
from .base import Command, Group, _output, app, env_of
from .options import _check_format, _debug, _export, _force, _format, _rate, _theme, _width, completes


def _topics() -> list[str]:
    from .. import lessons

    return lessons.available()


def _lesson_names() -> list[str]:
    """The bundled lessons by name (01-unknown-batch), as walkthrough.find takes them."""
    from .. import walkthrough

    return [path.stem for path in walkthrough.bundled()]


class _WithTopics(Command):
    """explain's --help lists the topics, each with its one-line summary (read from the registry, no TensorFlow)."""

    def format_epilog(self, ctx, formatter) -> None:
        from .. import lessons

        with formatter.section("Topics"):
            formatter.write_dl([(name, lessons.summary(name)) for name in lessons.available()])
        super().format_epilog(ctx, formatter)


@app.command(cls=_WithTopics, short_help="Teach one idea with a live computation; without a topic, list them.",
             epilog=exits())
def explain(
    ctx: typer.Context,
    topic: str = typer.Argument(None, metavar="TOPIC", autocompletion=completes(lambda: _topics()), help="The topic; without one, the topics are listed."),
    rate: str = _rate("0.3"),
    seed: str = typer.Option("42", "--seed", metavar="S", help="The seed the topic's runs use: any 64-bit integer."),
    fmt: str = _format(("text", "json")), debug: bool = _debug(),
    export: str = _export(), width: int = _width(), force: bool = _force(), theme: str = _theme(),
) -> None:
    """Teach one idea: a statement, a live computation with the installed library that proves it, and
    the command to go deeper. Without TOPIC, list the topics.

    Examples:

    \b
      dropout-trace explain
      dropout-trace explain noise-shape
      dropout-trace explain precision --rate 0.1 --format json
    """
    _check_format(fmt, ("text", "json"))
    from .. import lessons
    from ..render_json import topics_json
    from ..render_views import render_lesson, render_topics

    if topic is None:
        out = _output(ctx, export, width, force, theme)
        topics = [(name, lessons.summary(name)) for name in lessons.available()]
        out.emit(fmt, text=lambda console: render_topics(topics, console),
                 data=lambda: topics_json(topics))
        return
    if topic not in lessons.available():
        near = lessons.closest(topic)
        hint = f"; did you mean '{near}'" if near in lessons.available() else ""
        raise UsageError(f"no topic {topic!r}{hint}; topics: {', '.join(lessons.available())}")
    from ..spec import check_rate_one, parse_rate, parse_seed

    chosen = parse_seed(seed)
    if chosen is None:
        raise UsageError("--seed none: explain topics compare runs with one seed; give an integer, e.g. 42")
    params = lessons.Params(rate=parse_rate(rate), seed=chosen)
    if topic not in lessons.AT_RATE_ONE:
        check_rate_one(params.rate, f"explain {topic}", "draws or masks for this topic",
                       f"the topics {', '.join(lessons.AT_RATE_ONE)} take rate 1")
    out = _output(ctx, export, width, force, theme)
    lesson = lessons.compute(topic, params)
    from ..render_json import lesson_json

    out.emit(fmt, text=lambda console: render_lesson(lesson, lessons.page(lesson), console),
             data=lambda: lesson_json(lesson))


@app.command(cls=Command, short_help="A prompt with TensorFlow loaded once, for live teaching.")
def shell(
    ctx: typer.Context,
    timing: bool = typer.Option(False, "--timing", hidden=True, help="After each command, write its time to stderr "
                                "(for benchmarks/run)."),
) -> None:
    """Type commands at a prompt with TensorFlow loaded once, so each answers at once (for live teaching).

    Each line is a dropout-trace command, with or without the leading dropout-trace. help lists the
    commands; exit, quit or Ctrl-D leaves; Ctrl-C cancels the line. A bad command prints its one-line
    error and the shell goes on. On a terminal, up-arrow recalls earlier lines (kept in
    $XDG_STATE_HOME/dropout-trace/history, default ~/.local/state). Commands can come from a pipe too,
    one a line, with no prompt:

    \b
      printf 'run --rate 0.3 --shape None,4\\nversions\\n' | dropout-trace shell

    Exit status, for commands from a pipe: 0 if every command succeeded, else the status of the last
    command that failed. A session at a terminal ends with 0 (each error was shown as it happened).
    """
    from ..shell import shell as read_commands

    raise typer.Exit(read_commands(timing=timing, env=env_of(ctx)))


walkthroughs = typer.Typer(cls=Group, rich_markup_mode=None, pretty_exceptions_enable=False, add_completion=False)
app.add_typer(walkthroughs, name="walkthrough", short_help="Play a lesson for a class, block by block.")


@walkthroughs.callback(invoke_without_command=True, epilog=exits())
def _walkthroughs(ctx: typer.Context, debug: bool = _debug()) -> None:
    """Lessons for a class: Markdown in walkthroughs/, prose and dropout-trace commands, played in order
    with TensorFlow loaded once. Without a subcommand, list them.

    Examples:

    \b
      dropout-trace walkthrough
      dropout-trace walkthrough play 1 --step
      dropout-trace walkthrough play 04-same-mask-every-batch --export lesson4.html
    """
    if ctx.invoked_subcommand is not None:
        return
    from .. import walkthrough as lessons
    from ..render_views import render_walkthroughs

    render_walkthroughs([lessons.load(path, check=False) for path in lessons.bundled()],  # ours: listed, not run
                        _output(ctx, None, None, False, None).console)


@walkthroughs.command("play", cls=Command, short_help="Play a lesson, running its commands block by block.",
                       epilog=exits())
def _walkthrough_play(
    ctx: typer.Context,
    name: str = typer.Argument(..., metavar="NAME", autocompletion=completes(lambda: _lesson_names()), help="A lesson's number (1 or 01), its name "
                               "(01-unknown-batch) or the path to a lesson of your own (.md)."),
    step: bool = typer.Option(False, "--step", help="A step per block, and per stage inside a run, for a room: Space "
                              "or Enter goes on, b goes back a step, q quits (exit 0), Ctrl-C exits 130. A step "
                              "taller than the terminal is shown a screen at a time. Only on a terminal: piped, it "
                              "runs straight through."),
    start: int = typer.Option(1, "--from", metavar="N", help="Start at block N (the prose just before it too)."),
    debug: bool = _debug(), export: str = _export(), width: int = _width(), force: bool = _force(),
    theme: str = _theme(),
) -> None:
    """Play a lesson: show its prose and run its dropout-trace commands block by block.

    Every command in the lesson is checked before anything runs, as `walkthrough check` does: only
    dropout-trace commands, without shell syntax and with values the command accepts, may run from a
    lesson; anything else is refused with its file and line (exit 2). A command that exits otherwise
    than the lesson expects (0, or the `# exit status N` comment before it) stops the lesson, which
    exits with that command's status. --export records the whole lesson.

    Examples:

    \b
      dropout-trace walkthrough play 01
      dropout-trace walkthrough play 3 --step --theme light
      dropout-trace walkthrough play my-lesson.md --from 2 --export lesson.svg
    """
    from .. import walkthrough as lessons

    out = _output(ctx, export, width, force, theme, slides=True)
    lesson = lessons.load(lessons.find(name))
    from ..lesson_play import play

    raise typer.Exit(play(lesson, out, step=step, start=start))



@walkthroughs.command("check", cls=Command, short_help="Check lessons before class: every command, nothing run.",
                       epilog=exits())
def _walkthrough_check(
    ctx: typer.Context,
    files: list[str] = typer.Argument(None, metavar="FILE", help="Lessons: numbers, names or .md paths; "
                                      "without any, the bundled lessons."),
    debug: bool = _debug(),
) -> None:
    """Check lessons as `walkthrough play` would, without running anything or starting TensorFlow.

    Every command a lesson runs or shows is parsed by the real command tree, and its values are
    checked by the command itself. Each problem is one line with the file, the line and the tool's
    own error; the status is 2 if any lesson has one.

    Examples:

    \b
      dropout-trace walkthrough check
      dropout-trace walkthrough check my-lesson.md 02
    """
    from .. import walkthrough as lessons
    from ..errors import ExitStatus, fail

    env = env_of(ctx)
    paths = [lessons.find(name) for name in files] if files else lessons.bundled()
    found, commands = [], 0
    for path in paths:
        try:
            lesson = lessons.load(path, check=False)
        except UsageError as exc:  # the file itself: unreadable, too large, too many blocks
            found.append(str(exc))
            continue
        commands += len(lesson.checked)
        found += lessons.problems(lesson)
    for line in found:  # each escaped and cut as every error line is: a lesson is untrusted text
        fail(line, ExitStatus.USAGE, env)
    if found:
        env.stdout.write(f"{len(found)} problem{'s' if len(found) != 1 else ''} in {len(paths)} "
                         f"lesson{'s' if len(paths) != 1 else ''}\n")
        raise typer.Exit(2)
    env.stdout.write(f"{len(paths)} lesson{'s' if len(paths) != 1 else ''}, {commands} command"
                     f"{'s' if commands != 1 else ''}: {'every one' if commands != 1 else 'it'} may run\n")
