"""Temporary git repositories with pre-commit hooks, for the tests of the hooks and the README's snippets."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import REPO

PLAIN_WRAPPER = textwrap.dedent(
    """\
    def ask(prompt):
        return "ls"
    """
)
MODEL_WRAPPER = textwrap.dedent(
    """\
    from openai import OpenAI

    client = OpenAI()


    def ask(prompt):
        reply = client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": prompt}])
        return reply.choices[0].message.content
    """
)
CALLER = textwrap.dedent(
    """\
    import os

    from llm import ask


    def run(task):
        os.system(ask(task))
    """
)
CALLER_FINDING = (
    "app.py:7:5: AIL601 [output-to-exec] openai chat.completions.create via ask() output (line 7) reaches os.system()"
)
UNHANDLED = textwrap.dedent(
    """\
    from openai import OpenAI

    client = OpenAI()


    def ask(prompt):
        return client.chat.completions.create(model="gpt-4o", messages=[])
    """
)


def copy_checkout(destination: Path) -> Path:
    """A copy of this checkout as it stands (tracked and new files, not ignored ones), as a fresh clone would be."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        capture_output=True,
        check=True,
    )
    for name in filter(None, listed.stdout.decode("utf-8", "surrogateescape").split("\0")):
        source = REPO / name
        if source.is_file():
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination / name)
    return destination


def published_hooks() -> dict[str, dict[str, Any]]:
    """The hooks of ``.pre-commit-hooks.yaml``, by id."""
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    return {hook["id"]: hook for hook in hooks}


def require_git_and_pre_commit() -> None:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    try:
        import pre_commit  # noqa: F401
    except ImportError:
        pytest.skip("pre-commit is not installed (it is in the test extra)")


def index_reachable() -> bool:
    url = os.environ.get("PIP_INDEX_URL", "https://pypi.org/simple/").rstrip("/") + "/pip/"
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError, ValueError):
        return False


class Repository:
    """A git repository in a temporary folder, with git and pre-commit kept apart from the user's settings."""

    def __init__(self, path: Path, home: Path) -> None:
        self.path = path
        path.mkdir(parents=True, exist_ok=True)
        home.mkdir(parents=True, exist_ok=True)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "PRE_COMMIT"))}
        self.env = {
            **env,
            # The ailint under test is the one a `language: system` hook finds.
            "PATH": os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")]),
            "PRE_COMMIT_HOME": str(home / "pre-commit"),
            "GIT_CONFIG_GLOBAL": str(home / "gitconfig"),
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_AUTHOR_NAME": "ailint",
            "GIT_AUTHOR_EMAIL": "ailint@example.invalid",
            "GIT_COMMITTER_NAME": "ailint",
            "GIT_COMMITTER_EMAIL": "ailint@example.invalid",
            "NO_COLOR": "1",
            "TERM": "dumb",
        }
        self.git("init", "-q")

    def write(self, name: str, text: str) -> None:
        target = self.path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")

    def run(self, *command: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            list(command), cwd=self.path, env=self.env, capture_output=True, text=True, timeout=timeout, check=False
        )

    def git(self, *args: str) -> str:
        done = self.run("git", *args)
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    def pre_commit(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        return self.run(sys.executable, "-m", "pre_commit", *args, timeout=timeout)

    def use(self, config: dict[str, Any] | str) -> None:
        """Write ``.pre-commit-config.yaml`` and install the git hook, as a user does."""
        text = config if isinstance(config, str) else yaml.safe_dump(config, sort_keys=False)
        self.write(".pre-commit-config.yaml", text)
        installed = self.pre_commit("install")
        assert installed.returncode == 0, installed.stdout + installed.stderr

    def commit(self, message: str) -> subprocess.CompletedProcess[str]:
        """``git commit``, which runs the installed hooks; ``stdout`` has all they print (git sends it to stderr)."""
        return subprocess.run(
            ["git", "commit", "-q", "-m", message],
            cwd=self.path,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=300,
            check=False,
        )

    def commits(self) -> int:
        return int(self.git("rev-list", "--count", "HEAD").strip())


def local_hooks(*ids: str) -> dict[str, Any]:
    """A configuration running the published hooks ``ids`` with the ailint on PATH (``language: system``)."""
    hooks = published_hooks()
    return {"repos": [{"repo": "local", "hooks": [{**hooks[i], "language": "system"} for i in ids]}]}
