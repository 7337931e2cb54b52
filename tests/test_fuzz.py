"""Fuzzing every command's options through the CLI, in process.

Each example starts from a small valid command line and overrides one to three of the command's own
options (read from the command tree typer builds, so a new option is fuzzed without being listed
here) with hostile values: arbitrary text and unicode, empty strings, huge and negative numbers, NaN
and inf, malformed shapes. Whatever comes in:

- no exception escapes `main` (no traceback);
- the status is one of the documented exit statuses, and never 1 (an internal error is a bug here);
- a rejection (status 2) is exactly one line on stderr that names an option or argument given.

The seed is fixed (derandomize), so CI sees the same examples every time; DROPOUT_TRACE_FUZZ_EXAMPLES
sets how many per command (default 200).
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import sys
import tempfile

import pytest
import typer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dropout_trace.cli import ExitStatus, app, main
from dropout_trace.spec import DTYPES, INPUTS, POLICIES

EXAMPLES = int(os.environ.get("DROPOUT_TRACE_FUZZ_EXAMPLES", "200"))

# Never fuzzed: --debug shows tracebacks on purpose, --install-completion edits the user's shell
# files, --show-completion only prints a fixed script, -h/--help prints help.
SKIP = {"--debug", "--install-completion", "--show-completion", "--help", "--version", "--timing"}

# A valid, small starting point per command: the fuzzed options override these (the last value wins).
BASE = {
    ("run",): ["--rate", "0.3", "--shape", "None,4", "--max-elements", "1000"],
    ("chain",): ["--max-elements", "1000"],
    ("graph",): [],
    ("compare",): ["--max-elements", "1000"],
    ("versions",): [],
    ("stats",): ["--trials", "20", "--max-elements", "1000"],
    ("explain",): [],
    ("walkthrough",): [],
    ("walkthrough", "play"): [],
}

NUMBERS = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(["nan", "NaN", "inf", "-inf", "1e309", "-0", "0", "1", "0x10", "1_000", "1e3", "+5",
                     "9" * 40, "2147483648", "-2147483649", "9223372036854775808"]),
)
TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=24)
DIMS = st.lists(st.one_of(st.sampled_from(["None", "none", "", " ", "-1", "0", "1", "2", "2147483648", "x",
                                           "1.5", "nan", "None None"]),
                          st.integers(min_value=-5, max_value=10**12).map(str)), max_size=6).map(",".join)
HOSTILE = st.one_of(NUMBERS, TEXT, DIMS, st.sampled_from(["", " ", "None", "none", "--rate", "-", "ünïcødé", "🙂"]))

# Plausible values too, so examples get past the parser and reach the deeper checks.
PLAUSIBLE = {
    "--api": st.sampled_from(["keras", "tf-keras", "tf.nn.dropout", "tf.compat.v1.nn.dropout", "stateless",
                              "keras.random.dropout", "spatial1d", "spatial2d", "spatial3d", "Keras", "torch"]),
    "--rng": st.sampled_from(["stateless", "stateful", "legacy", "philox"]),
    "--rate": st.sampled_from(["0", "0.3", "0.999999", "1", "0.5"]),
    "--keep-prob": st.sampled_from(["0.7", "1", "0"]),
    "--shape": st.sampled_from(["None,4", "2,3", "None,None,8", "None,2,2,3", "None,2,3", "4", "None"]),
    "--noise-shape": st.sampled_from(["None,1", "1,4", "None,4", "1", "None,1,8"]),
    "--dtype": st.sampled_from([*DTYPES, "float64", "int32"]),
    "--layer-dtype": st.sampled_from([*DTYPES, "none"]),
    "--policy": st.sampled_from([*POLICIES, "float32"]),
    "--input": st.sampled_from([*INPUTS, "zeros"]),
    "--seed": st.sampled_from(["none", "-1", "0", "2147483653", "9223372036854775807", "9223372036854775808"]),
    "--batch": st.sampled_from(["1", "2", "0", "-1"]),
    "--calls": st.sampled_from(["1", "2", "11", "0"]),
    "--trials": st.sampled_from(["2", "1", "30", "1000001"]),
    "--format": st.sampled_from(["text", "json", "dot", "mermaid", "xml"]),
    "--width": st.sampled_from(["40", "39", "80", "400", "401"]),
    "--theme": st.sampled_from(["dark", "light", "solarized"]),
    "--stages": st.sampled_from(["keep_mask,output", "7,8", "0", "9", "mask", ","]),
    "--from": st.sampled_from(["1", "2", "0", "99"]),
    "--max-elements": st.sampled_from(["1", "12", "1000", "-1", "0"]),
    "topic": st.sampled_from(["noise-shape", "scaling", "noise_shape", "nothing"]),
    "name": st.sampled_from(["0", "99", "nope", "unknown-lesson"]),
}
# A replica run needs its CPU devices set up before TensorFlow starts, which in-process is too late:
# --replicas is fuzzed with values the parser must reject, never a valid 2 to 8.
REPLICAS = HOSTILE.filter(lambda v: v.strip() not in {str(n) for n in range(2, 9)})


def command_paths() -> list[tuple[tuple[str, ...], object]]:
    found = []

    def walk(command, path):
        if path:
            found.append((tuple(path), command))
        for name, sub in getattr(command, "commands", {}).items():
            walk(sub, path + [name])

    walk(typer.main.get_command(app), [])
    return found


def _safe(value: str) -> bool:
    """Export names and lesson paths stay inside the test's scratch folder: no absolute or parent paths."""
    return "/" not in value and "\\" not in value and not value.startswith((".", "~"))


