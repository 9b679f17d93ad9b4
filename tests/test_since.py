"""``--since REF``: only what is new relative to a git revision, judged with the whole project on both sides."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from ailint.cache import DIRECTORY, Cache
from ailint.cli import main
from ailint.diagnostics import Diagnostic
from ailint.since import checkout, resolve
from tests.git_helpers import CALLER, MODEL_WRAPPER, PLAIN_WRAPPER

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

FINDING = "AIL601 [output-to-exec] openai chat.completions.create via ask() output (line {line}) reaches os.system()"


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def git(where: Path, *args: str) -> str:
    command = ["git", "-c", "user.name=ailint", "-c", "user.email=ailint@example.invalid", "-c", "commit.gpgsign=false"]
    done = subprocess.run([*command, *args], cwd=where, capture_output=True, text=True, check=True)
    return done.stdout


def commit(where: Path, message: str = "change") -> None:
    git(where, "add", "-A")
    git(where, "commit", "-q", "-m", message)


@pytest.fixture
def repo(project: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository whose first commit has a wrapper that calls no model, and a caller that runs its output."""
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(project / "no-global-gitconfig"))
    (project / "pyproject.toml").write_text('[tool.ailint]\nselect = ["AIL601"]\n')
    (project / ".gitignore").write_text(f"{DIRECTORY}/\n")
    (project / "llm.py").write_text(PLAIN_WRAPPER)
    (project / "app.py").write_text(CALLER)
    git(project, "init", "-q")
    commit(project, "first")
    return project


def test_a_wrapper_change_reports_the_new_finding_in_its_unchanged_caller(repo: Path) -> None:
    (repo / "llm.py").write_text(MODEL_WRAPPER)
    assert git(repo, "status", "--porcelain") == " M llm.py\n", "only the wrapper changed"
    assert run("--since", "HEAD") == (
        1,
        f"app.py:7:5: {FINDING.format(line=7)}\nFound 1 diagnostic (1 error) in 2 files.\n",
        "",
    )


def test_a_finding_present_at_the_revision_is_subtracted_even_where_it_moved(repo: Path) -> None:
    (repo / "llm.py").write_text(MODEL_WRAPPER)
    commit(repo, "the wrapper calls a model")
    (repo / "app.py").write_text("# Lines inserted above a finding move it; it is no new finding.\n\n" + CALLER)
    assert run("--since", "HEAD") == (
        0,
        "All checks passed (2 files checked). 1 diagnostic hidden by --since HEAD.\n",
        "",
    )
    # Against the first commit, it is new.
    code, stdout, _ = run("--since", "HEAD~1")
    assert code == 1 and f"app.py:9:5: {FINDING.format(line=9)}\n" in stdout


def test_a_second_identical_finding_is_new(repo: Path) -> None:
    """Findings are counted, as in a baseline: one more of the same in the same function is reported once."""
    (repo / "llm.py").write_text(MODEL_WRAPPER)
    commit(repo)
    (repo / "app.py").write_text(CALLER + "    os.system(ask(task))\n")
    code, stdout, _ = run("--since", "HEAD")
    assert code == 1
    assert stdout.splitlines() == [
        f"app.py:8:5: {FINDING.format(line=8)}",
        "Found 1 diagnostic (1 error) in 2 files. 1 more hidden by --since HEAD.",
    ]


def test_a_new_file_and_a_branch_name(repo: Path) -> None:
    git(repo, "branch", "-M", "main")
    git(repo, "checkout", "-q", "-b", "feature")
    (repo / "llm.py").write_text(MODEL_WRAPPER)
    commit(repo)
    (repo / "tool.py").write_text(CALLER.replace("def run(", "def other("))
    code, stdout, _ = run("--since", "main", "--select", "AIL601")
    assert code == 1
    assert [line.split(":")[0] for line in stdout.splitlines()[:-1]] == ["app.py", "tool.py"]
    code, stdout, _ = run("--since", "HEAD")
    assert code == 1 and stdout.startswith("tool.py:7:5: ")


def test_the_first_commit_of_a_repository_has_nothing_before_it(project: Path) -> None:
    (project / "pyproject.toml").write_text('[tool.ailint]\nselect = ["AIL601"]\n')
    (project / "llm.py").write_text(MODEL_WRAPPER)
    (project / "app.py").write_text(CALLER)
    git(project, "init", "-q")
    git(project, "add", "-A")
    code, stdout, stderr = run("--since", "HEAD")
    assert (code, stderr) == (1, "") and stdout.startswith("app.py:7:5: AIL601")


