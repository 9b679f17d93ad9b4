"""Work spread over every core: plain files, the project's files, and files no other file imports.

Files that cannot hold a call site need no project: each is read,
syntax-checked cheaply and has its pragmas validated on its own, so they are
spread over a process pool, started before the project is parsed. Workers are
set up once (settings and knowledge travel once, not per file), take files in
chunks, and send back plain ``Diagnostic`` lists. Small runs stay
in-process, where a pool would cost more than it saves.

While the caller selects the project, idle workers also prepare the files
of each round as it is chosen and send them pickled, syntax tree and all
(``Prefetch``): receiving one costs an eighth of preparing it. Files analysed in
depth that no other file imports are judged on processes forked once the
rest of the project is parsed: they inherit it, and send back diagnostics
and the wrappers they call. The rest of the project is then judged on
processes forked again, which inherit who calls which wrapper.
"""

from __future__ import annotations

import heapq
import multiprocessing
import os
import pickle
import sys
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from functools import cache
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from typing import TYPE_CHECKING, Any

from ailint.diagnostics import Diagnostic

if TYPE_CHECKING:
    from ailint.engine import Engine, FileTask, Prepared
    from ailint.knowledge import Knowledge
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

    assert _engine is not None
    task, data = job
    prepared = _engine.prepare(task, data, deep=False)
    return _engine.finish(prepared, None)


def _check_chunk(jobs: list[tuple[FileTask, bytes]]) -> list[list[Diagnostic]]:
    return [_check(job) for job in jobs]


class PlainChecker:
    """Checks plain files on worker processes while the caller analyses the project.

    Files are submitted in batches (the ones known plain at once, then the
    ones likely plain, whose verdicts the caller drops if selection finds
    them deep, then the rest found plain after selection) and the results
    come back in the order they were submitted. With one worker, or too few files to repay
    starting a pool, files are checked in-process when results are asked for.
    """

    def __init__(self, settings: Settings, engine: Engine, workers: int, expected: int, spare: bool = False) -> None:
        """``workers`` processes in all; with ``spare``, one core is left to the caller (busy parsing)."""
        self.settings = settings
        self.engine = engine
        self.workers = workers - 1 if spare else workers
        self.jobs: list[tuple[FileTask, bytes]] = []
        self.futures: list[tuple[int, int, Future[list[list[Diagnostic]]]]] = []
        self.pool: ProcessPoolExecutor | None = None
        if workers > 1 and expected >= MIN_FILES:
            try:
                self.pool = ProcessPoolExecutor(self.workers, initializer=_start, initargs=(settings,))
            except OSError:
                self.pool = None  # no pool can be made here: check in-process instead

    def submit(self, jobs: Sequence[tuple[FileTask, bytes]]) -> None:
        """Queue files; with a pool they start at once, in chunks."""
        start = len(self.jobs)
        self.jobs.extend(jobs)
        if self.pool is None or not jobs:
            return
        size = max(8, len(jobs) // (self.workers * 8))
        try:
            for first in range(0, len(jobs), size):
                chunk = list(jobs[first : first + size])
                self.futures.append((start + first, len(chunk), self.pool.submit(_check_chunk, chunk)))
        except BrokenProcessPool:
            pass  # the missing chunks are retried one file per process in results()

    def finished(self) -> Iterator[tuple[int, int, int]]:
        """``(chunk number, first job, count)`` of every chunk the workers have checked so far."""
        for number, (first, count, future) in enumerate(self.futures):
            if future.done() and not future.cancelled() and future.exception() is None:
                yield number, first, count

    def results(self, advance: Callable[[int], None] | None = None) -> list[list[Diagnostic] | None]:
        """The diagnostics of every submitted file, in order; None for a file whose worker died.

        After a pool breaks, its files are retried one per fresh process, so the
        culprit is named and the others are still checked. ``advance`` is called
        as files are checked here (with their number) or a worker's chunk is
        collected (with 0: :meth:`finished` counts it).
        """
        if not self.jobs:
            return []
        if self.pool is None:
            checked: list[list[Diagnostic] | None] = []
            for task, data in self.jobs:
                checked.append(self.engine.finish(self.engine.prepare(task, data, deep=False), None))
                if advance is not None:
                    advance(1)
            return checked
        found: list[list[Diagnostic] | None] = [None] * len(self.jobs)
        done = [False] * len(self.jobs)
        for first, count, future in self.futures:
            try:
                found[first : first + count] = future.result()
                done[first : first + count] = [True] * count
            except BrokenProcessPool:
                pass
            if advance is not None:
                advance(0)
        self.close()
        for index, job in enumerate(self.jobs):
            if not done[index]:
                found[index] = _isolated(job, self.settings)
        return found

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)


