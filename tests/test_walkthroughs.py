"""Each lesson in walkthroughs/ played end to end, its key facts checked against plain TensorFlow/Keras."""

import json
import os
import pty
import re
import select
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from dropout_trace.cli import main

from terminal import read_until

ROOT = Path(__file__).resolve().parent.parent
LESSONS = sorted((ROOT / "walkthroughs").glob("[0-9]*.md"))
WIDTH = "100"
ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07]*\x07|\r")


def play(capsys, name, *extra):
    status = main(["walkthrough", "play", name, "--width", WIDTH, *extra])
    return status, capsys.readouterr().out


def block(out, command):
    """The output of one command of a played lesson: from its `$ ...` line (wrapped, if wider than the
    lesson) to the next command."""
    found = re.search(r"^\$ " + r"\s+".join(map(re.escape, command.split())) + r"\n", out, re.M)
    if found is None:
        raise ValueError(f"no command {command!r} in the lesson's output")
    following = out.find("\n$ dropout-trace ", found.end())
    return out[found.end():] if following < 0 else out[found.end():following]


def rows(mask) -> list[str]:
    """A keep mask as the tool draws it, one line per sample."""
    return [" ".join("●" if kept else "○" for kept in row) for row in np.asarray(mask).reshape(mask.shape[0], -1)]


def shown(mask, text) -> bool:
    """Every row of the mask appears on consecutive lines of text, in order, each as a whole column."""
    lines = text.splitlines()
    want = [re.compile(rf"(^|\s){re.escape(row)}(\s|$)") for row in rows(mask)]
    return any(all(want[k].search(lines[i + k]) for k in range(len(want))) for i in range(len(lines) - len(want) + 1))


def compact(mask) -> str:
    """A keep mask as --brief's tables draw it: each sample's row without spaces, the rows apart by one."""
    return " ".join("".join("●" if kept else "○" for kept in row) for row in np.asarray(mask).reshape(mask.shape[0], -1))


def has(text, *words) -> bool:
    """The words appear in order, separated by any run of spaces (columns and wrapping may move)."""
    return re.search(r"\s+".join(re.escape(str(w)) for w in words), text) is not None


def graph_fn(tf, layer, shape):
    return tf.function(lambda x: layer(x, training=True), input_signature=[tf.TensorSpec(shape, tf.float32)])


def counting(tf, rows_, cols):
    return tf.reshape(tf.range(1, rows_ * cols + 1, dtype=tf.float32), (rows_, cols))


# -- the lessons ------------------------------------------------------------------------------------
def test_01_unknown_batch(tf, keras, capsys):
    seen = {}

    @tf.function(input_signature=[tf.TensorSpec([None, 4], tf.float32)])
    def noise_shape(x):
        seen["static"] = x.shape.as_list()
        return tf.shape(x)

    runtime = noise_shape(counting(tf, 3, 4)).numpy().tolist()
    runtime5 = noise_shape(counting(tf, 5, 4)).numpy().tolist()
    mask = graph_fn(tf, keras.layers.Dropout(0.3, seed=42), [None, 4])(counting(tf, 3, 4)).numpy() != 0

    def op_types(shape):
        fn = graph_fn(tf, keras.layers.Dropout(0.3, seed=42), shape)
        return {op.type for op in fn.get_concrete_function().graph.get_operations()}

    status, out = play(capsys, "01")
    assert status == 0
    assert seen["static"] == [None, 4] and runtime == [3, 4]
    explained = block(out, "dropout-trace explain static-vs-dynamic")
    assert has(explained, "noise shape while tracing", seen["static"])  # str([None, 4]) is how the tool writes it
    assert has(explained, "noise shape at run time", runtime)
    assert shown(mask, explained)
    stages = block(out, "dropout-trace run --rate 0.3 --shape None,4 --brief --stages call,noise_shape,uniform")
    assert has(stages, "1 call", "(None, 4) → (3, 4)") and has(stages, f"{runtime[0] * runtime[1]} draws")
    shape_row = re.compile(r"^\S+\s+Shape\s", re.M)  # a Shape op in the type column
    assert bool(shape_row.search(block(out, "dropout-trace graph --shape None,4"))) == ("Shape" in op_types([None, 4]))
    assert bool(shape_row.search(block(out, "dropout-trace graph --shape 3,4"))) == ("Shape" in op_types([3, 4]))
    traces = []
    fn = tf.function(lambda x: (traces.append(1), keras_layer(x, training=True))[1],
                     input_signature=[tf.TensorSpec([None, 4], tf.float32)])
    keras_layer = keras.layers.Dropout(0.3, seed=42)
    masks = [fn(counting(tf, n, 4)).numpy() != 0 for n in (3, 5)]
    two = block(out, "dropout-trace run --rate 0.3 --shape None,4 --batch 3,5 --brief --stages keep_mask")
    assert has(two, f"traced {len(traces)} time,") and len(traces) == 1
    assert has(two, f"drew {runtime[0] * runtime[1]}, then {runtime5[0] * runtime5[1]}")
    assert all(compact(m) in two for m in masks)
    assert "exit status" not in out


