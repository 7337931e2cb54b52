"""The chain command: the captured call tree, and each landmark's installed source."""

from __future__ import annotations

from rich.console import Console, Group
from rich.text import Text

from ..model import CallNode, Excerpt, Trace, fold_plumbing
from ..narrate.words import plural
from .layout import PLACE_MIN, Headline, show, shorten


def opens_a_call(source: str) -> bool:
    """The line leaves a bracket open: the statement goes on, and the calls in its arguments run first."""
    return sum(source.count(c) for c in "([{") > sum(source.count(c) for c in ")]}")


# A call's place among its siblings: the glyph before its name, and the guide under it for its children.
BRANCHES = {"root": ("", ""), "middle": ("├─ ", "│  "), "last": ("└─ ", "   ")}


def tree_block(trace: Trace, plumbing: bool, width: int = 80) -> Group:
    """The captured call tree, in the order the calls ran: each call under the caller's line that made it,
    siblings joined by ├─ and └─. A call from an earlier line than the one before it says why."""
    nodes = trace.tree if plumbing else fold_plumbing(trace.tree)
    lines: list[Text] = []

    def add(node: CallNode, guide: str, place: str, previous: CallNode | None) -> None:
        branch, below = BRANCHES[place]
        if node.call_line:
            caller = Text(f"{guide}│ ", style="dim", no_wrap=True, overflow="ellipsis")
            caller.append(f"{node.call_line:>5} │ {node.call_source}", style="dim")
            if previous is not None and previous.call_line and node.call_line < previous.call_line:
                why = ": its arguments ran first" if opens_a_call(node.call_source) else ""
                caller.append(f"  (called after line {previous.call_line}{why})", style="dim italic")
            lines.append(caller)
        name = Text(guide + branch, style="dim", no_wrap=True)
        name.append(node.function, style="dim" if node.plumbing else ("bold cyan" if node.landmark else "bold"))
        room = max(PLACE_MIN, width - name.cell_len - 2)
        name.append("  " + shorten(f"{node.file}:{node.line}", room, keep_end=True), style="dim")
        lines.append(name)
        for i, child in enumerate(node.children):
            add(child, guide + below, "last" if i == len(node.children) - 1 else "middle",
                node.children[i - 1] if i else None)

    for node in nodes:
        add(node, "", "root", None)
    head = Headline("Call tree", "captured from the real stack; each call under the line that made it")
    return Group(Text(trace.call, style="bold cyan"), head, *lines)


def source_block(ex: Excerpt) -> Group:
    """A landmark's full installed source; the lines that ran in this call are marked ▶."""
    ran = sum(line.ran for line in ex.lines)
    head = Headline(Text(ex.function.qualname, style="bold cyan"), f"{ex.function.file}:{ex.function.line}",
                    f"{ran} of {plural(len(ex.lines), 'line')} ran")
    width = max((len(str(line.lineno)) for line in ex.lines), default=1)
    body = Text(no_wrap=True, overflow="ellipsis")
    for line in ex.lines:
        body.append("▶ " if line.ran else "  ", style="bold green")
        body.append(f"{line.lineno:>{width}} │ ", style="dim")
        body.append(line.text + "\n", style="bold" if line.ran else "dim")
    body.rstrip()
    return Group(head, body)


def _has_plumbing(nodes) -> bool:
    return any(n.plumbing or _has_plumbing(n.children) for n in nodes)


def render_chain(trace: Trace, console: Console, plumbing: bool = False, source: bool = False) -> None:
    def build(width: int):
        yield tree_block(trace, plumbing, width)
        if not plumbing and _has_plumbing(trace.tree):
            yield Text("plumbing frames (error handlers, dispatch) folded; --plumbing shows them", style="dim")
        if source:
            for ex in trace.sources:
                yield None
                yield source_block(ex)

    show(console, build)
