"""What a lesson's prose says about its commands and their output, read with a small set of patterns.

A lesson (walkthroughs/*.md, parsed by dropout_trace.walkthrough.load, as the player parses it) is cut
into sections at its headings; a section's blocks are the commands its prose talks about. In each
paragraph (or bullet item) of a section's prose, these references are understood:

    stage N, stages N and M      a stage numbered N in the output of a command of the section
    which stages                 the output has stages
    the last section             the last section (or stage) of the section's last command
    the section "X" / the section *X*, the *X* table, the X table (X capitalised), the Check,
    the call chain               a section whose title contains X (Check, Call chain)
    the table                    the table named before it in the paragraph, else any table
    the first / second ... list  the section's block has that many commands
    block N, blocks N and M, the previous block, lesson N
                                 that block of this lesson, that bundled lesson, exists

A code span (`...`) after a reference to output, before the next one, names something that
reference's part of the output must show (whitespace aside); spans that are options or commands are
not content. Any other use of the words stage, section, table or list, and "the Check", is a
reference the patterns do not understand: NotUnderstood, never skipped. ("stage by stage" is not a
reference.)

Commands: each command of a block must exit 0, unless the line before it in the block is the comment
`# exit status N` (Command.expect); a block without one whose prose asks "which function raised" is
expected to show a library refusal, exit 4. A code span `dropout-trace ...` in prose is a command the
reader is told to run (exit 0). Option spans (`--eager`, `--dtype bfloat16`) with "block N" or "Run
it again" in the paragraph are that block's command, with the option set (exit 0).

The output side: a section is a line at column 0 of stdout; its title is the text before two spaces
or a rule; "N · title" and "N–M · title" are stages N (to M), and so are --brief's rows "N name" and
"N–M not reached: ...".
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field

from dropout_trace.walkthrough import Block, Lesson, bundled

ORDINALS = ("first", "second", "third", "fourth")
PATTERNS = re.compile("|".join((
    r"(?P<nonref>stage by stage)",
    r"\b[Ss]tages? (?P<stage>\d+)(?: and (?P<stage2>\d+))?\b",
    r"\b[Ww]hich stages\b(?P<anystage>)",
    r"\b[Tt]he last section\b(?P<last>)",
    r'\b[Tt]he section (?:"(?P<sec_q>[^"]+)"|\*(?P<sec_i>[^*]+)\*)',
    r"\b[Tt]he (?:\*(?P<tab_i>[^*]+)\*|(?P<tab_w>[A-Z][\w-]*)) table\b",
    r"\b[Tt]he table\b(?P<table>)",
    r"\bthe (?P<check>Check)\b",
    r"\b[Tt]he (?P<chain>call chain)\b",
    rf"\b[Tt]he (?P<nth>{'|'.join(ORDINALS)}) list\b",
    r"\bblocks? (?P<block>\d+)(?: and (?P<block2>\d+))?\b",
    r"\bthe (?P<previous>previous) block\b",
    r"\blesson (?P<lesson>\d+)\b",
)))
TRIGGER = re.compile(r"\b(?:[Ss]tages?|[Ss]ections?|[Tt]ables?|[Ll]ists?)\b|\bthe Check\b")
SPAN = re.compile(r"`([^`]+)`")
OPTION = re.compile(r"^(--[a-z][\w-]*)(?: (\S+))?$")
REFUSAL_PROSE = re.compile(r"which function raised", re.I)
AGAIN = re.compile(r"\bRun it again\b")
TITLE = re.compile(r"^(?:(?P<first>\d+)(?:[–-](?P<last>\d+))?(?: · | (?=[a-z])))?(?P<title>.*?)(?:  | ─|$)")


class NotUnderstood(ValueError):
    """A reference in a lesson's prose that none of the patterns reads."""


@dataclass(frozen=True)
class Ref:
    kind: str  # stage, anystage, last, section, table, list, block, lesson
    target: object  # a stage or block number, a section's name, None
    text: str  # as written
    spans: tuple[str, ...] = ()  # what that part of the output must show


@dataclass(frozen=True)
class Section:
    heading: str
    line: int  # of its first command block, or 0
    blocks: tuple[Block, ...]
    paragraphs: tuple[str, ...]


@dataclass(frozen=True)
class Part:
    title: str
    stages: tuple[int, ...]
    text: str


@dataclass
class Wanted:
    """A command the lesson has the reader run, and the status it should exit with."""
    argv: tuple[str, ...]
    status: int
    where: str  # lesson and line, for the message
    shown: bool = False  # from the prose, not a block
    notes: list = field(default_factory=list)


