"""Configuration abuse: every bad pyproject is exit 2 with exactly one clear line, never a traceback.

Malformed TOML, a wrong type for every key, unknown keys in every table,
huge lists, and files that are missing, directories, pipes or unreadable.
Messages quote what the user wrote, but never more than a line of it.
"""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from ailint.cli import main

CALL = "from openai import OpenAI\nOpenAI().chat.completions.create(model='m', messages=[])\n"
FILE = "pyproject.toml"

TABLES = {
    "": [
        "select",
        "ignore",
        "exclude",
        "per-file-ignores",
        "severity",
        "extend",
        "extend-select",
        "extend-ignore",
        "extend-exclude",
        "extend-per-file-ignores",
        "tests",
        "scripts",
        "call-sites",
        "validation",
        "confidence",
        "logging",
        "errors",
        "authority",
        "sinks",
        "capability",
    ],
    "call-sites": ["extra"],
    "validation": ["validators"],
    "confidence": ["gates", "pattern"],
    "logging": ["loggers", "tracers"],
    "errors": ["boundaries", "handlers"],
    "authority": ["approvals", "decorators", "paths"],
    "sinks": ["extra"],
}


@pytest.fixture
def tree(project: Path) -> Path:
    (project / "app.py").write_text(CALL)
    return project


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["check", "--no-cache", *args])
    return result.exit_code, result.stdout, result.stderr


def fails_with(message: str, *args: str) -> None:
    """The run exits 2 with exactly this one line on stderr and nothing on stdout."""
    assert run(*args, "app.py") == (2, "", f"ailint: error: {message}\n")


def one_line_error(*args: str) -> str:
    code, out, err = run(*args, "app.py")
    assert (code, out) == (2, "")
    assert err.startswith("ailint: error: ") and err.endswith("\n")
    assert len(err.splitlines()) == 1 and len(err) < 400, err
    return err[len("ailint: error: ") : -1]


@pytest.mark.parametrize(
    "text",
    [
        "[tool.ailint\n",
        "[tool.ailint]\nselect = [\n",
        "[tool.ailint]\nselect = ['AIL']\nselect = ['AIL4']\n",
        "[tool.ailint]\nselect = 'unterminated\n",
        '[tool.ailint]\npattern = "\\q"\n',
        "[tool.ailint]\nexclude = [1, 'a'\n",
        "[tool.ailint]\n= 1\n",
        "[tool.ailint]\n[tool.ailint]\n",
        "[tool.ailint]\nselect = ['AIL'] trailing\n",
        "\ufeff[tool.ailint]\n",
    ],
)
def test_malformed_toml(tree: Path, text: str) -> None:
    (tree / FILE).write_text(text, encoding="utf-8")
    assert one_line_error().startswith("cannot parse pyproject.toml: ")


def test_toml_nested_deeper_than_the_parser_recurses(tree: Path) -> None:
    (tree / FILE).write_text("[tool.ailint]\nselect = " + "[" * 5000 + "]" * 5000 + "\n")
    fails_with("cannot parse pyproject.toml: arrays or tables nested too deeply")
    (tree / FILE).write_text("[tool.ailint]\nseverity = " + "{a = " * 5000 + "1" + "}" * 5000 + "\n")
    fails_with("cannot parse pyproject.toml: arrays or tables nested too deeply")


def test_bytes_that_are_not_utf8(tree: Path) -> None:
    (tree / FILE).write_bytes(b"[tool.ailint]\nselect = ['\xff']\n")
    fails_with("cannot read pyproject.toml: not UTF-8 (invalid start byte at byte 25)")


