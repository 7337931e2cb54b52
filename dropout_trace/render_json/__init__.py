"""The outputs as JSON: another rendering of the same dataclasses, not a second code path.

Every command's JSON is made by document(): its top level starts with schema_version and tool_version.
Every array is written once, in the output's top-level `tensors` table ({name: {dtype, shape, values
or summary}}), and named wherever else it appears. Every key is an identifier. The schema of each
command's output is in dropout_trace/schemas/<command>.schema.json.
"""

from .commands import compare_json, graph_json, lesson_json, stats_json, topics_json, versions_json
from .document import IDENTIFIER, SCHEMA_VERSION, document, identified
from .run import chain_json, dumps, trace_json
from .tensors import Tensors, plain, summary
from .writer import text, write

__all__ = ["IDENTIFIER", "SCHEMA_VERSION", "Tensors", "chain_json", "compare_json", "document", "dumps",
           "graph_json", "identified", "lesson_json", "plain", "stats_json", "summary", "text", "topics_json",
           "trace_json", "versions_json", "write"]
