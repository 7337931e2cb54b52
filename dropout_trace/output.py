"""Where a command's output goes: the terminal (width, colour, theme) and, with --export, a file.

One mechanism for every command: the command hands over how to draw itself as text and how to
give its data as JSON; the terminal gets what --format asks for, and an export gets what its
suffix asks for (.svg and .html from rich's own recorded console, colours kept; .txt plain;
.json the command's JSON). Exports are written atomically and never overwrite without --force.
A stream that cannot encode the symbols (latin-1, cp1252) gets their ASCII forms, from streams.py.
"""

from __future__ import annotations

import contextlib
import io
import os
import tempfile
from pathlib import Path

from .env import Env, from_process
from .errors import PROG
from .spec import UsageError
from .streams import ASCII, ascii_stream  # noqa: F401 (callers import them from here)

SUFFIXES = (".svg", ".html", ".txt", ".json")
THEMES = ("dark", "light")
MIN_WIDTH, MAX_WIDTH = 40, 400


# -- options -----------------------------------------------------------------------------------------
def check_export(export: str | None, force: bool) -> Path | None:
    """Validate --export before any work is done: a known suffix, a name the file system takes, an existing
    folder this process can create files in, no silent overwrite."""
    if export is None:
        return None
    try:
        return _check_export(export, force)
    except OSError as exc:  # the folder cannot even be looked at: a deleted current folder, no permission
        try:
            os.getcwd()
            hint = ""
        except OSError:
            hint = "; the current folder no longer exists, so give an absolute path" if not os.path.isabs(export) \
                else ""
        raise UsageError(f"--export {export!r}: cannot reach its folder ({exc.strerror or exc}){hint}") from None


def _check_export(export: str, force: bool) -> Path:
    if "\0" in export:
        raise UsageError(f"--export {export!r}: a file name cannot contain a NUL character")
    path = Path(export)
    if path.suffix.lower() not in SUFFIXES:
        raise UsageError(f"--export {export!r}: the suffix picks the format; use one of {', '.join(SUFFIXES)}")
    folder = path.parent
    if not folder.is_dir():
        raise UsageError(f"--export {export!r}: the folder {str(folder)!r} does not exist; create it first")
    name_max, path_max = _limit(folder, "PC_NAME_MAX", 255), _limit(folder, "PC_PATH_MAX", 4096)
    if len(os.fsencode(path.name)) > name_max:
        raise UsageError(f"--export {export!r}: the file name is {len(os.fsencode(path.name))} bytes long; this "
                         f"file system takes at most {name_max}")
    if len(os.fsencode(os.path.abspath(export))) >= path_max:
        raise UsageError(f"--export {export!r}: the path is too long; this file system takes at most "
                         f"{path_max - 1} bytes")
    if path.exists() and not force:
        raise UsageError(f"--export {export!r} exists; add --force to overwrite it")
    if path.is_dir():
        raise UsageError(f"--export {export!r} is a folder; give a file name, e.g. trace.svg")
    why = _cannot_create_in(folder, path.suffix)
    if why:
        raise UsageError(f"--export {export!r}: cannot create a file in the folder {str(folder)!r} ({why})")
    return path


def _limit(folder: Path, name: str, default: int) -> int:
    try:
        return os.pathconf(folder, name)
    except (OSError, ValueError):
        return default


def _cannot_create_in(folder: Path, suffix: str) -> str | None:
    """Why a file cannot be created in `folder`, or None. access() first; then a real try, since as root
    access() says yes where the file system says no (/proc, /sys, a read-only mount)."""
    from .pause import held

    if not os.access(folder, os.W_OK | os.X_OK):
        return "not writable here"
    probe = None
    try:
        with held():  # a signal waits until the probe is gone
            fd, probe = tempfile.mkstemp(prefix=".dropout-trace-", suffix=suffix, dir=folder)
            os.close(fd)
            os.unlink(probe)
    except OSError as exc:
        return exc.strerror or type(exc).__name__
    return None


def check_width(width: int | None) -> None:
    if width is not None and not MIN_WIDTH <= width <= MAX_WIDTH:
        raise UsageError(f"--width {width} is outside {MIN_WIDTH}..{MAX_WIDTH}; it is the output's width in columns")


def check_theme(theme: str | None) -> None:
    if theme is not None and theme not in THEMES:
        raise UsageError(f"--theme {theme!r} is not known; choose {' or '.join(THEMES)}")


