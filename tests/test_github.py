"""``--format github``: one workflow command per diagnostic, escaped as GitHub's toolkit does."""

from __future__ import annotations

import textwrap
from pathlib import Path

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
