"""Checking plain files (files that call no model) on every core.

Files that cannot hold a call site need no project: each is read,
syntax-checked cheaply and has its pragmas validated on its own, so they are
spread over a process pool. Workers are set up once (settings and knowledge
travel once, not per file), take files in chunks, and send back plain
``Diagnostic`` lists, never syntax trees. Small runs stay in-process, where a
pool would cost more than it saves.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TYPE_CHECKING

from ailint.diagnostics import Diagnostic

if TYPE_CHECKING:
    from ailint.engine import Engine, FileTask
    from ailint.settings import Settings

MIN_FILES = 200
"""Below this many plain files, checking them in-process is faster than starting a pool."""
_engine: Engine | None = None


def default_jobs() -> int:
    """All the cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _start(settings: Settings) -> None:
    global _engine
    from ailint.engine import Engine
    from ailint.knowledge import builtin, with_extra_call_sites

    _engine = Engine(settings, with_extra_call_sites(builtin(), settings.call_site_extra))


def _check(job: tuple[FileTask, bytes]) -> list[Diagnostic]:
    from ailint.analysis.project import Project

    assert _engine is not None
    task, data = job
    prepared = _engine.prepare(task, data, deep=False)
    return _engine.finish(prepared, Project(_engine.knowledge))


def check_plain(
    jobs: Sequence[tuple[FileTask, bytes]], settings: Settings, engine: Engine, workers: int
) -> list[list[Diagnostic] | None]:
    """The diagnostics of each plain file, in order, using up to ``workers`` processes.

    None for a file whose worker died: after a pool breaks, its files are
    retried one per fresh process, so the culprit is named and the others
    are still checked.
    """
    from ailint.analysis.project import Project

    if workers > 1 and len(jobs) >= MIN_FILES:
        try:
            with ProcessPoolExecutor(workers, initializer=_start, initargs=(settings,)) as pool:
                return list(pool.map(_check, jobs, chunksize=max(8, len(jobs) // (workers * 8))))
        except BrokenProcessPool:
            return [_isolated(job, settings) for job in jobs]
        except OSError:
            pass  # no pool can be made here: check in-process instead
    empty = Project(engine.knowledge)
    return [engine.finish(engine.prepare(task, data, deep=False), empty) for task, data in jobs]


def _isolated(job: tuple[FileTask, bytes], settings: Settings) -> list[Diagnostic] | None:
    try:
        with ProcessPoolExecutor(1, initializer=_start, initargs=(settings,)) as pool:
            return pool.submit(_check, job).result()
    except BrokenProcessPool:
        return None
