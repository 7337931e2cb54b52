"""--batch 3,5: the list's usage errors (one line, exit 2, no traceback), its spec, and the commands that take one
size only. TF-free: everything here is refused or parsed before TensorFlow would be imported."""

import pytest

from dropout_trace.memory import estimate_bytes
from dropout_trace.spec import build_spec

from test_spec_parsing import BASE, assert_usage_error


@pytest.mark.parametrize("text, needle", [
    ("", "--batch is empty"),
    ("3,,5", "--batch '3,,5' has an empty size at position 2"),
    ("3,", "empty size at position 2"),
    ("3,x", "'x' is not a size"),
    ("3,2.5", "'2.5' is not a size"),
    ("3,0", "size 0 is not positive"),
    ("-1,3", "size -1 is not positive"),
    ("1,2,3,4,5", "has 5 sizes"),
])
def test_a_bad_list_is_one_line_naming_what_is_valid(capsys, text, needle):
    line = assert_usage_error(capsys, BASE + ["--batch", text], needle)
    assert "1 to 4 positive sizes" in line


def test_one_size_is_refused_as_before(capsys):
    assert_usage_error(capsys, BASE + ["--batch", "0"], "--batch 0 is not positive", "e.g. 3")


def test_sizes_only_fill_a_none(capsys):
    assert_usage_error(capsys, ["run", "--rate", "0.3", "--shape", "2,4", "--batch", "3,5"],
                       "--batch 3,5", "fill a None", "--shape 2,4 has none")
    assert build_spec(rate="0.3", shape="2,4", batch="7").batch == 7  # one size with no None: as before


def test_every_call_counts_towards_the_cap(capsys):
    assert_usage_error(capsys, BASE + ["--batch", "3,5", "--calls", "6"], "12 calls", "the most is 10")
    assert build_spec(rate="0.3", shape="None,4", batch="3,5", calls=5).call_sizes == (3, 5) * 5


def test_each_size_must_take_the_noise_shape(capsys):
    assert_usage_error(capsys, BASE + ["--batch", "3,5", "--noise-shape", "3,4"], "dimension 0", "--batch 5")
    assert build_spec(rate="0.3", shape="None,4", batch="3,5", noise_shape="None,1").sizes == (3, 5)


def test_the_element_cap_is_checked_at_the_largest_size(capsys):
    assert_usage_error(capsys, ["run", "--rate", "0.3", "--shape", "None,1000", "--batch", "3,20000"],
                       "--batch 20000 (the largest of 3,20000) is (20000, 1000) at run time", "--max-elements")


def test_memory_is_estimated_at_the_largest_size_for_every_call():
    one = estimate_bytes(build_spec(rate="0.3", shape="None,1000", batch="500"))
    two = estimate_bytes(build_spec(rate="0.3", shape="None,1000", batch="100,500"))
    four = estimate_bytes(build_spec(rate="0.3", shape="None,1000", batch="500", calls=2))
    assert one < two == four  # two calls, each counted at 500 rows


@pytest.mark.parametrize("command", [["chain", "--shape", "None,4"], ["stats", "--shape", "None,4"], ["compare"]])
def test_commands_of_one_call_refuse_a_list(capsys, command):
    assert_usage_error(capsys, command + ["--batch", "3,5"], f"{command[0]} takes one --batch size, not 3,5",
                       "run --batch 3,5")


def test_replicas_take_one_size(capsys):
    assert_usage_error(capsys, BASE + ["--batch", "3,5", "--replicas", "2"], "--replicas takes one --batch size")


def test_the_spec_keeps_one_size_as_it_was():
    one, two = build_spec(rate="0.3", shape="None,4", batch="3"), build_spec(rate="0.3", shape="None,4", batch=" 3, 5")
    assert (one.batch, one.batches, one.sizes, one.run_shape) == (3, (), (3,), (3, 4))
    assert (two.batch, two.batches, two.call_sizes, two.run_shape) == (3, (3, 5), (3, 5), (3, 4))
    assert two.largest_run_shape == (5, 4)
