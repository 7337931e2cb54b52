"""The recorder among other tools: an outer tracer, pdb's engine, coverage, a second recorder, threads.

Each test runs on every capture backend this interpreter has (sys.settrace, and sys.monitoring on
3.12+). The outer tools' own records, made without a capture, are the reference.
"""

import bdb
import concurrent.futures
import contextlib
import sys
import threading

import pytest

from dropout_trace.capture import BACKEND_ENV, TOOL_IDS, TOOL_NAME, Recorder, backend
from dropout_trace.harness import landmarks_for
from dropout_trace.spec import build_spec
from dropout_trace.trace import capture, trace_run

from test_trace import bits_equal

MONITORING = sys.version_info >= (3, 12)
BACKENDS = ["settrace", "monitoring"] if MONITORING else ["settrace"]


@pytest.fixture(params=BACKENDS)
def capture_backend(request, monkeypatch):
    monkeypatch.setenv(BACKEND_ENV, request.param)
    assert backend() == request.param
    return request.param


@pytest.fixture(scope="module")
def works(tf, keras):
    """name -> (the API whose landmarks are watched, a call of it). Graph builds the ops in a new graph each time."""
    import tf_keras

    x = tf.ones((3, 4))
    layer = keras.layers.Dropout(0.5, seed=1)
    legacy = tf_keras.layers.Dropout(0.5, seed=1)
    return {"tf.nn.dropout": ("tf.nn.dropout", lambda: tf.nn.dropout(x, 0.5, seed=1)),
            "keras": ("keras", lambda: layer(x, training=True)),
            "tf-keras": ("tf-keras", lambda: legacy(x, training=True)),
            "graph": ("tf.nn.dropout", lambda: symbolic(tf, lambda v: tf.nn.dropout(v, 0.5, seed=1)))}


def symbolic(tf, fn):
    with tf.Graph().as_default():
        return fn(tf.compat.v1.placeholder(tf.float32, [None, 4]))


def targets_for(api: str) -> dict:
    return {lm.code: key for key, lm in landmarks_for(build_spec(rate="0.5", shape="3,4", api=api)).items()
            if lm.found}


def summary(rec: Recorder) -> list:
    """What a recorder kept, without the live objects (tensors differ from run to run)."""
    return [(e.key, e.lines, e.last_line, e.finished, e.raised_at, e.thread, e.stack, sorted(e.call_locals),
             sorted(e.return_locals or ()), type(e.returned)) for e in rec.events]


def with_tracer(tracer, fn, *args):
    previous = sys.gettrace()
    sys.settrace(tracer)
    try:
        return fn(*args)
    finally:
        sys.settrace(previous)


def within(frame, root, inside) -> bool:
    """Is this `root`'s own frame, or one called from inside `inside`? (Not the recorder's, entering the block.)"""
    f = frame
    while f is not None and f.f_code is not inside and f.f_code is not root:
        f = f.f_back
    return f is not None and (f.f_code is inside or frame.f_code is root)


class Outer:
    """A plain sys.settrace tool: a global hook for calls and a local tracer per frame, as pdb and coverage have."""

    def __init__(self, root, inside):
        self.root, self.inside, self.seen = root, inside, []

    def __call__(self, frame, event, arg):
        if not within(frame, self.root, self.inside):
            return None
        self.seen.append((frame.f_code, event, frame.f_lineno))
        return self.local

    def local(self, frame, event, arg):
        self.seen.append((frame.f_code, event, frame.f_lineno))
        return self.local


class Reinstalling(Outer):
    """Coverage's C tracer, called from Python, installs itself as the global tracer again at every call."""

    def __call__(self, frame, event, arg):
        sys.settrace(self)
        return super().__call__(frame, event, arg)


class Stepper(bdb.Bdb):
    """pdb's engine, stepping into everything: what a user stepping through the call is shown."""

    def __init__(self, root, inside):
        super().__init__()
        self.root, self.inside, self.shown = root, inside, []

    def show(self, event, frame):
        if within(frame, self.root, self.inside):
            self.shown.append((frame.f_code, event, frame.f_lineno))

    def user_call(self, frame, args):
        self.show("call", frame)

    def user_line(self, frame):
        self.show("line", frame)

    def user_return(self, frame, value):
        self.show("return", frame)


def make_harness(work):
    def harness(ctx):
        before = work
        with ctx:
            y = before()
        after = y
        return after

    return harness


