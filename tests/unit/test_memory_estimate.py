"""memory.py and --max-memory, no TensorFlow: sizes parse in powers of 1024, the estimate grows with what a
run holds and counts the JSON, and a run estimated not to fit is refused with one line before anything
is allocated (the peaks measured in a child process are in tests/test_memory.py)."""

import subprocess
import sys
import textwrap

import pytest

from dropout_trace.memory import LIBRARY_BYTES, available_memory, estimate_bytes, human_bytes, json_bytes
from dropout_trace.spec import UsageError, build_spec, parse_bytes

from cli_checks import one_error_line


def test_a_run_too_large_for_memory_is_refused_before_tensorflow_starts():
    """The issue's command: 2^31 float32 elements. It was killed by the kernel after 99 s; now one line, exit 2."""
    spec = build_spec(rate="0.3", shape="2147483648,1", max_elements=99999999999, max_memory="1024T")
    available = available_memory()
    if available is None or estimate_bytes(spec) <= available:
        pytest.skip("this machine has the memory for it")
    code = textwrap.dedent(f"""
        import sys
        from dropout_trace.cli import main
        status = main({HUGE!r})
        assert "tensorflow" not in sys.modules, "TensorFlow was imported before the refusal"
        sys.exit(status)
    """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("dropout-trace: error: "), done.stderr
    line = lines[0]
    assert "(2147483648, 1)" in line and "float32" in line
    assert f"about {human_bytes(estimate_bytes(spec))}" in line and "GiB" in line  # the estimate, in human units
    assert "memory available" in line and "--max-memory" in line  # and the option that raises the cap
    assert done.stdout == ""


@pytest.mark.parametrize("command", [["chain"], ["compare"], ["stats"]])
def test_every_command_that_runs_the_call_checks_memory(capsys, command):
    line = one_error_line(capsys, command + ["--shape", "None,1024", "--batch", "4096", "--max-memory", "100M"])
    assert "--max-memory of 100.0 MiB" in line and "(4096, 1024)" in line


@pytest.mark.parametrize("text, size", [("100", 100), ("16G", 16 * 2**30), ("16GiB", 16 * 2**30),
                                        ("16gb", 16 * 2**30), ("512M", 512 * 2**20), ("1.5T", 3 * 2**39),
                                        ("2k", 2048), (" 8 G ", 8 * 2**30)])
def test_sizes_parse_in_powers_of_1024(text, size):
    assert parse_bytes(text) == size


@pytest.mark.parametrize("text", ["", "lots", "-1G", "0", "0.5", "1X", "nan", "inf", "1e9", "G", "1.2.3G", "١٢G",
                                  "9" * 400])
def test_a_bad_size_is_one_line(capsys, text):
    line = one_error_line(capsys, ["run", "--rate", "0.3", "--shape", "None,4", "--max-memory", text])
    assert "--max-memory" in line and "e.g. 16G" in line
    with pytest.raises(UsageError):
        parse_bytes(text)


def test_human_units():
    assert [human_bytes(n) for n in (0, 1023, 1024, 1536 * 2**20, 5 * 2**40)] == \
        ["0 B", "1023 B", "1.0 KiB", "1.5 GiB", "5.0 TiB"]


def test_the_estimate_grows_with_what_a_run_holds():
    def need(**options):
        return estimate_bytes(build_spec(**{"rate": "0.3", "shape": "None,1024", "batch": 1024,
                                            "max_memory": "1024T", **options}))

    base = need()
    assert need(dtype="float64") > base > need(dtype="float16")
    assert need(calls=3) > base and need(eager=True) > base
    assert need(replicas=2) > base  # the global batch: --batch rows on each replica
    assert need(batch=2048) - LIBRARY_BYTES == 2 * (base - LIBRARY_BYTES)  # in proportion to the elements


def test_what_the_json_estimate_counts():
    def spec(**options):
        return build_spec(**{"rate": "0.3", "shape": "None,100", "batch": 100, **options})

    small, large = spec(), spec(batch=101)  # 10,000 elements: written in full by default; 10,100: summaries
    assert json_bytes(small, "json") == json_bytes(small, "json", "full") > 0
    assert json_bytes(large, "json") == 0 < json_bytes(large, "json", "full")
    assert json_bytes(large, "json", "summary") == json_bytes(large, "json", "none") == 0
    assert json_bytes(large, "text", "full") == 0  # no JSON written
    # an --export to .json makes the whole text at once, with or without --format json
    assert json_bytes(large, "text", "full", "t.JSON") == json_bytes(large, "json", "full", "t.json") > \
        json_bytes(large, "json", "full", "t.svg") == json_bytes(large, "json", "full")
    assert json_bytes(spec(calls=3), "json") > json_bytes(small, "json")  # each call's uniforms, mask and output
    assert estimate_bytes(large, "json", "full") == estimate_bytes(large) + json_bytes(large, "json", "full")


HUGE = ["run", "--rate", "0.3", "--shape", "2147483648,1", "--max-elements", "99999999999"]
