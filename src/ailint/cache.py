"""A content-addressed cache of per-file diagnostics in ``.ailint_cache/``.

An entry's key covers everything its diagnostics depend on: ailint's version,
the effective settings, the file's bytes and module name, and, for files
analysed in depth, a digest of every file of the project that was analysed in
depth (a change to a wrapper in another module invalidates its callers).
The index also remembers whole runs (which entry each target of a run had,
by every file's size and modification time) and walks of directories (the
files found, by each directory's modification time), so that the same run on
an unchanged tree neither walks, reads nor hashes anything. Files are written
atomically (temporary file, then rename), so concurrent runs and interrupted
runs never leave a torn file; a file that cannot be read is ignored and
rewritten. A cache directory that cannot be written disables the cache for
the run, with one warning.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from dataclasses import fields, is_dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from ailint import __version__
from ailint.diagnostics import Diagnostic, Severity, Span

DIRECTORY = ".ailint_cache"
_FORMAT = 4
CACHEDIR_TAG = (
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This file is a cache directory tag created by ailint.\n"
    "# For information about cache directory tags, see https://bford.info/cachedir/\n"
)
_SEVERITIES = {severity.value: severity for severity in Severity}
_STR = {str}


def _canonical(value: Any) -> Any:
    """A JSON-able, order-independent form of settings (sets sorted, paths as strings)."""
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: _canonical(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, dict):
        return {str(k): _canonical(v) for k, v in sorted(value.items(), key=lambda item: str(item[0]))}
    if isinstance(value, (set, frozenset)):
        return sorted(_canonical(v) for v in value)
    if isinstance(value, (list, tuple)):
        return [_canonical(v) for v in value]
    if isinstance(value, Path):
        return value.as_posix()
    if isinstance(value, Severity):
        return value.value
    return value


def settings_digest(settings: Any) -> str:
    """A stable digest of the effective settings."""
    text = json.dumps(_canonical(settings), sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def digest(*parts: bytes | str) -> str:
    """SHA-256 over several parts, separated unambiguously."""
    h = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8", "surrogateescape") if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    return h.hexdigest()


@lru_cache(maxsize=1)
def code_digest() -> str:
    """A digest of ailint's own files (names and contents).

    The version alone would let a rebuilt or edited installation serve results
    computed by older code; contents, unlike modification times, survive a
    reinstall or a checkout that changes nothing.
    """
    package = Path(__file__).resolve().parent
    parts: list[bytes | str] = []
    for path in sorted(package.rglob("*")):
        if path.suffix in (".py", ".toml") and path.is_file():
            parts.extend((path.relative_to(package).as_posix(), path.read_bytes()))
    return digest(*parts)


class Cache:
    """Diagnostics by key, kept in one JSON index per ailint build and settings, and the files' facts beside it.

    Each file is read at most once and written at most once (atomically) per
    run, which keeps a warm run of thousands of files to one or two reads; a
    run the index has whole (``run``) never reads the facts. Two runs that
    finish at the same time each write whole, valid files; the later one
    wins, which costs only cache misses.
    """

    MAX_ENTRIES = 100_000
    """Older entries are dropped beyond this, oldest first."""
    MAX_RUNS = 8
    """Whole runs kept (each for one set of paths asked, in one state of the tree)."""

    def __init__(self, root: Path, settings: Any, *, copy: bool = False) -> None:
        """The cache of the project at ``root`` checked with ``settings``.

        ``copy``: the files checked are a copy of the project elsewhere (its
        tree at a git revision, for ``--since``), checked with the copy's
        root but keyed by the project's ``settings``: entries and summaries,
        which are keyed by content, module name and project-relative path,
        are shared with the project; facts, runs and walks, keyed by absolute
        path, are neither looked up nor recorded.
        """
        self.by_path = not copy
        self.directory = root / DIRECTORY
        self.prefix = digest(__version__, str(_FORMAT), code_digest(), settings_digest(settings))
        self.path = self.directory / f"index-{self.prefix[:32]}.json"
        self.facts_path = self.directory / f"facts-{self.prefix[:32]}.json"
        """What each file's bytes said (its digest and imports), apart: a run cached whole never reads it."""
        self.enabled = True
        self.warning: str | None = None
        self._entries: dict[str, list[list[Any]]] | None = None
        self._files: dict[str, list[Any]] | None = None
        self._runs: dict[str, list[str]] = {}
        """Whole runs: each target's display and entry key, by what the run depended on (``_Run.memo_key``)."""
        self._walks: dict[str, list[Any]] = {}
        """Walks of directories: the files found, and the directories seen as they stood (``discovery.stamp``)."""
        self._seen: set[str] = set()
        """Files looked up or recorded in this run: the only ones whose facts are written back."""
        self._dirty = False
        self._facts_dirty = False

    def key(self, *parts: bytes | str) -> str:
        return digest(self.prefix, *parts)

    @property
    def entries(self) -> dict[str, list[list[Any]]]:
        if self._entries is None:
            loaded = _load(self.path)
            entries, runs, walks = loaded.get("entries"), loaded.get("runs"), loaded.get("walks")
            self._entries = entries if isinstance(entries, dict) else {}
            self._runs = runs if isinstance(runs, dict) else {}
            self._walks = walks if isinstance(walks, dict) else {}
        return self._entries

    @property
    def files(self) -> dict[str, list[Any]]:
        if self._files is None:
            files = _load(self.facts_path).get("files")
            self._files = files if isinstance(files, dict) else {}
        return self._files

    def facts(self, path: str, stamp: tuple[int, int]) -> tuple[str, list[str]] | None:
        """The digest and imports recorded for ``path`` when it had this ``(mtime_ns, size)``.

        A warm run then neither reads nor hashes an unchanged file.
        """
        if not (self.enabled and self.by_path):
            return None
        self._seen.add(path)
        found = self.files.get(path)
        if (
            isinstance(found, list)
            and len(found) == 4
            and found[:2] == list(stamp)
            and isinstance(found[2], str)
            and isinstance(found[3], list)
            and set(map(type, found[3])) <= _STR  # every name a string (a genexpr costs 5 ms per 5,000 files)
        ):
            return found[2], found[3]
        return None

    def remember(self, path: str, stamp: tuple[int, int], hashed: str, imports: list[str]) -> None:
        """Record what ``facts`` returns for an unchanged file."""
        if self.enabled and self.by_path:
            self._seen.add(path)
            self.files[path] = [*stamp, hashed, imports]
            self._facts_dirty = True

    def run(self, key: str) -> list[tuple[str, str]] | None:
        """``(display, entry key)`` of every target of a run cached whole under ``key``; None if it was not."""
        if not (self.enabled and self.by_path):
            return None
        _ = self.entries
        found = self._runs.get(self.key(key))
        if not isinstance(found, list) or len(found) != 2 or not all(type(part) is str for part in found):
            return None
        displays, keys = found[0].split("\0"), found[1]
        if len(keys) != 64 * len(displays):
            return None
        return [(display, keys[64 * i : 64 * i + 64]) for i, display in enumerate(displays)]

    def remember_run(self, key: str, targets: list[tuple[str, str]]) -> None:
        """Record a whole run (see :meth:`run`); the last ``MAX_RUNS`` are kept.

        Stored as two strings (displays joined by NUL, which no path holds, and keys end to end), which
        read back many times faster than as thousands of pairs.
        """
        if not (self.enabled and self.by_path) or not targets or any(len(entry) != 64 for _, entry in targets):
            return
        _ = self.entries
        stored = ["\0".join(display for display, _ in targets), "".join(entry for _, entry in targets)]
        self._keep(self._runs, self.key(key), stored)

    def _keep(self, store: dict[str, Any], key: str, stored: Any) -> None:
        """``store[key] = stored``, as the newest of ``store``, of which the last ``MAX_RUNS`` are kept."""
        if store.get(key) == stored:
            return
        store.pop(key, None)
        store[key] = stored
        while len(store) > self.MAX_RUNS:
            store.pop(next(iter(store)))
        self._dirty = True

    def walk(self, key: str) -> tuple[list[str], list[tuple[str, int, int]]] | None:
        """The files a walk under ``key`` found, and the directories it saw as they stood (``discovery.stamp``)."""
        if not (self.enabled and self.by_path):
            return None
        _ = self.entries
        found = self._walks.get(self.key(key))
        if not isinstance(found, list) or len(found) != 2 or type(found[0]) is not str or type(found[1]) is not list:
            return None
        walked = []
        for seen in found[1]:
            if not isinstance(seen, list) or len(seen) != 3 or type(seen[0]) is not str:
                return None
            if type(seen[1]) is not int or type(seen[2]) is not int:
                return None
            walked.append((seen[0], seen[1], seen[2]))
        return (found[0].split("\0") if found[0] else []), walked

    def remember_walk(self, key: str, files: list[str], walked: list[tuple[str, int, int]]) -> None:
        """Record a walk (see :meth:`walk`); the last ``MAX_RUNS`` are kept."""
        if not (self.enabled and self.by_path):
            return
        _ = self.entries
        self._keep(self._walks, self.key(key), ["\0".join(files), [list(seen) for seen in walked]])

    def get(self, key: str, path: str) -> list[Diagnostic] | None:
        """The cached diagnostics for ``key``, shown at ``path``; None on a miss or a bad entry."""
        if not self.enabled:
            return None
        stored = self.entries.get(key)
        if not isinstance(stored, list):
            return None
        found = []
        try:
            for line, column, end_line, end_column, code, name, severity, message, provider, api, mark, cell in stored:
                span = Span(line, column, end_line, end_column)
                if type(line) is not int or type(column) is not int or type(end_line) is not int:
                    return None
                if type(end_column) is not int or type(code) is not str or type(message) is not str:
                    return None
                number, start = (0, 0) if cell is None else cell
                if type(number) is not int or type(start) is not int:
                    return None
                severity = _SEVERITIES[severity]
                found.append(Diagnostic(path, span, code, name, severity, message, provider, api, mark, number, start))
        except (KeyError, TypeError, ValueError):  # not a list of twelve fields, or an unknown severity
            return None
        return found

    def put(self, key: str, diagnostics: list[Diagnostic]) -> None:
        """Remember an entry (each diagnostic as a list of its fields, in order); ``save`` writes them."""
        if not self.enabled:
            return
        stored = []
        for d in diagnostics:
            span = d.span
            stored.append(
                [
                    *(span.line, span.column, span.end_line, span.end_column),
                    *(d.code, d.name, d.severity.value, d.message, d.provider, d.api, d.fingerprint),
                    [d.cell, d.cell_start] if d.cell else None,
                ]
            )
        self.entries.pop(key, None)
        self.entries[key] = stored
        self._dirty = True

    def records(self, key: str) -> list[Any] | None:
        """A list stored by :meth:`put_records` (``ailint calls`` keeps its call records so); None on a miss."""
        if not self.enabled:
            return None
        stored = self.entries.get(key)
        return stored if isinstance(stored, list) else None

    def put_records(self, key: str, records: list[Any]) -> None:
        """Remember a list of JSON values under ``key`` (a key of its own: :meth:`get` never reads it)."""
        if not self.enabled:
            return
        self.entries.pop(key, None)
        self.entries[key] = records
        self._dirty = True

    def save(self) -> None:
        """Write what changed, atomically; on failure, one warning and no cache."""
        if not self.enabled or not (self._dirty or self._facts_dirty):
            return
        entries = self.entries
        while len(entries) > self.MAX_ENTRIES:
            entries.pop(next(iter(entries)))
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            ignore = self.directory / ".gitignore"
            if not ignore.exists():
                ignore.write_text("# Created by ailint.\n*\n", encoding="utf-8")
            tag = self.directory / "CACHEDIR.TAG"
            if not tag.exists():  # backup tools skip the folder (https://bford.info/cachedir/)
                tag.write_text(CACHEDIR_TAG, encoding="utf-8")
            if self._dirty:
                _write(self.path, {"entries": entries, "runs": self._runs, "walks": self._walks})
            if self._facts_dirty:
                files = {path: facts for path, facts in self.files.items() if path in self._seen}
                _write(self.facts_path, {"files": files})
        except OSError as exc:
            self.enabled = False
            self.warning = f"cannot write the cache in {self.directory}: {exc.strerror or exc}; continuing without it"
        self._dirty = self._facts_dirty = False


def _load(path: Path) -> dict[str, Any]:
    """A JSON object from ``path``; empty if it is missing, unreadable, corrupt or not an object."""
    try:
        with open(path, encoding="utf-8") as handle:
            loaded = json.load(handle)
    except (OSError, ValueError):  # missing, unreadable or corrupt: start afresh
        return {}
    return loaded if isinstance(loaded, dict) else {}


def write_json(path: Path, document: dict[str, Any]) -> None:
    """Write ``document`` into the cache directory atomically; a directory that cannot be written is left alone."""
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        _write(path, document)


def _write(path: Path, document: dict[str, Any]) -> None:
    """Write ``document`` to ``path`` atomically: a temporary file beside it, then a rename."""
    import tempfile  # only when there is something to write

    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            json.dump(document, stream, separators=(",", ":"))
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
