"""The command line, through click's runner and through real processes."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from ailint import __version__
from ailint.cli import main

BAD = textwrap.dedent(
    """\
    from openai import OpenAI

    client = OpenAI()


    def ask(prompt):
        return client.chat.completions.create(
            model="gpt-4o",
            messages=[{"role": "user", "content": prompt}],
        )
    """
)
GOOD = textwrap.dedent(
    """\
    import openai

    client = openai.OpenAI()


    def ask(prompt):
        try:
            return client.chat.completions.create(model="gpt-4o", messages=[])
        except openai.APIError:
            return None
    """
)
MESSAGE = "openai chat.completions.create is not inside a try that catches openai.APIError"


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


ONLY_AIL401 = '[tool.ailint]\nselect = ["AIL401"]\n'


@pytest.fixture
def tree(project: Path) -> Path:
    (project / "pyproject.toml").write_text(ONLY_AIL401)
    (project / "src").mkdir()
    (project / "src" / "bad.py").write_text(BAD)
    (project / "src" / "good.py").write_text(GOOD)
    return project


def test_version() -> None:
    assert run("--version") == (0, f"ailint {__version__}\n", "")


def test_default_command_is_check(tree: Path) -> None:
    expected = f"src/bad.py:7:12: AIL401 [unhandled-error] {MESSAGE}\nFound 1 diagnostic (1 error) in 2 files.\n"
    assert run("src") == (1, expected, "")
    assert run("check", "src") == (1, expected, "")
    assert run() == (1, expected, "")


def test_clean_run_exits_zero(tree: Path) -> None:
    assert run("src/good.py") == (0, "All checks passed (1 file checked).\n", "")


def test_json_document(tree: Path) -> None:
    code, out, _ = run("--format", "json", "src")
    assert code == 1
    assert json.loads(out) == {
        "version": __version__,
        "files": 2,
        "diagnostics": [
            {
                "path": "src/bad.py",
                "line": 7,
                "column": 12,
                "end_line": 10,
                "end_column": 6,
                "code": "AIL401",
                "name": "unhandled-error",
                "severity": "error",
                "message": MESSAGE,
                "provider": "openai",
                "api": "chat.completions.create",
            }
        ],
    }


def test_exit_zero_quiet_and_statistics(tree: Path) -> None:
    assert run("--exit-zero", "--quiet", "src") == (0, f"src/bad.py:7:12: AIL401 [unhandled-error] {MESSAGE}\n", "")
    code, out, _ = run("--statistics", "src")
    assert code == 1
    assert out.splitlines()[-3:] == ["", "1  AIL401  unhandled-error", "Found 1 diagnostic (1 error) in 2 files."]


@pytest.mark.parametrize("selector", ["AIL401", "AIL4", "unhandled-error", "AIL"])
def test_select_accepts_codes_prefixes_and_names(tree: Path, selector: str) -> None:
    assert run("--select", selector, "-q", "src/bad.py")[0] == 1
    assert run("--select", "AIL401", "--ignore", selector, "-q", "src/bad.py")[0] == 0


def test_unknown_selector_exits_2(tree: Path) -> None:
    code, out, err = run("--select", "AIL4011", "src")
    assert (code, out) == (2, "")
    assert err == "ailint: error: unknown rule selector 'AIL4011' on the command line; did you mean 'AIL401'?\n"


def test_output_file(tree: Path) -> None:
    assert run("--format", "json", "--output-file", "report.json", "src") == (1, "", "")
    assert json.loads((tree / "report.json").read_text())["files"] == 2
    assert run("--output-file", "report.txt", "src")[0] == 1
    assert (tree / "report.txt").read_text().startswith("src/bad.py:7:12: AIL401")
    assert [p.name for p in tree.iterdir() if p.name.endswith(".tmp")] == []


def test_missing_path_exits_2_but_checks_the_rest(tree: Path) -> None:
    code, out, err = run("-q", "src", "nope.py")
    assert code == 2
    assert out.startswith("src/bad.py:7:12: AIL401")
    assert err == "ailint: error: nope.py: no such file or directory\n"


def test_config_unknown_key(tree: Path) -> None:
    (tree / "pyproject.toml").write_text("[tool.ailint]\nper-file-ignore = {}\n")
    code, out, err = run("src")
    assert (code, out) == (2, "")
    assert err == (
        "ailint: error: unknown key 'per-file-ignore' in pyproject.toml [tool.ailint]; "
        "did you mean 'per-file-ignores'?\n"
    )


def test_config_bad_value_and_nested_unknown_key(tree: Path) -> None:
    (tree / "pyproject.toml").write_text('[tool.ailint]\nselect = "AIL"\n')
    assert run("src") == (
        2,
        "",
        "ailint: error: invalid value for 'select' in pyproject.toml [tool.ailint]: "
        "expected a list of strings, got 'AIL'\n",
    )
    (tree / "pyproject.toml").write_text('[tool.ailint.errors]\nhandler = ["a.b"]\n')
    assert run("src") == (
        2,
        "",
        "ailint: error: unknown key 'handler' in pyproject.toml [tool.ailint.errors]; did you mean 'handlers'?\n",
    )


def test_config_select_from_pyproject_and_cli_override(tree: Path) -> None:
    (tree / "pyproject.toml").write_text('[tool.ailint]\nselect = ["AIL4"]\nignore = ["AIL402", "AIL403", "AIL401"]\n')
    assert run("-q", "src") == (0, "", "")
    assert run("-q", "--select", "AIL401", "src")[0] == 1


def test_config_option_missing_file(tree: Path) -> None:
    assert run("--config", "missing.toml", "src") == (2, "", "ailint: error: config file missing.toml does not exist\n")
    assert run("--config", "src", "src")[0] == 2


def test_malformed_toml(tree: Path) -> None:
    (tree / "pyproject.toml").write_text("[tool.ailint\n")
    code, out, err = run("src")
    assert (code, out) == (2, "")
    assert err.startswith("ailint: error: cannot parse pyproject.toml: ")
    assert len(err.splitlines()) == 1


def test_config_found_above_working_directory(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tree / "pyproject.toml").write_text('[tool.ailint]\nselect = ["AIL401"]\nseverity = { AIL401 = "warning" }\n')
    monkeypatch.chdir(tree / "src")
    assert run("-q", "bad.py") == (1, f"bad.py:7:12: AIL401 [unhandled-error] {MESSAGE}\n", "")
    _, out, _ = run("--format", "json", "bad.py")
    assert json.loads(out)["diagnostics"][0]["severity"] == "warning"


def test_no_color_when_not_a_terminal(tree: Path) -> None:
    assert "\x1b[" not in run("src")[1]


def _subprocess(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ailint", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        check=False,
    )


def test_real_process_exit_codes_and_json(tree: Path) -> None:
    done = _subprocess("--format", "json", "src", cwd=tree)
    assert done.returncode == 1, done.stderr
    assert [d["code"] for d in json.loads(done.stdout)["diagnostics"]] == ["AIL401"]
    assert _subprocess("src/good.py", cwd=tree).returncode == 0
    bad_config = _subprocess("--select", "NOPE", "src", cwd=tree)
    assert bad_config.returncode == 2 and "Traceback" not in bad_config.stderr


def test_version_does_not_import_libcst(tmp_path: Path) -> None:
    code = (
        "import sys; from ailint.cli import main; sys.argv=['ailint','--version']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\nprint('libcst' in sys.modules, 'rich' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, check=True)
    assert done.stdout.splitlines()[-1] == "False False"


def test_checking_a_file_without_model_calls_does_not_import_libcst(tmp_path: Path) -> None:
    (tmp_path / "plain.py").write_text("import json\n\nprint(json.dumps({}))\n")
    code = (
        "import sys; from ailint.cli import main; sys.argv=['ailint','check','--no-cache','plain.py']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\nprint('libcst' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, check=True)
    assert done.stdout.splitlines()[-1] == "False", done.stdout


def test_colour_on_a_forced_terminal_and_no_color(tree: Path) -> None:
    coloured = _subprocess("src", cwd=tree, env={"FORCE_COLOR": "1", "NO_COLOR": ""})
    assert "\x1b[" in coloured.stdout
    plain = _subprocess("src", cwd=tree, env={"FORCE_COLOR": "1", "NO_COLOR": "1"})
    assert "\x1b[" not in plain.stdout
    piped = _subprocess("src", cwd=tree)  # no terminal: lines written without rich
    assert re.sub(r"\x1b\[[0-9;]*m", "", coloured.stdout) == plain.stdout == piped.stdout
    assert "AIL401 [unhandled-error]" in piped.stdout


def test_output_file_has_ordinary_permissions(tree: Path) -> None:
    mask = os.umask(0o022)
    try:
        run("--format", "json", "-o", "report.json", "src")
    finally:
        os.umask(mask)
    assert (tree / "report.json").stat().st_mode & 0o777 == 0o644


def test_a_run_leaves_its_objects_frozen_only_for_a_process_that_exits(
    tree: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The API hands the run's garbage back to the collector; the CLI, which exits at once, does not."""
    import gc

    import ailint.api
    from ailint.settings import Settings

    settings = Settings(root=tree)
    # A file another file imports is kept until the run ends (files no other file imports are not).
    (tree / "src" / "caller.py").write_text("from bad import *\n")
    gc.unfreeze()
    ailint.api.check_paths([tree], settings, cwd=tree)
    assert gc.get_freeze_count() == 0
    ailint.api.list_calls([tree], settings, cwd=tree)
    assert gc.get_freeze_count() == 0
    try:
        ailint.api.check_paths([tree], settings, cwd=tree, release=False)
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
    asked: list[bool] = []
    real = ailint.api.check_paths

    def check_paths(*args, **kwargs):  # type: ignore[no-untyped-def]
        asked.append(kwargs["release"])
        return real(*args, **{**kwargs, "release": True})

    monkeypatch.setattr(ailint.api, "check_paths", check_paths)
    CliRunner().invoke(main, ["check", "--no-cache", str(tree)])
    assert asked == [False]


