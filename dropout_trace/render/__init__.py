"""Terminal rendering with rich: the only package that knows about consoles, colour and width.

console: the console; palette: each theme's colours, for the terminal and the exports; layout: the width engine and the pieces views are built of;
numbers, grids, values: cells, tensor grids and value tables; one module per view (run_full,
run_brief, chain, graph, compare, versions, stats, explain, walkthroughs); step: printing a run
view, waiting at each stage in step mode. The names below are the ones callers use.
"""

from ..stage_option import parse_stages  # callers import it from here; it parses --stages, it draws nothing
from .chain import render_chain
from .compare import render_compare
from .console import make_console
from .explain import render_lesson, render_topics
from .graph import render_graph
from .grids import DROPPED, KEPT, MAX_LINES, grid, grid_caption
from .layout import Pause
from .run_brief import brief_blocks
from .run_full import excerpt_text, trace_blocks
from .stats import draw_stats, render_stats
from .step import render_trace
from .versions import render_versions
from .walkthroughs import render_walkthroughs

__all__ = ["DROPPED", "KEPT", "MAX_LINES", "Pause", "brief_blocks", "draw_stats", "excerpt_text", "grid",
           "grid_caption", "make_console", "parse_stages", "render_chain", "render_compare", "render_graph", "render_lesson",
           "render_stats", "render_topics", "render_trace", "render_versions", "render_walkthroughs", "trace_blocks"]
