"""Build the Trace from a Snapshot: stages, chain, call tree, sources and check. Pure: no TensorFlow here."""

from __future__ import annotations

import re

import numpy as np

from . import check as checks
from .apis import APIS, TF_OP_FOR_RNG, sampler_key
from .model import (CallNode, Excerpt, Frame, ListView, NamedValue, PyValue, SourceLine, Stage, StopPoint,
                    TensorView, Trace, Value)
from .snapshot import Event, Snapshot, runtime
from .stop_point import returned_at, stopped_at

EXCERPT_CAP = 8
# `_dropout` is read as consecutive segments, each starting where the library assigns a local.
DROPOUT_SEGMENTS = (("rate", None), ("noise_shape", "noise_shape"), ("uniform", "random_tensor"),
                    ("keep_mask", "keep_mask"), ("output", "zero_tensor"))
STAGE_NAMES = ("call", "seed", "dropout_op", "rate", "noise_shape", "uniform", "keep_mask", "output")
# Each stage value is known by an identifier (a local's own name, or one given in the builders below): its JSON
# key, fixed whatever the words. narrate.value_words gives the words the views show for it.


def build_trace(snap: Snapshot) -> Trace:
    """Everything every renderer reads, derived from the snapshot alone."""
    from .facts import derive

    b = Builder(snap)
    stages = b.stages()
    tensors = b.tensors()
    check = None if snap.refusal else b.check(tensors)
    trace = Trace(snapshot=snap, chain=b.chain(), stages=stages, tensors=tensors, check=check, tree=b.call_tree(),
                  sources=b.sources())
    return trace.with_facts(derive(trace))


