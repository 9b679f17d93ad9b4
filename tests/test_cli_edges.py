"""The command line's edges: mistyped commands, missing paths, statistics in every format, Ctrl-C."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from ailint.cli import main

BAD = textwrap.dedent(
    """\
    from openai import OpenAI

    client = OpenAI()


    def ask(prompt):
        return client.chat.completions.create(model="gpt-4o", messages=[])
    """
)
LINE = (
    "src/bad.py:7:12: AIL401 [unhandled-error] "
    "openai chat.completions.create is not inside a try that catches openai.APIError"
)


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def tree(project: Path) -> Path:
    (project / "pyproject.toml").write_text('[tool.ailint]\nselect = ["AIL401"]\n')
    (project / "src").mkdir()
    (project / "src" / "bad.py").write_text(BAD)
    (project / "src" / "plain.py").write_text("x = 1\n")
    return project


def test_a_mistyped_command_names_the_closest_and_lints_nothing(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import ailint.api

    def no_run(*args: object, **kwargs: object) -> None:
        raise AssertionError("nothing is linted")

    monkeypatch.setattr(ailint.api, "check_paths", no_run)
    assert run("chek", ".") == (
        2,
        "",
        "ailint: error: unknown command 'chek'; did you mean 'check'? (a path to lint must exist)\n",
    )
    assert run("rulez")[0] == 2
    assert run("calss", "src")[2].startswith("ailint: error: unknown command 'calss'; did you mean 'calls'?")


def test_a_word_that_is_a_path_is_linted(tree: Path) -> None:
    (tree / "chek").mkdir()
    (tree / "chek" / "bad.py").write_text(BAD)
    code, out, _ = run("-q", "chek")
    assert (code, out.split(":")[0]) == (1, "chek/bad.py")


def test_a_missing_path_never_says_all_checks_passed(tree: Path) -> None:
    assert run("src/plain.py", "nope.py") == (2, "", "ailint: error: nope.py: no such file or directory\n")
    assert run("nope") == (2, "", "ailint: error: nope: no such file or directory\n")
    # What was found is still reported, and the run still fails.
    assert run("src", "nope.py") == (
        2,
        f"{LINE}\nFound 1 diagnostic (1 error) in 2 files.\n",
        "ailint: error: nope.py: no such file or directory\n",
    )


def test_statistics_in_json(tree: Path) -> None:
    code, out, err = run("--format", "json", "--statistics", "src")
    assert (code, err) == (1, "")
    assert json.loads(out)["statistics"] == [{"code": "AIL401", "name": "unhandled-error", "count": 1}]
    assert "statistics" not in json.loads(run("--format", "json", "src")[1])


@pytest.mark.parametrize("output_format", ["sarif", "github"])
def test_statistics_beside_fixed_schema_formats_go_to_stderr(tree: Path, output_format: str) -> None:
    code, out, err = run("--format", output_format, "--statistics", "src")
    assert code == 1
    assert err == "1  AIL401  unhandled-error\n"
    assert out == run("--format", output_format, "src")[1]


def test_statistics_with_an_output_file(tree: Path) -> None:
    assert run("--format", "sarif", "--statistics", "-o", "out.sarif", "src") == (
        1,
        "",
        "1  AIL401  unhandled-error\n",
    )
    assert json.loads((tree / "out.sarif").read_text())["version"] == "2.1.0"


def test_ctrl_c_exits_130(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import ailint.api

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(ailint.api, "check_paths", interrupted)
    assert run("src") == (130, "", "ailint: interrupted\n")
    monkeypatch.setattr(ailint.api, "list_calls", interrupted)
    assert run("calls", "src") == (130, "", "ailint: interrupted\n")


def test_ctrl_c_exits_130_in_a_real_process(tree: Path) -> None:
    script = (
        "import ailint.api, ailint.cli\n"
        "def interrupted(*args, **kwargs):\n"
        "    raise KeyboardInterrupt\n"
        "ailint.api.check_paths = interrupted\n"
        "ailint.cli.main(['src'])\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=tree, capture_output=True, text=True, check=False)
    assert (done.returncode, done.stdout, done.stderr) == (130, "", "ailint: interrupted\n")


def test_calls_and_report_accept_no_cache(tree: Path) -> None:
    code, out, err = run("calls", "--no-cache", "--format", "json", "src")
    assert (code, err) == (0, "")
    assert [c["path"] for c in json.loads(out)["calls"]] == ["src/bad.py"]
    assert run("report", "--no-cache", "src")[0] == 0
    assert not (tree / ".ailint_cache").exists()


def test_calls_and_report_share_the_cache_of_check(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A second inventory of an unchanged tree parses nothing, whole (the run remembered) or file by file."""
    import ailint.engine

    cold = run("calls", "--format", "json", "src")
    assert cold[0] == 0 and (tree / ".ailint_cache" / "CACHEDIR.TAG").is_file()

    def no_parsing(*args: object, **kwargs: object) -> None:
        raise AssertionError("an unchanged tree is listed from the cache")

    with monkeypatch.context() as patched:
        patched.setattr(ailint.engine.Engine, "prepare", no_parsing)
        assert run("calls", "--format", "json", "src") == cold
        assert "`src/bad.py:7:12`" in run("report", "src")[1]
        (tree / "src" / "new.py").write_text("y = 2\n")  # another run: each file's records are still cached
        listed = json.loads(run("calls", "--format", "json", "src")[1])
        assert (listed["files"], listed["calls"]) == (3, json.loads(cold[1])["calls"])
    (tree / "src" / "bad.py").write_text(BAD.replace("def ask", "\ndef ask"))  # an edit is listed anew
    assert json.loads(run("calls", "--format", "json", "src")[1])["calls"][0]["line"] == 8