@pytest.mark.parametrize("name", ["tf.nn.dropout", "keras", "tf-keras", "graph"])
def test_an_outer_tracer_sees_what_it_sees_without_a_capture(works, capture_backend, name):
    api, work = works[name]
    targets = targets_for(api)
    harness = make_harness(work)

    def outer_record(ctx):
        outer = Outer(harness.__code__, work.__code__)
        with_tracer(outer, harness, ctx)
        return outer.seen

    outer_record(contextlib.nullcontext())  # first calls take other paths (caches fill)
    alone = outer_record(contextlib.nullcontext())
    rec = Recorder(targets, harness.__code__)
    assert outer_record(rec) == alone
    # Not vacuous: the record holds each landmark's call and lines, and the lines of the harness after
    # the block (a frame that was running when the capture started keeps its local tracer).
    assert len(rec.events) >= 4
    for ev in rec.events:
        assert ev.code in {code for code, event, _ in alone if event == "call"}
        assert {(ev.code, "line", n) for n in ev.lines} <= set(alone)
    last = max(n for _, _, n in harness.__code__.co_lines() if n)
    assert (harness.__code__, "line", last) in alone
    # and the recorder kept what it keeps with no outer tracer
    plain = Recorder(targets, harness.__code__)
    harness(plain)
    assert summary(rec) == summary(plain)


@pytest.mark.parametrize("name", ["tf.nn.dropout", "keras"])
def test_pdb_stepping_through_the_call_is_shown_every_line(works, capture_backend, name):
    api, work = works[name]
    targets = targets_for(api)
    harness = make_harness(work)

    def stepped(ctx):
        stepper = Stepper(harness.__code__, work.__code__)
        previous = sys.gettrace()
        try:
            stepper.runcall(harness, ctx)
        finally:
            sys.settrace(previous)
        return stepper.shown

    stepped(contextlib.nullcontext())
    alone = stepped(contextlib.nullcontext())
    rec = Recorder(targets, harness.__code__)
    assert stepped(rec) == alone
    assert len(rec.events) >= 4
    for ev in rec.events:
        assert {(ev.code, "line", n) for n in ev.lines} <= set(alone)


@pytest.mark.parametrize("in_thread", [False, True])
def test_coverage_measures_the_same_lines_and_the_capture_records(works, capture_backend, in_thread):
    coverage = pytest.importorskip("coverage")
    if coverage.Coverage.current() is not None:  # tests/narrate_coverage.py: a second Coverage would stop the first
        pytest.skip("the suite runs under coverage already; this test starts its own")
    api, work = works["tf.nn.dropout"]
    targets = targets_for(api)
    files = sorted({code.co_filename for code in targets})
    if in_thread:  # coverage starts its tracer in each new thread from threading's hook, as the capture does
        work = in_a_thread(work)
    harness = make_harness(work)

    def measured(ctx):
        cov = coverage.Coverage(data_file=None, config_file=False, include=files)
        cov.start()
        tracer = sys.gettrace()
        try:
            harness(ctx)
            assert sys.gettrace() is tracer
        finally:
            cov.stop()
        return {f: sorted(cov.get_data().lines(f) or ()) for f in files}

    measured(contextlib.nullcontext())
    alone = measured(contextlib.nullcontext())
    rec = Recorder(targets, harness.__code__, threads=in_thread)
    assert measured(rec) == alone
    assert len(rec.events) >= 4 and rec.first("tf._dropout").finished
    assert {ev.thread != threading.get_ident() for ev in rec.events} == {in_thread}
    for ev in rec.events:
        assert set(ev.lines) <= set(alone[ev.code.co_filename])


def in_a_thread(work):
    def started():
        thread = threading.Thread(target=work)
        thread.start()
        thread.join()

    return started


def test_captures_stay_in_front_of_a_tracer_that_reinstalls_itself(works, capture_backend):
    api, work = works["tf.nn.dropout"]
    targets, harness = targets_for(api), make_harness(work)
    plain = Recorder(targets, harness.__code__)
    harness(plain)

    def outer_record(ctx):
        outer = Reinstalling(harness.__code__, work.__code__)
        with_tracer(outer, harness, ctx)
        return outer.seen

    @contextlib.contextmanager
    def nested(first, second):
        with first, second:
            yield

    outer_record(contextlib.nullcontext())
    alone = outer_record(contextlib.nullcontext())
    first, second = Recorder(targets, harness.__code__), Recorder(targets, harness.__code__)
    assert outer_record(nested(first, second)) == alone
    assert len(plain.events) >= 4 and summary(first) == summary(second) == summary(plain)


