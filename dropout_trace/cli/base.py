"""The typer app, its root callback (--version, --debug), the env each command runs in (click's ctx.obj)
and the one gate every command passes before work."""

from __future__ import annotations

import sys

import typer
from typer.core import TyperCommand, TyperGroup

from ..env import Checked, Env, from_process
from ..errors import PROG, ExitStatus, exits, fail
from .options import _debug


def env_of(ctx) -> Env:
    """The env main was given (click's ctx.obj); the process's when the click tree is driven without main."""
    found = ctx.find_object(Env) if ctx is not None else None
    return found if found is not None else from_process()


def failed(ctx, message: str, status: ExitStatus) -> int:
    """The one-line error on the command's env, and its status."""
    return fail(message, status, env_of(ctx))


def _show_help(ctx, param, value) -> None:
    """--help, written to the command's env (click's own writes to sys.stdout)."""
    if value and not ctx.resilient_parsing:
        typer.echo(ctx.get_help(), file=env_of(ctx).stdout, color=ctx.color)
        ctx.exit()


def _help_to_env(option):
    if option is not None:
        option.callback = _show_help
    return option


_HYPHEN = "\u2011"  # stands in for a hyphen inside a word while help is wrapped: one column, never a break


def _keep_hyphens(text: str) -> str:
    import re

    return re.sub(r"(?<=\w)-(?=\w)", _HYPHEN, text)


class _Formatter(typer.Context.formatter_class):
    """click's help formatter, except that no word is broken at its hyphen (tf-keras, --noise-shape)."""

    def write_text(self, text: str) -> None:
        super().write_text(_keep_hyphens(text))

    def write_dl(self, rows, *args, **kwargs) -> None:
        super().write_dl([(first, _keep_hyphens(second)) for first, second in rows], *args, **kwargs)

    def getvalue(self) -> str:
        return super().getvalue().replace(_HYPHEN, "-")


class _Context(typer.Context):
    formatter_class = _Formatter


class Command(TyperCommand):
    context_class = _Context

    def get_help_option(self, ctx):
        return _help_to_env(super().get_help_option(ctx))

    def collect_usage_pieces(self, ctx):
        """The usage line as man pages write it: a required argument bare (NAME), an optional one in
        brackets ([TOPIC]); typer would brace the required ones ({NAME})."""
        import re

        return [re.sub(r"^\{(.+)\}(\.\.\.)?$", r"\1\2", piece) for piece in super().collect_usage_pieces(ctx)]


class Group(TyperGroup):
    context_class = _Context

    def get_help_option(self, ctx):
        return _help_to_env(super().get_help_option(ctx))


def _version(ctx: typer.Context, value: bool) -> None:
    """--version: this tool's version and the installed libraries', read from their metadata (no import)."""
    if not value or ctx.resilient_parsing:  # only parsed (a lesson's check, completion): print nothing
        return
    from importlib import metadata

    def installed(name: str) -> str:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return "not installed"

    libraries = ", ".join(f"{name} {installed(name)}" for name in ("tensorflow", "keras", "tf-keras"))
    python = ".".join(str(n) for n in sys.version_info[:3])
    env_of(ctx).stdout.write(f"{PROG} {installed(PROG)} ({libraries}; Python {python})\n")
    raise typer.Exit(int(ExitStatus.OK))


SHELLS = ("bash", "zsh", "fish")


def _completion(ctx: typer.Context, param, value: str | None) -> None:
    """--show-completion SHELL and --install-completion SHELL: typer's own, for the shell named (typer's
    options are flags for the shell it detects, so a shell named after them was ignored)."""
    if value is None or ctx.resilient_parsing:
        return
    from typer import completion

    if value not in SHELLS:
        raise typer.BadParameter(f"{value!r} is not a shell it completes for; choose {', '.join(SHELLS)}")
    shell = value
    {"show_completion": completion.show_callback, "install_completion": completion.install_callback}[param.name](
        ctx, param, shell)


def _completion_option(flag: str, does: str):
    return typer.Option(None, flag, metavar="SHELL", is_eager=True, expose_value=False, callback=_completion,
                        autocompletion=lambda: list(SHELLS), help=f"{does} for SHELL (bash, zsh or fish), and exit.")


app = typer.Typer(
    name=PROG,
    cls=Group,
    add_completion=False,  # its options are in _root: they take the shell's name
    help="Step through TensorFlow/Keras Dropout as the library really runs it: every value on screen is "
         "captured from the installed library, not re-implemented.",
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
__import__("typer.completion").completion.completion_init()  # typer's completion protocol, as add_completion sets up


def _output(ctx, export, width, force, theme, slides: bool = False):
    """Validate --export, --width and --theme before any work, and give the command its console (slides: the
    command can export a folder of slides).

    The one point every command passes before it does any work: a command run with check_only (a
    lesson checked before it plays) stops here, every value it was given checked."""
    from ..output import Output

    env = env_of(ctx)
    out = Output(export, width, force, theme, env=env, slides=slides)
    if env.check_only:
        raise Checked
    return out


@app.callback(epilog=exits(ExitStatus.CHECK_FAILED, ExitStatus.REFUSED, ExitStatus.MISSING))
def _root(
    debug: bool = _debug(),
    version: bool = typer.Option(False, "--version", is_eager=True, callback=_version,
                                 help="Show the versions of dropout-trace, TensorFlow, Keras and tf-keras, and exit."),
    install_completion: str = _completion_option("--install-completion", "Install tab completion"),
    show_completion: str = _completion_option("--show-completion", "Print the completion script, to copy it or "
                                              "customize the installation,"),
) -> None:
    """Trace the real Dropout call chain of the installed TensorFlow and Keras."""


