"""The tests of what ailint draws on a terminal pass whatever terminal runs them (``TERM=dumb``, ``NO_COLOR``...)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.conftest import REPO

TERMINAL_TESTS = [
    "tests/test_progress.py",
    "tests/test_calls_table.py",
    "tests/test_cli.py::test_no_color_when_not_a_terminal",
    "tests/test_cli.py::test_colour_on_a_forced_terminal_and_no_color",
    "tests/test_rules_cli.py",
]
"""Progress bars, colour, table widths: what depends on the terminal."""


@pytest.mark.parametrize(
    "terminal",
    [
        {"TERM": "dumb", "NO_COLOR": "1", "COLUMNS": "40", "LINES": "5"},
        {"TERM": "xterm", "FORCE_COLOR": "1", "COLUMNS": "300", "CLICOLOR_FORCE": "1"},
    ],
    ids=["dumb", "xterm"],
)
def test_terminal_tests_pass_under_any_terminal(terminal: dict[str, str]) -> None:
    environment = {
        name: value for name, value in os.environ.items() if name not in ("PYTEST_ADDOPTS", "PYTEST_XDIST_WORKER")
    }
    environment.update(terminal)
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-x", *TERMINAL_TESTS],
        cwd=REPO,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