# A wrong type for every key, and for the items of every list and table.
WRONG_TYPES = [
    (
        "select = 'AIL'",
        "invalid value for 'select' in pyproject.toml [tool.ailint]: expected a list of strings, got 'AIL'",
    ),
    ("ignore = [1]", "invalid value for 'ignore' in pyproject.toml [tool.ailint]: expected a list of strings, got [1]"),
    (
        "exclude = { a = 1 }",
        "invalid value for 'exclude' in pyproject.toml [tool.ailint]: expected a list of strings, got {'a': 1}",
    ),
    (
        "per-file-ignores = ['tests/**']",
        "invalid value for 'per-file-ignores' in pyproject.toml [tool.ailint]: expected a table, got ['tests/**']",
    ),
    (
        "per-file-ignores = { 'tests/**' = 'AIL4' }",
        "invalid value for 'per-file-ignores.tests/**' in pyproject.toml [tool.ailint]: "
        "expected a list of strings, got 'AIL4'",
    ),
    (
        "severity = 'error'",
        "invalid value for 'severity' in pyproject.toml [tool.ailint]: expected a table, got 'error'",
    ),
    (
        "severity = { AIL401 = 2 }",
        "invalid value for 'severity.AIL401' in pyproject.toml [tool.ailint]: expected 'error' or 'warning', got 2",
    ),
    (
        "extend = 1",
        "invalid value for 'extend' in pyproject.toml [tool.ailint]: "
        "expected the path of another configuration file, got 1",
    ),
    (
        "extend-select = 'AIL4'",
        "invalid value for 'extend-select' in pyproject.toml [tool.ailint]: expected a list of strings, got 'AIL4'",
    ),
    (
        "extend-ignore = [true]",
        "invalid value for 'extend-ignore' in pyproject.toml [tool.ailint]: expected a list of strings, got [True]",
    ),
    (
        "extend-exclude = 'build/'",
        "invalid value for 'extend-exclude' in pyproject.toml [tool.ailint]: expected a list of strings, got 'build/'",
    ),
    (
        "extend-per-file-ignores = 1",
        "invalid value for 'extend-per-file-ignores' in pyproject.toml [tool.ailint]: expected a table, got 1",
    ),
    (
        "tests = 'tests/**'",
        "invalid value for 'tests' in pyproject.toml [tool.ailint]: expected a list of strings, got 'tests/**'",
    ),
    (
        "scripts = 'scripts/**'",
        "invalid value for 'scripts' in pyproject.toml [tool.ailint]: expected a list of strings, got 'scripts/**'",
    ),
    ("call-sites = ['acme.llm']", "[tool.ailint.call-sites] in pyproject.toml must be a table"),
    ("validation = 1", "[tool.ailint.validation] in pyproject.toml must be a table"),
    ("confidence = true", "[tool.ailint.confidence] in pyproject.toml must be a table"),
    ("logging = 1979-05-27", "[tool.ailint.logging] in pyproject.toml must be a table"),
    ("errors = []", "[tool.ailint.errors] in pyproject.toml must be a table"),
    ("authority = 'act'", "[tool.ailint.authority] in pyproject.toml must be a table"),
    ("sinks = 1.5", "[tool.ailint.sinks] in pyproject.toml must be a table"),
    (
        "call-sites = { extra = 'acme.llm.complete' }",
        "invalid value for 'call-sites.extra' in pyproject.toml [tool.ailint]: expected a list of strings, "
        "got 'acme.llm.complete'",
    ),
    (
        "validation = { validators = [['acme.check']] }",
        "invalid value for 'validation.validators' in pyproject.toml [tool.ailint]: expected a list of strings, "
        "got [['acme.check']]",
    ),
    (
        "confidence = { pattern = ['score'] }",
        "invalid value for 'confidence.pattern' in pyproject.toml [tool.ailint]: "
        "expected a regular expression string, got ['score']",
    ),
    (
        "confidence = { gates = 'acme.gate' }",
        "invalid value for 'confidence.gates' in pyproject.toml [tool.ailint]: expected a list of strings, "
        "got 'acme.gate'",
    ),
    (
        "logging = { loggers = true }",
        "invalid value for 'logging.loggers' in pyproject.toml [tool.ailint]: expected a list of strings, got True",
    ),
    (
        "logging = { tracers = 'acme.obs.trace' }",
        "invalid value for 'logging.tracers' in pyproject.toml [tool.ailint]: expected a list of strings, "
        "got 'acme.obs.trace'",
    ),
    (
        "errors = { handlers = {} }",
        "invalid value for 'errors.handlers' in pyproject.toml [tool.ailint]: expected a list of strings, got {}",
    ),
    (
        "errors = { boundaries = 7 }",
        "invalid value for 'errors.boundaries' in pyproject.toml [tool.ailint]: expected a list of strings, got 7",
    ),
    (
        "authority = { decorators = 1 }",
        "invalid value for 'authority.decorators' in pyproject.toml [tool.ailint]: expected a list of strings, got 1",
    ),
    (
        "authority = { approvals = ['a b'] }",
        "invalid value for 'authority.approvals' in pyproject.toml [tool.ailint]: 'a b' is not a dotted name "
        "such as 'acme.llm.complete'",
    ),
    (
        "authority = { paths = ['src/**'] }",
        "invalid value for 'authority.paths' in pyproject.toml [tool.ailint]: expected a table, got ['src/**']",
    ),
    (
        "authority = { paths = { 'src/**' = 1 } }",
        "invalid value for 'authority.paths.src/**' in pyproject.toml [tool.ailint]: unknown authority mode 1 "
        "(valid: recommend, assist, act)",
    ),
    (
        "sinks = { extra = [1979-05-27] }",
        "invalid value for 'sinks.extra' in pyproject.toml [tool.ailint]: expected a list of strings, "
        "got [datetime.date(1979, 5, 27)]",
    ),
    (
        'capability = "triage"',
        "invalid value for 'capability' in pyproject.toml [tool.ailint]: "
        "expected an array of tables ([[tool.ailint.capability]])",
    ),
]


