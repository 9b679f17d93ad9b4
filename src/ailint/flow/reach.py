"""Which files are summarised, and their summaries (from the cache where their bytes are unchanged).

A model value can only reach a file that the import selection chose (it
imports a model SDK, or a module that does) or a project module such a file
imports, directly or not: a module that imports nothing model-related can
still receive a client through an argument. Files outside that closure are
never read by the engine.

Summaries are cached by content (the file's bytes and module name) as JSON,
never as pickles: the cache directory sits in the user's tree, and reading it
must not execute anything.
"""

from __future__ import annotations

import json
import multiprocessing
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from ailint.flow.summarize import summarize
from ailint.flow.summary import Call, Class, FileSummary, Function, Param, Store

if TYPE_CHECKING:
    from ailint.cache import Cache


class Source(Protocol):
    """A file the engine may read: its bytes and their digest."""

    @property
    def data(self) -> bytes: ...

    @property
    def digest(self) -> str: ...


def reached(selected: Iterable[int], imports: Sequence[Iterable[str]], importable: Sequence[Iterable[str]]) -> set[int]:
    """``selected`` and every file they import, transitively (by the names each file can be imported by)."""
    owners: dict[str, int] = {}
    for index in reversed(range(len(importable))):
        for name in importable[index]:
            owners[name] = index
    found = set(selected)
    frontier = list(found)
    while frontier:
        index = frontier.pop()
        for name in imports[index]:
            owner = owners.get(name)
            if owner is not None and owner not in found:
                found.add(owner)
                frontier.append(owner)
    return found


def summaries(
    files: Iterable[tuple[str, bool, Source]],
    cache: Cache | None,
    memo: dict[str, FileSummary] | None = None,
    jobs: int = 1,
    advance: Callable[[], None] | None = None,
) -> list[FileSummary]:
    """The summary of each ``(module, is_package, file)``, from ``cache`` (or ``memo``, summaries made earlier in
    the same process, by the same key) when its content was summarised before.

    The rest are made on up to ``jobs`` processes when there are enough of them
    to pay for a pool (a cold run over a large project). ``advance`` is called
    as each summary is found or made (for a progress display).
    """
    stored = _Store(cache)
    found: list[FileSummary | None] = []
    keys: list[str] = []
    todo: list[tuple[int, str, bool, bytes]] = []
    for module, is_package, source in files:
        key = f"{source.digest}:{module}:{int(is_package)}"
        summary = memo.get(key) if memo is not None else None
        if summary is None:
            summary = stored.get(key)
        if summary is None:
            todo.append((len(found), module, is_package, source.data))
        elif advance is not None:
            advance()
        found.append(summary)
        keys.append(key)
    for index, summary in zip((t[0] for t in todo), _summarize_all(todo, jobs, advance), strict=True):
        stored.put(keys[index], summary)
        found[index] = summary
    done: list[FileSummary] = []
    for key, summary in zip(keys, found, strict=True):
        assert summary is not None
        if memo is not None:
            memo[key] = summary
        done.append(summary)
    stored.save()
    return done


MIN_POOL = 200
"""Below this many files to summarise, one process is faster than starting a pool."""


def _summarize_one(job: tuple[int, str, bool, bytes]) -> FileSummary:
    return summarize(job[3], job[1], job[2])