def test_the_previous_tracers_are_back_afterwards(capture_backend):
    def outer(frame, event, arg):
        return None

    def thread_outer(frame, event, arg):
        return None

    targets = {target.__code__: "target"}
    previous, previous_threads = sys.gettrace(), threading.gettrace()
    try:
        for tracer in (None, outer):
            sys.settrace(tracer)
            threading.settrace(thread_outer)
            with Recorder(targets, make_harness.__code__, threads=True):
                target(1)
            assert sys.gettrace() is tracer and threading.gettrace() is thread_outer
            with pytest.raises(ZeroDivisionError):
                with Recorder(targets, make_harness.__code__, threads=True):
                    target(0)
            assert sys.gettrace() is tracer and threading.gettrace() is thread_outer
    finally:
        sys.settrace(previous)
        threading.settrace(previous_threads)
    if MONITORING:
        assert TOOL_NAME not in [sys.monitoring.get_tool(i) for i in range(6)]


def test_a_recorder_inside_another_records_the_same(works, capture_backend):
    api, work = works["tf.nn.dropout"]
    targets = targets_for(api)
    harness = make_harness(work)
    outer = Recorder(targets, harness.__code__)
    inner = Recorder(targets, harness.__code__)

    def both(ctx):
        with outer:
            return harness(ctx)

    both(inner)
    assert len(inner.events) >= 4 and summary(inner) == summary(outer)


def target(n):
    total = 10 // n
    return total


@pytest.mark.parametrize("threads", [False, True])
def test_only_the_block_and_the_threads_it_starts_are_recorded(capture_backend, threads):
    go, called = threading.Event(), threading.Event()

    def older():  # started before the block, calls the target while the block runs
        go.wait()
        target(1)
        called.set()

    before = threading.Thread(target=older)
    before.start()

    def harness(rec):
        with rec:
            go.set()
            called.wait()
            target(2)
            started = threading.Thread(target=target, args=(5,))
            started.start()
            started.join()
        return started.ident

    rec = Recorder({target.__code__: "target"}, harness.__code__, threads=threads)
    started = harness(rec)
    before.join()
    line = target.__code__.co_firstlineno
    expected = [(2, threading.get_ident())] + ([(5, started)] if threads else [])
    assert [(ev.call_locals["n"], ev.thread) for ev in rec.events] == expected
    for ev in rec.events:
        assert ev.finished and ev.returned == 10 // ev.call_locals["n"] and ev.lines == [line + 1, line + 2]


def test_threads_started_in_the_block_still_reach_threadings_tracer(capture_backend):
    def watcher(seen):
        def local(frame, event, arg):
            seen.append((event, frame.f_lineno))
            return local

        def hook(frame, event, arg):
            return local(frame, event, arg) if frame.f_code is target.__code__ else None

        return hook

    def harness(ctx):
        with ctx:
            in_a_thread(lambda: target(5))()

    def seen_by_tracers(ctx):
        main, threads = [], []
        previous, previous_threads = sys.gettrace(), threading.gettrace()
        sys.settrace(watcher(main))
        threading.settrace(watcher(threads))
        try:
            harness(ctx)
        finally:
            sys.settrace(previous)
            threading.settrace(previous_threads)
        return main, threads

    alone = seen_by_tracers(contextlib.nullcontext())
    rec = Recorder({target.__code__: "target"}, harness.__code__, threads=True)
    assert seen_by_tracers(rec) == alone
    assert alone[0] == [] and [event for event, _ in alone[1]] == ["call", "line", "line", "return"]
    assert [ev.call_locals["n"] for ev in rec.events] == [5]


@pytest.mark.parametrize("case", ["eager rate", "graph noise shape"])
def test_an_exception_is_placed_on_the_line_it_passed_through(tf, capture_backend, case):
    """The traceback, unfiltered, says where the exception passed through each frame; the `with` in
    _dropout re-raises it at exit, which must not count as a return."""
    targets = targets_for("tf.nn.dropout")
    fails = {"eager rate": lambda: tf.nn.dropout(tf.ones((3, 4)), 1.5),
             "graph noise shape": lambda: tf.function(lambda v: tf.nn.dropout(v, 0.5, noise_shape=[None, 1]),
                                                      input_signature=[tf.TensorSpec([None, 4])], autograph=False
                                                      ).get_concrete_function()}

    def harness(rec):
        with rec:
            fails[case]()

    filtering = tf.debugging.is_traceback_filtering_enabled()
    tf.debugging.disable_traceback_filtering()
    try:
        rec = Recorder(targets, harness.__code__)
        with pytest.raises(ValueError) as raised:
            harness(rec)
    finally:
        if filtering:
            tf.debugging.enable_traceback_filtering()
    where, tb = {}, raised.value.__traceback__
    while tb is not None:
        where[tb.tb_frame.f_code] = tb.tb_lineno
        tb = tb.tb_next
    unfinished = [ev for ev in rec.events if not ev.finished]
    assert "tf._dropout" in [ev.key for ev in unfinished]
    assert {ev.code for ev in unfinished} == set(where) & set(targets)
    for ev in unfinished:
        assert ev.raised_at == where[ev.code], ev.key


