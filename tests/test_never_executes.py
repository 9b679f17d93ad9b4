"""ailint only reads the code it lints: it never imports it, runs it, or talks to the network (SPEC section 8).

The project below is a minefield: every module that Python could run writes
a marker file when it runs, and the configuration names project functions.
Linting it in-process, as the console script and as ``python -m ailint``
from the project's root, must leave no marker; an audit hook in a real
process records any network, process or import event that touches the project.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from ailint.api import check_paths, list_calls
from ailint.cli import main
from ailint.settings import load_settings

SHADOWING = ("click", "json", "libcst", "rich", "pathspec", "tomllib", "concurrent", "multiprocessing")
"""Modules ailint imports: a project module of the same name must never be imported in their place."""


def _trap(markers: Path, name: str) -> str:
    return f"import pathlib\npathlib.Path({str(markers / name)!r}).write_text('executed')\n"


@pytest.fixture
def minefield(tmp_path: Path) -> tuple[Path, Path]:
    """A project whose every importable or runnable file leaves a marker in ``markers`` when it runs."""
    project, markers = tmp_path / "project", tmp_path / "markers"
    markers.mkdir()
    (project / "pkg").mkdir(parents=True)
    call = "client.chat.completions.create(model='m', messages=[])\n"
    files = {
        "app.py": "import openai\nfrom pkg.llm import complete\nclient = openai.OpenAI()\n"
        + _trap(markers, "app")
        + call,
        "pkg/__init__.py": _trap(markers, "pkg_init"),
        "pkg/llm.py": "from openai import OpenAI\n" + _trap(markers, "pkg_llm") + "def complete():\n    return 1\n",
        "conftest.py": _trap(markers, "conftest"),
        "setup.py": _trap(markers, "setup"),
        "__main__.py": _trap(markers, "main"),
        "sitecustomize.py": _trap(markers, "sitecustomize"),
        "usercustomize.py": _trap(markers, "usercustomize"),
        "trap.pth": _trap(markers, "pth").replace("\n", "; ", 1),
        **{f"{name}.py": _trap(markers, f"shadow_{name}") for name in SHADOWING},
        "pyproject.toml": textwrap.dedent(
            """\
            [tool.ailint.call-sites]
            extra = ["pkg.llm.complete"]
            [tool.ailint.validation]
            validators = ["pkg.llm.complete"]
            [tool.ailint.errors]
            handlers = ["conftest.handler"]
            """
        ),
    }
    for name, text in files.items():
        (project / name).write_text(text)
    for index in range(210):  # enough plain files for --jobs to start a process pool
        (project / "pkg" / f"plain_{index}.py").write_text(_trap(markers, f"plain_{index}"))
    return project, markers


def _unshadow(project: Path) -> None:
    """Take out the files Python itself runs from ``sys.path`` before any library code does."""
    for name in ("sitecustomize", "usercustomize", *SHADOWING):
        (project / f"{name}.py").unlink()


def _subprocess(command: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command, cwd=cwd, capture_output=True, text=True, env={**os.environ, **env}, timeout=120, check=False
    )


def test_linting_in_process_imports_nothing(minefield: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    """The project is importable, as for its own tests; a module there named like a dependency of ailint
    would shadow that dependency for any library, so those are taken out."""
    project, markers = minefield
    _unshadow(project)
    monkeypatch.chdir(project)
    monkeypatch.syspath_prepend(str(project))  # importable, as it would be for the project's own tests
    before = set(sys.modules)
    settings = load_settings()
    assert settings.call_site_extra == ("pkg.llm.complete",)
    assert check_paths([Path(".")], settings).files == len(list(project.rglob("*.py")))
    assert list_calls([Path(".")], settings).calls
    for command in (["check", "--no-cache", "."], ["calls", "."], ["report", "."]):
        assert CliRunner().invoke(main, command).exit_code in (0, 1)
    assert sorted(p.name for p in markers.iterdir()) == []
    assert {"app", "pkg", "conftest", "setup", "sitecustomize", "usercustomize"} & (set(sys.modules) - before) == set()


@pytest.mark.parametrize("how", ["console script", "python -m", "python -m --jobs 4"])
def test_linting_from_the_project_root_imports_nothing(minefield: tuple[Path, Path], how: str) -> None:
    """``python -m`` puts the project's root first on ``sys.path``, where ``click.py`` and ``json.py`` wait."""
    project, markers = minefield
    if how == "console script":
        command = [str(Path(sys.executable).parent / "ailint"), "--no-cache", "."]
    else:
        command = [sys.executable, "-m", "ailint", "--no-cache", *(["--jobs", "4"] if "jobs" in how else []), "."]
    done = _subprocess(command, project)
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert sorted(p.name for p in markers.iterdir()) == []