def test_02_noise_shape_never_waits_without_a_terminal(tf, keras, capsys):
    x = counting(tf, 3, 3)
    per_sample = graph_fn(tf, keras.layers.Dropout(0.5, noise_shape=(None, 1), seed=42), [None, 3])(x).numpy() != 0
    assert all(len(set(row)) == 1 for row in per_sample)  # each sample kept or dropped whole
    with pytest.raises(ValueError) as raised:
        tf.function(lambda x: tf.nn.dropout(x, 0.3, noise_shape=[None, 1], seed=42),
                    input_signature=[tf.TensorSpec([None, 3], tf.float32)])(x)
    eager = tf.nn.dropout(x, 0.3, noise_shape=[None, 1], seed=42)  # eagerly the same call runs
    shared = keras.layers.Dropout(0.3, noise_shape=(1, 8), seed=42)(tf.ones((8, 8)), training=True).numpy() != 0
    assert (shared == shared[0]).all()  # every sample the same mask: correlation between samples is 1

    status, out = play(capsys, "2", "--step")  # --step without a terminal: runs straight through
    assert status == 0
    keras_run = block(out, "dropout-trace run --rate 0.5 --shape None,3 --noise-shape None,1 --brief --stages "
                           "noise_shape,keep_mask,output")
    assert shown(per_sample[:, :1], keras_run) and "[3, 1]" in keras_run  # drawn: one column, one per sample
    kept = 2 * x.numpy()[per_sample[:, 0]]  # rate 0.5: kept rows doubled, whole
    assert all(re.search(r"\s+".join(str(int(v)) for v in row), keras_run) for row in kept)
    refused = block(out, "dropout-trace run --api tf.nn.dropout --rate 0.3 --shape None,3 --noise-shape None,1 "
                         "--brief --stages noise_shape,uniform")
    assert str(raised.value).strip().splitlines()[-1].strip() in refused and "exit status 4" in refused
    eagerly = block(out, "dropout-trace run --api tf.nn.dropout --rate 0.3 --shape None,3 --noise-shape None,1 "
                         "--eager --brief --stages noise_shape")
    assert eager.shape == (3, 3) and "exit status" not in eagerly and "refused" not in eagerly
    assert re.search(r"samples\s+1\.0000", block(out, "dropout-trace stats --rate 0.3 --shape None,8 --batch 8 "
                                                      "--noise-shape 1,8"))


def test_03_scaling_and_inference(tf, keras, capsys):
    import tf_keras

    scale = tf.constant(1 / (1 - 0.3), tf.float32).numpy()
    ones = tf.ones((3, 4))
    out_ones = graph_fn(tf, keras.layers.Dropout(0.3, seed=42), [None, 4])(ones).numpy()
    assert set(np.unique(out_ones)) <= {0.0, scale}
    untouched = keras.layers.Dropout(0.3, seed=42)(ones, training=False).numpy()

    def drops_under_predict(lib):
        inp = lib.Input((4,))
        model = lib.Model(inp, lib.layers.Dropout(0.3)(inp, training=True))
        x = np.ones((64, 4), np.float32)
        return "yes" if not np.array_equal(model.predict(x, verbose=0), x) else "no"

    predicts = (drops_under_predict(keras), drops_under_predict(tf_keras))

    status, out = play(capsys, "03")
    assert status == 0
    assert has(block(out, "dropout-trace explain scaling"), "scale in _dropout", str(scale), "in float32")
    on_ones = block(out, "dropout-trace run --rate 0.3 --shape None,4 --input ones --brief --stages rate,output")
    grid = [r"\s+".join(f"{v:.4f}" if v else "0" for v in row) for row in out_ones]
    assert all(re.search(rf"(^|\s){row}(\s|$)", on_ones, re.M) for row in grid) and f"{scale:.4f}" in on_ones
    stopped = block(out, "dropout-trace run --rate 0.3 --shape None,4 --no-training --brief")
    assert np.array_equal(untouched, ones.numpy()) and "training=False" in stopped and "not reached" in stopped
    flag = block(out, "dropout-trace explain training-flag")
    predict_row = next(line for line in flag.splitlines() if line.strip().startswith("model.predict(x) "))
    assert tuple(predict_row.split()[1:3]) == predicts


