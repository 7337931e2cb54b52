"""Bad input: one clear line on stderr, exit 2, no traceback; and the parser's good cases."""

import pytest
from hypothesis import given

from dropout_trace.cli import ExitStatus, main
from dropout_trace.spec import UsageError, build_spec, parse_dims

from strategies import dims_text, shapes


def run_cli(capsys, *args):
    status = main(list(args))
    out, err = capsys.readouterr()
    return status, out, err


def assert_usage_error(capsys, args, *needles):
    status, out, err = run_cli(capsys, *args)
    assert status == ExitStatus.USAGE == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("dropout-trace: error: ")
    assert "Traceback" not in err + out
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


BASE = ["run", "--rate", "0.3", "--shape", "None,4"]


@pytest.mark.parametrize("rate, needle", [
    ("1.0000001", "outside [0, 1]"), ("1.5", "outside [0, 1]"), ("-0.1", "outside [0, 1]"),
    ("abc", "not a number"), ("nan", "outside [0, 1]"), ("", "not a number"),
])
def test_bad_rate(capsys, rate, needle):
    assert_usage_error(capsys, ["run", "--rate", rate, "--shape", "None,4"], needle)


@pytest.mark.parametrize("option", ["--shape", "--noise-shape"])
@pytest.mark.parametrize("text, needle", [
    ("None,,4", "empty size at position 2"), ("-1,4", "not positive"), ("abc", "not a size"),
    ("", "is empty"), ("0,4", "not positive"), ("2.5,4", "not a size"), (",".join(["1"] * 9), "rank 9"),
])
def test_malformed_dims(capsys, option, text, needle):
    args = ["run", "--rate", "0.3", "--shape", "None,4"]
    if option == "--shape":
        args[4] = text
    else:
        args += ["--noise-shape", text]
    line = assert_usage_error(capsys, args, option, needle)
    assert "None,4" in line or "e.g." in line  # says what is valid


def test_noise_shape_that_cannot_broadcast_names_the_dimension(capsys):
    line = assert_usage_error(capsys, BASE + ["--noise-shape", "2,4"], "dimension 0", "noise size 2",
                              "--batch 3")
    assert "must be 1" in line  # states the broadcasting rule
    assert_usage_error(capsys, BASE + ["--noise-shape", "1,3"], "dimension 1", "size 4")
    assert_usage_error(capsys, BASE + ["--noise-shape", "1"], "rank 1", "rank 2")


def test_element_cap(capsys):
    assert_usage_error(capsys, ["run", "--rate", "0.3", "--shape", "None,1000", "--batch", "20000"],
                       "20,000,000 elements", "10,000,000", "--max-elements")
    assert_usage_error(capsys, BASE + ["--max-elements", "11"], "12 elements", "cap of 11")


def test_the_size_limit_shows_the_shape_as_python_prints_it(capsys):
    line = assert_usage_error(capsys, ["run", "--rate", "0.3", "--shape", "None,10000", "--batch", "1001"],
                              "--shape None,10000 with --batch 1001 is (1001, 10000) at run time")
    assert "1001,10000" not in line
    line = assert_usage_error(capsys, ["run", "--rate", "0.3", "--shape", "4,3", "--max-elements", "11"],
                              "--shape 4,3 is (4, 3) at run time, 12 elements")
    assert "--batch" not in line  # no None: the batch plays no part


