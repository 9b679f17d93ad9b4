"""The progress bar: on a terminal's stderr for long runs only, moving through every phase, never in reports.

The bar is drawn by ``ailint.progress`` alone, from the calls it receives, a
clock and a width: these tests pass a fake clock, a fixed width and a fake
terminal, so they give the same frames under ``TERM=dumb`` and ``TERM=xterm``.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from click.testing import CliRunner

import ailint.parallel
from ailint.api import check_paths, list_calls
from ailint.cli import main
from ailint.progress import ProgressBar, can_redraw, progress_bar
from ailint.settings import Settings

PHASES = ["finding files", "reading", "summarising", "solving", "parsing", "judging"]

LLM = """\
from openai import OpenAI

client = OpenAI()


def ask(prompt):
    return client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": prompt}])
"""
CALLER = "from llm import ask\n\n\ndef handle(ticket):\n    return ask(ticket)\n"


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Terminal(io.StringIO):
    encoding = "utf-8"

    def isatty(self) -> bool:
        return True


def frames(stream: Terminal) -> list[str]:
    """Every line the bar drew, in order (each is ``\\r`` + text + erase to the end of the line)."""
    return [part.removesuffix("\x1b[K") for part in stream.getvalue().split("\r") if part.removesuffix("\x1b[K")]


def test_short_runs_show_nothing() -> None:
    stream, clock = Terminal(), Clock()
    bar = ProgressBar(stream, clock=clock, width=80)
    bar("finding files", 0, None)
    bar("reading", 0, 5000)
    for done in range(1, 5001):
        bar("reading", done, 5000)
    clock.now += 0.2  # a warm run over thousands of files: under the grace period
    bar("judging", 0, 5000)
    bar("judging", 5000, 5000)
    bar.close()
    assert not bar.shown and stream.getvalue() == ""


def test_a_phase_over_many_files_shows_the_bar_after_a_moment() -> None:
    stream, clock = Terminal(), Clock()
    bar = ProgressBar(stream, clock=clock, width=80)
    bar("reading", 0, 2000)
    clock.now += 0.1
    bar("reading", 10, 2000)
    assert stream.getvalue() == ""
    clock.now += 0.2
    bar("reading", 20, 2000)
    assert frames(stream) == ["ailint  reading        " + "─" * 22 + "    1%     20/2,000 files  0:00:00"]
    clock.now += 0.2
    bar("reading", 1000, 2000)
    assert frames(stream)[-1] == "ailint  reading        " + "━" * 11 + "─" * 11 + "   50%  1,000/2,000 files  0:00:00"
    assert all(len(line) == 79 for line in frames(stream))  # the last column stays free


def test_a_slow_run_shows_the_bar_after_a_second_whatever_its_size() -> None:
    stream, clock = Terminal(), Clock()
    bar = ProgressBar(stream, clock=clock, width=100)
    bar("summarising", 0, 10)
    clock.now += 0.5
    bar("summarising", 2, 10)
    assert stream.getvalue() == ""
    clock.now += 0.6
    bar("summarising", 3, 10)
    assert frames(stream)[-1].startswith("ailint  summarising    ━")
    assert frames(stream)[-1].endswith(" 30%   3/10 files  0:00:01")


def test_the_bar_names_each_phase_and_moves_through_it() -> None:
    stream, clock = Terminal(), Clock()
    bar = ProgressBar(stream, clock=clock, width=100, grace_seconds=0, slow_seconds=0)
    bar("finding files", 0, None)
    clock.now += 0.2
    bar("finding files", 1234, None)
    bar("solving", 0, None)
    clock.now += 1.8
    bar("solving", 3, None)
    for done in (0, 1, 2, 3, 4):
        clock.now += 1
        bar("judging", done, 4)
    shown = frames(stream)
    assert shown[:4] == [
        "ailint  finding files  0 found  0:00:00",
        "ailint  finding files  1,234 found  0:00:00",
        "ailint  solving        0 rounds  0:00:00",
        "ailint  solving        3 rounds  0:00:02",
    ]
    percents = [line.split("%")[0].split()[-1] for line in shown[4:]]
    assert percents == ["0", "25", "50", "75", "100"]
    assert all(len(line) <= 99 for line in shown)
    assert shown[-1].endswith("100%  4/4 files  0:00:07")
    bar.close()
    assert stream.getvalue().endswith("\r\x1b[K")  # erased before the report is written


def test_redraws_are_throttled_but_phase_starts_and_ends_are_drawn() -> None:
    stream, clock = Terminal(), Clock()
    bar = ProgressBar(stream, clock=clock, width=80, slow_seconds=0)
    for done in range(0, 1001):
        bar("parsing", done, 1000)  # no time passes: only the start and the end are drawn
    assert [line.split()[-3] for line in frames(stream)] == ["0/1,000", "1,000/1,000"]


def test_a_frame_is_drawn_once_and_counts_speak_english() -> None:
    stream, clock = Terminal(), Clock()
    bar = ProgressBar(stream, clock=clock, width=80, slow_seconds=0)
    for _ in range(3):
        bar("judging", 4, 4)  # the end of a phase, reported again by each part that finishes
    bar("parsing", 1, None)
    bar("solving", 1, None)
    assert frames(stream) == [
        "ailint  judging        " + "━" * 30 + "  100%  4/4 files  0:00:00",
        "ailint  parsing        1 file  0:00:00",
        "ailint  solving        1 round  0:00:00",
    ]


def test_a_narrow_terminal_keeps_the_count_and_drops_the_bar() -> None:
    stream, clock = Terminal(), Clock()
    bar = ProgressBar(stream, clock=clock, width=50, slow_seconds=0)
    bar("summarising", 5, 10)
    assert frames(stream) == ["ailint  summarising     50%   5/10 files  0:00:00"]


def test_a_stream_that_cannot_take_unicode_gets_ascii() -> None:
    stream = Terminal()
    stream.encoding = "ascii"  # type: ignore[misc]
    bar = ProgressBar(stream, clock=Clock(), width=80, slow_seconds=0)
    bar("judging", 1, 2)
    assert "#" in frames(stream)[0] and "━" not in frames(stream)[0]


@pytest.mark.parametrize("term", ["dumb", "xterm", "xterm-256color", "unknown"])
def test_only_a_terminal_that_can_redraw_gets_a_bar(term: str) -> None:
    redraws = term not in ("dumb", "unknown")
    assert can_redraw(Terminal(), {"TERM": term}) is redraws
    assert can_redraw(io.StringIO(), {"TERM": term}) is False
    with progress_bar(Terminal(), {"TERM": term}) as progress:
        assert isinstance(progress, ProgressBar) is redraws


def test_the_callers_term_decides_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TERM", "dumb")
    with progress_bar(Terminal()) as progress:
        assert progress is None
    monkeypatch.setenv("TERM", "xterm")
    with progress_bar(Terminal()) as progress:
        assert isinstance(progress, ProgressBar)


def project(root: Path, plain: int) -> Settings:
    (root / "llm.py").write_text(LLM)
    for index in range(plain):
        (root / f"feature{index}.py").write_text(CALLER if index % 10 == 0 else f"x = {index}\n")
    return Settings(root=root, enabled=frozenset({"AIL401", "AIL501"}))


Event = tuple[str, int, "int | None"]


def check_phases(events: list[Event]) -> list[str]:
    """The phases in the order reported, after checking each is honest: counts never go back, never past the
    total, and a phase with a total reaches it before the next starts."""
    order: list[str] = []
    last: Event | None = None
    for phase, done, total in events:
        if last is None or phase != last[0]:
            assert done == 0, (phase, done)
            if last is not None and last[2] is not None:
                assert last[1] == last[2], last
            order.append(phase)
        else:
            assert done >= last[1] and total == last[2], (last, (phase, done, total))
        assert total is None or done <= total
        last = (phase, done, total)
    assert last is not None and (last[2] is None or last[1] == last[2])
    return order


def test_a_check_reports_every_phase_from_the_start(tmp_path: Path) -> None:
    settings = project(tmp_path, 30)
    events: list[Event] = []
    check_paths([tmp_path], settings, cwd=tmp_path, progress=lambda *event: events.append(event))
    assert events[0] == ("finding files", 0, None)  # before anything is read
    assert check_phases(events) == PHASES
    judged = [done for phase, done, _ in events if phase == "judging"]
    assert judged[-1] == 31 and len(set(judged)) == 32  # one step per file: no jump from half-way to the end


@pytest.mark.skipif(
    __import__("multiprocessing").get_start_method() != "fork", reason="files are judged on forked processes"
)
def test_files_judged_on_workers_and_forks_move_the_bar(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ailint.parallel, "MIN_FILES", 1)
    monkeypatch.setattr(ailint.parallel, "MIN_FORKED", 1)
    settings = project(tmp_path, 40)
    events: list[Event] = []
    result = check_paths([tmp_path], settings, cwd=tmp_path, jobs=2, progress=lambda *event: events.append(event))
    assert not result.errors
    assert check_phases(events) == PHASES
    judged = [done for phase, done, _ in events if phase == "judging"]
    callers = 4  # feature0, feature10, ...: judged one by one on forked processes, each reported as it is done
    assert judged[-1] == 41 and len(set(judged)) >= callers


def test_a_cached_run_reports_no_work_it_does_not_do(tmp_path: Path) -> None:
    from ailint.cache import Cache

    settings = project(tmp_path, 5)
    check_paths([tmp_path], settings, cwd=tmp_path, cache=Cache(tmp_path, settings))
    events: list[Event] = []
    check_paths(
        [tmp_path], settings, cwd=tmp_path, cache=Cache(tmp_path, settings), progress=lambda *e: events.append(e)
    )
    assert check_phases(events) == ["finding files"]


def test_the_inventory_reports_every_phase(tmp_path: Path) -> None:
    settings = project(tmp_path, 12)
    events: list[Event] = []
    list_calls([tmp_path], settings, cwd=tmp_path, progress=lambda *event: events.append(event))
    assert check_phases(events) == PHASES
    assert events[-1] == ("judging", 13, 13)


def test_the_cli_draws_on_a_terminal_and_erases_before_the_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import ailint.progress

    monkeypatch.chdir(tmp_path)
    project(tmp_path, 3)
    stderr, clock = Terminal(), Clock()

    def ticking() -> float:
        clock.now += 1  # every call a second later: the bar shows at once
        return clock.now

    real = ailint.progress.ProgressBar
    monkeypatch.setattr(ailint.progress, "can_redraw", lambda stream, environ=None: True)
    monkeypatch.setattr(ailint.progress, "ProgressBar", lambda stream: real(stderr, clock=ticking, width=80))
    result = CliRunner().invoke(main, ["--no-cache", "--format", "json", "."])
    assert result.exit_code == 1 and result.stdout.startswith("{")  # the report has none of it
    drawn = frames(stderr)
    assert next(line.split()[1] for line in drawn if line.split()[1] != "finding") == "reading"
    assert any(line.startswith("ailint  judging ") and "100%" in line for line in drawn)
    assert stderr.getvalue().endswith("\r\x1b[K")


def test_machine_formats_on_a_pipe_carry_no_progress(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for index in range(250):
        (tmp_path / f"m{index}.py").write_text("x = 1\n")
    result = CliRunner().invoke(main, ["--format", "json", "."])
    assert result.exit_code == 0 and result.stderr == ""
    assert result.stdout.startswith("{") and '"files": 250' in result.stdout
