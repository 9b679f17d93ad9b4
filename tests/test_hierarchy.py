"""Configuration per file (SPEC section 5): the closest configuration governs, whatever the working directory."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from ailint.cli import main
from ailint.settings import DEFAULT_TESTS, ConfigError, load_settings

BAD = textwrap.dedent(
    """\
    from openai import OpenAI

    client = OpenAI()


    def ask(prompt):
        return client.chat.completions.create(model="gpt-4o", messages=[])
    """
)
MESSAGE = "AIL401 [unhandled-error] openai chat.completions.create is not inside a try that catches openai.APIError"


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["--no-cache", *args], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def found(*args: str) -> list[tuple[str, int, str, str]]:
    code, out, err = run("--format", "json", *args)
    assert code in (0, 1), err
    return [(d["path"], d["line"], d["code"], d["severity"]) for d in json.loads(out)["diagnostics"]]


@pytest.fixture
def monorepo(project: Path) -> Path:
    """Two sub-projects with their own [tool.ailint], under a root with its own."""
    (project / "pyproject.toml").write_text('[tool.ailint]\nselect = ["AIL401"]\n')
    (project / "top.py").write_text(BAD)
    for name in ("svc_a", "svc_b"):
        (project / name / "jobs").mkdir(parents=True)
        (project / name / "app.py").write_text(BAD)
        (project / name / "jobs" / "job.py").write_text(BAD)
    (project / "svc_a" / "pyproject.toml").write_text(
        '[project]\nname = "a"\n\n[tool.ailint]\nselect = ["AIL401"]\nseverity = { AIL401 = "warning" }\n'
    )
    (project / "svc_b" / "pyproject.toml").write_text(
        '[tool.ailint]\nselect = ["AIL401"]\nper-file-ignores = { "jobs/**" = ["AIL401"] }\nexclude = ["legacy/"]\n'
    )
    (project / "svc_b" / "legacy").mkdir()
    (project / "svc_b" / "legacy" / "old.py").write_text(BAD)
    (project / "elsewhere").mkdir()
    return project


EXPECTED = [
    ("svc_a/app.py", 7, "AIL401", "warning"),
    ("svc_a/jobs/job.py", 7, "AIL401", "warning"),
    ("svc_b/app.py", 7, "AIL401", "error"),
    ("top.py", 7, "AIL401", "error"),
]


def test_each_file_gets_its_own_projects_settings(monorepo: Path) -> None:
    assert found(".") == EXPECTED
    assert found("svc_a", "svc_b/app.py", "svc_b/jobs/job.py", "top.py") == EXPECTED


def test_from_any_working_directory(monorepo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(monorepo / "elsewhere")
    assert found("..") == [(f"../{path}", line, code, level) for path, line, code, level in EXPECTED]
    assert found(str(monorepo / "svc_b" / "jobs")) == []
    monkeypatch.chdir(monorepo / "svc_b" / "jobs")
    assert found(".") == []
    assert found("../legacy/old.py") == [("../legacy/old.py", 7, "AIL401", "error")]  # named: checked


def test_text_report_of_the_monorepo(monorepo: Path) -> None:
    assert run("svc_a", "svc_b") == (
        1,
        f"svc_a/app.py:7:12: {MESSAGE}\nsvc_a/jobs/job.py:7:12: {MESSAGE}\nsvc_b/app.py:7:12: {MESSAGE}\n"
        "Found 3 diagnostics (1 error, 2 warnings) in 4 files.\n",
        "",
    )


def test_show_files(monorepo: Path) -> None:
    assert run("--show-files", ".") == (
        0,
        "svc_a/app.py\nsvc_a/jobs/job.py\nsvc_b/app.py\nsvc_b/jobs/job.py\ntop.py\n",
        "",
    )
    assert run("--show-files", "svc_b/legacy/old.py", "--force-exclude") == (0, "", "")
    assert run("--show-files", "svc_b/legacy/old.py") == (0, "svc_b/legacy/old.py\n", "")


def test_show_settings(monorepo: Path) -> None:
    code, out, err = run("--show-settings", "svc_b/app.py")
    assert (code, err) == (0, "")
    assert out.splitlines()[:6] == [
        "config file: svc_b/pyproject.toml",
        "project root: svc_b",
        "select: [AIL401]",
        "exclude: [legacy/]",
        "per-file-ignores: {jobs/** = [AIL401]}",
        "severity: {}",
    ]
    assert "tests: [**/tests/**, **/test/**, **/test_*.py, **/*_test.py, **/conftest.py]" in out.splitlines()
    assert run("--show-settings", "--extend-select", "AIL403", "top.py")[1].splitlines()[:3] == [
        "config file: pyproject.toml",
        "project root: .",
        "select: [AIL401, AIL403]",
    ]
    assert run("--show-settings", "--isolated", "svc_a")[1].splitlines()[0] == "config file: (none: defaults)"


def test_ailint_toml_wins_over_pyproject_in_the_same_folder(monorepo: Path) -> None:
    (monorepo / "svc_a" / "ailint.toml").write_text('select = ["AIL401"]\n')
    assert found("svc_a/app.py") == [("svc_a/app.py", 7, "AIL401", "error")]
    (monorepo / "svc_a" / ".ailint.toml").write_text('select = ["AIL403"]\n')
    assert found("svc_a/app.py") == [("svc_a/app.py", 7, "AIL403", "warning")]


def test_top_level_keys_of_ailint_toml_are_validated(monorepo: Path) -> None:
    (monorepo / "svc_a" / "ailint.toml").write_text("per-file-ignore = {}\n")
    assert run("svc_a") == (
        2,
        "",
        "ailint: error: unknown key 'per-file-ignore' in svc_a/ailint.toml; did you mean 'per-file-ignores'?\n",
    )
    (monorepo / "svc_a" / "ailint.toml").write_text("[errors]\nhandler = []\n")
    assert run("svc_a")[2] == (
        "ailint: error: unknown key 'handler' in svc_a/ailint.toml [errors]; did you mean 'handlers'?\n"
    )


def test_extend_and_the_extend_keys(monorepo: Path) -> None:
    (monorepo / "svc_a" / "pyproject.toml").write_text(
        '[tool.ailint]\nextend = "../pyproject.toml"\nextend-select = ["AIL403"]\n'
        'extend-per-file-ignores = { "jobs/**" = ["AIL403"] }\n'
    )
    (monorepo / "pyproject.toml").write_text(
        '[tool.ailint]\nselect = ["AIL401"]\nper-file-ignores = { "jobs/**" = ["AIL401"] }\n'
        'severity = { AIL403 = "error" }\n'
    )
    assert found("svc_a") == [("svc_a/app.py", 7, "AIL401", "error"), ("svc_a/app.py", 7, "AIL403", "error")]
    (monorepo / "svc_a" / "pyproject.toml").write_text(
        '[tool.ailint]\nextend = "../pyproject.toml"\nextend-ignore = ["AIL401"]\nextend-exclude = ["jobs/"]\n'
    )
    assert run("--show-files", "svc_a") == (0, "svc_a/app.py\n", "")
    assert found("svc_a") == []


def test_extend_errors(monorepo: Path) -> None:
    (monorepo / "svc_a" / "pyproject.toml").write_text('[tool.ailint]\nextend = "missing.toml"\n')
    assert run("svc_a") == (
        2,
        "",
        "ailint: error: config file svc_a/missing.toml does not exist (extended by svc_a/pyproject.toml)\n",
    )
    (monorepo / "svc_a" / "pyproject.toml").write_text('[tool.ailint]\nextend = "../pyproject.toml"\n')
    (monorepo / "pyproject.toml").write_text('[tool.ailint]\nextend = "svc_a/pyproject.toml"\n')
    assert run("svc_a") == (
        2,
        "",
        "ailint: error: configuration files extend each other in a cycle: "
        "pyproject.toml -> svc_a/pyproject.toml -> pyproject.toml\n",
    )


def test_config_forces_one_configuration(monorepo: Path) -> None:
    (monorepo / "ci.toml").write_text('select = ["AIL401"]\nseverity = { AIL401 = "warning" }\n')
    assert [level for *_, level in found("--config", "ci.toml", ".")] == ["warning"] * 6
    # A [tool.ailint] table in a file not named pyproject.toml is read too.
    (monorepo / "ci.toml").write_text('[tool.ailint]\nselect = ["AIL403"]\n')
    assert {code for _, _, code, _ in found("--config", "ci.toml", ".")} == {"AIL403"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[tool.black]\nline-length = 100\n", "config file other.toml has no [tool.ailint] table for ailint"),
        ("", "config file other.toml has no settings for ailint"),
    ],
)
def test_a_config_without_ailint_settings_is_an_error(monorepo: Path, text: str, message: str) -> None:
    (monorepo / "other.toml").write_text(text)
    assert run("--config", "other.toml", ".") == (2, "", f"ailint: error: {message}\n")


def test_a_pyproject_named_without_a_table_is_an_error(monorepo: Path) -> None:
    (monorepo / "elsewhere" / "pyproject.toml").write_text('[project]\nname = "x"\n')
    assert run("--config", "elsewhere/pyproject.toml", ".") == (
        2,
        "",
        "ailint: error: config file elsewhere/pyproject.toml has no [tool.ailint] table for ailint\n",
    )


def test_isolated_ignores_every_configuration(monorepo: Path) -> None:
    (monorepo / "pyproject.toml").write_text("[tool.ailint]\nnot-a-key = 1\n")
    assert run(".")[0] == 2
    codes = {code for _, _, code, _ in found("--isolated", "top.py")}
    assert "AIL401" in codes and len(codes) > 1  # the default selection, not the configured one


def test_tests_globs_are_read() -> None:
    assert DEFAULT_TESTS == ("**/tests/**", "**/test/**", "**/test_*.py", "**/*_test.py", "**/conftest.py")


def test_tests_key(project: Path) -> None:
    (project / "pyproject.toml").write_text('[tool.ailint]\ntests = ["qa/**"]\n')
    assert load_settings().tests == ("qa/**",)
    (project / "pyproject.toml").write_text('[tool.ailint]\ntests = "qa/**"\n')
    with pytest.raises(ConfigError, match="'tests'"):
        load_settings()


def test_force_exclude_keeps_configured_excludes_excluded(monorepo: Path) -> None:
    assert found("svc_b/legacy/old.py") == [("svc_b/legacy/old.py", 7, "AIL401", "error")]
    assert run("--force-exclude", "svc_b/legacy/old.py") == (0, "All checks passed (0 files checked).\n", "")
    assert found("--force-exclude", "svc_b/legacy/old.py", "svc_b/app.py") == [("svc_b/app.py", 7, "AIL401", "error")]


def test_a_nested_pyproject_that_does_not_parse_is_passed_over_with_a_warning(project: Path) -> None:
    """A project template's ``pyproject.toml`` (``{{ name }}`` placeholders) does not stop the run."""
    (project / "pyproject.toml").write_text('[tool.ailint]\nselect = ["AIL401"]\n')
    template = project / "templates" / "crew"
    template.mkdir(parents=True)
    (template / "pyproject.toml").write_text("name = {{ folder_name }}\n")
    (template / "main.py").write_text(BAD)
    code, out, err = run(".")
    assert code == 1
    assert out.splitlines()[0] == f"templates/crew/main.py:7:12: {MESSAGE}"
    assert err.count("ailint: warning: cannot parse templates/crew/pyproject.toml") == 1
    (project / "pyproject.toml").write_text("select = {{ broken }}\n")
    code, out, err = run(".")
    assert code == 2 and "cannot parse pyproject.toml" in err  # the one governing the working directory
