"""Every English sentence about the library, chosen from captured facts. Nothing else writes prose about it.

Each function takes facts (and the stage or check they are about) and returns words; no code
anywhere branches on what these words say.

words: numbers, lists and counts; header, stage, stage_brief, answer, replica_lines: the run views;
commands: graph; compare, versions and stats: those commands; one module per explain topic.
The names below are the ones callers use.
"""

from .answer import (answer_first, calls_summary, check_brief, check_rows, in_short, in_short_brief, kept_line,
                     probabilities_line, refusal)
from .batches import batches_brief, batches_summary, batches_title
from .cases import run_shapes
from .commands import GRAPH_MARKS, graph_backward, graph_backward_head, graph_mark
from .compare import compare_difference, compare_reason
from .header import library_version, mode_brief, mode_line, notes, notes_brief
from .replica_lines import replica_rows, replicas_agreement, replicas_lesson, replicas_why
from .stage import idea, missing, stopped, title, value_note, value_words
from .stage_brief import brief, not_reached_brief
from .words import ints, listed, num, plural

__all__ = ["GRAPH_MARKS", "answer_first", "batches_brief", "batches_summary", "batches_title", "brief", "calls_summary", "check_brief", "check_rows",
           "compare_difference", "compare_reason", "graph_backward", "graph_backward_head", "graph_mark", "idea", "in_short", "in_short_brief", "ints",
           "kept_line", "library_version", "listed", "missing", "mode_brief", "mode_line", "not_reached_brief", "notes", "notes_brief",
           "num", "plural", "probabilities_line", "refusal", "replica_rows", "replicas_agreement", "replicas_lesson",
           "replicas_why", "run_shapes", "stopped", "title", "value_note", "value_words"]
