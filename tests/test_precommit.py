"""The pre-commit hooks of ``.pre-commit-hooks.yaml``, for real: ``git commit`` in a temporary repository.

The hooks run as this repository defines them, with ``language: system`` so
that the ailint under test runs them; the last test lets ``pre-commit
try-repo`` build them from this checkout as a user's pre-commit would, which
needs the package index.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.git_helpers import (
    CALLER,
    CALLER_FINDING,
    MODEL_WRAPPER,
    PLAIN_WRAPPER,
    UNHANDLED,
    Repository,
    copy_checkout,
    index_reachable,
    local_hooks,
    published_hooks,
    require_git_and_pre_commit,
)

UNHANDLED_FINDING = (
    "bad.py:7:12: AIL401 [unhandled-error] openai chat.completions.create is not inside a try that "
    "catches openai.APIError"
)


@pytest.fixture
def repository(tmp_path: Path) -> Repository:
    require_git_and_pre_commit()
    return Repository(tmp_path / "project", tmp_path / "home")


def test_the_published_hooks() -> None:
    """``ailint`` checks the whole project since HEAD; ``ailint-files`` the staged files, excludes kept."""
    hooks = published_hooks()
    assert list(hooks) == ["ailint", "ailint-files"]
    whole, files = hooks["ailint"], hooks["ailint-files"]
    assert (whole["entry"], whole["pass_filenames"], whole["require_serial"]) == ("ailint --since HEAD", False, True)
    assert (files["entry"], files.get("pass_filenames", True)) == ("ailint --force-exclude", True)
    assert whole["language"] == files["language"] == "python"
    assert whole["types_or"] == files["types_or"] == ["python", "jupyter"]


def test_a_commit_that_only_edits_a_wrapper_is_blocked_by_the_finding_in_its_caller(repository: Repository) -> None:
    repo = repository
    repo.write("pyproject.toml", '[tool.ailint]\nselect = ["AIL601"]\n')
    repo.write("llm.py", PLAIN_WRAPPER)
    repo.write("app.py", CALLER)
    repo.use(local_hooks("ailint", "ailint-files"))
    repo.git("add", "-A")
    first = repo.commit("a wrapper that calls no model, and a caller that runs its output")
    assert first.returncode == 0, first.stdout
    # The commit stages only the wrapper; an unstaged edit of the caller (that would hide the finding) is set aside.
    repo.write("llm.py", MODEL_WRAPPER)
    repo.git("add", "llm.py")
    unstaged = CALLER.replace("os.system(ask(task))", "print(ask(task))")
    repo.write("app.py", unstaged)
    blocked = repo.commit("the wrapper asks a model")
    output = blocked.stdout
    assert blocked.returncode == 1, output
    assert CALLER_FINDING in output
    assert "Found 1 diagnostic (1 error) in 2 files." in output
    lines = [line for line in output.splitlines() if line.startswith("ailint")]
    assert lines[0].startswith("ailint.") and lines[0].endswith("Failed"), lines
    # Checking the staged file alone, as most hooks do, would have let it through.
    assert lines[-1].startswith("ailint (staged files).") and lines[-1].endswith("Passed"), lines
    assert repo.commits() == 1, "the commit was not made"
    assert (repo.path / "app.py").read_text(encoding="utf-8") == unstaged, "the unstaged edit is back"
    # Staging the fix lets it through.
    repo.git("add", "app.py")
    fixed = repo.commit("the wrapper asks a model; its output is printed")
    assert fixed.returncode == 0, fixed.stdout
    assert repo.commits() == 2


def test_a_staged_file_under_a_configured_exclude_does_not_block_the_commit(repository: Repository) -> None:
    repo = repository
    repo.write("pyproject.toml", '[tool.ailint]\nselect = ["AIL401"]\nexclude = ["migrations/"]\n')
    repo.write("good.py", "x = 1\n")
    repo.use(local_hooks("ailint", "ailint-files"))
    repo.git("add", "-A")
    repo.git("commit", "-q", "--no-verify", "-m", "start")
    repo.write("migrations/bad.py", UNHANDLED)
    repo.git("add", "migrations/bad.py")
    passed = repo.commit("an excluded file")
    assert passed.returncode == 0, passed.stdout
    assert "ailint (staged files)" in passed.stdout and "Failed" not in passed.stdout
    repo.write("bad.py", UNHANDLED)
    repo.git("add", "bad.py")
    blocked = repo.commit("a file that is not excluded")
    assert blocked.returncode == 1, blocked.stdout
    assert blocked.stdout.count(UNHANDLED_FINDING) == 2, "each hook reports it"
    assert "migrations/bad.py:" not in blocked.stdout
    assert repo.commits() == 2


@pytest.mark.network
def test_try_repo_builds_both_hooks_from_this_checkout(repository: Repository) -> None:
    """``pre-commit try-repo`` installs ailint from this checkout (with pip) and runs both hooks on staged changes."""
    if not index_reachable():
        pytest.skip("the package index cannot be reached")
    repo = repository
    repo.write("pyproject.toml", '[tool.ailint]\nselect = ["AIL601"]\nexclude = ["migrations/"]\n')
    repo.write("llm.py", PLAIN_WRAPPER)
    repo.write("app.py", CALLER)
    repo.git("add", "-A")
    repo.git("commit", "-q", "-m", "start")
    repo.write("llm.py", MODEL_WRAPPER)
    repo.write("migrations/run.py", CALLER)  # excluded: a whole-tree run skips it
    repo.git("add", "-A")
    result = repo.pre_commit("try-repo", str(REPO), "--color", "never", timeout=900)
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert CALLER_FINDING in output
    lines = [line for line in output.splitlines() if line.startswith("ailint")]
    assert len(lines) == 2 and lines[0].endswith("Failed") and lines[1].endswith("Passed"), output
    assert "migrations/run.py:" not in output


@pytest.mark.network
def test_a_checkout_pinned_by_commit_serves_the_hooks(repository: Repository, tmp_path: Path) -> None:
    """The README's way to keep using the hooks without a release: ``repo:`` a checkout, ``rev:`` one of its commits."""
    if not index_reachable():
        pytest.skip("the package index cannot be reached")
    checkout = Repository(copy_checkout(tmp_path / "ailint"), tmp_path / "home")
    checkout.git("add", "-A")
    checkout.git("commit", "-q", "-m", "ailint as it stands")
    rev = checkout.git("rev-parse", "HEAD").strip()
    repo = repository
    repo.write("pyproject.toml", '[tool.ailint]\nselect = ["AIL601"]\n')
    repo.write("llm.py", PLAIN_WRAPPER)
    repo.write("app.py", CALLER)
    repo.use({"repos": [{"repo": str(checkout.path), "rev": rev, "hooks": [{"id": "ailint"}]}]})
    repo.git("add", "-A")
    first = repo.commit("start")
    assert first.returncode == 0, first.stdout
    repo.write("llm.py", MODEL_WRAPPER)
    repo.git("add", "llm.py")
    blocked = repo.commit("the wrapper asks a model")
    assert blocked.returncode == 1, blocked.stdout
    assert CALLER_FINDING in blocked.stdout
