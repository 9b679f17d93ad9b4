"""Reports are written atomically: a failed or interrupted write never leaves a half-written file.

``--output-file`` (and ``--write-baseline``) write a temporary file beside
the target and rename it over the target, so a reader sees the old report or
the new one. A path that cannot be written is one clear line and exit 2.
"""

from __future__ import annotations

import errno
import io
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from ailint import cli
from ailint.cli import main, write_atomically

CALL = "from openai import OpenAI\nOpenAI().chat.completions.create(model='m', messages=[])\n"


@pytest.fixture
def tree(project: Path) -> Path:
    (project / "app.py").write_text(CALL)
    (project / "report.json").write_text("previous report\n")
    return project


def run(*args: str) -> tuple[int, str, str]:
    """``ailint check`` without its cache (which writes files of its own), or another command as given."""
    command = list(args) if args[0] in main.commands else ["check", "--no-cache", *args]
    result = CliRunner().invoke(main, command)
    return result.exit_code, result.stdout, result.stderr


def leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".tmp"))


class _FailingStream(io.StringIO):
    """Accepts half of what it is given, then fails as a full disk would (or as ``error`` says)."""

    def __init__(self, target: Any, error: BaseException) -> None:
        super().__init__()
        self.target, self.error = target, error

    def write(self, text: str) -> int:
        self.target.write(text[: len(text) // 2])
        self.target.flush()
        raise self.error


def _fail_mid_write(monkeypatch: pytest.MonkeyPatch, error: BaseException) -> None:
    real = os.fdopen

    def fdopen(fd: int, *args: Any, **kwargs: Any) -> Any:
        return _FailingStream(real(fd, *args, **kwargs), error)

    monkeypatch.setattr(cli.os, "fdopen", fdopen)


def test_a_failure_mid_write_keeps_the_previous_report(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _fail_mid_write(monkeypatch, OSError(errno.ENOSPC, "No space left on device"))
    for output_format in ("json", "text", "sarif"):
        assert run("--format", output_format, "-o", "report.json", ".") == (
            2,
            "",
            "ailint: error: cannot write report.json: No space left on device\n",
        )
        assert (tree / "report.json").read_text() == "previous report\n"
        assert leftovers(tree) == []


def test_an_interrupted_write_keeps_the_previous_report(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _fail_mid_write(monkeypatch, KeyboardInterrupt())
    with pytest.raises(KeyboardInterrupt):
        write_atomically(tree / "report.json", "new report\n" * 1000)
    assert (tree / "report.json").read_text() == "previous report\n"
    assert leftovers(tree) == []


def test_a_failed_rename_leaves_no_temporary_file(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def replace(source: str, target: str) -> None:
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(cli.os, "replace", replace)
    assert run("--format", "json", "-o", "report.json", ".") == (
        2,
        "",
        "ailint: error: cannot write report.json: Permission denied\n",
    )
    assert (tree / "report.json").read_text() == "previous report\n"
    assert leftovers(tree) == []


@pytest.mark.parametrize(
    "command",
    [
        ["--format", "json", "-o", "out/report.json", "."],
        ["-o", "out/report.json", "."],
        ["calls", "-o", "out/report.json", "."],
        ["report", "-o", "out/report.json", "."],
        ["--write-baseline", "out/report.json", "."],
    ],
)
def test_a_read_only_directory_is_one_line(tree: Path, monkeypatch: pytest.MonkeyPatch, command: list[str]) -> None:
    """As root, permissions do not stop writes: the refusal is simulated where the temporary file is made."""
    (tree / "out").mkdir()

    made = tempfile.mkstemp

    def mkstemp(*args: Any, **kwargs: Any) -> tuple[int, str]:
        if Path(kwargs.get("dir", "")).name == "out":
            raise PermissionError(errno.EACCES, "Permission denied")
        return made(*args, **kwargs)

    monkeypatch.setattr(tempfile, "mkstemp", mkstemp)
    code, out, err = run(*command)
    assert (code, out) == (2, "")
    assert err.endswith("out/report.json: Permission denied\n")
    assert err.startswith("ailint: error: cannot write ")
    assert len(err.splitlines()) == 1
    assert list((tree / "out").iterdir()) == []


def test_missing_folders_are_created(tree: Path) -> None:
    assert run("--format", "json", "-o", "missing/deeper/report.json", ".") == (1, "", "")
    assert json.loads((tree / "missing" / "deeper" / "report.json").read_text())["files"] == 1
    assert run("report", "-o", "reports/readiness.md", ".")[0] == 0
    assert (tree / "reports" / "readiness.md").read_text().startswith("# ")
    assert run("calls", "--format", "json", "-o", "inventory/calls.json", ".")[0] == 0
    assert json.loads((tree / "inventory" / "calls.json").read_text())["files"] == 1
    assert run("--write-baseline", "baselines/ailint.json", ".")[0] == 0
    assert json.loads((tree / "baselines" / "ailint.json").read_text())["ailint-baseline"] == 1


def test_a_folder_that_cannot_be_made_is_one_line(tree: Path) -> None:
    (tree / "taken").write_text("a file, not a folder\n")
    code, out, err = run("--format", "json", "-o", "taken/report.json", ".")
    assert (code, out) == (2, "")
    assert err.startswith("ailint: error: cannot write taken/report.json: ")
    assert len(err.splitlines()) == 1


def test_a_successful_write_replaces_the_report_whole(tree: Path) -> None:
    code, out, err = run("--format", "json", "-o", "report.json", ".")
    assert (code, out, err) == (1, "", "")
    assert (tree / "report.json").read_text().startswith('{\n  "version"')
    assert leftovers(tree) == []
