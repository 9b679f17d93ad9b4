"""The progress bar: on stderr, only on a terminal, only when the run is long.

Short runs (most pre-commit and editor runs) must print nothing extra, and
machine formats must never see a byte of it, so the bar goes to stderr,
appears only once a run has many files or has taken a while, and is
transient: it is erased when the run ends, before the report is written.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

MANY_FILES = 200
"""Runs over more files than this show the bar at once."""
SLOW_SECONDS = 1.0
"""Any run still going after this long shows the bar."""


class ProgressBar:
    """A ``(done, total)`` callback that shows a rich bar once the run is long enough."""

    def __init__(
        self,
        stream: TextIO,
        *,
        many_files: int = MANY_FILES,
        slow_seconds: float = SLOW_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.stream = stream
        self.many_files = many_files
        self.slow_seconds = slow_seconds
        self.clock = clock
        self.started = clock()
        self.bar: Progress | None = None
        self.task: TaskID | None = None

    def __call__(self, done: int, total: int) -> None:
        if self.bar is None:
            if total <= self.many_files and self.clock() - self.started < self.slow_seconds:
                return
            self._start(total)
        assert self.bar is not None and self.task is not None
        self.bar.update(self.task, completed=done, total=total)

    def _start(self, total: int) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn

        console = Console(file=self.stream, force_terminal=True)
        self.bar = Progress(
            TextColumn("ailint"),
            BarColumn(),
            TaskProgressColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
            redirect_stdout=False,
            redirect_stderr=False,
        )
        self.task = self.bar.add_task("files", total=total)
        self.bar.start()

    def close(self) -> None:
        """Erase the bar, if it was ever shown."""
        if self.bar is not None:
            self.bar.stop()
            self.bar = None


@contextmanager
def progress_bar(stream: TextIO | None = None) -> Iterator[ProgressBar | None]:
    """A progress callback when ``stream`` (default stderr) is a terminal, else ``None``."""
    stream = stream if stream is not None else sys.stderr
    try:
        interactive = stream.isatty()
    except (AttributeError, ValueError):  # a closed or exotic stream
        interactive = False
    if not interactive:
        yield None
        return
    bar = ProgressBar(stream)
    try:
        yield bar
    finally:
        bar.close()
