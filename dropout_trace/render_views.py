"""The other views' entry points, which now live in the render package; kept so their callers' imports still work."""

from .render import (draw_stats, render_chain, render_compare, render_graph, render_lesson,  # noqa: F401
                     render_stats, render_topics, render_versions, render_walkthroughs)
