"""Playing a lesson: its prose, then each block's commands through the one runner, in the lesson's env.

The lesson was read and checked by walkthrough.load before anything here runs."""

from __future__ import annotations

import contextlib
import io
from contextlib import contextmanager

from .errors import PROG
from .render.handout import Handout, cut, cutting
from .spec import UsageError
from .untrusted import visible
from .walkthrough import FOLDER, INTERRUPTED, TERMINATED, Block, Lesson

def play(lesson: Lesson, out, step: bool = False, start: int = 1) -> int:
    """Show the prose and run each block in order, on out's console (recorded when out exports); each
    command runs through the one runner in the lesson's env: out's, with its console and streams onto it."""

    from .pause import Quit
    from .steps import stepping

    blocks = lesson.blocks
    if not 1 <= start <= max(len(blocks), 1):
        raise UsageError(f"--from {start}: {lesson.path.name} has {len(blocks)} blocks; give 1 to {len(blocks)}")
    if out.kind == ".json":
        raise UsageError("--export: a played lesson is text and pictures; use .svg, .html or .txt")
    console = _recording(out) if out.path is not None else out.console
    handout = Handout(console, level="block") if _html(out) else contextlib.nullcontext()
    env = out.env
    parts = list(lesson.parts)
    if start > 1:  # the title, then the prose that introduces block `start` (from its heading on)
        first = parts.index(blocks[start - 1])
        before = parts[first - 1] if isinstance(parts[first - 1], str) else ""
        heads = [i for i, line in enumerate(before.splitlines()) if line.startswith("#")]
        intro = "\n".join(before.splitlines()[heads[-1]:]) if heads else before
        parts = [f"# {lesson.title}\n\n{intro}"] + parts[first:]
    started, status = False, 0
    lesson_env = env.but(stdout=_Through(console), stderr=_Through(console, "red"), console=console)
    # step mode: the pauses write to the screen only, never into the export; the commands a block runs
    # step through the same Steps (a run's stages too)
    with stepping(console, env.stdin, on=step), _cutting(out, console) as steps, handout:
        coming, running = start, False  # the block to go on from, should the user stop here
        try:
            paused = False  # the step of the block coming has begun (at its heading)
            for k, part in enumerate(parts):
                if isinstance(part, str):
                    paused = _prose(part, parts[k + 1] if k + 1 < len(parts) else None, console, steps, len(blocks))
                    continue
                coming = part.number
                if not paused:
                    _mark(console, steps, part.number, len(blocks))
                paused = False
                if not started:
                    _start_tensorflow(lesson)
                    started = True
                running = True
                status = _run_block(part, console, lesson_env, lesson, steps)
                running = False
                if status:
                    break
                coming += 1
        except Quit:
            steps.said(f"stopped {'in' if running else 'before'} block {coming}; go on with: {PROG} walkthrough "
                       f"play {_name(lesson)} --from {coming}")
    if _html(out):  # the page, a step per block, from the very recording the screen was shown
        out.save(raw=handout.page(out.theme, lesson.title))
    elif out.path is not None:
        _save(out, console, steps)
    return status


def _html(out) -> bool:
    return out.path is not None and out.path.suffix.lower() == ".html"


def _block_pause(number: int, total: int):
    """The pause before a lesson's block: its step, and its slide."""
    from .render import Pause

    return Pause(f"block {number} of {total}", f"block-{number}")


def _mark(console, steps, number: int, total: int) -> None:
    """A block's step begins: step mode waits for a key, a deck starts a slide, an HTML handout a section."""
    pause = _block_pause(number, total)
    cut(console, pause, "block")
    if steps is not None:
        steps.pause(pause)


@contextmanager
def _cutting(out, console):
    """The Steps under the lesson's console (None off a terminal), or, for an export to a folder, the
    slides it is cut into, over them."""
    from .slides import cutting as slides_of
    from .steps import under

    if out.kind != "/":
        yield under(console)
        return
    with slides_of(console, "title", lesson=True) as slides:
        yield slides


