"""The pre-commit hook, for real: ``pre-commit try-repo`` installs ailint and runs it on a repository.

This needs the package index (pre-commit builds the hook's environment with
pip), so it is marked ``network`` and skipped when pre-commit is not
installed or the index cannot be reached.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import textwrap
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.network

BAD = textwrap.dedent(
    """\
    from openai import OpenAI

    client = OpenAI()


    def ask(prompt):
        return client.chat.completions.create(model="gpt-4o", messages=[])
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


def _index_reachable() -> bool:
    url = os.environ.get("PIP_INDEX_URL", "https://pypi.org/simple/").rstrip("/") + "/pip/"
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError, ValueError):
        return False


@pytest.fixture(scope="module")
def git_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if importlib.util.find_spec("pre_commit") is None:
        pytest.skip("pre-commit is not installed")
    if not _index_reachable():
        pytest.skip("the package index cannot be reached")
    project = tmp_path_factory.mktemp("hooked")
    (project / "pyproject.toml").write_text('[tool.ailint]\nselect = ["AIL401"]\n')
    (project / "bad.py").write_text(BAD)
    (project / "good.py").write_text(GOOD)
    git = ["git", "-c", "user.name=ailint", "-c", "user.email=ailint@example.invalid"]
    subprocess.run([*git, "init", "-q"], cwd=project, check=True)
    subprocess.run([*git, "add", "."], cwd=project, check=True)
    subprocess.run([*git, "commit", "-q", "-m", "files"], cwd=project, check=True)
    return project


def try_repo(project: Path, *files: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PRE_COMMIT_HOME": str(project.parent / "pre-commit-home"), "NO_COLOR": "1"}
    env.pop("PRE_COMMIT_COLOR", None)
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(REPO), "ailint", "--color", "never", "--files", *files],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )


def test_hook_fails_on_a_bad_file(git_project: Path) -> None:
    result = try_repo(git_project, "bad.py")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "ailint" in result.stdout and "Failed" in result.stdout
    assert (
        "bad.py:7:12: AIL401 [unhandled-error] openai chat.completions.create is not inside a try that "
        "catches openai.APIError" in result.stdout
    )


def test_hook_passes_on_a_good_file(git_project: Path) -> None:
    result = try_repo(git_project, "good.py")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Passed" in result.stdout
