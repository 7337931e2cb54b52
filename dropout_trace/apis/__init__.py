"""The Dropout entry points: one module each in this package, and the registry every command reads.

Adding an entry point means writing one Api subclass (apis/base.py says what it answers) and
registering an instance: the CLI's choices and help, `versions`, `compare`, `stats` and the facts
all read APIS. Stages 1-3 (how an API reaches TensorFlow) are its own; stages 4-8 are
`_dropout`'s and shared (stages.py).
"""

from __future__ import annotations

from .base import NAMES, TF_LANDMARKS, TF_LOCALS, Api, number
from .keras3 import KerasRandomDropout, Keras3Dropout, SpatialDropout
from .stateless import StatelessDropout
from .tf_keras import RNGS, TF_OP_FOR_RNG, TfKerasDropout
from .tf_nn import TfNnDropout, TfV1Dropout

APIS: dict[str, Api] = {}
# Every landmark function, by key: (import path, attribute path); TensorFlow's, then each API's own.
LANDMARKS: dict[str, tuple[str, str]] = {}
LOCALS: dict[str, tuple[str, ...]] = dict(TF_LOCALS)


def _or(names: list[str]) -> str:
    return ", ".join(names[:-1]) + " or " + names[-1] if len(names) > 1 else "".join(names)


def _names() -> None:
    NAMES["layers"] = ", ".join(n for n, a in APIS.items() if a.kind == "layer")
    NAMES["rate_tensor"] = _or([n for n, a in APIS.items() if a.takes_rate_tensor])


def register(api: Api) -> Api:
    """Add an entry point (last in every list) and its landmarks; returns it."""
    APIS[api.name] = api
    LANDMARKS.update(api.landmarks)
    LOCALS.update(api.local_names)
    _names()
    return api



# The built-in entry points, by a name code can use where a lesson needs one in particular.
KERAS3, TF_KERAS, TF_NN, TF_V1, STATELESS, KERAS_RANDOM = (
    Keras3Dropout(), TfKerasDropout(), TfNnDropout(), TfV1Dropout(), StatelessDropout(), KerasRandomDropout())
SPATIAL = {n: SpatialDropout(n) for n in (1, 2, 3)}
for _api in (KERAS3, TF_KERAS, TF_NN, TF_V1, STATELESS, KERAS_RANDOM, *SPATIAL.values()):
    register(_api)
LANDMARKS.update(TF_LANDMARKS)  # after the built-in entry points' own, in the order `versions` lists them

DEFAULT_API = KERAS3.name


def default_shape(api: str) -> str:
    """A small input with an unknown batch that the API accepts."""
    rank = APIS[api].rank if api in APIS else None
    return {None: "None,4", 3: "None,3,4", 4: "None,2,2,3", 5: "None,2,2,2,3"}[rank]


def api_names() -> str:
    return ", ".join(APIS)


def call_text(spec) -> str:
    """The public call being traced, as a learner would write it."""
    return APIS[spec.api].text(spec)


def effective_rng(spec) -> str | None:
    """The RandomGenerator branch (tf-keras): the one asked for, or the library's own default."""
    return APIS[spec.api].rng(spec)


def sampler_key(api: str, rng: str | None) -> str:
    """The landmark that draws the uniforms for this API (and tf-keras branch)."""
    return APIS[api].sampler_for(rng)


def input_signature(spec, tf, args) -> list:
    """The tf.function signature: x with its None sizes, then a scalar per extra argument (a rate tensor)."""
    dtype = tf.as_dtype(spec.dtype)
    return [tf.TensorSpec(shape=spec.shape, dtype=dtype)] + [tf.TensorSpec((), dtype) for _ in args]


def make_call(spec, tf, seed=None):
    """(owner, call, args) for the traced API; `seed` overrides spec.seed (a seed read from a run)."""
    return APIS[spec.api].make(spec, tf, seed)


def innermost_quoted(exc: BaseException) -> BaseException:
    """The library's own exception inside the wrappers that quote it: tf-keras raises one of the same type whose
    message adds the layer's name and call arguments around TensorFlow's, with TensorFlow's as its context."""
    inner = exc.__context__
    while inner is not None and type(inner) is type(exc) and str(inner).strip() and str(inner) in str(exc):
        exc, inner = inner, inner.__context__
    return exc


def raised_by_library(exc: BaseException, call) -> bool:
    """Whether `exc` is the library's refusal rather than the tool's own failure: it came out of `call` (the
    API's call from make_call: its frame is on the traceback, as TensorFlow and Keras filter only their own
    frames out), or TensorFlow's runtime raised it while a graph ran (an OpError, which passes through no
    Python of ours)."""
    code = getattr(call, "__code__", None)
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code is code:
            return True
        tb = tb.tb_next
    return any(c.__name__ == "OpError" and c.__module__.startswith("tensorflow") for c in type(exc).__mro__)


__all__ = ["APIS", "DEFAULT_API", "KERAS3", "KERAS_RANDOM", "SPATIAL", "STATELESS", "TF_KERAS", "TF_NN", "TF_V1",
           "LANDMARKS", "LOCALS", "RNGS", "TF_OP_FOR_RNG", "Api", "api_names", "call_text",
           "default_shape", "effective_rng", "innermost_quoted", "input_signature", "make_call", "number", "raised_by_library",
           "register", "sampler_key"]
