"""Where a command's output goes: the terminal (width, colour, theme) and, with --export, a file.

One mechanism for every command: the command hands over how to draw itself as text and how to
give its data as JSON; the terminal gets what --format asks for, and an export gets what its
suffix asks for (.svg from rich's own recorded console, colours kept, drawn in the theme's window,
render/palette.py; .html a self-contained page, render/handout.py, a step per stage; .txt plain; .json the
command's JSON); a folder, DIR/, is a deck of slides (slides.py). Exports are written atomically and never
overwrite without --force.
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
def check_export(export: str | None, force: bool, slides: bool = False) -> Path | None:
    """Validate --export before any work is done: a known suffix, a name the file system takes, an existing
    folder this process can create files in, no silent overwrite. A folder (DIR/, or one that exists) is a
    deck of slides, for the commands that make them (`slides`)."""
    if export is None:
        return None
    try:
        if is_folder(export):
            return _check_folder(export, force, slides)
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
    why = _cannot_create_in(folder, path.suffix)
    if why:
        raise UsageError(f"--export {export!r}: cannot create a file in the folder {str(folder)!r} ({why})")
    return path


def is_folder(export: str) -> bool:
    """--export DIR/ or an existing folder: slides, not a file."""
    return export.endswith(("/", os.sep)) or os.path.isdir(export)


def _check_folder(export: str, force: bool, slides: bool) -> Path:
    """A folder for slides: new (its parent exists and takes a folder) or empty, or with --force any folder."""
    if not slides:
        raise UsageError(f"--export {export!r} is a folder: only run and walkthrough play make slides into a "
                         f"folder; here give a file ({', '.join(SUFFIXES)})")
    if "\0" in export:
        raise UsageError(f"--export {export!r}: a folder name cannot contain a NUL character")
    path = Path(export)
    if path.exists() and not path.is_dir():
        raise UsageError(f"--export {export!r}: {str(path)!r} is a file; the slides need a new or an empty folder")
    if path.is_dir() and any(path.iterdir()) and not force:
        raise UsageError(f"--export {export!r}: the folder is not empty; give a new or an empty folder, or add "
                         "--force to write the slides into it (replacing an earlier deck's)")
    where = path if path.is_dir() else path.parent
    if not where.is_dir():
        raise UsageError(f"--export {export!r}: the folder {str(where)!r} does not exist; create it first")
    if len(os.fsencode(path.name)) > _limit(where, "PC_NAME_MAX", 255):
        raise UsageError(f"--export {export!r}: the folder name is too long for this file system")
    why = _cannot_create_in(where, ".svg")
    if why:
        raise UsageError(f"--export {export!r}: cannot create {'files' if path.is_dir() else 'a folder'} in "
                         f"{str(where)!r} ({why})")
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


def svg_of(console, title: str, theme: str | None, unique_id: str) -> str:
    """What `console` recorded as an SVG in the theme's window, with a fixed id (rich's own hashes segments whose
    metadata names objects), and offline: rich's template asks a CDN for its font, this one only the reader's
    installed fonts (the font stack falls back to the system's monospace)."""
    import re

    from rich._export_format import CONSOLE_SVG_FORMAT

    from .render.palette import palette

    offline = re.sub(r',\s*url\("https?://[^"]*"\) format\("[^"]*"\)', "", CONSOLE_SVG_FORMAT)
    return console.export_svg(title=title, theme=palette(theme).window(), unique_id=unique_id, code_format=offline)


class Output:
    """A command's console and its optional export."""

    def __init__(self, export: str | None = None, width: int | None = None, force: bool = False,
                 theme: str | None = None, env: Env | None = None, slides: bool = False):
        check_width(width)
        check_theme(theme)
        self.path = check_export(export, force, slides)
        # what the export is: a file's suffix, or "/" for a folder of slides
        self.kind = None if self.path is None else "/" if is_folder(export) else self.path.suffix.lower()
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
        if fmt == "json" or (data is not None and self.kind == ".json"):
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
        suffix = self.kind
        if suffix == "/":  # only run and walkthrough play take a folder, and both draw as text
            return self.write_slides(self._cut(text))
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
        console = self._recorder(page=suffix == ".html")
        if suffix == ".html":  # a page of its own, a step per stage where the view marks them
            from .render.handout import Handout

            with Handout(console) as handout:
                text(console)
            return handout.page(self.theme)
        text(console)
        if suffix == ".svg":  # drawn in the theme's own window, not rich's default dark one
            return svg_of(console, PROG, self.theme, "dropout-trace")
        return "\n".join(line.rstrip() for line in console.export_text(styles=False).splitlines()) + "\n"

    def _cut(self, text):
        """Draw again into a recording console, cut where the view pauses: its pages (slides.py)."""
        from .slides import cutting

        console = self._recorder()
        with cutting(console, "header") as slides:
            text(console)
        return slides.pages()

    def _recorder(self, width: int | None = None, page: bool = False):
        """A console that records, in colour and the theme (an HTML page: its own palettes), `width` (or the
        output's) wide."""
        from .render import make_console

        return make_console(io.StringIO(), width=width or self.width or self.console.width, color=True,
                            theme=self.theme, record=True, page=page)

    def write_slides(self, pages) -> None:
        """Each page an SVG in the theme's window, at most slides.ROWS lines each, into the folder."""
        from rich.segment import Segment, Segments
        from rich.text import Text

        from .slides import CONTINUES, slide_names

        files = {}
        for name, lines, continues in slide_names(pages):
            console = self._recorder(max([self.width or self.console.width] + [sum(s.cell_length for s in line)
                                                                              for line in lines]))
            console.print(Segments([s for line in lines for s in (*line, Segment.line())]))
            if continues:
                console.print(Text(CONTINUES, style="dim"))
            # a fixed id: rich's own hashes the segments, whose metadata (a grid's cell stories) names objects
            files[name] = svg_of(console, f"{PROG}  {name[:-4]}", self.theme, "dropout-trace-" + name[:-4].replace("_", "-"))
        self._write_folder(files)

    def _write_folder(self, files: dict[str, str]) -> None:
        """All or nothing: the slides are written into a temporary folder, then a new target takes its name,
        or, for a folder that exists, each slide is moved in (replacing its namesake; with --force, an earlier
        deck's slides that this one lacks are removed, and nothing else)."""
        import shutil

        from .pause import held
        from .slides import NAME

        exists = self.path.is_dir()
        tmp = None
        try:
            with held():
                tmp = tempfile.mkdtemp(prefix=".dropout-trace-", dir=self.path if exists else self.path.parent)
                umask = os.umask(0)
                os.umask(umask)
            os.chmod(tmp, 0o777 & ~umask)  # mkdtemp makes it private; a deck is an ordinary folder
            for name, content in files.items():
                with open(os.path.join(tmp, name), "w", encoding="utf-8") as f:
                    f.write(content)
            if not exists:
                os.replace(tmp, self.path)
                tmp = None
                return
            stale = [p for p in self.path.iterdir() if NAME.fullmatch(p.name) and p.name not in files]
            for name in sorted(files):
                os.replace(os.path.join(tmp, name), self.path / name)
            for p in stale:
                p.unlink()
        except OSError as exc:
            if exc.errno is not None and not isinstance(exc, BrokenPipeError):
                raise OSError(exc.errno, exc.strerror, str(self.path)) from exc  # the user's folder, not ours
            raise
        finally:
            if tmp is not None:
                with held():
                    shutil.rmtree(tmp, ignore_errors=True)

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
