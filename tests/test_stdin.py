"""``ailint -`` and ``--stdin-filename``: the source on standard input, checked as the file it names (as Ruff)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from ailint.cli import main

WRAPPER = textwrap.dedent(
    """\
    from openai import OpenAI

    client = OpenAI()


    def ask(prompt):
        try:
            reply = client.chat.completions.create(model="gpt-4o", messages=[], timeout=10)
        except Exception:
            raise
        return reply.choices[0].message.content
    """
)
CALLER = "from llm import ask\n\n\ndef run(question):\n    return eval(ask(question))\n"
DIRECT = textwrap.dedent(
    """\
    from openai import OpenAI

    client = OpenAI()


    def ask(prompt):
        return client.chat.completions.create(model="gpt-4o", messages=[])
    """
)


def run(*args: str, input: bytes | str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def monorepo(project: Path) -> Path:
    """Two sub-projects with settings of their own; ``billing`` has a wrapper its callers go through."""
    for name, select in (("billing", '["AIL601", "AIL401"]'), ("search", '["AIL401"]')):
        root = project / name
        (root / "src").mkdir(parents=True)
        (root / "pyproject.toml").write_text(
            f'[tool.ailint]\nselect = {select}\nper-file-ignores = {{ "src/legacy/**" = ["AIL601"] }}\n'
        )
    (project / "billing" / "src" / "llm.py").write_text(WRAPPER)
    return project


def test_a_dash_checks_standard_input_as_a_file_named_dash(project: Path) -> None:
    (project / "pyproject.toml").write_text('[tool.ailint]\nselect = ["AIL401"]\n')
    code, out, err = run("-", input=DIRECT)
    assert (code, err) == (1, "")
    assert out.splitlines() == [
        "-:7:12: AIL401 [unhandled-error] openai chat.completions.create is not inside a try that catches "
        "openai.APIError",
        "Found 1 diagnostic (1 error) in 1 file.",
    ]
    assert run("check", "-", input="x = 1\n") == (0, "All checks passed (1 file checked).\n", "")


def test_the_named_file_brings_its_settings_and_its_project(monorepo: Path) -> None:
    """From the repository's root, the source is judged with billing's settings and billing's wrapper."""
    code, out, _ = run("--stdin-filename", "billing/src/app.py", "-", input=CALLER)
    assert code == 1
    assert out.splitlines()[0] == (
        "billing/src/app.py:5:12: AIL601 [output-to-exec] openai chat.completions.create via ask() output (line 5) "
        "reaches eval()"
    )
    # search's settings do not select AIL601; billing's per-file ignores silence it under src/legacy/.
    assert run("--stdin-filename", "search/src/app.py", "-", input=CALLER)[0] == 0
    assert run("--stdin-filename", "billing/src/legacy/app.py", "-", input=CALLER)[0] == 0


def test_the_named_file_is_found_from_any_working_directory(monorepo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(monorepo / "search" / "src")
    code, out, _ = run("--stdin-filename", "../../billing/src/app.py", "-", input=CALLER)
    assert code == 1 and out.startswith("../../billing/src/app.py:5:12: AIL601 ")


def test_standard_input_replaces_the_file_on_disk_and_only_it_is_reported(monorepo: Path) -> None:
    app = monorepo / "billing" / "src" / "app.py"
    app.write_text("x = 1\n")
    (monorepo / "billing" / "src" / "other.py").write_text(CALLER)  # not reported: not asked for
    code, out, _ = run("--format", "json", "--stdin-filename", str(app), "-", input=CALLER)
    document = json.loads(out)
    assert (code, document["files"]) == (1, 1)
    assert {d["path"] for d in document["diagnostics"]} == {"billing/src/app.py"}
    assert app.read_text() == "x = 1\n"
    assert run("--stdin-filename", str(app), "-", input="y = 2\n")[0] == 0  # each run reads what it is given


def test_a_name_alone_reads_standard_input_and_other_paths_are_ignored(monorepo: Path) -> None:
    code, out, err = run("--stdin-filename", "billing/src/app.py", "search", input=CALLER)
    assert code == 1 and out.startswith("billing/src/app.py:5:12: AIL601 ")
    assert err == "ailint: warning: ignoring search in favour of standard input\n"


def test_a_name_must_be_a_file_not_a_folder(project: Path) -> None:
    (project / "src").mkdir()
    assert run("--stdin-filename", "src", "-", input="x = 1\n") == (
        2,
        "",
        "ailint: error: --stdin-filename names a folder: src (name the file the source is)\n",
    )


def test_a_dash_among_other_paths_needs_a_name(project: Path) -> None:
    (project / "a.py").write_text("x = 1\n")
    assert run("a.py", "-", input="x = 1\n") == (
        2,
        "",
        "ailint: error: '-' (standard input) cannot be checked with other paths; name it with --stdin-filename\n",
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "standard input is empty: pipe the source to check into `ailint -`"),
        (b"x = 1\n\0\n", "standard input is not text: a NUL byte at line 2"),
        (b"\xff\xfe\x00x", "standard input is not text: a NUL byte at line 1"),
        (b"x = '\xe9'\n", "standard input is not text: not UTF-8, and no coding declaration names another encoding"),
        (b"# coding: klingon\nx = 1\n", "standard input is not text: unknown encoding: klingon"),
        (b"x = 1\n\n\ny = '\xe9'\n", "standard input is not text: not utf-8 at line 4 (invalid continuation byte)"),
    ],
)
def test_input_that_is_empty_or_not_text_is_one_line(project: Path, data: bytes, message: str) -> None:
    assert run("-", input=data) == (2, "", f"ailint: error: {message}\n")


