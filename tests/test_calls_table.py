"""``ailint calls`` as a table: every concern's column stays visible, whatever the terminal's width."""

from __future__ import annotations

import io
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from ailint.api import CallRecord, CallsResult, list_calls
from ailint.cli import main
from ailint.diagnostics import Span
from ailint.engine import CHECKS
from ailint.report.calls import ABBREVIATED, render_table, shared_folder
from ailint.settings import load_settings
from tests.conftest import REPO

SAMPLE = REPO / "examples" / "helpdesk"
MARKS = {"pass": "ok", "fail": "FAIL", "n/a": "-"}
ANSI = re.compile(r"\x1b\[[0-9;]*m")


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample project alone (in the repository, the project would be the whole repository)."""
    root = tmp_path_factory.mktemp("sample")
    shutil.copytree(SAMPLE, root / "examples" / "helpdesk")
    return root


@pytest.fixture(scope="module")
def inventory(sample: Path) -> CallsResult:
    result = list_calls([sample / "examples" / "helpdesk"], load_settings(cwd=sample), cwd=sample)
    assert len(result.calls) == 9
    return result


def table(result: CallsResult, width: int | None) -> list[str]:
    stream = io.StringIO()
    render_table(result, stream, color=False, width=width)
    return stream.getvalue().splitlines()


def rows(lines: list[str], result: CallsResult, location: str) -> None:
    """Each call site's row starts with its location and carries its eight marks, in order."""
    for call in result.calls:
        where = location.format(path=call.path, short=call.path.rpartition("/")[2], span=call.span)
        found = [line for line in lines if line.startswith(where + " ")]
        assert len(found) == 1, where
        assert found[0].split()[-len(CHECKS) :] == [MARKS[call.checks[c]] for c in CHECKS], found[0]


@pytest.mark.parametrize("width", [80, 120])
def test_every_status_column_stays_visible(inventory: CallsResult, width: int) -> None:
    lines = table(inventory, width)
    assert all(len(line.rstrip()) <= width for line in lines)
    assert not any("…" in line for line in lines)  # nothing cut off
    assert lines[0].strip() == "under examples/helpdesk/helpdesk/"  # the shared folder, once
    headings = lines[1].split()
    assert headings[-len(CHECKS) :] == [ABBREVIATED[c] for c in CHECKS]
    rows(lines, inventory, "{short}:{span.line}:{span.column}")
    assert lines[-1] == "9 call sites in 6 files."
    legend = " ".join(line.strip() for line in lines[-3:-1])  # the abbreviations, explained after the table
    assert "val: validation" in legend and "time: timeout" in legend and "use: usage" in legend


def test_at_120_columns_the_description_keeps_its_columns(inventory: CallsResult) -> None:
    lines = table(inventory, 120)
    assert lines[1].split()[:3] == ["location", "call", "function"]
    drafter = next(line for line in lines if line.startswith("summaries.py:29:19 "))
    assert "anthropic messages.create" in drafter and "ReplyDrafter.draft" in drafter  # named within its file


def test_at_80_columns_the_description_is_stacked(inventory: CallsResult) -> None:
    lines = table(inventory, 80)
    assert lines[1].split()[0:2] == ["call", "site"]
    at = lines.index(next(line for line in lines if line.startswith("summaries.py:29:19 ")))
    assert [line.strip() for line in lines[at + 1 : at + 4]] == [
        "anthropic messages.create",
        "(direct)",
        "ReplyDrafter.draft",
    ]
    assert lines[at + 4].strip() == ""  # rows of several lines are a line apart


def test_a_wide_terminal_or_a_pipe_gets_the_whole_table(inventory: CallsResult) -> None:
    for width in (200, None):
        lines = table(inventory, width)
        headings = ["location", "call", "kind", "function", "valid", "conf", "log", "errors", "timeout", "auth"]
        assert lines[0].split() == [*headings, "exec", "usage"]
        rows(lines, inventory, "{path}:{span.line}:{span.column}")
        assert "helpdesk.summaries.ReplyDrafter.draft" in "\n".join(lines)


@pytest.mark.parametrize("columns", ["80", "120"])
def test_the_command_fits_the_terminal(sample: Path, monkeypatch: pytest.MonkeyPatch, columns: str) -> None:
    monkeypatch.chdir(sample)
    monkeypatch.setenv("FORCE_COLOR", "1")  # a terminal, as rich sees it
    monkeypatch.setenv("COLUMNS", columns)
    result = CliRunner().invoke(main, ["calls", "--no-cache", "examples/helpdesk"])
    assert result.exit_code == 0, result.output
    lines = ANSI.sub("", result.stdout).splitlines()
    assert all(len(line.rstrip()) <= int(columns) for line in lines)
    assert lines[1].split()[-len(CHECKS) :] == [ABBREVIATED[c] for c in CHECKS]
    assert sum(1 for line in lines if line.split()[-1:] in (["FAIL"], ["ok"], ["-"])) == 9


def test_paths_are_shortened_to_what_follows_their_shared_folder() -> None:
    assert shared_folder(["a/b/c.py", "a/b/d/e.py"]) == "a/b/"
    assert shared_folder(["a/b/c.py", "a/x.py"]) == "a/"
    assert shared_folder(["app.py", "a/x.py"]) == ""
    assert shared_folder([]) == ""


def test_a_function_is_named_within_its_file() -> None:
    def call(path: str, function: str) -> CallRecord:
        checks = dict.fromkeys(CHECKS, "fail")
        return CallRecord(
            path, Span(3, 1, 3, 9), "openai", "responses.create", "generate", "direct", function, None, checks
        )

    result = CallsResult(
        files=3,
        calls=[
            call("pkg/llm.py", "pkg.llm.Client.ask"),
            call("pkg/__init__.py", "pkg.setup"),
            call("pkg/tool.py", "tool.py (module level)"),
        ],
    )
    lines = table(result, 80)
    stacked = [line.strip() for line in lines]
    assert "Client.ask" in stacked and "setup" in stacked and "tool.py (module level)" in stacked
    assert Path(lines[0].strip()) == Path("under pkg")