def sections(lesson: Lesson) -> list[Section]:
    found, heading, blocks, prose = [], lesson.title, [], []

    def close():
        found.append(Section(heading, blocks[0].line if blocks else 0, tuple(blocks), tuple(paragraphs(prose))))

    for part in lesson.parts:
        if isinstance(part, Block):
            blocks.append(part)
            continue
        for line in part.splitlines():
            if line.startswith("#"):
                close()
                heading, blocks, prose = line.lstrip("#").strip(), [], []
            else:
                prose.append(line)
    close()
    return [s for s in found if s.blocks or s.paragraphs]


def paragraphs(lines: list[str]) -> list[str]:
    """Paragraphs and bullet items, each joined into one line."""
    found, current = [], []
    for line in lines + [""]:
        text = line.strip()
        if not text or text.startswith(("- ", "* ")) or re.match(r"\d+\. ", text):
            if current:
                found.append(" ".join(current))
            current = [text[2:]] if text.startswith(("- ", "* ")) else ([text] if text else [])
        else:
            current.append(text)
    return [p for p in found if p]


def references(paragraph: str) -> list[Ref]:
    """The references in a paragraph, in order, each with the code spans it owns."""
    matches = list(PATTERNS.finditer(paragraph))
    for trigger in TRIGGER.finditer(paragraph):
        if not any(m.start() <= trigger.start() < m.end() for m in matches):
            raise NotUnderstood(f"{trigger.group(0)!r} in: {paragraph}")
    refs, named = [], None
    for m in matches:
        g = {k: v for k, v in m.groupdict().items() if v is not None}
        if "nonref" in g:
            continue
        if "stage" in g:
            refs += [Ref("stage", int(n), m.group(0)) for n in (g["stage"], g.get("stage2")) if n]
        elif "block" in g:
            refs += [Ref("block", int(n), m.group(0)) for n in (g["block"], g.get("block2")) if n]
        elif "anystage" in g or "last" in g:
            refs.append(Ref("anystage" if "anystage" in g else "last", None, m.group(0)))
        elif {"sec_q", "sec_i", "tab_i", "tab_w", "check", "chain"} & g.keys():
            named = next(g[k] for k in ("sec_q", "sec_i", "tab_i", "tab_w", "check", "chain") if k in g)
            refs.append(Ref("section", named, m.group(0)))
        elif "table" in g:
            refs.append(Ref("section", named, m.group(0)) if named else Ref("table", None, m.group(0)))
        elif "nth" in g:
            refs.append(Ref("list", ORDINALS.index(g["nth"]) + 1, m.group(0)))
        elif "previous" in g:
            refs.append(Ref("block", "previous", m.group(0)))
        else:
            refs.append(Ref("lesson", int(g["lesson"]), m.group(0)))
    return _with_spans(paragraph, matches, refs)


def _with_spans(paragraph: str, matches, refs: list[Ref]) -> list[Ref]:
    """Give each reference to output the content spans between it and the next reference."""
    starts = [m.start() for m in matches if m.group("nonref") is None]
    spans = [(s.start(), s.group(1)) for s in SPAN.finditer(paragraph) if _content(s.group(1))]
    owned = []
    at = 0
    for m in matches:
        if m.group("nonref") is not None:
            continue
        count = 2 if (m.group("stage2") or m.group("block2")) else 1
        following = [s for s in starts if s > m.start()]
        end = following[0] if following else len(paragraph)
        mine = tuple(text for pos, text in spans if m.end() <= pos < end)
        for ref in refs[at:at + count]:
            owned.append(Ref(ref.kind, ref.target, ref.text, mine if ref.kind not in ("block", "lesson") else ()))
        at += count
    return owned


def _content(span: str) -> bool:
    return not span.startswith(("--", "dropout-trace "))


def expected(lesson: Lesson) -> list[Wanted]:
    """Every command the lesson has the reader run: its blocks', its prose's, and block variants."""
    wanted = []
    for section in sections(lesson):
        refusal = any(REFUSAL_PROSE.search(p) for p in section.paragraphs)
        for block in section.blocks:
            commands = [s for s in block.steps if not isinstance(s, str)]
            marked = any(c.expect for c in commands)  # the block says; else its prose may
            for c in commands:
                status = c.expect if marked else (4 if refusal else 0)
                wanted.append(Wanted(c.argv, status, f"{lesson.path.name}:{c.line}"))
        for paragraph in section.paragraphs:
            wanted += _from_prose(lesson, section, paragraph)
    return wanted


