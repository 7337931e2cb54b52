"""The notebook API: trace(...) runs one Dropout call like `run` and returns it as data that draws itself."""

from __future__ import annotations

import io
import json

import numbers
import re

from .apis import DEFAULT_API
from .spec import DEFAULT_MAX_ELEMENTS, DTYPES, INPUTS, MAX_RANK, POLICIES, UsageError, build_spec, format_dims

HTML_WIDTH = 100  # columns of the HTML drawing: a notebook cell is wider than a terminal's default

# The validation in spec.py speaks the CLI's options; a Python caller reads its parameters. One table: each
# option's parameter, or for a flag the argument that sets it.
PARAMETERS = {
    "--rate": "rate", "--keep-prob": "keep_prob", "--shape": "shape", "--noise-shape": "noise_shape",
    "--batch": "batch", "--seed": "seed", "--dtype": "dtype", "--layer-dtype": "layer_dtype", "--policy": "policy",
    "--input": "input", "--api": "api", "--rng": "rng", "--calls": "calls", "--replicas": "replicas",
    "--max-elements": "max_elements", "--max-memory": "max_memory", "--stages": "stages",
    "--eager": "eager=True", "--no-training": "training=False", "--training": "training=True",
    "--rate-tensor": "rate_tensor=True",
}
_OPTION = re.compile(r"--(?P<option>[a-z][a-z0-9-]*)(?: (?P<value>'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|[^\s;:()]+))?")
_NUMBER = re.compile(r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?(?P<unit>[A-Za-z]*)|[-+]?(?:nan|inf)")
_DIMS = re.compile(r"(?:None|\d+)(?:,(?:None|\d+))+")
_INPUT_DIMS = re.compile(r"(?<=input )(?:None|\d+)(?:,(?:None|\d+))+")
_JOINED = re.compile(r"(\b[a-z_]+=\S+) (?=[a-z_]+=)")  # "api='tf-keras' rng=..." -> "api='tf-keras', rng=..."


def _choices() -> set[str]:
    from .apis import APIS, RNGS

    return {*APIS, *RNGS, *DTYPES, *POLICIES, *INPUTS}


def _tuple_text(dims: str) -> str:
    """'None,4' -> '(None, 4)', the tuple a Python caller writes."""
    items = dims.split(",")
    return f"({', '.join(items)}{',' if len(items) == 1 else ''})"


def python_words(message: str, given: dict | None = None) -> str:
    """A validation message in the CLI's words, in a Python caller's: `--rate 1.5 is outside` -> `rate=1.5 is outside`.

    `given` maps a parameter to (the text the CLI option received, the value the caller passed): an option
    quoting that text is shown with the caller's own value, e.g. shape=(None, 0) for a tuple.
    """
    given = given or {}
    choices = _choices()

    def value_text(param: str, value: str) -> str | None:
        """The value in Python words, or None when the word after the option is prose ('--rng selects ...')."""
        bare = value[1:-1] if value[:1] in "'\"" and value[-1:] == value[:1] and len(value) > 1 else value
        if param in given and bare == given[param][0]:
            return repr(given[param][1])
        if value[:1] in "'\"":
            return value
        if value.lower() == "none":
            return "None"
        if _DIMS.fullmatch(value):
            return _tuple_text(value)
        number = _NUMBER.fullmatch(value)
        if number:
            return repr(value) if number["unit"] else value
        if "|" in value:
            names = [repr(v) for v in value.split("|")]
            return f"{', '.join(names[:-1])} or {names[-1]}"
        return repr(value) if value in choices else None

    def option(m: re.Match) -> str:
        name = PARAMETERS.get(f"--{m['option']}")
        if name is None:  # not a parameter of trace(): left as it is
            return m[0]
        value, tail = m["value"], ""
        if value and value[-1] in ",." and value[:1] not in "'\"":
            value, tail = value[:-1], value[-1]
        if not value:
            return name + tail
        shown = None if "=" in name else value_text(name, value)
        return f"{name}={shown}{tail}" if shown is not None else f"{name} {value}{tail}"

    text = _OPTION.sub(option, message)
    text = _INPUT_DIMS.sub(lambda m: _tuple_text(m[0]), text)
    return _JOINED.sub(r"\1, ", text)


def _kind(value) -> str:
    return type(value).__name__


def _flag(name: str, value) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"{name}={value!r} is a {_kind(value)}, not a bool: give True or False")
    return value