def test_04_same_mask_every_batch(tf, keras, capsys):
    import tf_keras

    x = counting(tf, 3, 4)
    layer = keras.layers.Dropout(0.3, seed=42)
    fn = graph_fn(tf, layer, [None, 4])
    masks = [fn(x).numpy() != 0 for _ in range(3)]
    assert not np.array_equal(masks[0], masks[1]) and not np.array_equal(masks[1], masks[2])
    after = layer.seed_generator.state.numpy().tolist()
    functional = tf.function(lambda x: keras.random.dropout(x, 0.3, seed=42))
    repeated = [functional(x).numpy() for _ in range(3)]
    stateless = tf.nn.experimental.stateless_dropout(x, 0.3, seed=[42, 0]).numpy()
    assert all(np.array_equal(r, stateless) for r in repeated)  # an int seed: the same mask every call
    legacy = tf_keras.layers.Dropout(0.3, seed=42, rng_type="stateless")
    tk = tf.function(lambda x: legacy(x, training=True))
    tk_masks = [tk(x).numpy() != 0 for _ in range(3)]

    status, out = play(capsys, "4")
    assert status == 0
    calls = block(out, "dropout-trace run --rate 0.3 --shape None,4 --calls 3 --brief --stages seed")
    assert all(compact(m) in calls for m in masks) and f"[{after[0]}, {after[1]}]" in calls
    const = block(out, "dropout-trace run --api keras.random.dropout --rate 0.3 --shape None,4 --calls 3 --brief "
                       "--stages seed")
    assert const.count(compact(stateless != 0)) == 3 and "Every call gave the same mask" in const
    tk_run = block(out, "dropout-trace run --api tf-keras --rng stateless --rate 0.3 --shape None,4 --calls 3 "
                        "--brief --stages seed")
    same = all(np.array_equal(m, tk_masks[0]) for m in tk_masks)
    assert ("Every call gave the same mask" in tk_run) == same and all(compact(m) in tk_run for m in tk_masks)
    letters = dict((name, letter) for letter, name in re.findall(
        r"(?:^|\s)([A-Z]) (\S+(?: legacy| stateless| stateful)?)", block(out, "dropout-trace compare --rate 0.3 "
                                                                         "--shape None,4 --seed 42")))
    assert (letters["keras"] == letters["stateless"]) == np.array_equal(masks[0], stateless != 0)
    assert (letters["keras.random.dropout"] == letters["stateless"]) == np.array_equal(repeated[0], stateless)


def test_05_keras2_vs_keras3(tf, keras, capsys):
    import tf_keras

    rng = tf_keras.layers.Dropout(0.3)._random_generator._rng_type
    keras3 = graph_fn(tf, keras.layers.Dropout(0.3, seed=42), [None, 4])(counting(tf, 3, 4)).numpy() != 0
    stateless2 = graph_fn(tf, tf_keras.layers.Dropout(0.3, seed=42, rng_type="stateless"), [None, 4])(
        counting(tf, 3, 4)).numpy() != 0

    status, out = play(capsys, "05-keras2-vs-keras3")
    assert status == 0
    names = block(out, "dropout-trace explain keras2-vs-keras3")
    if tf.keras.layers.Dropout is keras.layers.Dropout:
        assert has(names, f"tf.keras is Keras {keras.__version__} here")
    assert has(names, f"Its rng type here: {rng}") and tf_keras.__version__ in names
    letters = dict((name, letter) for letter, name in re.findall(
        r"(?:^|\s)([A-Z]) (\S+(?: legacy| stateless| stateful)?)", block(out, "dropout-trace compare --rate 0.3 "
                                                                         "--shape None,4 --seed 42")))
    assert (letters["keras"] == letters["tf-keras stateless"]) == np.array_equal(keras3, stateless2)
    versions = block(out, "dropout-trace versions")
    assert re.search(rf"Keras\s+{re.escape(keras.__version__)}", versions)
    assert re.search(rf"tf-keras\s+{re.escape(tf_keras.__version__)}", versions)