class Builder:
    """Reads the frozen events: locals, executed lines and the installed source of each landmark."""

    def __init__(self, snap: Snapshot):
        self.snap, self.spec, self.lm = snap, snap.spec, snap.landmarks
        self.api = APIS[snap.spec.api]
        self.rng = snap.rng

    # -- reading the snapshot -------------------------------------------------------------------
    def event(self, key: str) -> Event | None:
        return self.snap.first(key)

    def local(self, key: str, name: str, call: bool = False) -> Value | None:
        ev = self.event(key)
        if ev is None:
            return None
        pool = ev.call_locals if call or ev.return_locals is None else ev.return_locals
        return pool.get(name)

    def returned(self, key: str) -> Value | None:
        ev = self.event(key)
        return ev.returned if ev is not None and ev.finished else None

    def after(self, key: str, name: str) -> Value | None:
        return self.snap.after.get(f"{key}:{name}")

    # -- source ---------------------------------------------------------------------------------
    def tensor_lines(self, key: str) -> list[int]:
        """The lines that produced the tensors a function still holds when it returns, and the return."""
        ev = self.event(key)
        if ev is None or not ev.finished:
            return []
        return self.assigned(key, list(ev.tensors)) + self.returned_at(key)

    def assigned(self, key: str, names: list[str]) -> list[int]:
        """Executed lines of the last assignment to each local in `names` (whole statements)."""
        ev, lm = self.event(key), self.lm.get(key)
        if ev is None or lm is None or not lm.found:
            return []
        keep: set[int] = set()
        for name in names:
            ran = [(a, b) for a, b in lm.spans.get(name, []) if a in ev.lines]
            if ran:
                first, last = max(ran, key=lambda span: ev.lines.index(span[0]))
                keep.update(range(first, last + 1))
        return [n for n in ev.lines if n in keep]

    def returned_at(self, key: str) -> list[int]:
        """The `return` statement that ended this call: the last one that ran."""
        return returned_at(self.snap.events, self.lm, key)

    def mentioning(self, key: str, lines: list[int], names: tuple[str, ...]) -> list[int]:
        """The lines among `lines` whose installed source uses any of these names."""
        lm = self.lm.get(key)
        if lm is None or not lm.found:
            return []
        pattern = re.compile(r"\b(" + "|".join(map(re.escape, names)) + r")\b")
        return [n for n in lines if pattern.search(lm.line(n))]

    def excerpt(self, key: str, lines: list[int] | None = None, cap: int = EXCERPT_CAP) -> Excerpt | None:
        """The executed lines of a landmark in source order, with the comments just above them."""
        ev, lm = self.event(key), self.lm.get(key)
        if ev is None or lm is None or not lm.found:
            return None
        ran = sorted(set(ev.lines if lines is None else lines))
        if not ran:
            return None
        more = max(0, len(ran) - cap)
        ran = ran[:cap]
        span = lm.lines()
        shown: dict[int, SourceLine] = {}
        for n in ran:
            above = n - 1
            while above in span and above not in shown and lm.line(above).strip().startswith("#"):
                shown[above] = SourceLine(above, lm.line(above), False)
                above -= 1
            shown[n] = SourceLine(n, lm.line(n), True)
        return Excerpt(lm.ref, tuple(shown[k] for k in sorted(shown)), more)

    def segment(self, stage: str) -> list[int]:
        """Executed lines of `_dropout` from this stage's anchor assignment up to the next stage's."""
        ev, lm = self.event("tf._dropout"), self.lm["tf._dropout"]
        if ev is None or not lm.found:
            return []
        starts = []
        for key, var in DROPOUT_SEGMENTS:
            if var is None:  # the first segment starts with the function
                starts.append((key, 0))
                continue
            starts.append((key, next((ev.lines.index(n) for n in lm.assigned_at(var) if n in ev.lines), None)))
        index = [k for k, _ in starts].index(stage)
        begin = starts[index][1]
        if begin is None:
            return []
        end = next((pos for _, pos in starts[index + 1:] if pos is not None), len(ev.lines))
        return list(ev.lines[begin:end])

    # -- stages ---------------------------------------------------------------------------------
    def stopped(self) -> StopPoint | None:
        """Where the library returned early, read from the last `return` that ran, or where it raised."""
        r = self.snap.refusal
        if r is not None:
            return StopPoint(r.function, r.file, r.line, r.source, raised=True)
        return stopped_at(self.snap.events, self.lm)

    def stage(self, key, fkey, values, subject, excerpts, holds_shape=False, reached=None) -> Stage:
        lm = self.lm.get(fkey)
        ok = (self.event(fkey) is not None) if reached is None else reached
        if lm is None or not lm.found:
            status = "missing"
        elif self.snap.refusal and self.snap.refusal.landmark == fkey and ok:  # its own part of the function ran
            status = "raised"
        else:
            status = "ran" if ok else "not_reached"
        vals = tuple(NamedValue(key=name, value=v) for name, v in values if v is not None) if ok else ()
        main = next((v for name, v in values if name == subject), None) if ok else None
        static, dynamic, dtype = _shapes(main, holds_shape)
        return Stage(key, fkey, lm.ref if lm else None, status,
                     tuple(e for e in excerpts if e) if ok else (), vals,
                     subject if ok else None,
                     None if ok or status == "missing" else self.stopped(),
                     lm.missing if lm is not None and status == "missing" else None, static, dynamic, dtype)

    def stages(self) -> tuple[Stage, ...]:
        return tuple(self.api.front(self)) + tuple(self._common())

    # front-stage pieces: each API's front() picks three of these
    def layer_call(self, key: str) -> Stage:
        return self.stage("call", key, [("inputs", self.local(key, "inputs", call=True)),
                                        ("training", self.local(key, "training", call=True)),
                                        ("self_rate", self.after(key, "rate"))],
                          "inputs", [self.excerpt(key)])

    def function_call(self, key: str, names: tuple[str, ...], excerpt: bool = True) -> Stage:
        return self.stage("call", key, [(n, self.local(key, n, call=True)) for n in names],
                          names[0], [self.excerpt(key)] if excerpt else [])  # else its body is stage 3

    def op_stage(self, key: str, names: tuple[str, ...]) -> Stage:
        return self.stage("dropout_op", key, [(n, self.local(key, n, call=True)) for n in names], "x",
                          [self.excerpt(key)])

    def keras_seed(self) -> Stage:
        ex = self.excerpt
        during = self.snap.during.get("state")
        state_before = self.returned("keras.SeedGenerator.next")
        after = self.snap.calls[0].state_after if self.snap.calls else None
        key = "keras.SeedGenerator.next" if self.event("keras.SeedGenerator.next") else "keras.draw_seed"
        return self.stage(
            "seed", key,
            [("state_while_tracing", during),
             ("state_before", state_before if key == "keras.SeedGenerator.next" else None),
             ("state_after", _after_view(after)),
             ("seed_drawn", self.returned("keras.draw_seed") if key == "keras.draw_seed" else None),
             ("seed_passed_on", self.returned("keras._cast_seed"))],
            "seed_passed_on",
            [ex("keras.backend.dropout", self.assigned("keras.backend.dropout", ["seed"])),
             ex("keras.draw_seed", self.returned_at("keras.draw_seed") if key != "keras.draw_seed" else None),
             ex("keras.SeedGenerator.next"), ex("keras._cast_seed")],
            reached=self.event("keras.draw_seed") is not None)

    def tf_keras_branch(self) -> Stage:
        gen = "tf_keras.RandomGenerator.dropout"
        values = [("rng_type", self.after(gen, "_rng_type"))]
        excerpts = [self.excerpt(gen)]
        if self.rng == "stateless":
            key = "tf_keras.RandomGenerator.make_seed_for_stateless_op"
            values.append(("seed_passed_on", self.returned(key)))
            excerpts.append(self.excerpt(key))
        elif self.rng == "stateful":
            values.append(("state_while_tracing", self.snap.during.get("state")))
            if self.snap.calls:
                values.append(("state_before", _after_view(self.snap.calls[0].state_before)))
                values.append(("state_after", _after_view(self.snap.calls[0].state_after)))
        else:
            key = "tf_keras.RandomGenerator.make_legacy_seed"
            values.append(("op_seed", self.returned(key)))
            values.append(("global_op_seeds", self.returned("tf.get_seed")))
            excerpts.append(self.excerpt(key))
        return self.stage("seed", gen, values, "rng_type", excerpts)

    def tf_keras_op(self) -> Stage:
        return self.op_stage(TF_OP_FOR_RNG[self.rng], ("x", "rate", "noise_shape", "seed", "uniform_sampler"))

    def global_op_seeds(self) -> Stage:
        return self.stage("seed", "tf.get_seed", [("op_seed", self.local("tf.get_seed", "op_seed", call=True)),
                                                  ("global_op_seeds", self.returned("tf.get_seed"))],
                          "global_op_seeds", [self.excerpt("tf.get_seed")])

    def v1_call(self) -> Stage:
        key = "tf.dropout_v1"
        return self.stage("call", key, [("keep_prob", self.local(key, "keep_prob", call=True)),
                                        ("rate_from_keep_prob", self.local(key, "rate_from_keep_prob")),
                                        ("x", self.local(key, "x", call=True))], "x", [self.excerpt(key)])

    def stateless_seed(self) -> Stage:
        key = "tf.stateless_dropout"
        ev = self.event(key)
        return self.stage("seed", key, [("seed", self.local(key, "seed", call=True))], "seed",
                          [self.excerpt(key, self.mentioning(key, list(ev.lines) if ev else [], ("seed",)))])

    def _common(self) -> list[Stage]:
        ex = self.excerpt
        sampler = sampler_key(self.spec.api, self.rng)
        seg = {name: self.segment(name) for name, _ in DROPOUT_SEGMENTS}
        noise_keys = [k for k in self.lm if k.endswith("_get_noise_shape") and not k.startswith("tf.")]
        noise_keys += ["keras._get_concrete_noise_shape"] if "keras._get_concrete_noise_shape" in self.lm else []
        ran_noise = [k for k in noise_keys if self.event(k)]
        fast_path = [n for n in self.returned_at("tf._dropout") if n in seg["rate"]]  # e.g. `return x` for rate 0
        rate_lines = self.mentioning("tf._dropout", seg["rate"], ("rate", "keep_prob", "scale")) + fast_path
        drew = bool(seg["uniform"]) or (self.snap.refusal is not None and self.snap.refusal.landmark == sampler)
        return [
            self.stage("rate", "tf._dropout",
                       [("rate", self.local("tf._dropout", "rate")), ("keep_prob", self.local("tf._dropout", "keep_prob")),
                        ("scale", self.local("tf._dropout", "scale")), ("x", self.local("tf._dropout", "x"))],
                       "x", [ex("tf._dropout", rate_lines, cap=12)], reached=bool(seg["rate"])),
            self.stage("noise_shape", "tf._get_noise_shape",
                       [("x", self.local("tf._dropout", "x")),
                        *[("keras_noise_shape" if k.startswith("keras._") else "layer_noise_shape", self.returned(k))
                          for k in ran_noise],
                        ("noise_shape", self.returned("tf._get_noise_shape"))],
                       "noise_shape", [*[ex(k) for k in ran_noise], ex("tf._dropout", seg["noise_shape"]),
                                       ex("tf._get_noise_shape")], holds_shape=True),
            self.stage("uniform", sampler, [("random_tensor", self.local("tf._dropout", "random_tensor"))],
                       "random_tensor", [ex("tf._dropout", seg["uniform"]), ex(sampler, self.tensor_lines(sampler))],
                       reached=drew),
            self.stage("keep_mask", "tf._dropout", [("keep_mask", self.local("tf._dropout", "keep_mask"))],
                       "keep_mask", [ex("tf._dropout", seg["keep_mask"])], reached=bool(seg["keep_mask"])),
            self.stage("output", "tf._dropout", [("output", self.returned("tf._dropout"))],
                       "output", [ex("tf._dropout", seg["output"])], reached=bool(seg["output"])),
        ]

    # -- chain, tree, sources, tensors, check -----------------------------------------------------
    def chain(self) -> tuple[Frame, ...]:
        """The stack when `_dropout` was entered (or the deepest landmark reached), outermost first."""
        ev = self.event("tf._dropout") or (self.snap.events[-1] if self.snap.events else None)
        if ev is None:
            return ()
        return tuple(Frame(f.qualname, f.file, f.line, f.plumbing, f.landmark) for f in ev.stack if not f.ours)

    def call_tree(self) -> tuple[CallNode, ...]:
        """All recorded stacks merged into one tree: frames are shared while they are the same live frame."""
        nodes: dict = {}  # node key -> [StackFrame, call line, call source, children keys]
        roots: list = []
        for ev in self.snap.events:
            parent = None
            for i, entry in enumerate(ev.stack):
                key = (parent, entry.frame_id, entry.code_id)
                if key not in nodes:
                    caller = ev.stack[i - 1] if i else None
                    nodes[key] = [entry, caller.line if caller else None, caller.source.strip() if caller else "", []]
                    (nodes[parent][3] if parent else roots).append(key)
                parent = key

        def build(key) -> CallNode:
            entry, call_line, source, children = nodes[key]
            return CallNode(entry.qualname, entry.file, entry.def_line, call_line, source, entry.plumbing,
                            entry.landmark, tuple(build(c) for c in children))

        return tuple(build(k) for k in roots)

    def sources(self) -> tuple[Excerpt, ...]:
        """The full installed source of every landmark that ran, in the order they were first called."""
        found = []
        for ev in self.snap.events:
            lm = self.lm[ev.key]
            if any(e.function == lm.ref for e in found):
                continue
            ran = set(ev.lines)
            found.append(Excerpt(lm.ref, tuple(SourceLine(lm.first_line + i, text.rstrip("\n"), lm.first_line + i in ran)
                                               for i, text in enumerate(lm.source))))
        return tuple(found)

    def tensors(self) -> dict:
        first = self.snap.calls[0] if self.snap.calls else None
        seeds: dict = {"seed": None}
        if first is not None and first.seed_used is not None:
            if self.event("tf.get_seed") is not None:
                seeds["global_seed"], seeds["op_seed"] = (np.asarray(s) for s in first.seed_used)
            else:
                seeds["seed"] = first.seed_used
        return {"input": self.snap.input, **seeds,
                "random": first.random if first else None, "keep_mask": first.keep_mask if first else None,
                "output": first.output if first else None}

    def check(self, t: dict):
        """Recompute from the captured random tensor with the rate `_dropout` really received."""
        rate_value = self.local("tf._dropout", "rate", call=True)
        if isinstance(rate_value, TensorView):
            rate, as_tensor = float(rate_value.value), True
        elif isinstance(rate_value, PyValue) and isinstance(rate_value.data, (int, float)):
            rate, as_tensor = float(rate_value.data), False
        else:  # `_dropout` never ran: the call returned early, at the rate Keras's backend received, if it ran
            early = self.local("keras.backend.dropout", "rate", call=True)
            if isinstance(early, TensorView) and early.value is not None:  # an eager rate tensor
                rate = float(early.value)
            else:
                rate = float(early.data) if isinstance(early, PyValue) and isinstance(early.data, (int, float)) else 0.0
            as_tensor = False
        return checks.check_calls(self.snap, rate, as_tensor)


