"""`dropout-trace shell`: TensorFlow loaded once, then each line is a dropout-trace command run in-process."""

from __future__ import annotations

import os
import shlex
import shutil
import stat
import tempfile
import time
from pathlib import Path

from .errors import PROG, ExitStatus, fail

PROMPT = "dropout-trace> "
LEAVE = ("exit", "quit")
CLEAR = "clear"
CLEAR_SCREEN = "\x1b[H\x1b[2J\x1b[3J"  # the cursor home, the screen and its scrollback cleared
HISTORY_LENGTH = 1000
INTERRUPTED, TERMINATED = ExitStatus.INTERRUPTED, ExitStatus.TERMINATED  # a command stopped by a signal


def shell(stdin=None, timing: bool = False, env=None) -> int:
    """Read commands until exit, quit or end of input, and run each through the one runner in `env` (an
    env.Env, the process's by default; `stdin` replaces its stdin).

    From a pipe, the status is 0 if every command succeeded, else the last failure's, as a script
    needs; at a terminal each error was already shown where it happened, so leaving is 0.
    """
    from .env import from_process
    from .spec import MAX_REPLICAS
    from .untrusted import one_line
    from .tfenv import DeviceSetupError, TensorFlowImportError, import_tensorflow

    env = env if env is not None else from_process()
    env = env.but(stdin=stdin, at_prompt=True) if stdin is not None else env.but(at_prompt=True)
    stdin, interactive = env.stdin, env.stdin_isatty
    if interactive:
        _say(env, "Loading TensorFlow once for the whole session...")
    try:  # split the CPU now, before TensorFlow starts, so run --replicas works here too
        tf, keras = import_tensorflow(MAX_REPLICAS)
    except DeviceSetupError:  # it started earlier in this process (a test): --replicas will say so itself
        tf, keras = import_tensorflow()
    except TensorFlowImportError as exc:
        return fail(str(exc).splitlines()[0], ExitStatus.ERROR, env)
    if interactive:
        _say(env, f"Ready: TensorFlow {tf.__version__}, Keras {keras.__version__}. Type help for the commands, "
             "exit or Ctrl-D to leave.")
    status = int(ExitStatus.OK)
    with _History(interactive):
        for line in _lines(stdin, interactive, env):
            if isinstance(line, Undecodable):
                where = f"line {line.number}" if line.number else "that line"
                status = fail(f"{where} is not {getattr(stdin, 'encoding', None) or 'UTF-8'} text; skipped it",
                              ExitStatus.USAGE, env)
                continue
            try:
                words = argv(line)
            except ValueError as exc:  # an unclosed quote: a bad line, reported like any bad input
                status = fail(str(exc).lower(), ExitStatus.USAGE, env)
                continue
            if words and words[0] in LEAVE:
                break
            start = time.perf_counter()
            done = execute(words, env)
            if timing and done is not None:
                env.stderr.write(f"timing {time.perf_counter() - start:.3f} s {one_line(' '.join(words))}\n")
            if done:  # None: nothing ran (a blank line); 0: success
                status = done
            if done == INTERRUPTED and not interactive:  # Ctrl-C stops a script, as in any shell
                break
            if done == TERMINATED:  # SIGTERM ends the session, wherever its commands come from
                return done
    return status if not interactive else int(ExitStatus.OK)


def _say(env, text: str = "", indent: int = 0) -> None:
    """Each line of `text` wrapped by words to the screen's width; a line's continuation indented by `indent`
    more than the line (a list's descriptions line up), and never broken inside a word or at a hyphen."""
    import textwrap

    from .env import terminal_size

    width = env.columns or terminal_size(env.stdout, env.environ)[0]
    lines = []
    for line in text.split("\n"):
        lead = " " * (len(line) - len(line.lstrip(" ")) + (indent if line.startswith(" ") else 0))
        lines += textwrap.wrap(line, width=max(width - 1, 20), subsequent_indent=lead, break_long_words=False,
                               break_on_hyphens=False) or [""]
    env.stdout.write("\n".join(lines) + "\n")
    env.stdout.flush()


def _clear(env) -> int:
    """`clear`: a fresh screen on a terminal; piped, nothing (there is no screen to clear)."""
    from .env import isatty

    if isatty(env.stdout):
        env.stdout.write(CLEAR_SCREEN)
        env.stdout.flush()
    return 0


def _lines(stdin, interactive: bool, env):
    """Lines typed at the prompt (Ctrl-C cancels the line) or read from a pipe (no prompt); ends at EOF."""
    if not interactive:  # not `yield from`: leaving the loop would close the caller's stdin through it
        raw = getattr(stdin, "buffer", None)
        for number, line in enumerate(raw if raw is not None else stdin, start=1):
            if isinstance(line, bytes):
                try:
                    line = line.decode(getattr(stdin, "encoding", None) or "utf-8")
                except (UnicodeDecodeError, LookupError):
                    yield Undecodable(number)
                    continue
            yield line
        return
    while True:
        try:
            yield input(PROMPT)
        except KeyboardInterrupt:  # the terminal has echoed ^C; start a fresh line
            _say(env)
        except UnicodeDecodeError:  # the terminal sent bytes that are not text in its encoding
            yield Undecodable(None)
        except EOFError:  # Ctrl-D
            _say(env)
            return


class Undecodable(str):
    """A line that is not text in stdin's encoding: reported and skipped."""

    def __new__(cls, number: int | None):
        made = super().__new__(cls, "")
        made.number = number
        return made


def argv(line: str) -> list[str]:
    """The command's words: shell-style quoting and # comments, without a leading dropout-trace."""
    words = shlex.split(line, comments=True)
    return words[1:] if words[:1] == [PROG] else words


