"""What a file imports, read from its bytes without parsing.

The project index uses this to decide which files can matter before any of
them is parsed: files that import a provider SDK, then, transitively, files
that import a project module already found to matter. A regular expression
over the bytes is enough for that decision: it may over-approximate (an import
inside a string), which costs a parse, never a missed call site.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Iterator

_FROM = re.compile(
    rb"^(?:\xef\xbb\xbf)?[ \t]*from[ \t]+(\.*)[ \t]*([\w.]*)[ \t]+import[ \t]+(\([^)]*\)|[^\n#;]*)",
    re.MULTILINE,
)
_IMPORT = re.compile(rb"^(?:\xef\xbb\xbf)?[ \t]*import[ \t]+([^\n#;]+)", re.MULTILINE)
_NAME = re.compile(r"[A-Za-z_][\w.]*")
_DYNAMIC = re.compile(rb"\b(?:__import__|import_module)\(\s*[\"']([A-Za-z_][\w.]*)[\"']\s*\)")
"""``__import__("ollama")``, ``importlib.import_module("google.genai")``: a literal module name."""

STDLIB_MODULES: frozenset[str] = frozenset(getattr(sys, "stdlib_module_names", ()))


def _statements(data: bytes, module: str, is_package: bool) -> Iterator[tuple[str, str | None]]:
    """``(module, None)`` for each ``import module``; ``(base, name)`` for each ``from base import name``.

    Relative bases are made absolute from ``module``; a star import gives the name ``*``.
    """
    found = list(_occurrences(data, b"import"))
    lines = _line_starts(data, found)
    for match in _matches(_IMPORT, data, lines):
        for part in match.group(1).decode("latin-1").split(","):
            name = _NAME.match(part.strip())
            if name:
                yield name.group(0), None
    for match in _matches(_DYNAMIC, data, _dynamic_starts(data, found)):
        yield match.group(1).decode("latin-1"), None
    package = module.split(".") if module else []
    if not is_package:
        package = package[:-1]
    for match in _matches(_FROM, data, lines):
        dots = len(match.group(1))
        base = match.group(2).decode("latin-1")
        if dots:
            prefix = ".".join(package[: max(len(package) - (dots - 1), 0)])
            base = ".".join(p for p in (prefix, base) if p)
        if not base or base == "__future__":
            continue
        for part in match.group(3).decode("latin-1").strip("()").split(","):
            part = part.strip()
            name = _NAME.match(part)
            if name:
                yield base, name.group(0)
            elif part.startswith("*"):
                yield base, "*"


def _occurrences(data: bytes, word: bytes) -> Iterator[int]:
    """Where ``word`` occurs in ``data``, in order (``bytes.find`` skips ahead far faster than a pattern)."""
    index = data.find(word)
    while index != -1:
        yield index
        index = data.find(word, index + 1)


def _line_starts(data: bytes, found: list[int]) -> list[int]:
    """The start of each line holding one of ``found``: the only places ``_IMPORT`` and ``_FROM`` can match.

    Both patterns start a line and name ``import`` on it.
    """
    starts: list[int] = []
    for index in found:
        start = data.rfind(b"\n", 0, index) + 1
        if not starts or starts[-1] != start:
            starts.append(start)
    return starts


def _dynamic_starts(data: bytes, found: list[int]) -> Iterator[int]:
    """Where ``__import__`` or ``import_module`` may start, by each ``import``: where ``_DYNAMIC`` can match."""
    for index in found:
        if index >= 2 and data.startswith(b"__", index - 2):
            yield index - 2
        yield index


def _matches(pattern: re.Pattern[bytes], data: bytes, starts: Iterable[int]) -> Iterator[re.Match[bytes]]:
    """What ``pattern.finditer(data)`` finds, when it can only match at ``starts`` (in order).

    As ``finditer`` does, a match hides those that would start inside it
    (a parenthesised ``from`` import spans lines).
    """
    end = 0
    for start in starts:
        if start < end:
            continue
        match = pattern.match(data, start)
        if match:
            yield match
            end = match.end()


def read_imports(data: bytes, module: str, is_package: bool) -> tuple[set[str], set[str]]:
    """The dotted names a file imports, and those its imports bind, read in one pass.

    Imported: ``from a.b import c`` gives ``a.b`` and ``a.b.c``. Bound: ``import
    a.b`` gives ``a.b``, ``from a import b`` gives ``a.b``; unlike what is
    imported, the module a name is taken from is not itself listed (``from
    langchain_core.documents import Document`` reaches ``Document``, not
    every name of ``langchain_core.documents``), and a star import gives ``a.*``.
    """
    modules: set[str] = set()
    bound: set[str] = set()
    for base, name in _statements(data, module, is_package):
        modules.add(base)
        if name is None:
            bound.add(base)
        else:
            bound.add(f"{base}.{name}")
            if name != "*":
                modules.add(f"{base}.{name}")
    return modules, bound


def bound_imports(data: bytes, module: str, is_package: bool) -> set[str]:
    """The dotted names a file's imports bind (see :func:`read_imports`)."""
    return read_imports(data, module, is_package)[1]


def prefixes(dotted: str) -> list[str]:
    """``a.b.c`` → ``a``, ``a.b``, ``a.b.c``."""
    parts = dotted.split(".")
    return [".".join(parts[: i + 1]) for i in range(len(parts))]