def _from_prose(lesson: Lesson, section: Section, paragraph: str) -> list[Wanted]:
    where = f"{lesson.path.name}, section {section.heading!r}"
    spans = SPAN.findall(paragraph)
    found = [Wanted(tuple(shlex.split(s)[1:]), 0, where, shown=True) for s in spans if s.startswith("dropout-trace ")]
    options = [OPTION.match(s) for s in spans if s.startswith("--")]
    if not options:
        return found
    if any(o is None for o in options):
        raise NotUnderstood(f"an option span that is not `--name [value]` in: {paragraph}")
    blocks = [r.target for r in references(paragraph) if r.kind == "block" and r.target != "previous"]
    if blocks:
        target = lesson.blocks[blocks[0] - 1]
    elif AGAIN.search(paragraph) and len(section.blocks) == 1:
        target = section.blocks[0]
    else:
        raise NotUnderstood(f"options without a block they apply to (block N, Run it again) in: {paragraph}")
    commands = [s for s in target.steps if not isinstance(s, str)]
    if len(commands) != 1:
        raise NotUnderstood(f"block {target.number} has {len(commands)} commands; which one: {paragraph}")
    for option in options:
        found.append(Wanted(_with_option(commands[0].argv, option.group(1), option.group(2)), 0,
                            f"{where}: block {target.number} with {option.group(0)}", shown=True))
    return found


def _with_option(argv: tuple[str, ...], name: str, value: str | None) -> tuple[str, ...]:
    words = list(argv)
    if name in words:
        at = words.index(name)
        if value is not None:
            words[at + 1] = value
        return tuple(words)
    return tuple(words + [name] + ([value] if value is not None else []))


# -- the output side ----------------------------------------------------------------------------------
def parts(output: str) -> list[Part]:
    found, lines = [], output.splitlines()
    starts = [i for i, line in enumerate(lines) if line.strip() and not line[0].isspace()]
    for k, i in enumerate(starts):
        m = TITLE.match(lines[i])
        first, last = m.group("first"), m.group("last") or m.group("first")
        stages = tuple(range(int(first), int(last) + 1)) if first else ()
        end = starts[k + 1] if k + 1 < len(starts) else len(lines)
        found.append(Part(m.group("title").strip(), stages, "\n".join(lines[i:end])))
    return found


def _shows(text: str, span: str) -> bool:
    return " ".join(span.split()) in " ".join(text.split())


def _has_table(text: str) -> bool:
    """Two consecutive indented lines, each with columns apart by two spaces or more; or, as --brief draws
    its tables from column 0, two consecutive lines of four columns or more."""
    lines = text.splitlines()
    indented = [bool(re.match(r"^\s+\S.*?\S {2,}\S", line)) for line in lines]
    wide = [len(re.findall(r"\S {2,}(?=\S)", line)) >= 3 for line in lines]
    return any(a and b for rows in (indented, wide) for a, b in zip(rows, rows[1:]))


def unmet(ref: Ref, outputs: list[str], lesson: Lesson, section: Section) -> str | None:
    """Why the reference does not hold for the section's outputs (one per command, in order), or None."""
    if ref.kind == "block":
        number = section.blocks[0].number - 1 if ref.target == "previous" and section.blocks else ref.target
        ok = isinstance(number, int) and 1 <= number <= len(lesson.blocks)
        return None if ok else f"{ref.text!r}: the lesson has {len(lesson.blocks)} blocks"
    if ref.kind == "lesson":
        numbers = [int(p.name.split("-")[0]) for p in bundled()]
        return None if ref.target in numbers else f"{ref.text!r}: no bundled lesson {ref.target}"
    if not outputs:
        return f"{ref.text!r}: the section has no command whose output it could name"
    if ref.kind == "list":
        if len(outputs) < ref.target:
            return f"{ref.text!r}: the block has {len(outputs)} commands"
        candidates = [outputs[ref.target - 1]]
    elif ref.kind == "last":
        candidates = [parts(outputs[-1])[-1].text] if parts(outputs[-1]) else []
    elif ref.kind == "table":
        candidates = [o for o in outputs if _has_table(o)]
    else:
        candidates = [p.text for o in outputs for p in parts(o) if _part_is(ref, p)]
    if not candidates:
        titles = [[p.title for p in parts(o)] for o in outputs]
        return f"{ref.text!r}: no such part in the output (its sections: {titles})"
    missing = [s for s in ref.spans if not any(_shows(c, s) for c in candidates)]
    if missing:
        where = "that part" if ref.kind != "last" else f"the last section ({parts(outputs[-1])[-1].title!r})"
        return f"{ref.text!r}: {where} does not show {missing}"
    return None


def _part_is(ref: Ref, part: Part) -> bool:
    if ref.kind == "stage":
        return ref.target in part.stages
    if ref.kind == "anystage":
        return bool(part.stages)
    return re.search(rf"(?<![\w-]){re.escape(ref.target)}(?![\w-])", part.title, re.I) is not None