@pytest.mark.skipif(not MONITORING, reason="sys.monitoring is Python 3.12+")
def test_taken_tool_ids_are_left_to_their_owners(works, monkeypatch):
    monkeypatch.delenv(BACKEND_ENV, raising=False)
    m = sys.monitoring
    api, work = works["tf.nn.dropout"]
    outside, seen = sys.gettrace(), []

    def inside():  # which tool id the recorder holds, and whether it is a sys.settrace hook instead
        seen.append(([t for t in range(6) if m.get_tool(t) == TOOL_NAME], sys.gettrace() is not outside))
        return work()

    targets, harness = targets_for(api), make_harness(inside)
    plain = Recorder(targets, harness.__code__)
    harness(plain)
    taken = []
    try:
        for i in [i for i in TOOL_IDS if m.get_tool(i) is None]:  # the next free id, until none is left
            rec = Recorder(targets, harness.__code__)
            harness(rec)
            assert seen[-1] == ([i], False) and summary(rec) == summary(plain)
            m.use_tool_id(i, "another tool")
            taken.append(i)
        rec = Recorder(targets, harness.__code__)
        harness(rec)
        assert seen[-1] == ([], True) and summary(rec) == summary(plain)
        assert [m.get_tool(i) for i in taken] == ["another tool"] * len(taken)
    finally:
        for i in taken:
            m.free_tool_id(i)


@pytest.mark.skipif(not MONITORING, reason="one backend before Python 3.12")
@pytest.mark.parametrize("options", [dict(), dict(api="tf-keras", eager=True), dict(api="stateless", calls=2),
                                     dict(api="tf.nn.dropout", noise_shape="None,1")])
def test_both_backends_capture_the_same(tf, monkeypatch, options):
    spec = build_spec(rate="0.3", shape="None,4", **options)

    def captured(name):
        monkeypatch.setenv(BACKEND_ENV, name)
        snap = capture(spec)
        events = [(e.key, e.finished, e.lines, [(f.qualname, f.file, f.line) for f in e.stack],
                   sorted(e.call_locals), sorted(e.return_locals or ())) for e in snap.events]
        return events, snap.refusal, [c.keep_mask for c in snap.calls]

    captured("monitoring")  # first captures take other paths (caches fill)
    (events, refusal, masks), again = captured("monitoring"), captured("settrace")
    assert events and events == again[0] and refusal == again[1]
    assert all(bits_equal(a, b) for a, b in zip(masks, again[2]))
    assert (refusal is not None) == ("noise_shape" in options)


CONCURRENT = [dict(api="tf.nn.dropout", seed="1"), dict(api="tf.nn.dropout", seed="2", eager=True),
              dict(api="keras", seed="3"), dict(api="keras", seed="4", eager=True, calls=2),
              dict(api="tf-keras", seed="5"), dict(api="tf-keras", seed="6", rng="stateless"),
              dict(api="stateless", seed="7"), dict(api="keras.random.dropout", seed="8")]


def test_concurrent_traces_each_give_what_they_give_alone(tf):
    specs = [build_spec(rate=f"0.{i + 1}", shape="None,6", batch=5, **options)
             for i, options in enumerate(CONCURRENT)]
    alone = [trace_run(spec) for spec in specs]
    start = threading.Barrier(len(specs))

    def at_once(spec):
        start.wait()
        return trace_run(spec)

    with concurrent.futures.ThreadPoolExecutor(len(specs)) as pool:
        together = list(pool.map(at_once, specs))
    for options, one, many in zip(CONCURRENT, alone, together):
        assert one.check.passed and many.check.passed, options
        assert len(one.calls) == len(many.calls) == options.get("calls", 1)
        for a, b in zip(one.calls, many.calls):
            assert bits_equal(a.keep_mask, b.keep_mask) and bits_equal(a.output, b.output), options
