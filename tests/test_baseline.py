"""``--write-baseline`` and ``--baseline``: only new findings, whatever moved."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from ailint.cli import main

SOURCE = textwrap.dedent(
    """\
    from openai import OpenAI

    client = OpenAI()


    def ask(prompt):
        return client.chat.completions.create(model="gpt-4o", messages=[])


    def summarize(text):
        return client.chat.completions.create(model="gpt-4o", messages=[])
    """
)
MESSAGE = "openai chat.completions.create is not inside a try that catches openai.APIError"
CALL = 'client.chat.completions.create(model="gpt-4o", messages=[])'


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def tree(project: Path) -> Path:
    (project / "pyproject.toml").write_text('[tool.ailint]\nselect = ["AIL401"]\n')
    (project / "src").mkdir()
    (project / "src" / "app.py").write_text(SOURCE)
    return project


def write_baseline(tree: Path) -> dict[str, object]:
    assert run("--write-baseline", "baseline.json", "src") == (
        0,
        "",
        "ailint: recorded 2 diagnostics in baseline.json\n",
    )
    document: dict[str, object] = json.loads((tree / "baseline.json").read_text(encoding="utf-8"))
    return document


def test_written_document(tree: Path) -> None:
    document = write_baseline(tree)
    entries = document["diagnostics"]
    assert isinstance(entries, list)
    assert document == {
        "ailint-baseline": 1,
        "diagnostics": [
            {"path": "src/app.py", "code": "AIL401", "fingerprint": e["fingerprint"], "count": 1, "message": MESSAGE}
            for e in entries
        ],
    }
    assert len({e["fingerprint"] for e in entries}) == 2, "different functions, different fingerprints"
    leftovers = [p.name for p in tree.iterdir() if p.name.startswith(".") and p.name != ".ailint_cache"]
    assert leftovers == [], "no temporary file left behind"


def test_known_findings_are_not_reported(tree: Path) -> None:
    write_baseline(tree)
    assert run("--baseline", "baseline.json", "src") == (
        0,
        "All checks passed (1 file checked). 2 diagnostics hidden by the baseline.\n",
        "",
    )


def test_inserted_lines_and_reformatting_do_not_resurrect_findings(tree: Path) -> None:
    write_baseline(tree)
    moved = '"""The assistant."""\n\nimport logging\n\n' + SOURCE.replace(
        CALL, 'client.chat.completions.create(\n        model="gpt-4o",  # pinned\n        messages=[],\n    )'
    )
    (tree / "src" / "app.py").write_text(moved)
    assert run("src")[0] == 1
    assert run("--baseline", "baseline.json", "src") == (
        0,
        "All checks passed (1 file checked). 2 diagnostics hidden by the baseline.\n",
        "",
    )


def test_identical_findings_in_one_function_are_counted(tree: Path) -> None:
    write_baseline(tree)
    (tree / "src" / "app.py").write_text(
        SOURCE.replace(f"    return {CALL}\n\n\ndef summarize", f"    {CALL}\n    return {CALL}\n\n\ndef summarize")
    )
    assert run("--baseline", "baseline.json", "src") == (
        1,
        f"src/app.py:8:12: AIL401 [unhandled-error] {MESSAGE}\n"
        "Found 1 diagnostic (1 error) in 1 file. 2 more hidden by the baseline.\n",
        "",
    )
    assert run("--write-baseline", "baseline.json", "src")[0] == 0
    counts = [e["count"] for e in json.loads((tree / "baseline.json").read_text(encoding="utf-8"))["diagnostics"]]
    assert sorted(counts) == [1, 2]


def test_a_finding_moved_to_another_function_is_new(tree: Path) -> None:
    write_baseline(tree)
    (tree / "src" / "app.py").write_text(SOURCE.replace("def summarize", "def condense"))
    assert run("--baseline", "baseline.json", "-q", "src") == (
        1,
        f"src/app.py:11:12: AIL401 [unhandled-error] {MESSAGE}\n",
        "",
    )


def test_baseline_works_from_another_directory(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_baseline(tree)
    monkeypatch.chdir(tree / "src")
    assert run("--baseline", "../baseline.json", ".") == (
        0,
        "All checks passed (1 file checked). 2 diagnostics hidden by the baseline.\n",
        "",
    )


def test_machine_formats_honour_the_baseline_and_say_on_stderr_how_many_it_hid(tree: Path) -> None:
    write_baseline(tree)
    hid = "ailint: 2 diagnostics hidden by the baseline\n"
    assert run("--baseline", "baseline.json", "--format", "github", "src") == (0, "", hid)
    code, out, err = run("--baseline", "baseline.json", "--format", "json", "src")
    assert (code, json.loads(out)["diagnostics"], err) == (0, [], hid)
    for output_format in ("sarif", "junit", "gitlab"):
        assert run("--baseline", "baseline.json", "--format", output_format, "src")[2] == hid
    assert run("--baseline", "baseline.json", "--format", "json", "-q", "src")[2] == ""  # --quiet: the report only


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "baseline file baseline.json does not exist; create it with --write-baseline baseline.json"),
        (
            "{",
            "baseline file baseline.json is not valid JSON (Expecting property name enclosed in double quotes"
            " at line 1); write it again with --write-baseline",
        ),
        ("[]", "baseline file baseline.json is not an ailint baseline: no 'ailint-baseline' key"),
        (
            '{"ailint-baseline": 9, "diagnostics": []}',
            "baseline file baseline.json is not an ailint baseline: unsupported format 9 (this ailint reads format 1)",
        ),
        (
            '{"ailint-baseline": 1}',
            "baseline file baseline.json is not an ailint baseline: 'diagnostics' is not a list",
        ),
        (
            '{"ailint-baseline": 1, "diagnostics": [{"path": "a.py", "code": "AIL401"}]}',
            "baseline file baseline.json is not an ailint baseline: entry 1 lacks a path, code or fingerprint",
        ),
        (
            '{"ailint-baseline": 1, "diagnostics": [{"path": "a.py", "code": "AIL401", "fingerprint": "f",'
            ' "count": 0}]}',
            "baseline file baseline.json is not an ailint baseline: entry 1 has a bad count 0",
        ),
        (
            "\xff",
            "baseline file baseline.json is not valid JSON (Expecting value at line 1); write it again with"
            " --write-baseline",
        ),
    ],
)
def test_missing_or_corrupt_baseline_exits_2(tree: Path, content: str | None, message: str) -> None:
    if content is not None:
        (tree / "baseline.json").write_text(content, encoding="utf-8")
    assert run("--baseline", "baseline.json", "src") == (2, "", f"ailint: error: {message}\n")


def test_baseline_that_is_a_directory_exits_2(tree: Path) -> None:
    (tree / "baseline.json").mkdir()
    assert run("--baseline", "baseline.json", "src") == (
        2,
        "",
        "ailint: error: baseline file baseline.json is a directory\n",
    )


def test_write_baseline_replaces_the_file_and_ignores_the_old_one(tree: Path) -> None:
    (tree / "baseline.json").write_text("corrupt")
    assert run("--baseline", "baseline.json", "--write-baseline", "baseline.json", "src")[0] == 0
    assert run("--baseline", "baseline.json", "src")[0] == 0


def test_write_baseline_with_a_missing_path_writes_nothing(tree: Path) -> None:
    code, _, err = run("--write-baseline", "baseline.json", "src", "nowhere")
    assert (code, err) == (2, "ailint: error: nowhere: no such file or directory\n")
    assert not (tree / "baseline.json").exists()


def test_write_baseline_to_a_directory_exits_2(tree: Path) -> None:
    (tree / "out").mkdir()
    code, out, err = run("--write-baseline", "out", "src")
    assert (code, out) == (2, "")
    assert err.startswith("ailint: error: cannot write baseline file out: ") and err.count("\n") == 1
