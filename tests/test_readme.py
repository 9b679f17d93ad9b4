"""The README's test command is the one CI runs."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO
from tests.git_helpers import (
    CALLER,
    CALLER_FINDING,
    MODEL_WRAPPER,
    PLAIN_WRAPPER,
    Repository,
    copy_checkout,
    require_git_and_pre_commit,
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
    """The README's configuration, installed with ``pre-commit install``: a commit that only edits a wrapper is
    blocked by the finding it creates in the caller, and passes once the caller is fixed."""
    require_git_and_pre_commit()
    config = next(block for block in _yaml_blocks(_readme()) if "hooks:" in block)
    repo = Repository(tmp_path / "project", tmp_path / "home")
    repo.write("pyproject.toml", '[tool.ailint]\nselect = ["AIL601"]\n')
    repo.write("llm.py", PLAIN_WRAPPER)
    repo.write("app.py", CALLER)
    repo.use(config)
    repo.git("add", "-A")
    assert repo.commit("start").returncode == 0
    repo.write("llm.py", MODEL_WRAPPER)
    repo.git("add", "llm.py")
    blocked = repo.commit("the wrapper asks a model")
    assert blocked.returncode == 1, blocked.stdout
    assert CALLER_FINDING in blocked.stdout
    repo.write("app.py", CALLER.replace("os.system(ask(task))", "print(ask(task))"))
    repo.git("add", "app.py")
    passed = repo.commit("the wrapper asks a model; its output is printed")
    assert passed.returncode == 0, passed.stdout


def test_the_quick_start_installs_from_a_checkout_and_lints_the_sample(tmp_path: Path) -> None:
    """The Quick start line, in a fresh virtualenv, in a copy of this checkout.

    To stay quick and offline, the virtualenv is made ``--without-pip`` and
    given the test environment's packages (pip, setuptools and ailint's
    dependencies) through a ``.pth`` file, and ``pip install .`` runs with
    ``--no-deps --no-build-isolation``: what is installed and run is ailint
    built from the checkout, as the README says.
    """
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    try:
        import setuptools
    except ImportError:
        pytest.skip("setuptools is not installed (it is in the test extra)")
    if int(setuptools.__version__.split(".")[0]) < 77:
        pytest.skip(f"setuptools {setuptools.__version__} cannot build ailint (77 or later is in the test extra)")
    readme = _readme()
    (snippet,) = [block.strip() for block in _shell_blocks(readme) if "examples/" in block]
    steps = snippet.split(" && ")
    assert steps == [
        "python3 -m venv .venv",
        ". .venv/bin/activate",
        "python -m pip install .",
        "ailint examples/helpdesk",
    ]
    checkout = copy_checkout(tmp_path / "ailint")
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME")}
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])

    def shell(command: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["bash", "-c", command], cwd=checkout, env=env, capture_output=True, text=True, timeout=600, check=False
        )

    made = shell(steps[0].replace("-m venv ", "-m venv --without-pip ", 1))
    assert made.returncode == 0, made.stderr
    site = shell(".venv/bin/python -c 'import sysconfig; print(sysconfig.get_paths()[\"purelib\"])'")
    ours = sysconfig.get_paths()["purelib"]
    Path(site.stdout.strip(), "test-environment.pth").write_text(ours + "\n", encoding="utf-8")
    install = steps[2].replace("pip install .", "pip install --no-deps --no-build-isolation .")
    ran = shell(" && ".join([steps[1], f"{install} >&2", "command -v ailint", steps[3]]))
    assert ran.returncode == 1, ran.stdout + ran.stderr  # the sample has findings
    lines = ran.stdout.splitlines()
    assert lines[0] == str(checkout / ".venv" / "bin" / "ailint"), "the ailint just installed"
    sample = re.search(r"```console\n\$ ailint examples/helpdesk\n(.*?)```", readme, flags=re.DOTALL)
    assert sample is not None
    shown = [line for line in sample.group(1).splitlines() if line != "..."]
    assert shown and all(line in lines for line in shown), ran.stdout