def _summarize_all(
    todo: list[tuple[int, str, bool, bytes]], jobs: int, advance: Callable[[], None] | None = None
) -> list[FileSummary]:
    """Summaries of ``todo`` in order, on a pool of forked processes when it pays; ``advance`` after each."""
    made: list[FileSummary] = []
    if jobs > 1 and len(todo) >= MIN_POOL and "fork" in multiprocessing.get_all_start_methods():
        from concurrent.futures import ProcessPoolExecutor
        from concurrent.futures.process import BrokenProcessPool

        try:
            with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("fork")) as pool:
                for summary in pool.map(_summarize_one, todo, chunksize=max(1, len(todo) // (jobs * 8))):
                    made.append(summary)
                    if advance is not None:
                        advance()
                return made
        except (BrokenProcessPool, OSError):  # no processes to be had: the rest are summarised here
            pass
    for job in todo[len(made) :]:
        made.append(_summarize_one(job))
        if advance is not None:
            advance()
    return made


_MAX_SUMMARIES = 50_000
"""Older summaries are dropped beyond this, oldest first."""


class _Store:
    """Summaries in one JSON file of the cache directory, by content key.

    A run over part of a tree keeps the summaries of the rest (a later run over
    the whole tree would otherwise summarise them again); the file is written
    only when a summary was added.
    """

    def __init__(self, cache: Cache | None) -> None:
        self.path: Path | None = None
        self.known: dict[str, Any] = {}
        self.used: dict[str, Any] = {}
        self.dirty = False
        if cache is None or not cache.enabled:
            return
        self.path = cache.directory / f"summaries-{cache.prefix[:32]}.json"
        try:
            with open(self.path, encoding="utf-8") as handle:
                loaded = json.load(handle)
            self.known = loaded if isinstance(loaded, dict) else {}
        except (OSError, ValueError):
            self.known = {}

    def get(self, key: str) -> FileSummary | None:
        raw = self.known.get(key)
        if raw is None:
            return None
        try:
            summary = decode(raw)
        except (TypeError, ValueError, IndexError, KeyError):
            return None
        self.used[key] = raw
        return summary

    def put(self, key: str, summary: FileSummary) -> None:
        self.used[key] = encode(summary)
        self.dirty = True

    def save(self) -> None:
        if self.path is None or not self.dirty:
            return
        from ailint.cache import write_json

        kept = {key: raw for key, raw in self.known.items() if key not in self.used}
        kept.update(self.used)  # the summaries of this run last: they are dropped last
        while len(kept) > _MAX_SUMMARIES:
            kept.pop(next(iter(kept)))
        write_json(self.path, kept)


def _tuples(value: Any) -> Any:
    """JSON arrays back into the tuples terms are made of."""
    if isinstance(value, list):
        return tuple(_tuples(v) for v in value)
    return value


def encode(summary: FileSummary) -> list[Any]:
    """A summary as JSON-able lists (terms are tuples, which JSON writes as arrays)."""
    return [
        summary.module,
        summary.is_package,
        [[f.qual, [[p.name, p.kind] for p in f.params], f.owner, sorted(f.flags), f.line] for f in summary.functions],
        [[c.qual, list(c.bases), c.abstract, c.line] for c in summary.classes],
        [[s.location, s.value, s.line] for s in summary.stores],
        [
            [
                c.callee,
                c.args,
                c.stars,
                c.keywords,
                c.dstars,
                c.line,
                c.column,
                c.end_line,
                c.end_column,
                c.scope,
                c.caught,
            ]
            for c in summary.calls
        ],
        [list(r) for r in summary.returns],
        list(summary.star_imports),
        list(summary.settling),
        summary.error,
    ]


def decode(raw: list[Any]) -> FileSummary:
    """The summary :func:`encode` wrote."""
    module, is_package, functions, classes, stores, calls, returns, stars, settling, error = raw
    return FileSummary(
        module=str(module),
        is_package=bool(is_package),
        functions=tuple(
            Function(q, tuple(Param(n, k) for n, k in params), owner, frozenset(flags), line)
            for q, params, owner, flags, line in functions
        ),
        classes=tuple(Class(q, _tuples(bases), bool(abstract), line) for q, bases, abstract, line in classes),
        stores=tuple(Store(_tuples(loc), _tuples(value), line) for loc, value, line in stores),
        calls=tuple(
            Call(
                _tuples(callee),
                _tuples(args),
                _tuples(stars),
                _tuples(keywords),
                _tuples(dstars),
                line,
                column,
                end_line,
                end_column,
                scope,
                _tuples(caught),
            )
            for callee, args, stars, keywords, dstars, line, column, end_line, end_column, scope, caught in calls
        ),
        returns=tuple((str(f), _tuples(t)) for f, t in returns),
        star_imports=tuple(stars),
        settling=tuple(int(i) for i in settling),
        error=error,
    )