def _params(command):
    for p in command.params:
        names = [*p.opts, *p.secondary_opts]
        if any(n in SKIP for n in names):
            continue
        yield p, names


@st.composite
def command_lines(draw, path, command):
    args = list(BASE.get(path, []))
    params = list(_params(command)) + [(None, ["stray"])]  # stray: an unknown option or an extra argument
    positional = []
    for p, names in draw(st.lists(st.sampled_from(params), min_size=1, max_size=3, unique_by=lambda x: x[1][0])):
        if p is None:
            args.append(draw(st.one_of(st.sampled_from(["--nope", "-x", "--rate=", "--", "---"]), TEXT)))
        elif p.param_type_name == "argument":
            value = draw(st.one_of(PLAUSIBLE.get(p.name, st.nothing()), TEXT).filter(_safe))
            positional.append(value)
        elif p.is_flag:
            args.append(draw(st.sampled_from(names)))
        else:
            name = names[0]
            if name == "--replicas":
                values = REPLICAS
            elif name == "--export":
                values = st.one_of(st.sampled_from(["out.txt", "out.json", "out.svg", "out.html", "out.pdf",
                                                    "out", ""]), TEXT).filter(_safe)
            else:
                values = st.one_of(PLAUSIBLE.get(name, st.nothing()), HOSTILE)
            args += [name, draw(values)]
    return [*path, *positional, *args]


def _run(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(argv)
    return status, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def scratch():
    """A folder of its own to run in: --export writes its files there."""
    before = os.getcwd()
    with tempfile.TemporaryDirectory() as folder:
        os.chdir(folder)
        try:
            yield folder
        finally:
            os.chdir(before)


DOCUMENTED = {int(s) for s in ExitStatus} - {int(ExitStatus.ERROR)}


@pytest.mark.parametrize("path, command", command_paths(), ids=lambda v: " ".join(v) if isinstance(v, tuple) else "")
def test_fuzzed_options_never_crash(tf, scratch, path, command):
    @settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(command_lines(path, command))
    def check(argv):
        stdin = sys.stdin
        sys.stdin = io.StringIO("")  # the shell reads its commands from here: none
        try:
            status, out, err = _run(argv)
        finally:
            sys.stdin = stdin
        assert "Traceback" not in out + err, (argv, err)
        assert status in DOCUMENTED, (argv, status, err)
        if status == ExitStatus.USAGE:
            lines = err.splitlines()
            assert len(lines) == 1 and lines[0].startswith("dropout-trace: error: "), (argv, err)
            given_names = {a for a in argv if a.startswith("-")} | {"TOPIC", "NAME", "topic", "name", "lesson"}
            named = [n for n in given_names if n.strip("-") and n in lines[0]]
            words = re.findall(r"--[a-z-]+", lines[0])
            assert named or words, (argv, lines[0])

    check()