def _prepare_deep(job: tuple[FileTask, bytes]) -> bytes | None:
    """A file of the project parsed and collected here, pickled; None if that failed (the caller tries itself)."""
    from ailint.engine import collector_paused

    assert _engine is not None
    task, data = job
    with collector_paused():  # a tree is built and pickled at once: the collector would rescan it
        try:
            return pickle.dumps(_engine.prepare(task, data, deep=True), protocol=pickle.HIGHEST_PROTOCOL)
        except Exception:  # a tree too deep to pickle, or a bug that the caller will meet and report
            return None


def load_prepared(data: bytes, knowledge: Knowledge) -> Prepared:
    """A file prepared in another process; its resolver gets this process's knowledge (it travels without)."""
    prepared: Prepared = pickle.loads(data)
    if prepared.analysis is not None:
        prepared.analysis.resolver.knowledge = knowledge
    return prepared


class Prefetch:
    """Files of the project prepared on the pool's idle workers while the caller selects.

    The caller prepares its files in order from the first and takes each one
    a worker has finished instead; workers start from the last, so the two
    meet in between and a file is prepared twice only if a worker is on it
    when the caller gets there (the caller then waits for it). Receiving a
    prepared file (unpickling it) costs about an eighth of preparing it, and
    sending it a quarter: its layout is shared (``analysis.layout``).
    """

    def __init__(self, checker: PlainChecker, knowledge: Knowledge) -> None:
        self.pool = checker.pool
        self.knowledge = knowledge
        self.futures: dict[int, Future[bytes | None]] = {}
        self.seen: set[int] = set()
        """Every index submitted: a file is sent to a worker once, whatever round names it again."""

    def submit(self, jobs: Sequence[tuple[int, FileTask, bytes]]) -> None:
        """Queue files (by index) that the caller will prepare in this order; files queued before are skipped."""
        if self.pool is None:
            return
        try:
            for index, task, data in reversed(jobs):
                if index not in self.seen:
                    self.seen.add(index)
                    self.futures[index] = self.pool.submit(_prepare_deep, (task, data))
        except BrokenProcessPool:
            pass  # the caller prepares them

    def take(self, index: int) -> Prepared | None:
        """File ``index`` as a worker prepared it, or None if no worker has started it (it is not started now)."""
        future = self.futures.pop(index, None)
        if future is None or future.cancel():
            return None
        try:
            data = future.result()
        except BrokenProcessPool:
            return None
        return None if data is None else load_prepared(data, self.knowledge)

    def close(self) -> None:
        """Cancel what was not taken: the caller's selection is over."""
        for future in self.futures.values():
            future.cancel()
        self.futures.clear()


def _isolated(job: tuple[FileTask, bytes], settings: Settings) -> list[Diagnostic] | None:
    try:
        with ProcessPoolExecutor(1, initializer=_start, initargs=(settings,)) as pool:
            return pool.submit(_check, job).result()
    except BrokenProcessPool:
        return None


MIN_FORKED = 40
"""Below this many files to judge, judging them in-process is faster than forking."""
Called = tuple[str, bool, bool, bool]
"""A wrapper a file calls (its path), and whether a call of it there is logged, logged with fields, and has its
usage read (the callers' part of the request concerns, for the files judged elsewhere)."""
Judged = tuple[int, list[Diagnostic] | None, list[str], list[Called]]
"""A file's index, its diagnostics (None if ailint failed on it), error lines, and the wrappers it calls."""


def _chunk(run: Any, step: str, indices: list[int], advance: Callable[[int], None] | None = None) -> list[Judged]:
    ignores = run.ignores()
    judge = getattr(run, step)
    found = []
    for index in indices:
        found.append(judge(index, ignores))
        if advance is not None:
            advance(1)
    return found


def _send_chunk(sender: Connection, run: Any, step: str, indices: list[int]) -> None:
    """A forked process's work: the run and step come as arguments, which ``fork`` hands over without pickling.

    A ``None`` is sent as each file is judged (the parent counts them for its
    progress bar; this process never draws it), then the chunk's results.
    """
    run.progress = None
    with sender:
        sender.send(_chunk(run, step, indices, lambda _: sender.send(None)))


