"""``--format junit`` and ``--format gitlab``: exact documents, read back by a real parser and a schema."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from xml.etree import ElementTree

import jsonschema
import pytest
from click.testing import CliRunner

from ailint.cli import main

SOURCE = textwrap.dedent(
    """\
    from openai import OpenAI

    client = OpenAI()


    def ask(prompt):
        first = client.chat.completions.create(model="gpt-4o", messages=[])
        second = client.chat.completions.create(model="gpt-4o", messages=[])
        return first, second
    """
)
MESSAGE = "openai chat.completions.create is not inside a try that catches openai.APIError"

GITLAB_SCHEMA = {
    # The fields GitLab's Code Quality documentation requires of each issue
    # (https://docs.gitlab.com/ci/testing/code_quality/#code-quality-report-format).
    "type": "array",
    "items": {
        "type": "object",
        "required": ["description", "check_name", "fingerprint", "severity", "location"],
        "properties": {
            "description": {"type": "string"},
            "check_name": {"type": "string"},
            "fingerprint": {"type": "string"},
            "severity": {"enum": ["info", "minor", "major", "critical", "blocker"]},
            "location": {
                "type": "object",
                "required": ["path", "lines"],
                "properties": {
                    "path": {"type": "string", "pattern": "^(?!\\\\.\\\\./)(?!/)"},
                    "lines": {"type": "object", "required": ["begin"], "properties": {"begin": {"type": "integer"}}},
                },
            },
        },
    },
}


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["--no-cache", *args], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def tree(project: Path) -> Path:
    (project / "pyproject.toml").write_text('[tool.ailint]\nselect = ["AIL401"]\n')
    (project / "app.py").write_text(SOURCE)
    (project / "clean.py").write_text("x = 1\n")
    return project


def test_junit_document(tree: Path) -> None:
    code, out, err = run("--format", "junit", ".")
    assert (code, err) == (1, "")
    case = (
        '    <testcase name="ailint.AIL401" classname="app.py" line="{line}" column="{column}">\n'
        f'      <failure message="{MESSAGE}" type="error">line {{line}}, col {{column}}, '
        f"AIL401 [unhandled-error] {MESSAGE}</failure>\n"
        "    </testcase>\n"
    )
    assert out == (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<testsuites name="ailint" tests="2" failures="2" errors="0">\n'
        '  <testsuite name="app.py" tests="2" disabled="0" errors="0" failures="2" package="ailint">\n'
        + case.format(line=7, column=13)
        + case.format(line=8, column=14)
        + "  </testsuite>\n</testsuites>\n"
    )
    root = ElementTree.fromstring(out.encode("utf-8"))
    assert [f.get("message") for f in root.iter("failure")] == [MESSAGE, MESSAGE]


def test_junit_clean_run_has_one_passing_case(tree: Path) -> None:
    code, out, _ = run("--format", "junit", "clean.py")
    assert code == 0
    root = ElementTree.fromstring(out.encode("utf-8"))
    assert [case.get("name") for case in root.iter("testcase")] == ["No errors found"]
    assert list(root.iter("failure")) == []


def test_junit_escapes_markup(tree: Path) -> None:
    from ailint.api import RunResult
    from ailint.diagnostics import Diagnostic, Severity, Span
    from ailint.report.junit import render

    text = 'a <b> & "c"\x1b'
    diagnostic = Diagnostic("<x>.py", Span(1, 1, 1, 2), "AIL401", "unhandled-error", Severity.ERROR, text[:-1])
    root = ElementTree.fromstring(render(RunResult(files=1, diagnostics=[diagnostic])).encode("utf-8"))
    assert [f.get("message") for f in root.iter("failure")] == [text[:-1]]


def test_gitlab_document(tree: Path) -> None:
    code, out, err = run("--format", "gitlab", ".")
    assert (code, err) == (1, "")
    issues = json.loads(out)
    jsonschema.validate(issues, GITLAB_SCHEMA)
    fingerprints = [issue.pop("fingerprint") for issue in issues]
    assert len(set(fingerprints)) == 2 and all(len(f) == 32 for f in fingerprints)
    assert issues == [
        {
            "description": f"AIL401 [unhandled-error] {MESSAGE}",
            "check_name": "AIL401",
            "severity": "major",
            "location": {"path": "app.py", "lines": {"begin": line, "end": line}},
        }
        for line in (7, 8)
    ]
    # Stable when lines move.
    (tree / "app.py").write_text("import os\n\n" + SOURCE)
    assert [issue["fingerprint"] for issue in json.loads(run("--format", "gitlab", ".")[1])] == fingerprints


def test_gitlab_clean_run_is_an_empty_array(tree: Path) -> None:
    assert run("--format", "gitlab", "clean.py") == (0, "[]\n", "")


def test_gitlab_paths_are_relative_to_the_repository_root(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tree / ".git").mkdir()
    (tree / "sub").mkdir()
    monkeypatch.chdir(tree / "sub")
    issues = json.loads(run("--format", "gitlab", "../app.py")[1])
    jsonschema.validate(issues, GITLAB_SCHEMA)
    assert [issue["location"]["path"] for issue in issues] == ["app.py", "app.py"]
