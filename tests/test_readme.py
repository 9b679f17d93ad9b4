"""The README's test command is the one CI runs."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO

BAD = textwrap.dedent(
    """\
    from openai import OpenAI

    client = OpenAI()


    def ask(prompt):
        return client.chat.completions.create(model="gpt-4o", messages=[])
    """
)


def _shell_blocks(text: str) -> list[str]:
    return re.findall(r"```sh\n(.*?)```", text, flags=re.DOTALL)


def test_ci_runs_the_readme_test_command() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    commands = [block.strip() for block in _shell_blocks(readme) if "pytest" in block]
    assert len(commands) == 1
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert commands[0] in ci


def test_readme_sample_command_points_at_the_sample_project() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    sample = [block.strip() for block in _shell_blocks(readme) if "examples/" in block]
    assert sample and sample[0].endswith("ailint examples/helpdesk")
    assert (REPO / "examples" / "helpdesk").is_dir()


def _yaml_blocks(text: str) -> list[str]:
    return re.findall(r"```yaml\n(.*?)```", text, flags=re.DOTALL)


def _readme() -> str:
    return (REPO / "README.md").read_text(encoding="utf-8")


def test_the_readme_installs_from_the_repository_not_an_index() -> None:
    """ailint is not on PyPI: every install line names the Git repository."""
    readme = _readme()
    installs = re.findall(r"pip install ([^\s`]+(?: '[^']*')?)", readme)
    assert installs, "the README says how to install"
    for target in installs:
        assert target in (
            ".",
            "-e '.[test]'",
            "-e '.[lsp]'",
            '"git+https://github.com/ailint/ailint"',
            "/path/to/ailint",
        ), target
    assert "rev: v" not in readme, "no release tag exists to pin"


def test_the_github_actions_snippet_runs_as_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The workflow parses, installs from Git, and its ailint step writes valid SARIF and exits 0."""
    from click.testing import CliRunner

    from ailint.cli import main

    workflow = next(yaml.safe_load(block) for block in _yaml_blocks(_readme()) if "jobs:" in block)
    steps = workflow["jobs"]["ailint"]["steps"]
    runs = [step["run"] for step in steps if "run" in step]
    assert runs[0] == 'python -m pip install "git+https://github.com/ailint/ailint"'
    assert runs[1].startswith("ailint ")
    shutil.copytree(REPO / "examples" / "helpdesk", tmp_path / "helpdesk")
    monkeypatch.chdir(tmp_path / "helpdesk")
    result = CliRunner().invoke(main, shlex.split(runs[1])[1:], catch_exceptions=False)
    assert (result.exit_code, result.stdout) == (0, "")
    document = json.loads((tmp_path / "helpdesk" / "ailint.sarif").read_text(encoding="utf-8"))
    assert document["version"] == "2.1.0" and document["runs"][0]["results"]


def test_the_pre_commit_snippet_runs_as_written(tmp_path: Path) -> None:
    """``pre-commit run`` with the README's configuration, in a fresh repository, with ailint on PATH."""
    config = next(block for block in _yaml_blocks(_readme()) if "hooks:" in block)
    project = tmp_path / "project"
    project.mkdir()
    (project / ".pre-commit-config.yaml").write_text(config, encoding="utf-8")
    (project / "pyproject.toml").write_text('[tool.ailint]\nselect = ["AIL401"]\n')
    (project / "bad.py").write_text(BAD)
    (project / "good.py").write_text("x = 1\n")
    git = ["git", "-c", "user.name=ailint", "-c", "user.email=ailint@example.invalid"]
    subprocess.run([*git, "init", "-q"], cwd=project, check=True)
    subprocess.run([*git, "add", "."], cwd=project, check=True)
    env = {
        **os.environ,
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]),
        "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
    }

    def pre_commit(*files: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "pre_commit", "run", "--color", "never", "--files", *files]
        return subprocess.run(command, cwd=project, env=env, capture_output=True, text=True, timeout=120)

    failed = pre_commit("bad.py")
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert (
        "bad.py:7:12: AIL401 [unhandled-error] openai chat.completions.create is not inside a try that "
        "catches openai.APIError" in failed.stdout
    )
    passed = pre_commit("good.py")
    assert passed.returncode == 0, passed.stdout + passed.stderr


def test_the_published_hook_leaves_excluded_files_alone(tmp_path: Path) -> None:
    """The hook of ``.pre-commit-hooks.yaml``, run as ``language: system``: a staged excluded file does not block."""
    (hook,) = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    local = {**hook, "language": "system"}
    project = tmp_path / "project"
    (project / "migrations").mkdir(parents=True)
    config = {"repos": [{"repo": "local", "hooks": [local]}]}
    (project / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    (project / "pyproject.toml").write_text('[tool.ailint]\nselect = ["AIL401"]\nexclude = ["migrations/"]\n')
    (project / "migrations" / "bad.py").write_text(BAD)
    (project / "bad.py").write_text(BAD)
    subprocess.run(["git", "init", "-q"], cwd=project, check=True)
    subprocess.run(["git", "add", "."], cwd=project, check=True)
    env = {
        **os.environ,
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]),
        "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
    }

    def pre_commit(*files: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "pre_commit", "run", "--color", "never", "--files", *files]
        return subprocess.run(command, cwd=project, env=env, capture_output=True, text=True, timeout=120)

    passed = pre_commit("migrations/bad.py")
    assert passed.returncode == 0, passed.stdout + passed.stderr
    failed = pre_commit("migrations/bad.py", "bad.py")
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "bad.py:7:12: AIL401" in failed.stdout and "migrations/bad.py:" not in failed.stdout