def _int(name: str, value, optional: bool = False) -> int | None:
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name}={value!r} is a {_kind(value)}, not an int: give an int"
                        + (", or None" if optional else ""))
    return int(value)


def _text(name: str, value, optional: bool = False) -> str | None:
    if value is None and optional:
        return None
    if not isinstance(value, str):
        raise TypeError(f"{name}={value!r} is a {_kind(value)}, not a str: give its name as a string"
                        + (", or None" if optional else ""))
    return value


def _probability(name: str, value, example: str) -> str | None:
    """rate / keep_prob: a real number, or a string holding one (as the CLI takes it); None when not given."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name}={value!r} is a {_kind(value)}, not a number: give a float, e.g. {name}={example}")
    text = str(value)
    try:
        float(text)
    except ValueError:  # e.g. a Fraction prints as 3/10
        text = repr(float(value))
    return text


def _dims(name: str, value, optional: bool = False) -> str | None:
    """A shape: a tuple or list of sizes (ints, None where unknown while tracing), a bare int, or "None,4"."""
    if value is None and optional or isinstance(value, str):
        return value
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        value = (value,)
    elif not isinstance(value, (tuple, list)):
        raise TypeError(f"{name}={value!r} is a {_kind(value)}: give a tuple of sizes such as (None, 4), or a "
                        "string such as 'None,4'")
    for size in value:
        if size is not None and (isinstance(size, bool) or not isinstance(size, numbers.Integral)):
            raise TypeError(f"{name}={value!r}: {size!r} is a {_kind(size)}; each size is an int, or None where "
                            "the size is unknown while tracing, e.g. (None, 4)")
    if not value:
        raise UsageError(f"{name}={value!r} is empty; give one size per dimension, e.g. (None, 4)")
    for size in value:
        if size is not None and size <= 0:
            raise UsageError(f"{name}={value!r}: size {size} is not positive; give positive sizes, or None where the "
                             "size is unknown while tracing, e.g. (None, 4)")
    if len(value) > MAX_RANK:
        raise UsageError(f"{name}={value!r} has rank {len(value)}; dropout-trace shows inputs of rank 1 to {MAX_RANK}, "
                         "e.g. (None, 4)")
    return format_dims(tuple(None if d is None else int(d) for d in value))


def _seed(value) -> int | str:
    if value is None:
        return "none"
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"seed={value!r} is a {_kind(value)}, not an int: give an int such as 42, or None for an "
                        "unseeded call")
    return int(value)


def _stages(value) -> str | None:
    """Stage names or 1-based numbers: one, a sequence of them, or a comma-separated string."""
    if value is None or isinstance(value, str):
        return value
    items = list(value) if isinstance(value, (tuple, list)) else [value]
    for item in items:
        if isinstance(item, bool) or not isinstance(item, (str, numbers.Integral)):
            raise TypeError(f"stages={value!r}: {item!r} is a {_kind(item)}; give stage names or numbers, e.g. "
                            "stages=('keep_mask', 'output') or stages=7")
    return ",".join(str(item) for item in items)


def _memory(value) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"max_memory={value!r} is a {_kind(value)}: give a number of bytes, or a string such as '16G'")
    return str(int(value))


# Over 60 lines only through its docstring, which lists every parameter for help(dropout_trace.trace).
def trace(rate=None, shape=None, *, batch=3, seed=42, noise_shape=None, dtype="float32", input="range",
          eager=False, api=DEFAULT_API, rng=None, keep_prob=None, training=True, rate_tensor=False, layer_dtype=None,
          policy=None, calls=1, replicas=None, max_elements=DEFAULT_MAX_ELEMENTS, max_memory=None, plumbing=False,
          brief=False, stages=None) -> "Trace":
    """Trace one Dropout call as `dropout-trace run` does, and return it as data that draws itself.

    Parameters (each as `run`'s option of the same name):
      rate (float, or a numeric str): the drop probability in [0, 1]; required unless keep_prob is given.
      shape (tuple or list of int or None, an int, or a str such as "None,4"): the input shape, required;
          None is a size unknown while the graph is traced.
      batch (int): the size every None takes at run time.
      seed (int or None): the seed; None is an unseeded call.
      noise_shape (like shape, or None): passed to the API; a 1 shares one draw along that axis.
      dtype (str): the input's dtype, float16, bfloat16, float32 or float64.
      input (str): the input values, range, ones or normal.
      eager, training, rate_tensor, plumbing, brief (bool): as run's --eager, --training/--no-training,
          --rate-tensor, --plumbing and --brief.
      api (str): which dropout, e.g. "keras", "tf-keras", "tf.nn.dropout" (dropout-trace run --help lists them).
      rng (str or None): tf-keras only, stateless, stateful or legacy.
      keep_prob (float, a numeric str, or None): tf.compat.v1.nn.dropout only, instead of rate.
      layer_dtype, policy (str or None): layers only, the layer's dtype= argument.
      calls (int): call the same layer or function this many times, 1 to 10.
      replicas (int or None): run under MirroredStrategy on this many logical CPUs, 2 to 8.
      max_elements (int): refuse inputs with more elements than this.
      max_memory (int bytes, a str such as "16G", or None): refuse runs estimated to need more at their peak.
      stages (a stage name or number, a tuple or list of them, a comma-separated str, or None): what draws.

    Raises:
      TypeError: an argument of the wrong type, e.g. eager="False" or seed="7" (bools must be True or False,
          ints real ints, not bools), named as the parameter, e.g. "eager='False' is a str, not a bool".
      ValueError (dropout_trace.spec.UsageError): a value outside what is valid, e.g. "rate=1.5 is outside
          [0, 1]", "calls=11 is outside 1..10", or an API that does not take an option.

    The caller's TensorFlow and Keras settings (global seed, run_functions_eagerly, policies, layer-name
    counters, Python's random state) neither shape the trace nor are changed by it.
    """
    from .stage_option import parse_stages
    from .tfstate import isolated

    options = dict(rate=_probability("rate", rate, "0.3"), keep_prob=_probability("keep_prob", keep_prob, "0.7"),
                   shape=_dims("shape", shape, optional=True), noise_shape=_dims("noise_shape", noise_shape, True),
                   batch=_int("batch", batch), seed=_seed(seed), dtype=_text("dtype", dtype),
                   input=_text("input", input), eager=_flag("eager", eager), api=_text("api", api),
                   rng=_text("rng", rng, True), training=_flag("training", training),
                   rate_tensor=_flag("rate_tensor", rate_tensor), layer_dtype=_text("layer_dtype", layer_dtype, True),
                   policy=_text("policy", policy, True), calls=_int("calls", calls),
                   replicas=_int("replicas", replicas, True), max_elements=_int("max_elements", max_elements),
                   max_memory=_memory(max_memory))
    _flag("plumbing", plumbing)
    _flag("brief", brief)
    stage_text = _stages(stages)
    if shape is None:
        raise UsageError("missing shape: the input shape, e.g. shape=(None, 4) or shape='None,4'")
    originals = dict(rate=rate, keep_prob=keep_prob, shape=shape, noise_shape=noise_shape, batch=batch, seed=seed,
                     dtype=dtype, input=input, api=api, rng=rng, layer_dtype=layer_dtype, policy=policy,
                     calls=calls, replicas=replicas, max_elements=max_elements, max_memory=max_memory, stages=stages)
    passed = {**options, "stages": stage_text}
    given = {k: (str(passed[k]), v) for k, v in originals.items() if v is not None and passed[k] is not None}
    try:
        picked = parse_stages(stage_text)
        spec = build_spec(**options)
    except UsageError as exc:
        raise UsageError(python_words(str(exc), given)) from None
    from .trace import trace_run

    with isolated():  # capture isolates itself too; this covers everything the trace reads
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
        """Its only drawing in a notebook: the HTML handout's fragment, in its own colours (light or dark as the
        notebook's theme, else the reader's), grids as tables. Nothing is printed: one output per cell."""
        from .render import make_console
        from .render.handout import Handout

        console = make_console(io.StringIO(), width=HTML_WIDTH, color=True, record=True)
        with Handout(console, level=None) as handout:
            console.print(self)
        return handout.fragment()

    def __repr__(self) -> str:
        refusal = self.data["refusal"]
        verdict = f"refused: {refusal['type']}" if refusal else ("check passed" if self.passed else "check FAILED")
        return f"<dropout_trace trace: {self.data['call']} · {verdict}>"
