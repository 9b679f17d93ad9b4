"""``--format github``: one workflow command per diagnostic, escaped as GitHub's toolkit does."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from ailint.cli import main
from ailint.diagnostics import Diagnostic, Severity, Span
from ailint.report.github import command, escape_data, escape_property

SOURCE = textwrap.dedent(
    """\
    from openai import OpenAI

    client = OpenAI()


    def ask(prompt):
        return client.chat.completions.create(
            model="gpt-4o",
            messages=[],
        )
    """
)


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["--format", "github", *args], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


MESSAGE = "openai chat.completions.create is not inside a try that catches openai.APIError"


def test_one_command_per_diagnostic(project: Path) -> None:
    (project / "pyproject.toml").write_text('[tool.ailint]\nselect = ["AIL401"]\n')
    (project / "app.py").write_text(SOURCE)
    (project / "other.py").write_text(SOURCE.replace("ask", "other"))
    assert run(".") == (
        1,
        f"::error file=app.py,line=7,col=12,endLine=10,endColumn=6,title=AIL401 unhandled-error::{MESSAGE}\n"
        f"::error file=other.py,line=7,col=12,endLine=10,endColumn=6,title=AIL401 unhandled-error::{MESSAGE}\n",
        "",
    )


def test_warning_severity_is_a_warning_command(project: Path) -> None:
    (project / "pyproject.toml").write_text('[tool.ailint]\nselect = ["AIL401"]\nseverity = { AIL401 = "warning" }\n')
    (project / "app.py").write_text(SOURCE)
    assert run(".") == (
        1,
        f"::warning file=app.py,line=7,col=12,endLine=10,endColumn=6,title=AIL401 unhandled-error::{MESSAGE}\n",
        "",
    )


def test_clean_run_prints_nothing(project: Path) -> None:
    (project / "app.py").write_text("x = 1\n")
    assert run(".") == (0, "", "")


def test_escaping_follows_the_toolkit() -> None:
    assert escape_data("100% done\r\nnext: a, b") == "100%25 done%0D%0Anext: a, b"
    assert escape_property("dir: a,b/100%\n.py") == "dir%3A a%2Cb/100%25%0A.py"


def test_paths_and_messages_are_escaped() -> None:
    diagnostic = Diagnostic(
        path="odd,dir/a:b.py",
        span=Span(3, 1, 3, 2),
        code="AIL002",
        name="invalid-pragma",
        severity=Severity.WARNING,
        message="unknown mode 'x'; valid: a, b\nsecond line 50%",
    )
    assert command(diagnostic) == (
        "::warning file=odd%2Cdir/a%3Ab.py,line=3,col=1,endLine=3,endColumn=2,title=AIL002 invalid-pragma::"
        "unknown mode 'x'; valid: a, b%0Asecond line 50%25"
    )


def _many(errors: int, warnings: int) -> str:
    from ailint.api import RunResult
    from ailint.report.github import render

    diagnostics = [
        Diagnostic(f"m{n:02}.py", Span(1, 1, 1, 2), "AIL401", "unhandled-error", severity, "m")
        for n, severity in enumerate([Severity.WARNING] * warnings + [Severity.ERROR] * errors)
    ]
    return render(RunResult(files=1, diagnostics=diagnostics))


def test_errors_come_first_and_a_notice_counts_what_a_step_cannot_show() -> None:
    lines = _many(errors=12, warnings=11).splitlines()
    assert [line.split(" ", 1)[0] for line in lines] == ["::error"] * 10 + ["::warning"] * 10 + ["::notice"]
    assert lines[0].startswith("::error file=m11.py,") and lines[10].startswith("::warning file=m00.py,")
    assert lines[-1] == (
        "::notice title=ailint::3 more diagnostics (2 errors, 1 warning) not shown as annotations: "
        "GitHub shows 10 errors and 10 warnings per step. "
        "Run `ailint --format sarif -o ailint.sarif` and upload it to code scanning to see them all."
    )


def test_no_notice_when_every_annotation_is_shown() -> None:
    lines = _many(errors=10, warnings=10).splitlines()
    assert len(lines) == 20 and not any(line.startswith("::notice") for line in lines)


def test_paths_are_relative_to_the_repository_root(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (project / ".git").mkdir()
    (project / "pyproject.toml").write_text('[tool.ailint]\nselect = ["AIL401"]\n')
    (project / "pkg").mkdir()
    (project / "pkg" / "app.py").write_text(SOURCE)
    monkeypatch.chdir(project / "pkg")
    assert run("app.py")[1].startswith("::error file=pkg/app.py,line=7,")
