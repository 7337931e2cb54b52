"""Which narrate lines and wordings the recorded runs reach, measured TF-free in one fresh process.

    python tests/narrate_reach.py [--json]

It starts coverage.py (only dropout_trace/narrate/ measured) before anything of the package is
imported, replaces every identifier-keyed wording table in narrate (a module-level dict) by one that
records the keys read, and then words every recorded run through every view: each snapshot in
tests/snapshots (full, brief, --plumbing, --stages, chain with and without --source, run and chain
JSON) and each recorded fact in tests/snapshots/facts (explain pages, stats and versions, as text and
JSON). It prints the line coverage, the lines never run and the table entries never read.
TensorFlow is never imported (a finder refuses it).
"""

from __future__ import annotations

import importlib.abc
import io
import json
import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parent
NARRATE = TESTS.parent / "dropout_trace" / "narrate"


class _NoTensorFlow(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("tensorflow", "keras", "tf_keras"):
            raise ImportError(f"{name}: the narrate reach is measured without TensorFlow")
        return None


class Reading(dict):
    """A wording table that notes each key read; iterating it reads them all."""

    def __init__(self, *args):
        super().__init__(*args)
        self.read = set()

    def __getitem__(self, key):
        self.read.add(key)
        return super().__getitem__(key)

    def get(self, key, default=None):
        if key in self.keys():
            self.read.add(key)
        return super().get(key, default)

    def __contains__(self, key):
        self.read.add(key) if super().__contains__(key) else None
        return super().__contains__(key)

    def _all(self):
        self.read.update(self.keys())

    def items(self):
        self._all()
        return super().items()

    def values(self):
        self._all()
        return super().values()

    def __iter__(self):
        self._all()
        return super().__iter__()


def _tables() -> dict:
    """Every module-level dict in narrate, swapped for a Reading one everywhere it is bound."""
    import pkgutil

    import dropout_trace.narrate as package

    modules = [importlib.import_module(f"{package.__name__}.{m.name}") for m in pkgutil.iter_modules(package.__path__)]
    tables = {}
    for module in modules:
        for name, value in list(vars(module).items()):
            if type(value) is dict and name.isupper() or (type(value) is dict and name.lstrip("_").isupper()):
                tables[f"{module.__name__.rsplit('.', 1)[1]}.{name}"] = (value, Reading(value))
    for module in [m for n, m in sys.modules.items() if n.startswith("dropout_trace") and m is not None]:
        for name, value in list(vars(module).items()):
            for old, new in tables.values():
                if value is old:
                    setattr(module, name, new)
    return {name: new for name, (_, new) in tables.items()}


def _console():
    from dropout_trace.render import make_console

    return make_console(io.StringIO(), width=100, color=False)


def _snapshots() -> int:
    from dropout_trace import snapshot_codec
    from dropout_trace.render import render_chain, render_trace
    from dropout_trace.render_json import chain_json, trace_json
    from dropout_trace.stages import build_trace

    count = 0
    for path in sorted((TESTS / "snapshots").glob("*.json")):
        trace = build_trace(snapshot_codec.load(path))
        for options in (dict(), dict(brief=True), dict(plumbing=True), dict(stages=("keep_mask", "output")),
                        dict(brief=True, stages=("keep_mask",))):
            render_trace(trace, _console(), **options)
        render_chain(trace, _console())
        render_chain(trace, _console(), source=True)
        trace_json(trace)
        chain_json(trace, source=True)
        count += 1
    return count


def _facts() -> int:
    import recorded_facts
    from dropout_trace import lessons
    from dropout_trace.render import draw_stats, render_lesson, render_versions
    from dropout_trace.render.compare import render_compare
    from dropout_trace.render_json import lesson_json, stats_json, versions_json
    from dropout_trace.render_json.commands import compare_json

    count = 0
    for name in recorded_facts.names():
        value = recorded_facts.load(name)
        if name.startswith("explain_"):
            render_lesson(value, lessons.page(value), _console())
            lesson_json(value)
        elif name.startswith("stats_"):
            draw_stats(value, _console())
            stats_json(value)
        elif name.startswith("compare_"):
            render_compare(value, _console())
            compare_json(value)
        else:
            render_versions(value, _console())
            versions_json(value)
        count += 1
    return count


def measure() -> dict:
    import coverage

    sys.meta_path.insert(0, _NoTensorFlow())
    sys.path[:0] = [str(TESTS.parent), str(TESTS)]  # this checkout's package, whatever is installed
    outer = coverage.Coverage.current()  # tests/narrate_coverage.py measures this process already: share it
    cov = outer or coverage.Coverage(data_file=None, source=[str(NARRATE)], branch=False, config_file=False)
    if outer is None:
        cov.start()
    try:
        tables = _tables()
        runs = _snapshots() + _facts()
    finally:
        if outer is None:
            cov.stop()
    lines = missed = 0
    unreached = {}
    for path in sorted(NARRATE.glob("*.py")):
        _, statements, _, missing, _ = cov.analysis2(str(path))
        lines += len(statements)
        missed += len(missing)
        if missing:
            unreached[path.name] = missing
    keys = {name: sorted(map(str, t.keys() - t.read)) for name, t in tables.items() if t.keys() - t.read}
    return {"runs": runs, "lines": lines, "missed": missed, "percent": round(100 * (lines - missed) / lines, 2),
            "unreached_lines": unreached, "unreached_table_entries": keys,
            "tables": sorted(tables)}


if __name__ == "__main__":
    found = measure()
    if "--json" in sys.argv:
        json.dump(found, sys.stdout)
    else:
        print(f"narrate line coverage from {found['runs']} recorded runs: {found['percent']}% "
              f"({found['lines'] - found['missed']} of {found['lines']} lines)")
        for name, missing in found["unreached_lines"].items():
            print(f"  {name}: lines {', '.join(map(str, missing))}")
        for name, keys in found["unreached_table_entries"].items():
            print(f"  {name}: never read: {', '.join(keys)}")
