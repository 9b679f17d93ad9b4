"""Which files a run checks, and how odd trees are handled."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ailint.discovery import discover, module_name


def names(project: Path, *paths: str, exclude: tuple[str, ...] = ()) -> list[str]:
    found = discover([Path(p) for p in paths or ["."]], project, exclude, project)
    return [f.relative_to(project).as_posix() for f in found.files]


def touch(project: Path, *files: str) -> None:
    for name in files:
        path = project / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x = 1\n")


def test_walks_python_files_in_order(project: Path) -> None:
    touch(project, "b.py", "a/z.py", "a/b/c.py", "notes.txt", "a/script.sh")
    assert names(project) == ["a/b/c.py", "a/z.py", "b.py"]


def test_default_excludes(project: Path) -> None:
    touch(project, "app.py", ".venv/lib/x.py", "venv/x.py", "__pycache__/x.py", "build/x.py", "node_modules/x.py")
    touch(project, ".git/hooks/x.py", ".tox/py/x.py", "dist/x.py")
    assert names(project) == ["app.py"]


def test_gitignore_at_every_level(project: Path) -> None:
    touch(project, "app.py", "gen/out.py", "pkg/keep.py", "pkg/secret.py", "pkg/deep/secret.py")
    (project / ".gitignore").write_text("gen/\n")
    (project / "pkg" / ".gitignore").write_text("secret.py\n!deep/\n")
    assert names(project) == ["app.py", "pkg/keep.py"]
    assert names(project, "pkg") == ["pkg/keep.py"]


def test_exclude_globs(project: Path) -> None:
    touch(project, "app.py", "migrations/0001.py", "src/generated_api.py", "src/real.py")
    assert names(project, exclude=("migrations/", "**/generated_*.py")) == ["app.py", "src/real.py"]


def test_explicit_file_is_checked_even_if_excluded(project: Path) -> None:
    touch(project, "build/tool.py", "script")
    (project / ".gitignore").write_text("*.py\n")
    assert names(project, "build/tool.py", "script") == ["build/tool.py", "script"]


def test_duplicates_are_checked_once(project: Path) -> None:
    touch(project, "a.py")
    assert names(project, ".", "a.py", "./a.py") == ["a.py"]


def test_symlink_loop_does_not_hang(project: Path) -> None:
    touch(project, "pkg/a.py")
    os.symlink(project / "pkg", project / "pkg" / "loop")
    os.symlink(project, project / "pkg" / "up")
    assert names(project) == ["pkg/a.py"]


def test_broken_symlink_is_one_line(project: Path) -> None:
    touch(project, "a.py")
    os.symlink(project / "missing.py", project / "dangling.py")
    found = discover([Path(".")], project, (), project)
    assert [f.name for f in found.files] == ["a.py"]
    assert found.errors == ["cannot read dangling.py: broken symbolic link"]


def test_directory_named_like_a_module(project: Path) -> None:
    touch(project, "x.py/inner.py")
    assert names(project) == ["x.py/inner.py"]


def test_missing_path_is_reported(project: Path) -> None:
    found = discover([Path("nope")], project, (), project)
    assert found.missing == ["nope"] and found.files == []


def test_unreadable_directory(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    touch(project, "a.py", "locked/b.py")
    real_scandir = os.scandir

    def scandir(path: str | os.PathLike[str]) -> object:
        if Path(path).name == "locked":
            raise PermissionError(13, "Permission denied")
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    found = discover([Path(".")], project, (), project)
    assert [f.name for f in found.files] == ["a.py"]
    assert found.errors == ["cannot read directory locked: Permission denied"]


@pytest.mark.parametrize(
    ("path", "module"),
    [
        ("app.py", "app"),
        ("acme/llm.py", "acme.llm"),
        ("acme/__init__.py", "acme"),
        ("src/acme/llm.py", "acme.llm"),
        ("src.py", "src"),
    ],
)
def test_module_names(tmp_path: Path, path: str, module: str) -> None:
    assert module_name(tmp_path / path, tmp_path) == module


def test_module_names_follow_packages(tmp_path: Path) -> None:
    from ailint.discovery import module_names

    for init in ("examples/app/helpdesk/__init__.py", "src/acme/__init__.py", "src/acme/sub/__init__.py"):
        (tmp_path / init).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / init).write_text("")
    assert module_names(tmp_path / "examples/app/helpdesk/llm.py", tmp_path) == [
        "helpdesk.llm",
        "examples.app.helpdesk.llm",
    ]
    assert module_names(tmp_path / "src/acme/sub/x.py", tmp_path) == ["acme.sub.x"]
    assert module_names(tmp_path / "src/acme/__init__.py", tmp_path) == ["acme"]
    assert module_names(tmp_path / "scripts/run.py", tmp_path) == ["scripts.run", "run"]


def test_the_quick_gitignore_check_agrees_with_pathspec() -> None:
    """The combined expression only rules paths out; every verdict equals pathspec's own."""
    import itertools

    import pathspec

    from ailint.discovery import _Patterns

    lines = [
        "*.pyc", "build/", "!build/keep.py", "/dist", "docs/**/gen_*.py", "\\#literal.py", "# comment", "",
        "a?c.py", "[ab]x.py", "**/cache", "!important.pyc", "trailing\\ ", "logs/*", "!logs/keep/",
        "venv*", "*.egg-info/", ".env.*", "!.env.example", "*~", "*$py.class", "notes", " spaced", "*", "!*.py",
    ]  # fmt: skip
    names = [
        "x.py", "x.pyc", "important.pyc", "keep.py", "gen_a.py", "#literal.py", "abc.py", "bx.py", "cx.py",
        "X.PYC", "venv.py", ".env.local", ".env.example", "x.py~", "m$py.class", "notes", " spaced", "spaced",
    ]  # fmt: skip
    folders = [
        "",
        "build/",
        "dist/",
        "src/dist/",
        "docs/",
        "docs/api/v1/",
        "cache/",
        "src/cache/",
        "logs/",
        "logs/keep/",
        "venv-3.11/",
        "pkg.egg-info/",
        "Build/",
        "notes/",
    ]
    for count in (1, 3, 15, 19, 24, len(lines) - 2, len(lines)):
        spec = pathspec.GitIgnoreSpec.from_lines(lines[:count])
        quick = _Patterns(spec)
        for folder, name in itertools.product(folders, names):
            for path in (folder + name, folder.rstrip("/") + "/" if folder else name):
                assert quick.match(path) == spec.match_file(path), (lines[:count], path)