def test_linting_a_project_on_pythonpath_imports_nothing(minefield: tuple[Path, Path]) -> None:
    """With the project on PYTHONPATH, its modules are importable: ailint still imports none of them.

    Python itself runs a ``sitecustomize.py`` or ``usercustomize.py`` found on
    PYTHONPATH at startup, and a module there named like a dependency shadows
    it, before any line of ailint runs; those files are taken out of this project.
    """
    project, markers = minefield
    _unshadow(project)
    done = _subprocess(
        [sys.executable, "-m", "ailint", "--no-cache", "--jobs", "4", "."], project, PYTHONPATH=str(project)
    )
    assert done.returncode == 1, done.stderr
    assert sorted(p.name for p in markers.iterdir()) == []


AUDITED = """\
import os, sys
sys.path.pop(0)  # python -c puts the working directory (the project) first
log = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT | os.O_APPEND)
project = os.path.realpath(sys.argv[2])
FORBIDDEN = ("socket.connect", "socket.getaddrinfo", "socket.gethostbyname", "socket.sendto", "socket.sendmsg",
             "urllib.Request", "http.client.connect", "smtplib.connect", "ftplib.connect", "subprocess.Popen",
             "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.startfile", "ctypes.dlopen", "webbrowser.open")

def inside(filename):
    return bool(filename) and os.path.isabs(filename) and os.path.realpath(filename).startswith(project)

def hook(event, args):
    touches = (event == "exec" and inside(getattr(args[0], "co_filename", None))) or (
        event == "import" and inside(args[1])
    )
    if event in FORBIDDEN or touches:
        os.write(log, (repr((event, str(args)[:200])) + "\\n").encode())

sys.addaudithook(hook)
from ailint.cli import main
sys.argv = ["ailint", *sys.argv[3:]]
main()
"""


@pytest.mark.parametrize("arguments", [["--no-cache", "--jobs", "4", "."], ["calls", "--format", "json", "."]])
def test_an_audited_run_opens_no_socket_and_runs_no_code(
    minefield: tuple[Path, Path], tmp_path: Path, arguments: list[str]
) -> None:
    """Every process of the run (the pool's workers inherit the hook) reports what it did to a log."""
    project, markers = minefield
    log = tmp_path / "audit.log"
    done = _subprocess([sys.executable, "-c", AUDITED, str(log), str(project), *arguments], project)
    assert done.returncode in (0, 1), done.stderr
    assert "Traceback" not in done.stderr
    assert log.read_text() == ""
    assert sorted(p.name for p in markers.iterdir()) == []
    if arguments[0] == "calls":
        assert [c["path"] for c in json.loads(done.stdout)["calls"]] == ["app.py"]


def test_a_run_never_touches_the_network(minefield: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    project, _ = minefield
    monkeypatch.chdir(project)
    attempts: list[str] = []

    def refuse(name: str) -> Any:
        def refused(*args: Any, **kwargs: Any) -> Any:
            attempts.append(name)
            raise OSError(f"{name} is not allowed during a run")

        return refused

    monkeypatch.setattr(socket.socket, "connect", refuse("connect"))
    monkeypatch.setattr(socket.socket, "connect_ex", refuse("connect_ex"))
    monkeypatch.setattr(socket, "create_connection", refuse("create_connection"))
    monkeypatch.setattr(socket, "getaddrinfo", refuse("getaddrinfo"))
    result = CliRunner().invoke(main, ["check", "--no-cache", "--format", "sarif", "."])
    assert result.exit_code == 1, result.output
    assert attempts == []
