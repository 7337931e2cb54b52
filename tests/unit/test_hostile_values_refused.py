"""Hostile option values found by trying every option of every command: each once ended in exit 1 with a Python
message (or a traceback); now each is one usage line, exit 2, decided before TensorFlow is imported."""

import json
import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest

from dropout_trace.check import recompute
from dropout_trace.cli import main
from dropout_trace.spec import build_spec


RUN = ["run", "--rate", "0.3", "--shape", "None,4"]


HUGE_CAPS = ["--max-elements", str(2**70), "--max-memory", "99999999999T"]


CASES = [
    # int('³') raised ValueError: '³'.isdigit() is True
    (RUN + ["--stages", "\u00b3"], ["--stages", "is not a stage", "7 keep_mask"]),
    # int() of 5000 digits raised ValueError (Python's digit limit)
    (RUN + ["--stages", "9" * 5000], ["--stages", "is not a stage"]),
    # sizes no machine holds, with both caps raised: numpy raised "ValueError: Maximum allowed size exceeded"
    (RUN + ["--batch", str(2**64)] + HUGE_CAPS, ["(18446744073709551616, 4)", "no 64-bit machine", "smaller shape"]),
    (RUN + ["--batch", str(2**63)] + HUGE_CAPS, ["(9223372036854775808, 4)", "no 64-bit machine"]),
    (["run", "--rate", "0.3", "--shape", f"{2**64},1"] + HUGE_CAPS, ["no 64-bit machine"]),
    (["run", "--rate", "0.3", "--shape", f"{2**62},{2**62}"], ["no 64-bit machine"]),
    (["stats", "--shape", "None,4", "--batch", str(2**64)] + HUGE_CAPS, ["no 64-bit machine"]),
    (["chain", "--shape", "None,4", "--batch", str(2**64)] + HUGE_CAPS, ["no 64-bit machine"]),
    (["compare", "--batch", str(2**64)] + HUGE_CAPS, ["no 64-bit machine"]),
    # was one line already, but did not say what is valid
    (RUN + ["--max-elements", "0"], ["--max-elements 0 is not positive", "e.g. 10000000"]),
]


def one_usage_line(capsys, argv) -> str:
    status = main(list(argv))
    out, err = capsys.readouterr()
    lines = err.strip().splitlines()
    assert status == 2, err
    assert len(lines) == 1 and lines[0].startswith("dropout-trace: error: "), err
    assert "Traceback" not in out + err
    return lines[0]


@pytest.mark.parametrize("argv, words", CASES, ids=[" ".join(a)[:60] for a, _ in CASES])
def test_a_hostile_value_is_one_usage_line(capsys, argv, words):
    line = one_usage_line(capsys, argv)
    for word in words:
        assert word in line, line


def test_each_is_refused_before_tensorflow_is_imported():
    code = textwrap.dedent("""
        import io, json, sys
        from dropout_trace.cli import main
        statuses = []
        for argv in json.loads(sys.argv[1]):
            sys.stderr = io.StringIO()
            statuses.append(main(argv))
            sys.stderr = sys.__stderr__
        print(json.dumps({"statuses": statuses, "tensorflow": "tensorflow" in sys.modules}))
    """)
    done = subprocess.run([sys.executable, "-c", code, json.dumps([argv for argv, _ in CASES])], capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    got = json.loads(done.stdout)
    assert got == {"statuses": [2] * len(CASES), "tensorflow": False}


def test_minus_zero_is_rate_zero():
    """--rate -0 ran as Dropout(-0, ...): the call text showed a negative zero."""
    rate = build_spec(rate="-0", shape="None,4").rate
    assert rate == 0 and np.copysign(1, rate) == 1


@pytest.mark.parametrize("rate,dtype", [("0.9995", "float16"), ("0.99999994", "float32"), ("0.9999", "float16"),
                                        ("1", "float32")])
def test_a_rate_tensor_below_or_at_1_in_its_dtype_is_accepted(rate, dtype):
    """TensorFlow runs a rate tensor that is 1 in its dtype (all zeros: tests/test_rate_one.py), so the tool does too."""
    assert build_spec(rate=rate, shape="None,4", api="tf.nn.dropout", dtype=dtype, rate_tensor=True).rate_tensor


def test_the_recomputation_overflows_as_the_dtype_does_without_a_warning():
    """The cause of the RuntimeWarning under --rate 0.9999 --dtype float16: the check computes x * 10000 for every
    element (0.9999 is 1 in float16, so none is kept), past float16's 65504, as TensorFlow does, and numpy warned."""
    x = np.arange(1, 13, dtype=np.float16).reshape(3, 4)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        none_kept = recompute(x, np.full((3, 4), 0.99951171875, dtype=np.float16), 0.9999)
        divided = recompute(x, np.zeros((3, 4), dtype=np.float16), 0.99999, rate_is_tensor=True)  # 1 - 1 = 0
        kept = recompute(x * 10, np.full((3, 4), 0.99951171875, dtype=np.float16), 0.9995)  # scale 2000: all kept
    assert none_kept.dtype == np.float16 and not none_kept.any()
    assert not divided.any()  # random 0 < rate 1: nothing kept, and x / 0 = inf is masked
    assert kept[0, 0] == np.float16(20000) and np.isinf(kept[-1, -1])  # 120 * 2000 is inf in float16
