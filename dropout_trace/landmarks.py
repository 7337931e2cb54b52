"""Find the chain's landmark functions in the installed libraries, with file, line and source."""

from __future__ import annotations

import ast
import functools
import importlib
import inspect
import linecache
import os
import sys
import textwrap
from dataclasses import dataclass, field
from types import CodeType


@dataclass(frozen=True)
class FunctionRef:
    """Where a function lives in the installed version."""

    qualname: str
    module: str
    file: str  # relative to site-packages
    line: int  # the `def` line


@dataclass(frozen=True)
class Landmark:
    key: str
    module: str
    qualname: str
    ref: FunctionRef | None
    code: CodeType | None = field(default=None, compare=False, repr=False)
    missing: str | None = None  # why it is absent from the installed version

    @property
    def found(self) -> bool:
        return self.code is not None


def _absolute(path: str) -> str | None:
    """`path` made absolute; None for a relative one when there is no current directory (it was deleted)."""
    try:
        return os.path.abspath(path)
    except OSError:  # abspath asks os.getcwd() for a relative path
        return None


def relative_file(path: str) -> str:
    """A file's path relative to the sys.path entry holding it (site-packages for libraries)."""
    path = _absolute(path) or path
    roots = sorted((r for r in map(_absolute, filter(None, sys.path)) if r), key=len, reverse=True)
    for root in roots:
        if path.startswith(root + os.sep):
            return os.path.relpath(path, root).replace(os.sep, "/")
    return os.path.basename(path)


def module_version(module: str) -> str:
    top = sys.modules.get(module.split(".")[0])
    return f"{module.split('.')[0]} {getattr(top, '__version__', '?')}"


def find(key: str, module: str, qualname: str) -> Landmark:
    """Resolve module.qualname on the installed version, unwrapping decorators to the real code."""
    try:
        obj = importlib.import_module(module)
        for part in qualname.split("."):
            obj = getattr(obj, part)
        func = inspect.unwrap(obj)
        code = func.__code__
    except (ImportError, AttributeError) as exc:
        return Landmark(key, module, qualname, None,
                        missing=f"{module}.{qualname} is not in the installed {module_version(module)} ({exc})")
    # The function's own names: a public path (keras.layers.Dropout) may lead to a private module,
    # and an inherited method (SpatialDropout1D.call) to its base class.
    ref = FunctionRef(getattr(func, "__qualname__", qualname), getattr(func, "__module__", module),
                      relative_file(code.co_filename), def_line(code))
    return Landmark(key, module, qualname, ref, code)


def source_line(code: CodeType, lineno: int) -> str:
    """One line of the installed source file, as it is on disk."""
    return linecache.getline(code.co_filename, lineno).rstrip("\n")


@functools.lru_cache(maxsize=None)
def function_source(code: CodeType) -> tuple[tuple[str, ...], int]:
    """(lines, first line number) of a function in its installed file, decorators included.

    inspect.getsourcelines does the same but first searches every loaded module for the
    owner, which costs about half a second with TensorFlow loaded.
    """
    lines = linecache.getlines(code.co_filename)
    start = code.co_firstlineno
    if not lines or start > len(lines):
        return (), start
    return tuple(inspect.getblock(lines[start - 1:])), start


@functools.lru_cache(maxsize=None)
def assignment_spans(code: CodeType) -> dict[str, list[tuple[int, int]]]:
    """Where the function assigns each local, as (first, last) line spans in the installed file."""
    lines, start = function_source(code)
    if not lines:
        return {}
    spans: dict[str, list[tuple[int, int]]] = {}
    for node in ast.walk(ast.parse(textwrap.dedent("".join(lines)))):
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
            targets = [node.target]
        else:
            continue
        names = [n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)]
        for name in names:
            spans.setdefault(name, []).append((start + node.lineno - 1, start + node.end_lineno - 1))
    return {k: sorted(v) for k, v in spans.items()}


@functools.lru_cache(maxsize=None)
def return_lines(code: CodeType) -> frozenset[int]:
    """Lines of the function's own `return` statements (not those of nested functions)."""
    lines, start = function_source(code)
    try:
        func = ast.parse(textwrap.dedent("".join(lines))).body[0]
    except (SyntaxError, IndexError):
        return frozenset()
    found, todo = set(), list(getattr(func, "body", []))
    while todo:
        node = todo.pop()
        if isinstance(node, ast.Return):
            found.add(start + node.lineno - 1)
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            todo.extend(ast.iter_child_nodes(node))
    return frozenset(found)


@functools.lru_cache(maxsize=None)
def def_line(code: CodeType) -> int:
    """The `def` line itself; co_firstlineno points at the first decorator. Every frame of every captured
    stack asks, so the answer is kept per code object, and read without a parse when no decorator
    comes first (parsing a long function's source costs milliseconds)."""
    lines, start = function_source(code)
    if lines and lines[0].lstrip().startswith(("def ", "async def ")):
        return start
    try:
        node = ast.parse(textwrap.dedent("".join(lines))).body[0]
    except (SyntaxError, IndexError):
        return start
    return start + getattr(node, "lineno", 1) - 1


