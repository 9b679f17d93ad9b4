"""Jupyter notebooks, checked as Ruff checks them: found in folders, code cells analysed, positions by cell."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import jsonschema
import pytest
from click.testing import CliRunner

from ailint.api import check_paths
from ailint.cache import Cache
from ailint.cli import main
from ailint.notebook import NotebookError, locate, read, relabel
from ailint.settings import Settings
from tests.test_ci_formats import GITLAB_SCHEMA
from tests.test_sarif import validate

SETUP = "%matplotlib inline\n!pip install openai\nfrom openai import OpenAI\n\nclient = OpenAI()"
ASK = textwrap.dedent(
    """\
    reply = client.chat.completions.create(model="gpt-4o", messages=[])
    code = reply.choices[0].message.content
    eval(code)
    """
)
EXEC_MESSAGE = "openai chat.completions.create output (cell 3, line 1) reaches eval()"


def cell(source: str | list[str], kind: str = "code") -> dict[str, Any]:
    found: dict[str, Any] = {"cell_type": kind, "metadata": {}, "source": source}
    if kind == "code":
        found.update(execution_count=None, outputs=[])
    return found


def notebook(*cells: dict[str, Any], language: str = "python") -> str:
    document = {
        "cells": list(cells),
        "metadata": {"kernelspec": {"display_name": "Python 3", "language": language, "name": "python3"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    return json.dumps(document, indent=1)


def lines_of(source: str) -> list[str]:
    return source.splitlines(keepends=True)  # as Jupyter stores a cell: a list of lines


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["--no-cache", *args], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def tree(project: Path) -> Path:
    (project / "pyproject.toml").write_text('[tool.ailint]\nselect = ["AIL001", "AIL401", "AIL601"]\n')
    (project / "analysis.ipynb").write_text(
        notebook(cell(["# Ask the model\n"], "markdown"), cell(lines_of(SETUP)), cell(lines_of(ASK)))
    )
    return project


# -- reading a notebook --------------------------------------------------------------------------


def test_code_cells_are_joined_and_numbered_as_jupyter_shows_them() -> None:
    found = read(
        notebook(cell("# title", "markdown"), cell(["a = 1\n", "b = 2"]), cell("", "code"), cell("c = 3\n")).encode()
    )
    assert found.source == b"a = 1\nb = 2\nc = 3\n"
    assert found.cells == ((2, 1), (4, 3))  # markdown and empty cells count in the numbering, not in the source
    assert [locate(found.cells, line) for line in (1, 2, 3)] == [(2, 1), (2, 2), (4, 1)]


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("%matplotlib inline\nx = 1\n", "pass\nx = 1\n"),
        ("!pip install openai\n", "pass\n"),
        ("files = !ls\nt = %timeit -o f()\n", "files = None\nt = None\n"),
        ("for x in y:\n    !echo {x}\n", "for x in y:\n    pass\n"),
        ("client.chat.completions.create?\n?len\n", "pass\npass\n"),
        ("!echo a \\\n  b\nx = 1\n", "pass\n\nx = 1\n"),
        (
            'prompt = """\n!important: answer in JSON\n% of users?\n"""\n',
            'prompt = """\n!important: answer in JSON\n% of users?\n"""\n',
        ),
        ("total = (a\n         % b)\n", "total = (a\n         % b)\n"),
        ("%%time\nx = 1\n", "pass\nx = 1\n"),
        ("# -*- coding: latin-1 -*-\nx = 1\n", "#\nx = 1\n"),
    ],
)
def test_magics_are_neutralised_in_place(source: str, expected: str) -> None:
    assert read(notebook(cell(source)).encode()).source.decode() == expected


def test_a_cell_of_another_language_is_left_out() -> None:
    found = read(notebook(cell("%%bash\nls -la\n"), cell("x = 1\n")).encode())
    assert (found.source, found.cells) == (b"x = 1\n", ((2, 1),))


def test_a_notebook_of_another_language_has_no_code() -> None:
    found = read(notebook(cell("library(ggplot2)\n"), language="R").encode())
    assert (found.source, found.cells) == (b"", ())


@pytest.mark.parametrize(
    ("data", "where", "message"),
    [
        (
            b'{"cells": [\n  {"cell_type": "code",\n   "source": "x"\n  ]\n}',
            (4, 3),
            "invalid JSON (Expecting ',' delimiter)",
        ),
        (b"", (1, 1), "invalid JSON (Expecting value)"),
        (b"\xff\xfe\xfd", (1, 1), "not UTF-8 text"),
        (b"[1, 2]", (1, 1), "not a notebook: no list of cells"),
        (b'{"cells": [{"cell_type": "code", "source": 3}]}', (1, 1), "the source of cell 1 is neither text nor"),
        (b'{"worksheets": [], "nbformat": 3}', (1, 1), "a notebook of format 3: only format 4 is read"),
        (b"[" * 100_000, (1, 1), "not a notebook"),
    ],
)
def test_what_is_not_a_notebook_says_where_and_why(data: bytes, where: tuple[int, int], message: str) -> None:
    with pytest.raises(NotebookError) as raised:
        read(data)
    assert (raised.value.line, raised.value.column) == where and message in raised.value.message


def test_messages_name_lines_as_cells_and_lines() -> None:
    cells = ((2, 1), (5, 4))
    assert relabel("output (line 5) reaches eval()", cells) == "output (cell 5, line 2) reaches eval()"
    assert (
        relabel("the same for 2 more calls here, lines 2, 3", cells)
        == "the same for 2 more calls here, cell 2, lines 2, 3"
    )
    assert relabel("lines 2, 6", cells) == "cell 2, line 2, cell 5, line 3"
    assert relabel("see app.py:12", cells) == "see app.py:12"


# -- checking notebooks --------------------------------------------------------------------------


def test_naming_a_notebook_that_evals_model_output_reports_it(tree: Path) -> None:
    code, out, _ = run("analysis.ipynb")
    assert code == 1
    assert out.splitlines() == [
        "analysis.ipynb:cell 3:1:9: AIL401 [unhandled-error] openai chat.completions.create is not inside a try that "
        "catches openai.APIError",
        f"analysis.ipynb:cell 3:3:1: AIL601 [output-to-exec] {EXEC_MESSAGE}",
        "Found 2 diagnostics (2 errors) in 1 file.",
    ]


def test_folders_are_searched_for_notebooks_as_configured(tree: Path) -> None:
    (tree / "notebooks" / ".ipynb_checkpoints").mkdir(parents=True)
    (tree / "notebooks" / "more.ipynb").write_text(notebook(cell(SETUP), cell(ASK)))
    (tree / "notebooks" / ".ipynb_checkpoints" / "more-checkpoint.ipynb").write_text(notebook(cell(SETUP), cell(ASK)))
    assert run("--show-files", ".") == (0, "analysis.ipynb\nnotebooks/more.ipynb\n", "")
    assert run("-q", ".")[1].count("AIL601") == 2
    (tree / "pyproject.toml").write_text('[tool.ailint]\nselect = ["AIL601"]\nexclude = ["*.ipynb"]\n')
    assert run(".") == (0, "All checks passed (0 files checked).\n", "")
    assert run("analysis.ipynb")[0] == 1  # named, it is checked


def test_suppressions_work_in_cells(tree: Path) -> None:
    quiet = ASK.replace("eval(code)", "eval(code)  # ailint: ignore[AIL601]").replace(
        "messages=[])", "messages=[])  # noqa: AIL401"
    )
    (tree / "analysis.ipynb").write_text(notebook(cell(SETUP), cell(quiet)))
    assert run("analysis.ipynb") == (0, "All checks passed (1 file checked).\n", "")
    (tree / "analysis.ipynb").write_text(notebook(cell("# ailint: ignore-file\n" + SETUP), cell(ASK)))
    assert run("analysis.ipynb")[0] == 0


def test_an_invalid_notebook_is_one_diagnostic_and_every_other_file_is_checked(tree: Path) -> None:
    (tree / "broken.ipynb").write_text('{"cells": [\n  {"cell_type": "code",\n   "source": "x"\n  ]\n}')
    (tree / "also.py").write_text(SETUP.split("\n", 2)[2] + "\n" + ASK)
    code, out, err = run(".")
    assert (code, err) == (1, "")
    lines = out.splitlines()
    assert lines[0].startswith("also.py:4:9: AIL401 [unhandled-error] openai chat.completions.create is not inside")
    assert "analysis.ipynb:cell 3:3:1: AIL601 " in out
    assert (
        "broken.ipynb:4:3: AIL001 [syntax-error] cannot parse file: not a notebook: invalid JSON "
        "(Expecting ',' delimiter)" in lines
    )
    assert lines[-1] == "Found 5 diagnostics (5 errors) in 3 files."


def test_a_cell_that_does_not_parse_is_reported_in_its_cell(tree: Path) -> None:
    (tree / "analysis.ipynb").write_text(notebook(cell(SETUP), cell("x = (\n")))
    assert run("analysis.ipynb")[1].startswith("analysis.ipynb:cell 2:1:5: AIL001 [syntax-error] cannot parse file: ")


def test_a_notebook_uses_the_projects_wrappers(tree: Path) -> None:
    (tree / "llm.py").write_text(
        "from openai import OpenAI\n\nclient = OpenAI()\n\n\ndef ask(q):\n    try:\n"
        "        return client.chat.completions.create(model='m', messages=[]).choices[0].message.content\n"
        "    except Exception:\n        raise\n"
    )
    (tree / "analysis.ipynb").write_text(
        notebook(cell("from llm import ask"), cell("answer = ask('2 + 2?')\nexec(answer)"))
    )
    assert run("-q", "analysis.ipynb")[1] == (
        "analysis.ipynb:cell 2:2:1: AIL601 [output-to-exec] openai chat.completions.create via ask() output "
        "(cell 2, line 1) reaches exec()\n"
    )


def test_a_notebook_is_never_imported_as_a_module(tree: Path) -> None:
    """``llm.ipynb`` beside ``llm.py``: ``import llm`` is the module, the notebook is only checked."""
    (tree / "llm.py").write_text("def ask(q):\n    return q\n")
    (tree / "llm.ipynb").write_text(
        notebook(cell(SETUP), cell("def ask(q):\n    return client.chat.completions.create(model='m', messages=[])\n"))
    )
    (tree / "app.py").write_text("from llm import ask\n\n\ndef run(q):\n    eval(ask(q))\n")
    _, out, _ = run("-q", ".")
    assert "app.py" not in out and "llm.ipynb:cell 2:2:12: AIL401 " in out


# -- positions in every format -------------------------------------------------------------------


def test_json_carries_the_cell_and_lines_within_it(tree: Path) -> None:
    found = json.loads(run("--format", "json", "analysis.ipynb")[1])["diagnostics"]
    assert [(d["cell"], d["line"], d["column"], d["end_line"], d["code"]) for d in found] == [
        (3, 1, 9, 1, "AIL401"),
        (3, 3, 1, 3, "AIL601"),
    ]
    plain = tree / "plain.py"
    plain.write_text(SETUP.split("\n", 2)[2] + "\n" + ASK)
    assert all("cell" not in d for d in json.loads(run("--format", "json", "plain.py")[1])["diagnostics"])


def test_sarif_gives_the_joined_cells_line_and_names_the_cell(tree: Path) -> None:
    document = json.loads(run("--format", "sarif", "analysis.ipynb")[1])
    validate(document)
    result = document["runs"][0]["results"][1]
    assert result["message"]["text"] == f"cell 3, line 3: {EXEC_MESSAGE}"
    region = result["locations"][0]["physicalLocation"]["region"]
    assert region == {
        "startLine": 8,  # 5 lines of cell 2, then the third of cell 3
        "startColumn": 1,
        "endLine": 8,
        "endColumn": 11,
        "properties": {"cell": 3, "cellLine": 3, "cellEndLine": 3},
    }


def test_github_junit_and_gitlab_name_the_cell(tree: Path) -> None:
    github = run("--format", "github", "analysis.ipynb")[1].splitlines()
    assert github[1] == (
        "::error file=analysis.ipynb,line=8,col=1,endLine=8,endColumn=11,title=AIL601 output-to-exec::"
        f"cell 3, line 3: {EXEC_MESSAGE}"
    )
    junit = ElementTree.fromstring(run("--format", "junit", "analysis.ipynb")[1].encode())
    case = list(junit.iter("testcase"))[1]
    assert (case.get("line"), case.get("column")) == ("8", "1")
    assert case.findtext("failure") == f"cell 3, line 3, col 1, AIL601 [output-to-exec] {EXEC_MESSAGE}"
    issues = json.loads(run("--format", "gitlab", "analysis.ipynb")[1])
    jsonschema.validate(issues, GITLAB_SCHEMA)
    assert issues[1]["description"] == f"cell 3, line 3: AIL601 [output-to-exec] {EXEC_MESSAGE}"
    assert issues[1]["location"] == {"path": "analysis.ipynb", "lines": {"begin": 8, "end": 8}}


def test_a_baseline_hides_a_notebooks_findings_when_cells_move(tree: Path) -> None:
    assert run("--write-baseline", "baseline.json", ".")[0] == 0
    (tree / "analysis.ipynb").write_text(
        notebook(
            cell("# A new first cell\n", "markdown"), cell(lines_of(SETUP)), cell("import os\n"), cell(lines_of(ASK))
        )
    )
    assert run("--baseline", "baseline.json", ".") == (
        0,
        "All checks passed (1 file checked). 2 diagnostics hidden by the baseline.\n",
        "",
    )


def test_calls_name_the_cell(tree: Path) -> None:
    def calls(*args: str) -> str:
        return CliRunner().invoke(main, ["calls", "--no-cache", *args], catch_exceptions=False).stdout

    listed = json.loads(calls("--format", "json", "analysis.ipynb"))["calls"]
    assert [(c["cell"], c["line"], c["column"]) for c in listed] == [(3, 1, 9)]
    assert "analysis.ipynb:cell 3:1:9" in calls("analysis.ipynb")


def test_the_cache_keeps_cells_and_a_new_split_of_the_same_code_is_new(tree: Path) -> None:
    settings = Settings(root=tree, enabled=frozenset({"AIL601"}))
    places = []
    for _ in range(2):
        result = check_paths([tree], settings, cwd=tree, cache=Cache(tree, settings))
        places.append([(d.cell, d.place) for d in result.diagnostics])
    assert places == [[(3, "cell 3:3:1")]] * 2
    (tree / "analysis.ipynb").write_text(notebook(cell(lines_of(SETUP + "\n" + ASK))))  # one cell, the same code
    result = check_paths([tree], settings, cwd=tree, cache=Cache(tree, settings))
    assert [d.place for d in result.diagnostics] == ["cell 1:8:1"]
