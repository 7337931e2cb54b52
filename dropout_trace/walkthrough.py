"""Lessons in walkthroughs/: Markdown prose and dropout-trace commands, checked whole, then played in order."""

from __future__ import annotations

import math
import re
import shlex
from dataclasses import dataclass
from pathlib import Path

from .errors import ExitStatus
from .spec import UsageError
from .untrusted import clip, visible

# The bundled lessons: inside the installed package, or at the top of a checkout (and an editable install).
FOLDER = next((p for p in (Path(__file__).resolve().parent / "walkthroughs",
                           Path(__file__).resolve().parent.parent / "walkthroughs") if p.is_dir()),
              Path(__file__).resolve().parent / "walkthroughs")
PROG = "dropout-trace"
COMMAND_FENCES = ("bash", "console", "sh", "shell", "zsh", "shell-session")
FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})\s*([^\s`]*)")
# A lesson line becomes an argv, never a shell line; refusing shell syntax also keeps the Markdown
# honest for a reader who pastes it into a shell.
SHELL_SYNTAX = ("|", "&", ";", "<", ">", "`", "$", "(", ")", "\\", "*", "?", "~")
# A lesson someone sent you may only make dropout-trace read and print. So a lesson runs these
# commands with these options (click's parameter names), nothing else: no completion install, no
# export or --force, no shell or walkthrough, and no cap raised above its default.
LESSON_COMMANDS = ("run", "chain", "graph", "compare", "versions", "stats", "explain")
LESSON_OPTIONS = frozenset({
    "rate", "shape", "batch", "seed", "calls", "layer_dtype", "policy", "noise_shape", "dtype", "input", "eager",
    "api", "rng", "keep_prob", "training", "rate_tensor", "plumbing", "fmt", "max_elements", "max_memory",
    "values", "debug", "width", "theme", "replicas", "brief", "step", "stages", "source", "trials", "topic",
    "version", "grad", "upstream",
})
WRITES = ("export", "force", "install_completion", "show_completion")  # why a lesson must not: they write
# A comment line `# exit status N` before a command says the lesson expects that status (a refusal it
# shows on purpose); the player shows it as any comment, and tests check the command exits so.
EXPECTED = re.compile(r"#\s*exit status (\d+)\b")
CONTROL_SHOWN = re.compile(r"\\(x[0-9a-f]{2}|u[0-9a-f]{4})")  # how untrusted.visible shows one
# Far above any lesson a class sits through (2 minutes a block), and checked in well under a second.
MAX_BYTES, MAX_BLOCKS, MAX_COMMANDS = 2**20, 100, 100
WORDS_PER_MINUTE, MINUTES_PER_BLOCK = 150, 2  # reading the prose, then running and discussing a block
INTERRUPTED, TERMINATED = ExitStatus.INTERRUPTED, ExitStatus.TERMINATED  # a command stopped by a signal


@dataclass(frozen=True)
class Command:
    line: int  # in the lesson file, 1-based
    text: str  # as written, without a console prompt
    argv: tuple[str, ...]  # what follows dropout-trace
    expect: int = 0  # the exit status the lesson expects (`# exit status N` on the line before)
    problem: str | None = None  # why it may not run from a lesson, as `file:line: why; refused: text`


@dataclass(frozen=True)
class Block:
    number: int  # 1-based, among the lesson's command blocks
    line: int
    steps: tuple  # Command, or str for a comment line


@dataclass(frozen=True)
class Lesson:
    path: Path
    number: int | None
    title: str
    parts: tuple  # str (Markdown prose) and Block, in file order
    shown: tuple = ()  # Command: the dropout-trace commands its prose and other code only show

    @property
    def checked(self) -> list[Command]:
        """Every command it runs or shows, in file order: a student copies what a lesson shows, so both are checked."""
        return sorted((*self.commands, *self.shown), key=lambda c: c.line)

    @property
    def blocks(self) -> list[Block]:
        return [p for p in self.parts if isinstance(p, Block)]

    @property
    def commands(self) -> list[Command]:
        return [s for b in self.blocks for s in b.steps if isinstance(s, Command)]

    @property
    def minutes(self) -> int:
        words = sum(len(p.split()) for p in self.parts if isinstance(p, str))
        return math.ceil(words / WORDS_PER_MINUTE + MINUTES_PER_BLOCK * len(self.blocks))

    @property
    def replicas(self) -> int:
        """The most --replicas any command asks for: TensorFlow must split its CPU before it starts."""
        most = 0
        for c in self.commands:
            for i, word in enumerate(c.argv):
                value = word.split("=", 1)[1] if word.startswith("--replicas=") else (
                    c.argv[i + 1] if word == "--replicas" and i + 1 < len(c.argv) else "")
                most = max(most, int(value)) if value.isdigit() else most
        return most


# -- reading and checking ----------------------------------------------------------------------------
def bundled() -> list[Path]:
    return sorted(FOLDER.glob("[0-9]*.md"))


def find(name: str) -> Path:
    """A lesson by number (1 or 01), by name (01-unknown-batch), or a path to a .md file."""
    number = int(name) if name.isascii() and name.isdigit() and len(name) <= 4 else None
    for path in bundled():
        if name in (path.stem, path.name) or (number is not None and _number(path) == number):
            return path
    path = Path(name)
    markdown = path.suffix.lower() in (".md", ".markdown")
    try:
        if markdown and path.is_file():
            return path
    except OSError as exc:  # a folder on the way this process may not search, a name too long
        raise UsageError(f"cannot open the lesson {name!r}: {exc.strerror or exc}") from None
    hint = f"the file {name!r} does not exist" if markdown else (
        f"choose a number 1 to {len(bundled())}, a name such as 01-unknown-batch, or a path to a .md file")
    raise UsageError(f"no lesson {name!r}: {hint}; 'dropout-trace walkthrough' lists them")


def load(path: Path, check: bool = True) -> Lesson:
    """Parse a lesson and check every command in it; the first line refused stops it, naming file and line.

    The file is untrusted: its control characters are shown escaped, never sent to the terminal, and
    with `check` every command is validated by the command itself, with nothing run.
    """
    where = visible(str(path))
    try:
        if path.stat().st_size > MAX_BYTES:
            raise UsageError(f"{where}: the lesson is {path.stat().st_size:,} bytes; lessons are at most "
                             f"{MAX_BYTES:,} bytes")
        text = path.read_text(encoding="utf-8-sig")  # a byte-order mark is not part of the lesson
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{where}: cannot read the lesson: {exc}") from None
    lines = visible(text, keep="\n\t").splitlines()
    parts, prose, shown, i, title, count = [], [], [], 0, path.stem, 0
    while i < len(lines):
        fence = FENCE.match(lines[i])
        if fence is None:
            if lines[i].startswith("# ") and title == path.stem:  # the first heading outside code
                title = lines[i][2:].strip()
            prose.append(lines[i])
            shown += _shown(path, [(i + 1, lines[i])])
            i += 1
            continue
        end = _closing(lines, i + 1, fence.group(1))
        if fence.group(2).lower() in COMMAND_FENCES:
            parts.append("\n".join(prose))
            prose = []
            count += 1
            if count > MAX_BLOCKS:
                raise UsageError(f"{where}:{i + 1}: more than {MAX_BLOCKS} command blocks; split the lesson")
            parts.append(_block(path, count, i + 1, list(enumerate(lines[i + 1:end], start=i + 2))))
        else:  # any other fenced block is prose, shown as code and never run
            prose.extend(lines[i:end + 1])
            shown += _shown(path, list(enumerate(lines[i + 1:end], start=i + 2)))
        i = end + 1
    parts.append("\n".join(prose))
    lesson = Lesson(path, _number(path), title, tuple(p for p in parts if not isinstance(p, str) or p.strip()),
                    tuple(shown))
    if len(lesson.checked) > MAX_COMMANDS:
        raise UsageError(f"{where}:{lesson.checked[MAX_COMMANDS].line}: more than {MAX_COMMANDS} commands; split "
                         "the lesson")
    found = problems(lesson) if check else []
    if found:
        raise UsageError(found[0])
    return lesson


def problems(lesson: Lesson) -> list[str]:
    """Every reason the lesson may not play, in file order: each command that is not a plain dropout-trace
    command, or whose options and values the command itself refuses (checked, with nothing run), and a lesson
    with no command to run at all. Each names the file and line."""
    where = visible(str(lesson.path))
    found = []
    for command in lesson.checked:
        why = command.problem or sandbox(command.argv)
        if why and command.problem is None:
            why = f"{where}:{command.line}: {why}; refused: {clip(command.text)}"
        if why:
            found.append(why)
    if not lesson.checked:  # not one command to run or to show: not a lesson, most likely the wrong file
        found.append(f"{where}: the lesson has no dropout-trace command; put the commands it runs in ```bash blocks")
    return found


def _number(path: Path) -> int | None:
    found = re.match(r"(\d+)-", path.name)
    return int(found.group(1)) if found else None


def _closing(lines: list[str], start: int, fence: str) -> int:
    """The index of the line closing a fence (CommonMark: the same character, at least as many), else the end."""
    for j in range(start, len(lines)):
        mark = lines[j].strip()
        if mark.startswith(fence) and set(mark) == {fence[0]}:
            return j
    return len(lines)


def _block(path: Path, number: int, line: int, body: list[tuple[int, str]]) -> Block:
    steps, held, first, expect = [], "", 0, 0
    for at, raw in body:
        text = raw.strip()
        if held:  # the previous line ended with a backslash: this one continues it
            text, at = f"{held} {text}", first
        if text.endswith("\\"):
            held, first = text[:-1].rstrip(), at
            continue
        held = ""
        if text.startswith("$ "):  # a console block's prompt
            text = text[2:].strip()
        if text.startswith("#"):
            steps.append(text)
            expected = EXPECTED.match(text)
            expect = int(expected.group(1)) if expected else expect
        elif text:
            steps.append(_command(path, at, text, expect))
            expect = 0
    if held:
        steps.append(_command(path, first, held, expect))
    return Block(number, line, tuple(steps))


def _shown(path: Path, body: list[tuple[int, str]]) -> list[Command]:
    """The dropout-trace commands among lines a lesson shows but does not run (prose, other code blocks)."""
    found = []
    for at, raw in body:
        text = raw.strip()
        text = text[2:].strip() if text.startswith("$ ") else text
        if text.split(" ", 1)[0] == PROG:
            found.append(_command(path, at, text))
    return found


def _command(path: Path, line: int, text: str, expect: int = 0) -> Command:
    def refused(why: str) -> Command:
        return Command(line, text, (), expect, f"{visible(str(path))}:{line}: {why}; refused: {clip(text)}")

    if CONTROL_SHOWN.search(text):
        return refused("a control character (shown escaped) has no place in a command")
    syntax = [c for c in SHELL_SYNTAX if c in text]
    if syntax:
        return refused(f"a lesson runs plain dropout-trace commands, without shell syntax ({' '.join(syntax)})")
    try:
        words = shlex.split(text, comments=True)
    except ValueError as exc:
        return refused(f"cannot split the line into words ({exc})")
    if not words or words[0] != PROG:
        return refused("only dropout-trace commands run from a lesson")
    return Command(line, text, tuple(words[1:]), expect)


def sandbox(argv) -> str | None:
    """Why `dropout-trace ARGV` may not run from a lesson, or None when it only reads and prints.

    The CLI's own parser says which command and options it names; then the command itself checks
    every value, as it would before any work, and stops there (cmdline.checked), so a bad value is
    refused before the lesson plays and before TensorFlow starts.
    """
    from .cmdline import checked, named

    for token in argv:  # a writing option however it is spelled, even one the parser cannot take as given
        flag = str(token).split("=", 1)[0]
        if flag in {"--" + name.replace("_", "-") for name in WRITES}:
            return _no_writing(flag)
    line = named(argv)
    if line.command is not None and line.command not in LESSON_COMMANDS:
        return f"'{PROG} {line.command}' cannot run from inside a lesson: a lesson runs {', '.join(LESSON_COMMANDS)}"
    for given in line.given:
        if given.name in WRITES:
            return _no_writing(given.flag)
        if given.name not in LESSON_OPTIONS:
            return f"{given.flag} cannot be used from inside a lesson"
    return _raised_cap({g.name: g.value for g in line.given}) or checked(argv)


def _no_writing(flag: str) -> str:
    return (f"lesson commands do not write files ({flag}); export the whole lesson with "
            f"'{PROG} walkthrough play NAME --export FILE'")


def _raised_cap(params: dict) -> str | None:
    """A lesson may lower --max-elements and --max-memory, never raise them above their defaults."""
    from .spec import DEFAULT_MAX_ELEMENTS, available_memory, human_bytes, parse_bytes

    elements = params.get("max_elements")
    if isinstance(elements, int) and elements > DEFAULT_MAX_ELEMENTS:
        return f"--max-elements {elements:,} is above the default of {DEFAULT_MAX_ELEMENTS:,}; a lesson may only lower it"
    memory = params.get("max_memory")
    if memory is not None:
        try:
            asked = parse_bytes(memory)
        except UsageError as exc:
            return str(exc)
        free = available_memory()
        if free is None or asked > free:
            default = "the memory available" if free is None else f"the {human_bytes(free)} available"
            return f"--max-memory {memory} is above {default}, its default; a lesson may only lower it"
    return None
