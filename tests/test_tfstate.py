"""A trace leaves TensorFlow as it found it, and is not changed by it (tfstate.isolated), on the real library.

Each dirty process setting is made here with the public API; the trace made then must equal the same
command's JSON from a fresh `python -m dropout_trace`-style process, and afterwards the setting is the
caller's again. One fresh subprocess per reference command, started together and shared by the tests.
"""

import io
import json
import random
import re
import subprocess
import sys
import threading
from contextlib import redirect_stdout

import numpy as np
import pytest

import dropout_trace
from dropout_trace.cli import main
from dropout_trace.tfstate import isolated

# --layer-dtype none: the layer takes the global policy / floatx, so a dirty one would show
KERAS = ["--rate", "0.3", "--shape", "None,4", "--calls", "3", "--layer-dtype", "none"]
TF_KERAS = ["--api", "tf-keras", "--rate", "0.3", "--shape", "None,4", "--layer-dtype", "none"]
TF_NN = ["--api", "tf.nn.dropout", "--rate", "0.3", "--shape", "None,4"]
REFERENCES = {"keras": KERAS, "tf-keras": TF_KERAS, "tf.nn.dropout": TF_NN}

# The entry point `python -m dropout_trace` runs, then what a user in that fresh process would see next.
FRESH = """
import contextlib, io, json, sys
from dropout_trace.cli import main
out = io.StringIO()
with contextlib.redirect_stdout(out):
    status = main(["run", *sys.argv[1:], "--format", "json"])
import tensorflow as tf
from tensorflow.python.eager import context
after = {"status": status, "global_seed": context.global_seed(), "eagerly": tf.config.functions_run_eagerly()}
tf.random.set_seed(1)
after["uniform"] = tf.random.uniform([3]).numpy().tolist()  # set_seed(1), then the user's next draw
print(json.dumps({"trace": json.loads(out.getvalue()), "after": after}))
"""


class _Fresh(dict):
    """Reference name -> {"trace": its JSON, "after": what followed}, read when first asked for."""

    def __init__(self, procs: dict):
        super().__init__()
        self.procs = procs

    def __missing__(self, name: str) -> dict:
        proc = self.procs[name]
        stdout, stderr = proc.communicate(timeout=300)
        assert proc.returncode == 0, stderr
        self[name] = result = json.loads(stdout)
        assert result["after"]["status"] == 0
        return result


@pytest.fixture(scope="module", autouse=True)
def fresh():
    """Each reference command's JSON from its own new process, all started before this module's first test."""
    procs = {name: subprocess.Popen([sys.executable, "-c", FRESH, *argv], stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, text=True) for name, argv in REFERENCES.items()}
    yield _Fresh(procs)
    for proc in procs.values():
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


def comparable(data: dict) -> dict:
    """The JSON without what names this tool's build rather than the trace."""
    return {k: v for k, v in data.items() if k not in ("tool_version", "schema_version")}


def run_json(argv: list[str]) -> dict:
    """One command as the shell runs it: main(argv) in this process."""
    out = io.StringIO()
    with redirect_stdout(out):
        status = main(["run", *argv, "--format", "json"])
    assert status == 0
    return json.loads(out.getvalue())


def notebook(argv: list[str]):
    """The same command through the notebook API."""
    options = {"--rate": ("rate", float), "--shape": ("shape", str), "--calls": ("calls", int),
               "--layer-dtype": ("layer_dtype", str), "--api": ("api", str)}
    kwargs = {}
    for flag, value in zip(argv[::2], argv[1::2]):
        name, kind = options[flag]
        kwargs[name] = kind(value)
    return dropout_trace.trace(**kwargs)


def next_index(names: list[str], name: str) -> int:
    """dense_3 -> 3 (dense -> 0): where a layer-name counter stands."""
    m = re.fullmatch(rf"{name}(?:_(\d+))?", names[-1])
    assert m, names
    return int(m[1] or 0)


def global_op_seeds(data: dict):
    """What get_seed returned, (global seed, op seed): [None, None] without a global seed."""
    stage = next(s for s in data["stages"] if s["name"] == "seed")
    value = stage["values"]["global_op_seeds"]["runtime"]
    return value["python"] if "python" in value else [item["python"] for item in value["items"]]


