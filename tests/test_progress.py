"""The progress bar appears on a terminal's stderr for long runs only, never in reports."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from click.testing import CliRunner

from ailint.api import check_paths
from ailint.cli import main
from ailint.progress import ProgressBar, progress_bar
from ailint.settings import Settings


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_short_runs_show_nothing() -> None:
    stream, clock = Terminal(), Clock()
    bar = ProgressBar(stream, clock=clock)
    for done in range(1, 201):
        bar(done, 200)
    bar.close()
    assert bar.bar is None and stream.getvalue() == ""


def test_runs_over_many_files_show_the_bar_at_once() -> None:
    stream = Terminal()
    bar = ProgressBar(stream, clock=Clock())
    bar(1, 201)
    assert bar.bar is not None
    bar(201, 201)
    bar.close()
    assert "100%" in stream.getvalue()


def test_slow_runs_show_the_bar_after_a_second() -> None:
    stream, clock = Terminal(), Clock()
    bar = ProgressBar(stream, clock=clock)
    bar(1, 10)
    clock.now += 0.5
    bar(2, 10)
    assert bar.bar is None
    clock.now += 0.6
    bar(3, 10)
    assert bar.bar is not None
    bar.close()
    assert " 30%" in stream.getvalue()


def test_not_a_terminal_means_no_bar() -> None:
    with progress_bar(io.StringIO()) as progress:
        assert progress is None
    with progress_bar(Terminal()) as progress:
        assert isinstance(progress, ProgressBar)


def test_check_paths_reports_reading_then_judging(tmp_path: Path) -> None:
    for name in ("a.py", "b.py", "c.py"):
        (tmp_path / name).write_text("x = 1\n")
    calls: list[tuple[int, int]] = []
    settings = Settings(root=tmp_path, enabled=frozenset({"AIL401"}))
    check_paths([tmp_path], settings, cwd=tmp_path, progress=lambda done, total: calls.append((done, total)))
    assert calls == [(n, 6) for n in range(1, 7)]


def test_machine_formats_on_a_pipe_carry_no_progress(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for index in range(250):
        (tmp_path / f"m{index}.py").write_text("x = 1\n")
    result = CliRunner().invoke(main, ["--format", "json", "."])
    assert result.exit_code == 0 and result.stderr == ""
    assert result.stdout.startswith("{") and '"files": 250' in result.stdout