@pytest.mark.parametrize("output_format", ["json", "sarif", "github", "junit", "gitlab"])
def test_every_format_reports_only_what_is_new(repo: Path, output_format: str) -> None:
    (repo / "llm.py").write_text(MODEL_WRAPPER)
    commit(repo)
    (repo / "app.py").write_text(CALLER + "\n\ndef again(task):\n    os.system(ask(task))\n")
    code, stdout, _ = run("--since", "HEAD", "--format", output_format)
    assert code == 1
    if output_format == "json":
        assert [(d["path"], d["line"]) for d in json.loads(stdout)["diagnostics"]] == [("app.py", 11)]
    elif output_format == "sarif":
        results = json.loads(stdout)["runs"][0]["results"]
        assert [r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in results] == [11]
    elif output_format == "gitlab":
        assert [issue["location"]["lines"]["begin"] for issue in json.loads(stdout)] == [11]
    elif output_format == "github":
        assert stdout.count("::error ") == 1 and "line=11," in stdout
    else:
        assert stdout.count("<failure") == 1 and "(line 11)" in stdout


def test_with_a_baseline_both_hide(repo: Path) -> None:
    (repo / "llm.py").write_text(MODEL_WRAPPER)
    (repo / "old.py").write_text(CALLER.replace("def run(", "def old("))
    assert run("--write-baseline", "baseline.json")[0] == 0
    (repo / "baseline.json").unlink()
    commit(repo)
    (repo / "app.py").write_text(CALLER + "\n\ndef again(task):\n    os.system(ask(task))\n")
    assert run("--write-baseline", "baseline.json", "old.py")[0] == 0
    code, stdout, _ = run("--since", "HEAD", "--baseline", "baseline.json")
    assert code == 1
    assert stdout.splitlines() == [
        f"app.py:11:5: {FINDING.format(line=11)}",
        "Found 1 diagnostic (1 error) in 3 files. 2 more hidden by the baseline and --since HEAD.",
    ]


