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


# -- lessons and the shell ----------------------------------------------------------------------------
# A lesson file is untrusted and a shell line is typed by anyone: generated ones, with control
# characters, unicode digits, broken fences and quoting, huge repeats, and command lines drawn
# from the same option fuzzing as above. Whatever comes in: no traceback, a documented status, no
# escape sequence on the terminal (output here is not a terminal, so the tool itself sends none),
# nothing written anywhere, and the caller's stdin left open.
CHEAP = {("run",), ("versions",), ("explain",), ("chain",)}
CONTROLS = st.sampled_from(["\x1b]52;c;ZXZpbA==\x07", "\x1b]0;title\x07", "\x1b[2J", "\x1b[8m", "\x07", "\x08",
                            "\r", "\x00", "\x9b", "\u202e", "\ufeff", "\u2028"])
DIGITS = st.sampled_from(["٣", "³", "１", "߂", "২", "0x3", "3"])
UNTRUSTED = st.lists(st.one_of(st.characters(blacklist_categories=("Cs",)), CONTROLS), max_size=20).map("".join)
PATHS = [(p, c) for p, c in command_paths() if p in CHEAP]


@st.composite
def any_command(draw) -> str:
    """One line a lesson or a shell user might write: fuzzed options, a nested command, or noise."""
    import shlex

    path, command = draw(st.sampled_from(PATHS))
    kind = draw(st.integers(0, 5))
    if kind <= 2:
        return shlex.join(draw(command_lines(path, command)))
    if kind == 3:
        option = draw(st.sampled_from(["--replicas", "--calls", "--batch", "--max-elements", "--width"]))
        return f"{' '.join(path)} --rate 0.3 --shape None,4 {option} {draw(DIGITS)}"
    if kind == 4:
        return draw(st.sampled_from(["shell", "--debug shell", "walkthrough play 1", "--install-completion",
                                     "--show-completion zsh", "versions --export x.txt --force", "exit", "help",
                                     "run --max-memory 1000T --rate 0.3 --shape None,4", "stats --trials 1"]))
    return draw(UNTRUSTED)


@st.composite
def lesson_texts(draw) -> str:
    parts = [draw(st.sampled_from(["", "\ufeff"])) + f"# {draw(UNTRUSTED)}\n"]
    for _ in range(draw(st.integers(0, 4))):
        parts.append(draw(UNTRUSTED) + "\n\n")
        fence = draw(st.sampled_from(["```bash", "```console", "~~~sh", "```python", "````bash", "```"]))
        lines = [("$ " if draw(st.booleans()) else "") + "dropout-trace " + draw(any_command())
                 for _ in range(draw(st.integers(0, 2)))]
        if draw(st.booleans()):
            lines.append("# " + draw(UNTRUSTED))
        close = draw(st.sampled_from(["```", "~~~", "````", ""]))  # sometimes a fence never closes
        parts.append("\n".join([fence, *lines, close]) + "\n")
    text = "".join(parts)
    return text * draw(st.sampled_from([1, 1, 1, 2, 300]))  # sometimes huge: past the caps


def _untouched(folder: str) -> set[str]:
    return {os.path.join(d, f) for d, _, files in os.walk(folder) for f in files}


@pytest.fixture
def sealed(tmp_path, monkeypatch):
    """A scratch home and working folder: whatever a lesson or a shell line wrote would show up there.

    Keras and tf-keras write ~/.keras/keras.json when they are first imported, for any program that
    imports them; both are imported before HOME moves here, so what shows up is ours."""
    import tf_keras  # noqa: F401  (keras is, through the tf fixture)

    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / "state"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _clean(out: str, err: str, status: int, what) -> None:
    assert "Traceback" not in out + err, (what, err)
    assert status in DOCUMENTED, (what, status, err)
    assert "\x1b" not in out + err and "\x07" not in out + err and "\x9b" not in out + err, (what, out + err)


def test_fuzzed_lessons_only_read_and_print(tf, sealed):
    lesson = sealed / "sent.md"

    @settings(max_examples=max(10, EXAMPLES // 4), derandomize=True, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(lesson_texts())
    def check(text):
        lesson.write_text(text, encoding="utf-8", errors="surrogatepass")
        before = _untouched(str(sealed))
        stdin = sys.stdin
        sys.stdin = io.StringIO("")
        try:
            status, out, err = _run(["walkthrough", "play", str(lesson), "--step"])
        finally:
            sys.stdin = stdin
        _clean(out, err, status, text[:400])
        assert status in (0, 2), (text[:400], status, err)  # played, or refused before anything ran
        if status == 2:
            lines = err.splitlines()
            assert len(lines) == 1 and lines[0].startswith(f"dropout-trace: error: {lesson}"), (text[:400], err)
            assert out == ""
        assert _untouched(str(sealed)) == before, text[:400]

    check()


def test_fuzzed_shell_lines_never_break_the_session(tf, sealed, capsys):
    from dropout_trace.shell import shell

    @settings(max_examples=max(10, EXAMPLES // 4), derandomize=True, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(st.lists(any_command(), min_size=1, max_size=4))
    def check(lines):
        raw = "".join(line.replace("\n", " ").replace("\r", " ").replace("\u2028", " ") + "\n" for line in lines)
        stdin = io.TextIOWrapper(io.BytesIO(raw.encode("utf-8", "surrogatepass") + b"\xff\nversions --format json\n"),
                                 encoding="utf-8")
        before = _untouched(str(sealed))
        try:
            status = shell(stdin=stdin)
        except BaseException as exc:  # a line that escaped the shell would end a whole class's session
            raise AssertionError((lines, repr(exc))) from exc
        out, err = capsys.readouterr()
        _clean(out, err, status, lines)
        assert not stdin.closed, lines
        left = any(line.strip() in ("exit", "quit") for line in lines)
        assert left or '"tensorflow"' in out, (lines, err)  # the session went on to the last line
        written = _untouched(str(sealed)) - before  # an --export the user typed may write here, and only here
        assert all(os.path.dirname(path) == str(sealed) for path in written), (lines, written)
        for path in written:
            os.unlink(path)

    check()