@pytest.mark.parametrize("quiet", [False, True])
@pytest.mark.parametrize("show_statistics", [False, True])
@pytest.mark.parametrize("found", [0, 3])
def test_the_plain_report_is_what_rich_writes_unstyled(
    monkeypatch: pytest.MonkeyPatch, quiet: bool, show_statistics: bool, found: int
) -> None:
    """Off a terminal the report is written without rich; through rich, unstyled, it reads the same."""
    import io

    import rich.console

    from ailint.api import RunResult
    from ailint.diagnostics import Diagnostic, Severity, Span
    from ailint.report import text

    diagnostics = [
        Diagnostic(f"m{n}.py", Span(n + 1, 2, n + 1, 9), f"AIL{401 + n % 2}", "unhandled-error", Severity.ERROR, "m")
        for n in range(found)
    ]
    result = RunResult(files=4, diagnostics=diagnostics)
    options = {"quiet": quiet, "show_statistics": show_statistics}
    for name in text._STYLED:
        monkeypatch.delenv(name, raising=False)
    plain = io.StringIO()
    with monkeypatch.context() as patched:

        def unused(*args: object, **kwargs: object) -> None:
            raise AssertionError("no console off a terminal")

        patched.setattr(rich.console, "Console", unused)
        text.render(result, plain, color=None, **options)
    monkeypatch.setenv("TTY_COMPATIBLE", "0")  # rich may style now, and finds it must not
    monkeypatch.setattr(text, "_plain", lambda *args, **kwargs: "not through rich")
    through_rich = io.StringIO()
    text.render(result, through_rich, color=None, **options)
    assert plain.getvalue() == through_rich.getvalue()
    assert plain.getvalue().count("\n") == found + (found and show_statistics) * (2 + (not quiet)) + (not quiet)