def test_from_another_folder_with_absolute_and_relative_paths(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (repo / "llm.py").write_text(MODEL_WRAPPER)
    monkeypatch.chdir(repo.parent)
    code, stdout, _ = run("--since", "HEAD", str(repo / "app.py"))
    assert code == 1 and stdout.startswith(f"{repo.name}/app.py:7:5: AIL601")
    (repo / "sub").mkdir()
    monkeypatch.chdir(repo / "sub")
    code, stdout, _ = run("--since", "HEAD", "..")
    assert code == 1 and stdout.startswith("../app.py:7:5: AIL601")


def test_sub_projects_keep_their_own_settings_at_the_revision(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each part of a monorepo is checked at the revision with its own configuration and root."""
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(project / "no-global-gitconfig"))
    (project / "a").mkdir()
    (project / "b").mkdir()
    (project / "a" / "pyproject.toml").write_text('[tool.ailint]\nselect = ["AIL601"]\n')
    (project / "b" / "pyproject.toml").write_text('[tool.ailint]\nselect = ["AIL403"]\n')
    (project / "a" / "llm.py").write_text(PLAIN_WRAPPER)
    (project / "a" / "app.py").write_text(CALLER)
    (project / "b" / "llm.py").write_text(MODEL_WRAPPER)
    git(project, "init", "-q")
    commit(project, "first")
    (project / "a" / "llm.py").write_text(MODEL_WRAPPER)
    code, stdout, _ = run("--since", "HEAD")
    assert code == 1
    assert stdout.splitlines() == [
        f"a/app.py:7:5: {FINDING.format(line=7)}",
        "Found 1 diagnostic (1 error) in 3 files. 1 more hidden by --since HEAD.",  # b/llm.py's AIL403
    ]


def test_the_copy_holds_what_a_run_reads(repo: Path) -> None:
    """Python files, notebooks, stubs and ``.gitignore`` files, with links kept as links; nothing else."""
    (repo / "pkg" / "deep").mkdir(parents=True)
    (repo / "pkg" / "deep" / "mod.py").write_text("x = 1\n")
    (repo / "pkg" / "types.pyi").write_text("x: int\n")
    (repo / "pkg" / "notes.ipynb").write_text("{}\n")
    (repo / "data.bin").write_bytes(b"\0" * 10)
    (repo / "README.md").write_text("# x\n")
    (repo / "link.py").symlink_to("app.py")
    commit(repo)
    (repo / "app.py").write_text("changed since\n")
    revision = resolve("HEAD", repo / "pkg")
    assert revision.toplevel == repo.resolve()
    with checkout(revision, repo.resolve()) as copy:
        found = sorted(path.relative_to(copy).as_posix() for path in copy.rglob("*") if not path.is_dir())
        assert found == [
            ".gitignore",
            "app.py",
            "link.py",
            "llm.py",
            "pkg/deep/mod.py",
            "pkg/notes.ipynb",
            "pkg/types.pyi",
        ]
        assert (copy / "app.py").read_text() == CALLER
        assert os.readlink(copy / "link.py") == "app.py"
    assert not copy.exists(), "the copy is removed"


def test_export_attributes_do_not_hide_files(repo: Path) -> None:
    """The revision is read from its blobs, not ``git archive``, so ``export-ignore`` changes nothing."""
    (repo / ".gitattributes").write_text("*.py export-ignore\n")
    (repo / "llm.py").write_text(MODEL_WRAPPER)
    commit(repo)
    assert run("--since", "HEAD")[0] == 0


def test_the_revision_is_checked_through_the_project_cache(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Files unchanged since the revision are found in the working tree's cache; no path of the copy is recorded."""
    (repo / "llm.py").write_text(MODEL_WRAPPER)
    (repo / "util.py").write_text("def add(a, b):\n    return a + b\n")
    commit(repo)
    (repo / "llm.py").write_text(MODEL_WRAPPER + "\n\ndef other():\n    return 1\n")
    stored: list[tuple[bool, int]] = []
    put = Cache.put

    def spy(self: Cache, key: str, diagnostics: list[Diagnostic]) -> None:
        stored.append((self.by_path, len(diagnostics)))
        put(self, key, diagnostics)

    monkeypatch.setattr(Cache, "put", spy)
    passed = "All checks passed (3 files checked). 1 diagnostic hidden by --since HEAD.\n"
    assert run("--since", "HEAD") == (0, passed, "")
    in_copy = [found for by_path, found in stored if not by_path]
    assert len(stored) - len(in_copy) == 3, "the working tree's files, judged and cached"
    # At HEAD, the wrapper and its caller are judged again (the project they depend on differs); util.py is not.
    assert sorted(in_copy) == [0, 1]
    stored.clear()
    assert run("--since", "HEAD")[0] == 0
    assert stored == [], "both sides from the cache"
    cached = "".join(path.read_text(encoding="utf-8") for path in (repo / DIRECTORY).glob("*.json"))
    assert "ailint-since-" not in cached, "no path of the copy is recorded"


def test_unknown_revision(repo: Path) -> None:
    code, stdout, stderr = run("--since", "no-such-branch")
    assert (code, stdout) == (2, "")
    assert stderr == f"ailint: error: --since no-such-branch: unknown revision in the git repository at {repo}\n"


def test_an_option_is_not_a_revision(repo: Path) -> None:
    assert run("--since", "--output=x") == (2, "", "ailint: error: --since '--output=x': not a git revision\n")


def test_not_a_repository(project: Path) -> None:
    (project / "app.py").write_text(CALLER)
    assert run("--since", "HEAD") == (2, "", f"ailint: error: --since HEAD: {project} is not in a git repository\n")


def test_a_path_outside_the_repository(repo: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    (elsewhere / "x.py").write_text("x = 1\n")
    code, stdout, stderr = run("--since", "HEAD", ".", str(elsewhere / "x.py"))
    assert (code, stdout) == (2, "")
    assert stderr.startswith("ailint: error: --since HEAD: ") and "is not in the git repository at" in stderr


def test_git_missing(repo: Path, monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    monkeypatch.setenv("PATH", str(tmp_path_factory.mktemp("no-git")))
    assert run("--since", "HEAD") == (
        2,
        "",
        "ailint: error: --since needs git, which is not installed (or not on PATH)\n",
    )


def test_no_room_for_the_copy(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(repo / "no-such-folder"))
    code, stdout, stderr = run("--since", "HEAD")
    assert (code, stdout) == (2, "")
    assert stderr.startswith("ailint: error: --since HEAD: cannot make a temporary folder: ")


def test_not_with_write_baseline(repo: Path) -> None:
    code, stdout, stderr = run("--since", "HEAD", "--write-baseline", "b.json")
    assert (code, stdout) == (2, "") and "--since and --write-baseline cannot be used together" in stderr
    assert not (repo / "b.json").exists()


def test_a_missing_path_is_reported_as_missing(repo: Path) -> None:
    assert run("--since", "HEAD", "gone.py") == (2, "", "ailint: error: gone.py: no such file or directory\n")
    code, _, stderr = run("--since", "HEAD", ".", "/no/such/folder/x.py")
    assert code == 2 and stderr.startswith("ailint: error: ")
    assert stderr.endswith("/no/such/folder/x.py: no such file or directory\n") and stderr.count("\n") == 1


def test_help_describes_it() -> None:
    code, stdout, _ = run("check", "--help")
    assert code == 0 and "--since REF" in stdout and "new since the git revision REF" in " ".join(stdout.split())