def _prose(text: str, coming, console, steps, total: int) -> bool:
    """Show prose (a link's target is shown, not hidden). In step mode the step of the block coming begins
    at the heading that introduces it, so that the heading, the prose, the output and the questions under
    it share a screen; True when that pause was taken here."""
    from rich.markdown import Markdown

    from .pause import Quit

    paused = False
    marks = steps is not None or cutting(console, "block")
    before, intro = _at_heading(text) if marks and isinstance(coming, Block) else (text, "")
    for piece in (before, intro):
        if piece is intro and intro:
            _mark(console, steps, coming.number, total)
            paused = True
        if piece.strip():
            console.print(Markdown(piece, hyperlinks=False))
        if steps is not None and steps.quit:
            raise Quit
    return paused


def _at_heading(text: str) -> tuple[str, str]:
    """The prose before its last heading, and from that heading on ("" when it has none)."""
    lines = text.splitlines()
    heads = [i for i, line in enumerate(lines) if line.startswith("#")]
    if not heads:
        return text, ""
    return "\n".join(lines[:heads[-1]]), "\n".join(lines[heads[-1]:])


def _name(lesson: Lesson) -> str:
    return lesson.path.stem if lesson.path.parent == FOLDER else visible(str(lesson.path))


def _run_block(block: Block, console, env, lesson: Lesson, steps=None) -> int:
    """Run a block's commands in order; a command that exits otherwise than the lesson expects (0, or its
    `# exit status N`) stops the lesson: its status, and the file and line that said otherwise."""
    from .program import main

    for step in block.steps:
        if isinstance(step, str):
            console.print(step, style="dim", markup=False, highlight=False)
            continue
        console.print(f"$ {step.text}", style="bold cyan", markup=False, highlight=False)
        status = main(list(step.argv), env)
        if steps is not None and steps.quit:  # q at a pause inside the command: the lesson stops too
            from .pause import Quit

            raise Quit
        if status in (INTERRUPTED, TERMINATED):  # a signal stops the whole lesson, not just this command
            from .pause import Terminated

            said = "interrupted" if status == INTERRUPTED else "terminated"
            console.print(f"{said} in block {block.number}", style="yellow", markup=False, highlight=False)
            raise KeyboardInterrupt if status == INTERRUPTED else Terminated()
        if status:
            console.print(f"exit status {status}", style="yellow", markup=False, highlight=False)
        if status != step.expect:
            expected = f"# exit status {step.expect}" if step.expect else "exit status 0"
            console.print(f"{_name(lesson)}:{step.line}: the lesson expects {expected}; it stops here",
                          style="bold yellow", markup=False, highlight=False)
            return status or 1
        console.print()
    return 0


class _Through(io.TextIOBase):
    """The stdout or stderr of a lesson's command: what it writes directly (JSON, --help, its one-line
    error) goes onto the lesson's console, so an export records it too."""

    def __init__(self, console, style: str | None = None):
        self.console, self.style = console, style

    def write(self, text: str) -> int:
        self.console.out(text, end="", style=self.style, highlight=False)
        return len(text)

    def fileno(self) -> int:
        return self.console.file.fileno()


def _start_tensorflow(lesson: Lesson) -> None:
    """Import TensorFlow once for the whole lesson, split into the logical CPUs its --replicas need."""
    from .tfenv import DeviceSetupError, TensorFlowImportError, import_tensorflow

    try:
        import_tensorflow(lesson.replicas if lesson.replicas > 1 else None)
    except (DeviceSetupError, TensorFlowImportError):
        pass  # the command that needs TensorFlow says what went wrong, in its own words


def _recording(out):
    from .render import make_console

    env = out.env
    return make_console(env.stdout, width=out.console.width, color=env.colour, theme=out.theme, record=True)


def _save(out, console, slides) -> None:
    """Export what was played, exactly as shown: the recording is replayed into out's export, or cut into
    its slides."""
    from rich.text import Text

    if out.kind == "/":
        out.write_slides(slides.pages())
        return

    played = Text.from_ansi(console.export_text(styles=True))
    played.rstrip()
    out.save(text=lambda target: target.print(played, soft_wrap=True))