@pytest.mark.parametrize("api", ["tf.nn.dropout", "tf-keras"])  # tf-keras: its default legacy branch
def test_unseeded_shell_commands_do_not_inherit_the_last_seed(tf, api):
    """The shell calls main(argv) once per command in one process."""
    argv = ["--api", api, "--rate", "0.5", "--shape", "None,16"]
    seeded = run_json([*argv, "--seed", "7"])
    assert global_op_seeds(seeded)[0] == 7
    runs = [run_json([*argv, "--seed", "none"]) for _ in range(2)]
    for data in runs:
        assert global_op_seeds(data) == [None, None]
    masks = [data["tensors"]["keep_mask"]["values"] for data in runs]
    assert masks[0] != masks[1]  # 48 fresh draws each: equal by chance with probability 2**-48


def test_nested_and_raising_bodies_put_back_exactly_what_each_level_had(tf):
    from tensorflow.python.eager import context

    tf.random.set_seed(3)
    expected = [tf.random.uniform([2]).numpy().tolist() for _ in range(2)]
    tf.random.set_seed(3)
    first = tf.random.uniform([2]).numpy().tolist()
    tf.config.run_functions_eagerly(True)
    try:
        with pytest.raises(KeyError):
            with isolated():
                assert context.global_seed() is None and not tf.config.functions_run_eagerly()
                tf.random.set_seed(8)
                with isolated():
                    assert context.global_seed() is None
                    tf.random.set_seed(9)
                    tf.config.run_functions_eagerly(True)
                assert context.global_seed() == 8 and not tf.config.functions_run_eagerly()
                raise KeyError("the body's own exception comes out unchanged")
        assert context.global_seed() == 3 and tf.config.functions_run_eagerly()
        assert [first, tf.random.uniform([2]).numpy().tolist()] == expected  # op seeds go on as before
    finally:
        tf.config.run_functions_eagerly(False)
        tf.random.set_seed(None)


def test_bodies_that_overlap_in_two_threads_still_leave_the_callers_settings(tf):
    """A opens, B opens in another thread, A closes, B closes: the caller's value comes back, not A's body's."""
    entered, a_closed = threading.Event(), threading.Event()

    def b():
        with isolated():  # saves what A's body has (False)
            entered.set()
            a_closed.wait(10)

    tf.config.run_functions_eagerly(True)
    try:
        thread = threading.Thread(target=b)
        with isolated():
            thread.start()
            assert entered.wait(10)
        a_closed.set()
        thread.join(10)
        assert tf.config.functions_run_eagerly() is True
    finally:
        tf.config.run_functions_eagerly(False)


def test_the_other_settings_are_fresh_inside_and_the_callers_after(tf, keras):
    """Determinism, XLA JIT, grappler options, op callbacks (check_numerics), image_data_format, tf-keras floatx
    and its tf.random.Generator switch: each dirty here, a new process's inside, the caller's again after."""
    import tf_keras
    from tensorflow.python.eager import context
    from tensorflow.python.framework import config

    def read():
        return (config.is_op_determinism_enabled(), tf.config.optimizer.get_jit(),
                tf.config.optimizer.get_experimental_options().get("constant_folding"),
                len(context.context().op_callbacks), keras.config.image_data_format(), tf_keras.backend.floatx(),
                tf_keras.backend.experimental.is_tf_random_generator_enabled())

    fresh_values = read()
    try:
        tf.config.experimental.enable_op_determinism()
        tf.config.optimizer.set_jit(True)
        tf.config.optimizer.set_experimental_options({"constant_folding": False})
        tf.debugging.enable_check_numerics()
        keras.config.set_image_data_format("channels_first")
        tf_keras.backend.set_floatx("float16")
        tf_keras.backend.experimental.enable_tf_random_generator()
        dirty = read()
        assert all(a != b for a, b in zip(dirty, fresh_values)), (dirty, fresh_values)
        with isolated():
            assert read() == fresh_values
        assert read() == dirty
        # under determinism an unseeded tf.nn.dropout would raise "Random ops require a seed"; here it runs
        t = dropout_trace.trace(rate=0.3, shape=(None, 4), api="tf.nn.dropout", seed=None)
        assert t.passed and t.data["refusal"] is None and read() == dirty
    finally:
        config.disable_op_determinism()
        tf.config.optimizer.set_jit(False)
        context.context()._optimizer_experimental_options.pop("constant_folding", None)
        tf.debugging.disable_check_numerics()
        keras.config.set_image_data_format("channels_last")
        tf_keras.backend.set_floatx("float32")
        tf_keras.backend.experimental.disable_tf_random_generator()
    assert read() == fresh_values