def test_a_declared_encoding_is_honoured(project: Path) -> None:
    assert run("-", input=b"# coding: latin-1\nx = '\xe9'\n")[0] == 0


def test_a_syntax_error_is_a_diagnostic_like_any_file(project: Path) -> None:
    assert run("--stdin-filename", "app.py", "-", input="x = (\n") == (
        1,
        "app.py:1:5: AIL001 [syntax-error] cannot parse file: '(' was never closed\n"
        "Found 1 diagnostic (1 error) in 1 file.\n",
        "",
    )


def test_force_exclude_leaves_an_excluded_name_unchecked(project: Path) -> None:
    (project / "pyproject.toml").write_text('[tool.ailint]\nselect = ["AIL401"]\nexclude = ["generated/"]\n')
    assert run("--force-exclude", "--stdin-filename", "generated/app.py", "-", input=DIRECT)[1] == (
        "All checks passed (0 files checked).\n"
    )
    assert run("--stdin-filename", "generated/app.py", "-", input=DIRECT)[0] == 1  # named, it is checked


def test_show_files_names_standard_input(project: Path) -> None:
    assert run("--show-files", "-", input="") == (0, "-\n", "")
    assert run("--show-files", "--stdin-filename", "src/app.py", input="") == (0, "src/app.py\n", "")


def test_a_notebook_on_standard_input(project: Path) -> None:
    notebook = {
        "cells": [
            {"cell_type": "markdown", "metadata": {}, "source": ["# Notes\n"]},
            {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": 1, "source": DIRECT},
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    (project / "pyproject.toml").write_text('[tool.ailint]\nselect = ["AIL401"]\n')
    code, out, _ = run("--stdin-filename", "notes.ipynb", "-", input=json.dumps(notebook))
    assert code == 1 and out.startswith("notes.ipynb:cell 2:7:12: AIL401 ")
    code, out, _ = run("--select", "AIL001", "--stdin-filename", "notes.ipynb", "-", input='{"cells": [')
    assert code == 1 and out.startswith("notes.ipynb:1:12: AIL001 [syntax-error] cannot parse file: not a notebook")


def test_no_traceback_from_a_real_process(project: Path) -> None:
    for data in (b"", b"\0", DIRECT.encode()):
        done = subprocess.run(
            [sys.executable, "-m", "ailint", "--no-cache", "-"],
            input=data,
            capture_output=True,
            cwd=project,
            check=False,
        )
        assert b"Traceback" not in done.stderr and done.returncode in (1, 2), done.stderr


def test_since_with_standard_input_is_a_usage_error(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from ailint.cli import main

    result = CliRunner().invoke(main, ["check", "--since", "HEAD", "-"], input="x = 1\n")
    assert result.exit_code == 2
    assert "--since cannot be used with standard input" in result.output
    assert "Traceback" not in result.output
