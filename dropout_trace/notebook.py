"""The notebook API: trace(...) runs one Dropout call like `run` and returns it as data that draws itself."""

from __future__ import annotations

import io
import json

from .spec import DEFAULT_MAX_ELEMENTS, UsageError, build_spec, format_dims

HTML_WIDTH = 100  # columns of the HTML drawing: a notebook cell is wider than a terminal's default


def _dims(value, option: str) -> str | None:
    """(None, 4), [None, 4], 4 or "None,4" -> the option's text; build_spec checks it like the CLI does."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, (tuple, list)):
        return format_dims(tuple(value)) if value else ""
    raise UsageError(f"{option} {value!r}: give a tuple such as (None, 4) or a string such as 'None,4'")


def _integer(value, option: str) -> int | None:
    if value is None or isinstance(value, int) and not isinstance(value, bool):
        return value
    try:
        return int(str(value).strip())
    except ValueError:
        raise UsageError(f"Invalid value for '{option}': {value!r} is not a valid integer") from None


def _text(value) -> str | None:
    return None if value is None else str(value)


def trace(rate=None, shape=None, *, batch=3, seed=42, noise_shape=None, dtype="float32", input="range",
          eager=False, api="keras", rng=None, keep_prob=None, training=True, rate_tensor=False, layer_dtype=None,
          policy=None, calls=1, replicas=None, max_elements=DEFAULT_MAX_ELEMENTS, plumbing=False, brief=False,
          stages=None) -> "Trace":
    """Trace one Dropout call as `dropout-trace run` does; seed=None is an unseeded call. Bad input: ValueError."""
    from .render import parse_stages

    if shape is None:
        raise UsageError("missing --shape: the input shape, e.g. shape=(None, 4) or shape='None,4'")
    if stages is not None and not isinstance(stages, str):
        stages = ",".join(str(s) for s in stages)
    picked = parse_stages(stages)
    spec = build_spec(rate=_text(rate), shape=_dims(shape, "--shape"), batch=_integer(batch, "--batch"),
                      seed="none" if seed is None else seed, noise_shape=_dims(noise_shape, "--noise-shape"),
                      dtype=dtype, input=input, eager=bool(eager), max_elements=_integer(max_elements,
                                                                                        "--max-elements"),
                      api=api, rng=rng, keep_prob=_text(keep_prob), training=bool(training),
                      rate_tensor=bool(rate_tensor), layer_dtype=layer_dtype, policy=policy,
                      calls=_integer(calls, "--calls"), replicas=_integer(replicas, "--replicas"))
    from .trace import trace_run

    return Trace(trace_run(spec), plumbing=plumbing, brief=brief, stages=picked)


class Trace:
    """One traced call: .data is what `run --format json` prints; it draws as `run` does, in Jupyter and rich."""

    def __init__(self, trace, plumbing: bool = False, brief: bool = False, stages: tuple[str, ...] | None = None):
        from .render_json import trace_json

        self.trace = trace  # the model.Trace every renderer reads
        self.data = json.loads(json.dumps(trace_json(trace)))  # exactly the JSON's values: lists, not tuples
        self.plumbing, self.brief, self.stages = plumbing, brief, stages

    @property
    def passed(self) -> bool | None:
        """The check's verdict; None when the library refused the call and there was nothing to check."""
        check = self.data["check"]
        if check is None:
            return None
        return check["passed"] and all(r["check"] is not None and r["check"]["passed"]
                                       for r in self.data["replicas"] or ())

    def to_json(self) -> str:
        """The same text `run --format json` prints (without its final newline)."""
        return json.dumps(self.data, indent=2)

    def __rich_console__(self, console, options):
        from rich.text import Text

        from .render import Pause, brief_blocks, trace_blocks

        width = options.max_width
        blocks = (brief_blocks(self.trace, width, self.stages) if self.brief else
                  trace_blocks(self.trace, width, self.plumbing, self.stages))
        for block in blocks:
            if isinstance(block, Pause):  # nothing to wait for in a notebook
                continue
            yield Text("") if block is None else block

    def _repr_html_(self) -> str:
        from .render import make_console

        console = make_console(io.StringIO(), width=HTML_WIDTH, color=True, record=True)
        console.print(self)
        return console.export_html(inline_styles=True)

    def __repr__(self) -> str:
        refusal = self.data["refusal"]
        verdict = f"refused: {refusal['type']}" if refusal else ("check passed" if self.passed else "check FAILED")
        return f"<dropout_trace trace: {self.data['call']} · {verdict}>"
