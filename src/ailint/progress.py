"""The progress bar: on stderr, only on a terminal that can redraw a line, only when the run is long.

A run goes through phases, each reported as it starts and as its work is
done (``api.Progress``): finding files, reading them, summarising the files
a model value may reach, solving the value flow, parsing the files analysed
in depth, judging. The bar names the phase it is in and counts that phase's
files (or, where the amount of work is not known ahead, what it has done so
far: files found, rounds solved, files parsed), so it moves from the first second to the
last instead of waiting on a number known only at the end.

Short runs (most pre-commit and editor runs) must print nothing extra, and
machine formats must never see a byte of it, so the bar goes to stderr,
appears only once a run has taken a while (at once for a phase over many
files), and is transient: it is erased when the run ends, before the report
is written. It is one line redrawn in place with a carriage return, by this
module alone: no thread, so nothing runs beside the processes a run forks,
and what it draws depends only on the calls it receives, the clock and the
width it is given (tests pass a fake clock and width, whatever ``TERM`` says).
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import TextIO

MANY_FILES = 200
"""A phase over more files than this shows the bar once ``GRACE_SECONDS`` have passed."""
GRACE_SECONDS = 0.25
"""How long a run over many files may take before the bar appears (a warm run of thousands takes less)."""
SLOW_SECONDS = 1.0
"""Any run still going after this long shows the bar."""
REDRAW_SECONDS = 0.1
"""The bar is redrawn at most this often, except when a phase starts or ends."""

UNITS = {"finding files": ("found", "found"), "solving": ("round", "rounds"), "parsing": ("file", "files")}
"""Phases whose amount of work is not known ahead: what their count is of (one, several)."""


def _elapsed(seconds: float) -> str:
    whole = int(max(seconds, 0))
    return f"{whole // 3600}:{whole // 60 % 60:02d}:{whole % 60:02d}"


class ProgressBar:
    """An ``api.Progress`` callback that draws one line on ``stream`` once the run is long enough."""

    def __init__(
        self,
        stream: TextIO,
        *,
        width: int | Callable[[], int] | None = None,
        clock: Callable[[], float] = time.monotonic,
        many_files: int = MANY_FILES,
        grace_seconds: float = GRACE_SECONDS,
        slow_seconds: float = SLOW_SECONDS,
    ) -> None:
        """``width``: the terminal's columns (a number, a function asked at each redraw, or None: the terminal's)."""
        self.stream = stream
        self.width = width
        self.clock = clock
        self.many_files = many_files
        self.grace_seconds = grace_seconds
        self.slow_seconds = slow_seconds
        self.started = clock()
        self.phase = ""
        self.done = 0
        self.total: int | None = None
        self.shown = False
        self.drawn_at: float | None = None
        self.drawn = ""
        encoding = (getattr(stream, "encoding", None) or "").lower().replace("-", "")
        self.filled, self.empty = ("━", "─") if encoding.startswith("utf") else ("#", "-")

    def __call__(self, phase: str, done: int, total: int | None) -> None:
        now = self.clock()
        started = phase != self.phase or done == 0
        self.phase, self.done, self.total = phase, done, total
        if not self.shown:
            elapsed = now - self.started
            many = total is not None and total > self.many_files
            if elapsed < self.slow_seconds and not (many and elapsed >= self.grace_seconds):
                return
            self.shown = True
        elif not started and done != total and self.drawn_at is not None and now - self.drawn_at < REDRAW_SECONDS:
            return
        self._draw(now)

    def columns(self) -> int:
        if self.width is None:
            return shutil.get_terminal_size(fallback=(80, 24)).columns
        return self.width() if callable(self.width) else self.width

    def line(self, now: float) -> str:
        """The bar as it reads at ``now``, at most ``columns() - 1`` characters (the last column stays free)."""
        room = max(self.columns() - 1, 20)
        head = f"ailint  {self.phase:<13}"
        tail = f"  {_elapsed(now - self.started)}"
        if self.total is None:
            one, several = UNITS.get(self.phase, ("done", "done"))
            count = f"{self.done:,} {one if self.done == 1 else several}"
            return f"{head}  {count}{tail}"[:room]
        total = max(self.total, 0)
        done = min(max(self.done, 0), total)
        share = done / total if total else 1.0
        whole = f"{total:,}"
        count = f"{int(share * 100):>3}%  {done:>{len(whole)},}/{whole} files"  # as wide all through the phase
        bar = room - len(head) - len(count) - len(tail) - 4
        if bar < 10:
            return f"{head}  {count}{tail}"[:room]
        filled = int(share * bar)
        return f"{head}  {self.filled * filled}{self.empty * (bar - filled)}  {count}{tail}"

    def _draw(self, now: float) -> None:
        line = self.line(now)
        if line == self.drawn:  # (the last files of a phase are reported more than once)
            return
        self.drawn_at, self.drawn = now, line
        self.stream.write("\r" + line + "\x1b[K")
        self.stream.flush()

    def close(self) -> None:
        """Erase the bar, if it was ever shown."""
        if self.shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self.shown, self.drawn = False, ""


def can_redraw(stream: TextIO, environ: Mapping[str, str] | None = None) -> bool:
    """Whether ``stream`` is a terminal that can redraw a line: a TTY, and not ``TERM=dumb`` (or ``unknown``)."""
    environ = os.environ if environ is None else environ
    if environ.get("TERM", "").lower() in ("dumb", "unknown"):
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # a closed or exotic stream
        return False


@contextmanager
def progress_bar(
    stream: TextIO | None = None, environ: Mapping[str, str] | None = None
) -> Iterator[ProgressBar | None]:
    """A progress callback when ``stream`` (default stderr) is a terminal that can redraw a line, else ``None``."""
    stream = stream if stream is not None else sys.stderr
    if not can_redraw(stream, environ):
        yield None
        return
    bar = ProgressBar(stream)
    try:
        yield bar
    finally:
        bar.close()