def _after_view(a: np.ndarray | None) -> TensorView | None:
    """A value read after the run: it did not exist while tracing, so it has no static side."""
    return None if a is None else TensorView(a.dtype.name, None, a, None, None)


def _shapes(v: Value | None, holds_shape: bool) -> tuple[list | None, list | None, str | None]:
    """(static, dynamic, dtype) of a stage's main value; a shape vector reports the shape it holds."""
    if isinstance(v, TensorView):
        if holds_shape:
            static = v.static_value if isinstance(v.static_value, list) else None
            return static, None if v.value is None else [int(d) for d in np.ravel(v.value)], v.dtype
        return (list(v.static_shape) if v.static_shape is not None else None), \
            (None if v.value is None else list(v.dynamic_shape)), v.dtype
    if isinstance(v, ListView):  # a shape built per dimension: Python ints and scalar tensors
        static = [i.data if isinstance(i, PyValue) else i.static_value for i in v.items]
        dynamic = [int(i.data) if isinstance(i, PyValue) else
                   (None if i.value is None else int(np.ravel(i.value)[0])) for i in v.items]
        return [s if isinstance(s, int) else None for s in static], \
            (None if None in dynamic else dynamic), "int32"
    if isinstance(v, PyValue) and isinstance(v.data, list):  # a TensorShape: known in Python
        return v.data, (v.data if None not in v.data else None), None
    return None, None, None


__all__ = ["build_trace", "Builder", "STAGE_NAMES", "runtime"]