@pytest.mark.parametrize(("line", "message"), WRONG_TYPES, ids=[line.split(" =")[0] for line, _ in WRONG_TYPES])
def test_wrong_types_in_every_table(tree: Path, line: str, message: str) -> None:
    (tree / FILE).write_text(f"[tool.ailint]\n{line}\n")
    fails_with(message)


def test_every_key_has_a_wrong_type_case() -> None:
    """TABLES is the schema (``test_unknown_keys_in_every_table`` checks it): every key has a case above."""
    messages = " ".join(message for _, message in WRONG_TYPES)
    for table, keys in TABLES.items():
        for key in keys:
            name = f"{table}.{key}" if table else key
            assert f"'{name}'" in messages or f"[tool.ailint.{name}]" in messages, name


@pytest.mark.parametrize("table", list(TABLES))
def test_unknown_keys_in_every_table(tree: Path, table: str) -> None:
    section = f"[tool.ailint.{table}]" if table else "[tool.ailint]"
    close = TABLES[table][0][:-1]  # one letter short of a valid key: a suggestion
    (tree / FILE).write_text(f"{section}\n{close} = []\n")
    fails_with(f"unknown key '{close}' in pyproject.toml {section}; did you mean '{TABLES[table][0]}'?")
    (tree / FILE).write_text(f"{section}\nzzz = []\n")
    fails_with(f"unknown key 'zzz' in pyproject.toml {section}; valid keys: {', '.join(sorted(TABLES[table]))}")


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (
            "exclude = ['[z-a]']",
            "invalid value for 'exclude' in pyproject.toml [tool.ailint]: '[z-a]' is not a valid path glob "
            "(bad character range z-a)",
        ),
        (
            "per-file-ignores = { 'src/\\' = ['AIL4'] }",
            "invalid value for 'per-file-ignores.src/\\' in pyproject.toml [tool.ailint]: "
            "'src/\\\\' is not a valid path glob",
        ),
        (
            "authority = { paths = { '[z-a]::run' = 'act' } }",
            "invalid value for 'authority.paths.[z-a]::run' in pyproject.toml [tool.ailint]: '[z-a]' is not a valid "
            "path glob (bad character range z-a)",
        ),
        (
            "confidence = { pattern = '" + "(" * 2000 + ")" * 2000 + "' }",
            "invalid value for 'confidence.pattern' in pyproject.toml [tool.ailint]: not a valid regular expression "
            "(groups nested too deeply)",
        ),
    ],
)
def test_patterns_that_would_fail_mid_run(tree: Path, line: str, message: str) -> None:
    (tree / FILE).write_text(f"[tool.ailint]\n{line}\n")
    fails_with(message)