@pytest.mark.parametrize("args, needle", [
    (BASE + ["--batch", "0"], "--batch 0"),
    (BASE + ["--batch", "abc"], "--batch"),
    (BASE + ["--seed", "2.5"], "--seed '2.5' is not an integer"),
    (BASE + ["--seed", str(2**63)], "64-bit"),
    (BASE + ["--calls", "11"], "--calls 11 is outside 1..10"),
    (BASE + ["--calls", "0"], "--calls 0"),
    (BASE + ["--policy", "float16"], "mixed_float16 or mixed_bfloat16"),
    (BASE + ["--layer-dtype", "int8"], "--layer-dtype 'int8'"),
    (BASE + ["--api", "tf.nn.dropout", "--policy", "mixed_float16"], "applies to layers"),
    (BASE + ["--api", "stateless", "--seed", "none"], "explicit seed"),
    (BASE + ["--dtype", "int32"], "float16, bfloat16, float32, float64"),
    (BASE + ["--input", "zeros"], "range, ones, normal"),
    (BASE + ["--format", "yaml"], "text or json"),
    (BASE + ["--values", "some"], "--values 'some' is not known; choose full, summary or none"),
    (BASE + ["--max-memory", "lots"], "--max-memory 'lots' is not a size"),
    (BASE + ["--max-memory", "0"], "--max-memory '0' is not a size"),
    (["compare", "--values", "all"], "--values 'all'"),
    (BASE + ["--colour"], "--colour"),
    (["run", "--shape", "None,4"], "--rate"),
    (["frobnicate"], "frobnicate"),
])
def test_other_bad_input(capsys, args, needle):
    assert_usage_error(capsys, args, needle)


def test_debug_shows_the_traceback():
    with pytest.raises(UsageError):
        main(["run", "--rate", "2", "--shape", "None,4", "--debug"])


def test_help_and_bare_command_exit_zero(capsys):
    status, out, _ = run_cli(capsys, "--help")
    assert status == 0 and "run" in out
    status, out, _ = run_cli(capsys, "run", "--help")
    assert status == 0 and "--noise-shape" in out and "tf.shape(x)" in out
    status, out, _ = run_cli(capsys, "run")
    assert status == 0 and "--rate" in out


@given(shapes)
def test_dims_round_trip(dims):
    assert parse_dims(dims_text(dims), "--shape") == dims


def test_run_shape_and_noise_shape_fill_none_with_batch():
    spec = build_spec(rate="0.3", shape="None,None,8", batch=2, noise_shape="None,1,8")
    assert spec.run_shape == (2, 2, 8)
    assert spec.run_noise_shape == (2, 1, 8)


@pytest.mark.parametrize("args, needles", [
    (BASE + ["--api", "torch"], ["--api 'torch' is not known", "tf-keras", "spatial2d"]),
    (BASE + ["--rng", "stateless"], ["--rng", "does not apply to --api keras"]),
    (BASE + ["--api", "tf.nn.dropout", "--rng", "stateful"], ["--rng", "tf.nn.dropout"]),
    (BASE + ["--api", "tf-keras", "--rng", "philox"], ["--rng 'philox'", "stateless, stateful, legacy"]),
    (["run", "--api", "tf.compat.v1.nn.dropout", "--keep-prob", "-0.1", "--shape", "None,4"], ["outside [0, 1]"]),
    (["run", "--api", "tf.compat.v1.nn.dropout", "--keep-prob", "1.5", "--shape", "None,4"], ["outside [0, 1]"]),
    (["run", "--api", "tf.compat.v1.nn.dropout", "--keep-prob", "x", "--shape", "None,4"], ["not a number"]),
    (BASE + ["--api", "tf.compat.v1.nn.dropout", "--keep-prob", "0.7"], ["not both"]),
    (["run", "--keep-prob", "0.7", "--shape", "None,4"], ["tf.compat.v1.nn.dropout"]),
    (["run", "--api", "spatial2d", "--rate", "0.3", "--shape", "None,4"], ["rank-4", "has rank 2"]),
    (["run", "--api", "spatial1d", "--rate", "0.3", "--shape", "None,3,4", "--noise-shape", "None,1,4"],
     ["own noise shape"]),
    (BASE + ["--api", "stateless", "--no-training"], ["applies to layers"]),
    (BASE + ["--rate-tensor"], ["is a layer"]),
])
def test_api_bad_input(capsys, args, needles):
    assert_usage_error(capsys, args, *needles)