def _screen_width(width: int | None, env: Env) -> int | None:
    """--width on the screen: as given, except on a terminal narrower than it, where every line would wrap
    (then the terminal's width, said once on stderr; --width still applies to exports). Piped: as given."""
    from .env import isatty, terminal_size

    if width is None or not isatty(env.stdout):
        return width
    columns = env.columns or terminal_size(env.stdout, env.environ)[0]
    if width <= columns:
        return width
    env.stderr.write(f"{PROG}: note: --width {width} is wider than this {columns}-column terminal; the screen "
                     f"uses {columns}, exports use {width}\n")
    return columns


class Output:
    """A command's console and its optional export."""

    def __init__(self, export: str | None = None, width: int | None = None, force: bool = False,
                 theme: str | None = None, env: Env | None = None):
        check_width(width)
        check_theme(theme)
        self.path = check_export(export, force)
        self.width, self.theme = width, theme
        self.env = env = env if env is not None else from_process()
        if env.console is not None:  # a caller's (a played lesson): its --width and --theme are the caller's
            self.console = env.console
        else:
            from .render import make_console

            self.console = make_console(env.stdout, width=_screen_width(width, env) or env.columns,
                                        color=env.colour, theme=theme)

    def emit(self, fmt: str, text=None, data=None, raw: str | None = None) -> None:
        """Print as --format asks (text(console), data() as JSON, or a raw string), then export if asked."""
        from . import status

        status.clear()  # what the command said it was doing while it worked goes before its output
        if fmt == "json" or (data is not None and self.path is not None and self.path.suffix.lower() == ".json"):
            made = data()  # once, for the screen and the export alike
            data = lambda: made  # noqa: E731
        if fmt == "json" or raw is not None:
            from .render_json import write

            try:
                if fmt == "json":
                    write(data(), self.env.stdout)
                else:
                    self.env.stdout.write(raw + "\n")
                self.env.stdout.flush()
            except BrokenPipeError:  # the reader stopped (`| head`); without its errno, so that typer's own
                raise BrokenPipeError() from None  # handler (exit 1) lets it through to main's quiet exit 0
        else:
            text(self.console)
        if self.path is not None:
            self.save(text, data, raw)

    def save(self, text=None, data=None, raw: str | None = None) -> None:
        suffix = self.path.suffix.lower()
        if suffix == ".json":
            if data is None:
                raise UsageError(f"--export {self.path}: this command has no JSON form; use .svg, .html or .txt")
            from .render_json import text as json_text

            content = json_text(data())
        elif text is None:  # a command that only prints a raw string (graph --format dot)
            content = raw + "\n"
        else:
            content = self._recorded(text, suffix)
        self._write(content)

    def _recorded(self, text, suffix: str) -> str:
        """Draw again into rich's recording console, in colour, and export what it recorded."""
        from .render import make_console

        console = make_console(io.StringIO(), width=self.width or self.console.width, color=True,
                               theme=self.theme, record=True)
        text(console)
        if suffix == ".svg":
            return console.export_svg(title=PROG)
        if suffix == ".html":
            return console.export_html(inline_styles=True)
        return "\n".join(line.rstrip() for line in console.export_text(styles=False).splitlines()) + "\n"

    def _write(self, content: str) -> None:
        """Atomically: a temporary file in the same folder, renamed over the target; nothing left on failure
        or on a signal (held() keeps one from falling between creating the file and keeping its name)."""
        from .pause import held

        tmp = f = None
        try:
            with held():
                fd, tmp = tempfile.mkstemp(prefix=".dropout-trace-", suffix=self.path.suffix, dir=self.path.parent)
                f = os.fdopen(fd, "w", encoding="utf-8")
                umask = os.umask(0)
                os.umask(umask)
            os.fchmod(f.fileno(), 0o666 & ~umask)  # mkstemp makes it private; an export is an ordinary file
            f.write(content)
            f.close()
            os.replace(tmp, self.path)
        except BaseException as exc:
            with held():  # a second signal waits until the temporary file is gone
                if f is not None:
                    with contextlib.suppress(OSError):
                        f.close()
                if tmp is not None and os.path.lexists(tmp):
                    os.unlink(tmp)
            if isinstance(exc, OSError) and exc.errno is not None and not isinstance(exc, BrokenPipeError):
                raise OSError(exc.errno, exc.strerror, str(self.path)) from exc  # the user's file, not ours
            raise