def test_nothing_here_imports_tensorflow():
    code = ("import sys; from dropout_trace.tfstate import isolated\n"
            "with isolated():\n    pass\n"
            "assert not {'tensorflow', 'keras', 'tf_keras'} & set(sys.modules), sorted(sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_the_trace_leaves_numpy_alone(tf):
    """Nothing in a trace draws from NumPy's legacy global RandomState, so tfstate does not save it."""
    np.random.seed(11)
    before = np.random.get_state()
    notebook(TF_NN)
    after = np.random.get_state()
    assert all(np.array_equal(a, b) for a, b in zip(before, after))


def test_run_functions_eagerly_neither_makes_the_trace_eager_nor_is_lost(tf, fresh):
    tf.config.run_functions_eagerly(True)
    try:
        t = notebook(KERAS)
        assert tf.config.functions_run_eagerly() is True
    finally:
        tf.config.run_functions_eagerly(False)
    assert t.data["mode"] == fresh["keras"]["trace"]["mode"]
    assert t.passed and comparable(t.data) == comparable(fresh["keras"]["trace"])


def test_the_global_seed_is_the_callers_again_and_its_next_draw_unchanged(tf, fresh):
    from tensorflow.python.eager import context

    tf.random.set_seed(1)
    try:
        t = notebook(TF_NN)
        assert context.global_seed() == 1
        drawn = tf.random.uniform([3]).numpy().tolist()
    finally:
        tf.random.set_seed(None)
    assert comparable(t.data) == comparable(fresh["tf.nn.dropout"]["trace"])
    assert drawn == fresh["tf.nn.dropout"]["after"]["uniform"]  # as if no trace had run in between
    # TensorFlow was imported inside the fresh process's isolated(): it leaves with a fresh process's seed
    assert fresh["tf.nn.dropout"]["after"]["global_seed"] is None


def test_a_keras_global_policy_and_floatx_neither_shape_the_trace_nor_are_lost(keras, fresh):
    keras.config.set_dtype_policy("mixed_float16")
    keras.config.set_floatx("float64")
    try:
        t = notebook(KERAS)
        assert keras.config.dtype_policy().name == "mixed_float16" and keras.config.floatx() == "float64"
    finally:
        keras.config.set_dtype_policy("float32")
        keras.config.set_floatx("float32")
    assert comparable(t.data) == comparable(fresh["keras"]["trace"])


def test_a_tf_keras_global_policy_and_names_neither_shape_the_trace_nor_are_lost(tf, fresh):
    import tf_keras

    names = [tf_keras.layers.Dropout(0.1).name for _ in range(3)]
    tf_keras.mixed_precision.set_global_policy("mixed_float16")
    try:
        t = notebook(TF_KERAS)
        assert tf_keras.mixed_precision.global_policy().name == "mixed_float16"
        after = tf_keras.layers.Dropout(0.1).name
    finally:
        tf_keras.mixed_precision.set_global_policy(None)
    assert comparable(t.data) == comparable(fresh["tf-keras"]["trace"])
    assert after == f"dropout_{next_index(names, 'dropout') + 1}"  # the caller's names go on where they were


def test_advanced_keras_name_counters_neither_rename_the_trace_nor_restart(keras, fresh):
    names = [keras.layers.Dropout(0.1).name for _ in range(3)]
    t = notebook(KERAS)
    after = keras.layers.Dropout(0.1).name
    assert comparable(t.data) == comparable(fresh["keras"]["trace"])  # graph tensors named dropout/... as fresh
    assert after == f"dropout_{next_index(names, 'dropout') + 1}"


def test_a_seeded_python_random_neither_seeds_unseeded_layers_nor_moves(keras, fresh):
    random.seed(5)
    state = random.getstate()
    inherited = random.Random(5).randint(1, int(1e9))  # the seed an unseeded layer would draw from it
    try:
        first, second = (dropout_trace.trace(rate=0.5, shape=(None, 16), seed=None) for _ in range(2))
        assert random.getstate() == state
        seeded = notebook(KERAS)
    finally:
        random.seed()
    drawn = [t.data["calls"][0]["seed_state_before"][0] for t in (first, second)]
    assert first.passed and second.passed and inherited not in drawn
    assert drawn[0] != drawn[1] and first.data["tensors"]["keep_mask"] != second.data["tensors"]["keep_mask"]
    assert comparable(seeded.data) == comparable(fresh["keras"]["trace"])