REPLICA_MASKS = """
import json, sys
from dropout_trace.tfenv import quiet_environment
quiet_environment()
import tensorflow as tf
cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
import keras, tf_keras
strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
x = tf.reshape(tf.range(1, 25, dtype=tf.float32), (6, 4))
values = strategy.experimental_distribute_values_from_function(
    lambda ctx: x[3 * ctx.replica_id_in_sync_group:3 * ctx.replica_id_in_sync_group + 3])
masks = {}
for name, lib in (("keras", keras), ("tf_keras", tf_keras)):
    with strategy.scope():
        layer = lib.layers.Dropout(0.3, seed=42)
    fn = tf.function(lambda v: strategy.run(lambda t: layer(t, training=True), args=(v,)))
    masks[name] = [(r.numpy() != 0).tolist() for r in strategy.experimental_local_results(fn(values))]
json.dump(masks, sys.stdout)
"""


def test_06_replicas():
    """In fresh processes: TensorFlow splits its CPU into replicas only before it first runs, and this one has."""
    env = dict(os.environ, COLUMNS=WIDTH)
    lesson = subprocess.Popen([sys.executable, "-m", "dropout_trace", "walkthrough", "play", "06", "--width", WIDTH],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT)
    reference = subprocess.run([sys.executable, "-c", REPLICA_MASKS], capture_output=True, text=True, cwd=ROOT,
                               timeout=120)
    out, err = lesson.communicate(timeout=180)
    assert reference.returncode == 0, reference.stderr[-2000:]
    masks = {k: [np.array(m) for m in v] for k, v in json.loads(reference.stdout).items()}
    assert lesson.returncode == 0, err
    keras_run = block(out, "dropout-trace run --rate 0.3 --shape None,4 --replicas 2 --brief --stages seed")
    assert all(compact(m) in keras_run for m in masks["keras"])
    keras_same = np.array_equal(*masks["keras"])
    assert has(keras_run, "Both replicas drew the same mask") == keras_same
    tk_run = block(out, "dropout-trace run --api tf-keras --rate 0.3 --shape None,4 --replicas 2 --brief --stages seed")
    assert has(tk_run, "The replicas drew different masks") == (not np.array_equal(*masks["tf_keras"]))
    assert "exit status" not in out


# -- the player ------------------------------------------------------------------------------------
def _read_until(fd, marker: bytes, timeout: float) -> bytes:
    got = read_until(fd, marker, timeout)
    assert marker in got, f"no {marker!r} within {timeout} s; got {got[-500:]!r}"
    return got


def test_step_mode_on_a_terminal_waits_runs_and_quits():
    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "dropout_trace", "walkthrough", "play", "01", "--step"],
                            stdin=slave, stdout=slave, stderr=slave, cwd=ROOT, close_fds=True,
                            env=dict(os.environ, TERM="xterm", COLUMNS="100"))
    os.close(slave)
    try:
        first = ANSI.sub("", _read_until(master, b"q: quit", 60).decode(errors="replace"))
        assert "next: block 1 of 5" in first and "You wrote a custom layer" in first
        assert "$ dropout-trace" not in first and "noise shape" not in first  # nothing ran yet
        os.write(master, b" ")
        second = ANSI.sub("", _read_until(master, b"q: quit", 60).decode(errors="replace"))
        assert "$ dropout-trace explain static-vs-dynamic" in second and "does every sample have its own?" in second
        assert "next: block 2 of 5" in second and "$ dropout-trace run" not in second
        os.write(master, b"q")
        assert proc.wait(timeout=10) == 0
        rest = b""
        while select.select([master], [], [], 0.5)[0]:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break
            if not chunk:
                break
            rest += chunk
        assert "--from 2" in ANSI.sub("", rest.decode(errors="replace"))
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(master)


