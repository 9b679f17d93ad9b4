"""Baselines: adopt ailint on an existing codebase and fail only on new findings.

``--write-baseline FILE`` records every current diagnostic by path, code and
fingerprint (``ailint.fingerprint``: the enclosing function and the reported
source, never the line). ``--baseline FILE`` then drops the diagnostics the
file records, so moving code or inserting lines above a known finding does
not bring it back, while a new finding, even an identical one added to the
same function, is reported: entries are counted, not collapsed.

Paths are stored relative to the project root, so the same baseline works
whichever directory ailint is run from.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path, PurePosixPath
from typing import Any

from ailint.diagnostics import Diagnostic

FORMAT = 1
"""The value of the ``ailint-baseline`` key: the version of this file format."""

Key = tuple[str, str, str]


class BaselineError(Exception):
    """A baseline file that is missing, unreadable or not a baseline; the CLI exits 2 with this message."""


def project_path(display: str, root: Path, cwd: Path) -> str:
    """A diagnostic's path (relative to ``cwd``) as a POSIX path relative to the project ``root``.

    Paths outside the project are kept as they were printed.
    """
    return under_root(display, root, cwd) or display


def under_root(display: str, root: Path, cwd: Path) -> str | None:
    """``display`` (relative to ``cwd``) as a POSIX path relative to ``root``; None when it is not under it."""
    absolute = os.path.normpath(os.path.join(cwd, display))
    try:
        relative = os.path.relpath(absolute, root)
    except ValueError:  # another drive on Windows
        return None
    if relative == ".." or relative.startswith(".." + os.sep):
        return None
    return PurePosixPath(Path(relative)).as_posix()


def _key(diagnostic: Diagnostic, root: Path, cwd: Path) -> Key:
    return (project_path(diagnostic.path, root, cwd), diagnostic.code, diagnostic.fingerprint)


def dumps(diagnostics: Iterable[Diagnostic], root: Path, cwd: Path) -> str:
    """The baseline document recording ``diagnostics``, with a trailing newline.

    The message of the first finding of each entry is kept for the reader; only
    path, code and fingerprint are matched.
    """
    counts: Counter[Key] = Counter()
    messages: dict[Key, str] = {}
    for diagnostic in diagnostics:
        key = _key(diagnostic, root, cwd)
        counts[key] += 1
        messages.setdefault(key, diagnostic.message)
    entries = [
        {"path": path, "code": code, "fingerprint": fingerprint, "count": counts[key], "message": messages[key]}
        for key in sorted(counts)
        for path, code, fingerprint in [key]
    ]
    return json.dumps({"ailint-baseline": FORMAT, "diagnostics": entries}, indent=2, ensure_ascii=False) + "\n"


def load(path: Path) -> Counter[Key]:
    """The entries of a baseline file, counted; ``BaselineError`` if it cannot be used."""
    shown = path.as_posix()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BaselineError(f"baseline file {shown} does not exist; create it with --write-baseline {shown}") from None
    except IsADirectoryError:
        raise BaselineError(f"baseline file {shown} is a directory") from None
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise BaselineError(f"cannot read baseline file {shown}: {reason}") from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BaselineError(
            f"baseline file {shown} is not valid JSON ({exc.msg} at line {exc.lineno}); "
            "write it again with --write-baseline"
        ) from None
    return _entries(document, shown)


def _entries(document: Any, shown: str) -> Counter[Key]:
    def invalid(reason: str) -> BaselineError:
        return BaselineError(f"baseline file {shown} is not an ailint baseline: {reason}")

    if not isinstance(document, dict) or "ailint-baseline" not in document:
        raise invalid("no 'ailint-baseline' key")
    if document["ailint-baseline"] != FORMAT:
        raise invalid(f"unsupported format {document['ailint-baseline']!r} (this ailint reads format {FORMAT})")
    entries = document.get("diagnostics")
    if not isinstance(entries, list):
        raise invalid("'diagnostics' is not a list")
    counts: Counter[Key] = Counter()
    for number, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict):
            raise invalid(f"entry {number} is not an object")
        fields = [entry.get(name) for name in ("path", "code", "fingerprint")]
        count = entry.get("count", 1)
        if not all(isinstance(value, str) and value for value in fields):
            raise invalid(f"entry {number} lacks a path, code or fingerprint")
        if not isinstance(count, int) or isinstance(count, bool) or count < 1:
            raise invalid(f"entry {number} has a bad count {count!r}")
        path, code, fingerprint = (str(value) for value in fields)
        counts[(path, code, fingerprint)] += count
    return counts


def new_diagnostics(
    diagnostics: Iterable[Diagnostic], baseline: Counter[Key], root: Path, cwd: Path
) -> tuple[list[Diagnostic], int]:
    """The diagnostics the baseline does not account for, and how many it did."""
    return absorbed(diagnostics, baseline, lambda diagnostic: _key(diagnostic, root, cwd))


def absorbed(
    diagnostics: Iterable[Diagnostic], known: Counter[Key], key: Callable[[Diagnostic], Key]
) -> tuple[list[Diagnostic], int]:
    """The diagnostics ``known`` does not account for, and how many it did (a baseline, or ``--since``).

    Each entry absorbs as many findings as it counts, in report order; the rest are new.
    """
    remaining = Counter(known)
    new: list[Diagnostic] = []
    hidden = 0
    for diagnostic in diagnostics:
        found = key(diagnostic)
        if remaining[found] > 0:
            remaining[found] -= 1
            hidden += 1
        else:
            new.append(diagnostic)
    return new, hidden