def execute(words: list[str], env) -> int | None:
    """Run one command as `dropout-trace WORDS` would, through the one runner in `env`; None when there was
    nothing to run. Each command starts from a fresh process's TensorFlow and Keras state (the runner
    isolates it), so it prints what it would alone."""
    from .cmdline import named
    from .program import main

    if not words:
        return None
    line = named(words)
    if words[0] == "shell" or line.command == "shell":  # in any spelling: --debug shell, shell --help
        return fail("already in the shell; type a command, or help for the list", ExitStatus.USAGE, env)
    completion = next((g.flag for g in line.given if g.name in ("install_completion", "show_completion")), None)
    if completion:  # it would edit the login shell's files from here; this prompt completes with Tab itself
        return fail(f"{completion} is for your login shell: run 'dropout-trace {completion}' there; "
                    "here, Tab completes commands and options", ExitStatus.USAGE, env)
    try:
        if words[0] in ("help", "?"):
            return _help(words[1:], env)
        if words == [CLEAR]:
            return _clear(env)
        return main(words, env)
    except (Exception, KeyboardInterrupt) as exc:  # main lets these through only with --debug
        if line.asks("debug"):
            import traceback

            traceback.print_exc(file=env.stderr)
            return int(ExitStatus.ERROR)
        return fail(f"{type(exc).__name__}: {exc}", ExitStatus.ERROR, env)
    except SystemExit as exc:  # no command should end the shell
        if exc.code is None:
            return int(ExitStatus.OK)
        return exc.code if isinstance(exc.code, int) else int(ExitStatus.ERROR)


def commands() -> list[tuple[str, str]]:
    """(name, one-line help) for every dropout-trace command but shell, in the order --help lists them."""

    from .program import command_tree

    found = [(n, c) for n, c in command_tree().commands.items() if n != "shell" and not c.hidden]
    room = shutil.get_terminal_size().columns - 4 - max(len(n) for n, _ in found)  # as --help fits them
    return [(n, c.get_short_help_str(limit=max(room, 30))) for n, c in found]


def _help(topic: list[str], env) -> int:
    """`help` lists the commands; `help COMMAND` is `COMMAND --help`."""
    from .program import main

    if topic:
        return main([*topic, "--help"], env)
    listed = commands()
    width = max(len(n) for n, _ in listed)
    out = ["Commands (type them as you would after dropout-trace):"]
    out += [f"  {n:<{width}}  {h}" for n, h in listed]
    out += ["COMMAND --help (or help COMMAND) shows a command's options.",
            "clear clears the screen; exit, quit or Ctrl-D leaves; Ctrl-C cancels the line."]
    _say(env, "\n".join(out), indent=width + 2)
    return 0


class _History:
    """Up-arrow history through readline on a terminal, kept in $XDG_STATE_HOME/dropout-trace/history.

    The file is read and written only in a folder and file we own and that are not symlinks, and it is
    replaced atomically; anything else (no readline, a read-only home) leaves the history in memory only.
    """

    def __init__(self, interactive: bool):
        self.readline = self.path = None
        if not interactive:
            return
        try:
            import readline
        except ImportError:  # e.g. Windows without pyreadline: input() still works, without history
            return
        self.readline = readline
        _complete_commands(readline)

    def __enter__(self):
        if self.readline is not None:
            self.path = _history_file()
            try:
                if self.path is not None and self.path.exists():
                    self.readline.read_history_file(str(self.path))
            except OSError:
                self.path = None
        return self

    def __exit__(self, *exc) -> None:
        if self.path is None:
            return
        tmp = None
        try:
            fd, tmp = tempfile.mkstemp(prefix=".history-", dir=self.path.parent)  # private, 0600
            os.close(fd)
            self.readline.set_history_length(HISTORY_LENGTH)
            self.readline.write_history_file(tmp)
            os.replace(tmp, self.path)
        except OSError:
            if tmp is not None and os.path.exists(tmp):
                os.unlink(tmp)


def _history_file() -> Path | None:
    """The history file if it can be kept safely: XDG_STATE_HOME (absolute) or ~/.local/state; else None."""
    state = os.environ.get("XDG_STATE_HOME", "")
    try:
        base = Path(state) if os.path.isabs(state) else Path.home() / ".local" / "state"
        folder = base / "dropout-trace"
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        for path in (folder, folder / "history"):
            if not os.path.lexists(path):
                continue
            info = os.lstat(path)
            kind = stat.S_ISDIR if path == folder else stat.S_ISREG
            if not kind(info.st_mode) or info.st_uid != os.getuid():  # a symlink or someone else's file
                return None
        return folder / "history"
    except (OSError, RuntimeError):  # RuntimeError: no home directory
        return None


def _complete_commands(readline) -> None:
    """Tab completes command names, then the command's --options."""
    names = [n for n, _ in commands()] + ["help", CLEAR, *LEAVE]

    def options(command: str) -> list[str]:
        from .program import command_tree

        found = command_tree().commands.get(command)  # typer vendors click: no click import
        return [o for p in getattr(found, "params", []) for o in p.opts + p.secondary_opts if o.startswith("--")]

    def complete(text: str, state: int):
        before = readline.get_line_buffer()[:readline.get_begidx()].split()
        if before[:1] == [PROG]:
            before = before[1:]
        pool = options(before[0]) if before else names
        hits = [w for w in pool if w.startswith(text)]
        return hits[state] + " " if state < len(hits) else None

    readline.set_completer(complete)
    readline.set_completer_delims(" \t")
    binding = "bind ^I rl_complete" if "libedit" in (readline.__doc__ or "") else "tab: complete"
    readline.parse_and_bind(binding)