def test_export_records_prose_output_json_and_errors(tf, tmp_path, capsys):
    lesson = tmp_path / "mine.md"
    lesson.write_text("# A lesson of my own\n\nWhat does a *None* batch become?\n\n```bash\n"
                      "# a comment is shown, never run\ndropout-trace explain static-vs-dynamic\n```\n\n"
                      "A refusal is a result too:\n\n```console\n# exit status 4\n"
                      "$ dropout-trace run --api tf.nn.dropout --rate 0.3 --shape None,3 --noise-shape None,1\n"
                      "$ dropout-trace explain --format json\n```\n")
    target = tmp_path / "played.txt"
    assert main(["walkthrough", "play", str(lesson), "--export", str(target), "--width", WIDTH]) == 0
    screen = capsys.readouterr().out
    saved = target.read_text()
    assert "\x1b[" not in saved
    for text in ("A lesson of my own", "What does a None batch become?", "# a comment is shown, never run",
                 "$ dropout-trace explain static-vs-dynamic", "noise shape at run time",
                 "The library refused the call", "exit status 4",
                 '"topic": "static-vs-dynamic"'):
        assert text in saved and text in screen, text
    assert main(["walkthrough", "play", str(lesson), "--from", "2"]) == 0
    later = capsys.readouterr().out
    assert "A refusal is a result too" in later and "exit status 4" in later and "noise shape at run time" not in later
    # a usage error is not a result: the lesson's values are checked before it plays, and it is refused
    lesson.write_text(lesson.read_text().replace("explain --format json", "explain no-such-topic"))
    assert main(["walkthrough", "play", str(lesson)]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and f"{lesson}:15: no topic 'no-such-topic'" in err


def test_a_command_that_exits_otherwise_than_expected_stops_the_lesson(tf, tmp_path, capsys):
    """TensorFlow refuses a float rate of 1 (plain tf.nn.dropout says so): unannounced, the lesson stops there with
    that status, naming file and line; announced with `# exit status 4`, it goes on and ends with 0."""
    with pytest.raises(ValueError):
        tf.nn.dropout(tf.ones([3, 4]), rate=1.0)
    refused = "dropout-trace run --api tf.nn.dropout --rate 1 --shape None,4"
    text = f"# Mine\n\n```bash\n{refused}\n```\n\nNext:\n\n```bash\ndropout-trace versions\n```\n"
    lesson = tmp_path / "mine.md"
    lesson.write_text(text)
    assert main(["walkthrough", "play", str(lesson), "--width", WIDTH]) == 4
    out = " ".join(capsys.readouterr().out.split())
    assert f"{lesson}:4: the lesson expects exit status 0; it stops here" in out
    assert "$ dropout-trace versions" not in out and "Next:" not in out
    lesson.write_text(text.replace(refused, f"# exit status 4\n{refused}"))
    assert main(["walkthrough", "play", str(lesson), "--width", WIDTH]) == 0
    out = capsys.readouterr().out
    assert "exit status 4" in out and "stops here" not in out and "$ dropout-trace versions" in out
    lesson.write_text(text.replace(refused, "# exit status 4\ndropout-trace versions"))  # expected 4, got 0
    assert main(["walkthrough", "play", str(lesson), "--width", WIDTH]) == 1
    assert f"{lesson}:5: the lesson expects # exit status 4; it stops here" in " ".join(capsys.readouterr().out.split())


def test_the_wheel_ships_every_lesson_and_schema(tmp_path):
    """`pip install .` must bring the lessons and schemas: read the wheel's file list, not the checkout."""
    import importlib.util
    import zipfile

    if importlib.util.find_spec("setuptools") is None:
        pytest.skip("setuptools is not installed here, so the wheel cannot be built offline")
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", str(root),
                           "-w", str(tmp_path)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    names = set(zipfile.ZipFile(next(tmp_path.glob("*.whl"))).namelist())
    lessons = {f"dropout_trace/walkthroughs/{p.name}" for p in (root / "walkthroughs").glob("*.md")}
    schemas = {f"dropout_trace/schemas/{p.name}" for p in (root / "dropout_trace" / "schemas").glob("*.json")}
    assert lessons and lessons <= names
    assert schemas and schemas <= names