def on_forks(
    run: Any,
    step: str,
    indices: list[int],
    workers: int,
    sizes: Sequence[int],
    per_worker: int = 1,
    advance: Callable[[int], None] | None = None,
) -> list[Judged]:
    """``run.<step>(index, ignores)`` for every index, on forked processes that inherit the run's project.

    The files are cut into ``per_worker`` chunks per worker, balanced by
    size, and each chunk is judged by a process of its own: more chunks hold
    less memory at once, fewer compute the project's memoised facts fewer
    times. Results come in chunk order: the caller sorts them.

    Two steps go through here: ``leaf`` analyses and judges a file no other
    file imports (the project as the parent built it, plus that file), and
    ``verdict`` judges a file of the project once every caller of its
    wrappers is known. Processes send back plain diagnostics, error lines and
    the paths of the wrappers each file calls. Without ``fork`` (or with few
    files, or if a process dies) the files are judged here, one after another.
    ``advance`` is called with 1 as each file is judged, wherever it is.
    """
    if workers > 1 and len(indices) >= MIN_FORKED and "fork" in multiprocessing.get_all_start_methods():
        chunks = _balanced(indices, sizes, min(workers * per_worker, len(indices)))
        release_freed()  # each process starts from this one's size
        counted = [0]

        def judged(count: int) -> None:
            counted[0] += count
            if advance is not None:
                advance(count)

        found = _fork_each(run, step, chunks, workers, judged)
        if found is not None:
            return [result for chunk in found for result in chunk]
        if advance is not None:
            advance(-counted[0])  # judged again below, and counted again
    return _chunk(run, step, indices, advance)


def release_freed() -> None:
    """Give back to the system the memory the C allocator keeps after frees (glibc only; elsewhere nothing).

    glibc keeps freed native memory for reuse, so a process's resident size
    carries its largest parse for the rest of its life, and every process
    forked from it starts with that size.
    """
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@cache
def _malloc_trim() -> Any:
    """glibc's ``malloc_trim``, or None where there is none (musl, macOS, Windows); looked up once."""
    import ctypes

    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(None).malloc_trim  # from the C library the interpreter runs on
    except (OSError, AttributeError):
        return None


def _balanced(indices: list[int], sizes: Sequence[int], count: int) -> list[list[int]]:
    """``count`` chunks of about the same total size (``sizes[index]``, in bytes), largest files placed first.

    A chunk's time and memory follow the size of its files: balanced chunks
    end together, and no process holds a run of the largest files at once.
    """
    chunks: list[list[int]] = [[] for _ in range(count)]
    totals = [(0, number) for number in range(count)]
    for index in sorted(indices, key=lambda i: -sizes[i]):
        total, number = heapq.heappop(totals)
        chunks[number].append(index)
        heapq.heappush(totals, (total + sizes[index], number))
    return [sorted(chunk) for chunk in chunks if chunk]


def _fork_each(
    run: Any, step: str, chunks: list[list[int]], workers: int, judged: Callable[[int], None]
) -> list[list[Judged]] | None:
    """Each chunk judged in a process of its own, forked when one of ``workers`` is free; None if one died.

    ``judged(1)`` as a process reports each file it judged.

    A process per chunk rather than a pool: what a chunk adds to the project
    (the files no other file imports, parsed there) is freed with its
    process, so no process holds more than the parent's project and what its chunk left.
    """
    context = multiprocessing.get_context("fork")
    found: dict[int, list[Judged]] = {}
    running: dict[Connection, tuple[int, BaseProcess]] = {}
    waiting = list(enumerate(chunks))
    waiting.reverse()
    try:
        while waiting or running:
            while waiting and len(running) < workers:
                number, chunk = waiting.pop()
                receiver, sender = context.Pipe(duplex=False)
                started: BaseProcess = context.Process(target=_send_chunk, args=(sender, run, step, chunk), daemon=True)
                started.start()
                sender.close()
                running[receiver] = (number, started)
            for ready in wait(list(running)):
                assert isinstance(ready, Connection)
                message = ready.recv()
                if message is None:  # one more file judged
                    judged(1)
                    continue
                number, done = running.pop(ready)
                with ready:
                    found[number] = message
                done.join()
    except (EOFError, OSError):  # a process died (or none could be made): the caller judges the files itself
        for _, process in running.values():
            process.kill()
            process.join()
        return None
    return [found[number] for number in range(len(chunks))]