def test_huge_lists_are_read_and_their_errors_stay_short(tree: Path) -> None:
    codes = ", ".join(["'AIL401'"] * 30_000)
    globs = ", ".join(["'build/'"] * 30_000)
    (tree / FILE).write_text(f"[tool.ailint]\nselect = [{codes}]\nexclude = [{globs}]\n")
    assert run("-q", "app.py")[0] == 1
    (tree / FILE).write_text(f"[tool.ailint]\nselect = [{codes}, 1]\n")
    fails_with(
        "invalid value for 'select' in pyproject.toml [tool.ailint]: expected a list of strings, "
        "got ['AIL401', 'AIL401', 'AIL401', 'AIL401', 'AIL401', ...]"
    )
    (tree / FILE).write_text(f"[tool.ailint]\nselect = ['{'x' * 30_000}']\n")
    assert one_line_error().startswith("unknown rule selector '" + "x" * 57 + "...' in 'select' in pyproject.toml")
    (tree / FILE).write_text(f"[tool.ailint]\n'{'k' * 30_000}' = 1\n")
    assert one_line_error().startswith("unknown key '" + "k" * 57 + "...' in pyproject.toml [tool.ailint]")
    (tree / FILE).write_text("[tool.ailint]\n'a\\nb' = 1\n")
    assert one_line_error().startswith("unknown key 'a\\nb' in pyproject.toml [tool.ailint]")


def test_config_option_pointing_at_nothing_usable(tree: Path) -> None:
    fails_with("config file missing.toml does not exist", "--config", "missing.toml")
    (tree / "conf").mkdir()
    fails_with("config file conf is a directory, not a TOML file", "--config", "conf")
    if hasattr(os, "mkfifo"):
        os.mkfifo(tree / "pipe.toml")
        fails_with("config file pipe.toml is not a regular file", "--config", "pipe.toml")
    (tree / "link.toml").symlink_to(tree / "link.toml")
    assert one_line_error("--config", "link.toml").startswith("cannot read link.toml: ")


def test_a_pyproject_that_is_a_directory(tree: Path) -> None:
    """Not skipped in favour of a pyproject further up: that would silently lint with another project's rules."""
    (tree / FILE).mkdir()
    fails_with("config file pyproject.toml is a directory, not a TOML file")


def test_an_unreadable_pyproject(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """As root, permissions do not stop reads: the refusal is simulated where the file is opened."""
    (tree / FILE).write_text("[tool.ailint]\n")
    real = open

    def refuse(file: Any, *args: Any, **kwargs: Any) -> Any:
        if str(file).endswith(FILE):
            raise PermissionError(errno.EACCES, "Permission denied", str(file))
        return real(file, *args, **kwargs)

    monkeypatch.setattr("builtins.open", refuse)
    fails_with("cannot read pyproject.toml: Permission denied")


def test_a_real_process_prints_no_traceback(tree: Path) -> None:
    for text in (
        "[tool.ailint\n",
        "[tool.ailint]\nselect = " + "[" * 5000 + "]" * 5000 + "\n",
        "[tool.ailint]\nx = 1\n",
    ):
        (tree / FILE).write_text(text)
        done = subprocess.run(
            [sys.executable, "-m", "ailint", "--no-cache", "app.py"], cwd=tree, capture_output=True, text=True
        )
        assert (done.returncode, done.stdout) == (2, "")
        assert len(done.stderr.splitlines()) == 1 and done.stderr.startswith("ailint: error: ")
