"""The content cache: same results warm and cold, invalidated by what they depend on, never fatal."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import ailint.cache
from ailint.api import check_paths
from ailint.cache import Cache
from ailint.cli import main
from ailint.rules import registry
from ailint.settings import Settings

LLM = """\
from openai import OpenAI

client = OpenAI()


def complete(prompt):
    return client.chat.completions.create(model="m", messages=[]).choices[0].message.content
"""
APP = """\
from llm import complete


def answer(question):
    return complete(question)
"""
HANDLED_APP = APP.replace("    return complete", "    try:\n        return complete") + (
    "    except Exception:\n        return None\n"
)


def settings(root: Path) -> Settings:
    return Settings(root=root, enabled=frozenset({"AIL001", "AIL401"}))


def lint(root: Path, cache: Cache | None) -> list[tuple[str, int, str]]:
    result = check_paths([Path(".")], settings(root), cwd=root, cache=cache)
    assert not result.errors
    return [(d.path, d.span.line, d.code) for d in result.diagnostics]


@pytest.fixture
def project(project: Path) -> Path:
    (project / "llm.py").write_text(LLM)
    (project / "app.py").write_text(APP)
    (project / "plain.py").write_text("x = (\n")
    return project


def test_warm_equals_cold_and_reads_nothing_to_parse(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cold = lint(project, None)
    assert cold == [("llm.py", 7, "AIL401"), ("plain.py", 1, "AIL001")]
    assert lint(project, Cache(project, settings(project))) == cold
    assert list((project / ".ailint_cache").glob("index-*.json"))
    assert (project / ".ailint_cache" / ".gitignore").read_text().endswith("*\n")

    import ailint.engine

    def no_parsing(*args: object, **kwargs: object) -> None:
        raise AssertionError("a warm run parses nothing")

    monkeypatch.setattr(ailint.engine.Engine, "prepare", no_parsing)
    assert lint(project, Cache(project, settings(project))) == cold


def test_a_warm_run_reads_no_unchanged_file(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cold = lint(project, Cache(project, settings(project)))
    read: list[str] = []
    real = Path.read_bytes

    def counting(self: Path) -> bytes:
        read.append(self.name)
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", counting)
    assert lint(project, Cache(project, settings(project))) == cold
    assert read == []
    # Same size, new modification time: read again, and judged on what it now says.
    (project / "plain.py").write_text("x = 1\n")
    stamp = os.stat(project / "llm.py")
    (project / "llm.py").write_text(LLM.replace('"m"', '"n"'))
    os.utime(project / "llm.py", ns=(stamp.st_atime_ns, stamp.st_mtime_ns + 1_000_000))
    assert lint(project, Cache(project, settings(project))) == [("llm.py", 7, "AIL401")]
    assert sorted(read) == ["app.py", "llm.py", "plain.py"]  # app.py calls llm.py: judged again


def test_a_change_in_a_caller_invalidates_the_call_it_handles(project: Path) -> None:
    assert lint(project, Cache(project, settings(project))) == [("llm.py", 7, "AIL401"), ("plain.py", 1, "AIL001")]
    (project / "app.py").write_text(HANDLED_APP)
    assert lint(project, Cache(project, settings(project))) == [("plain.py", 1, "AIL001")]


def test_other_settings_do_not_share_entries(project: Path) -> None:
    lint(project, Cache(project, settings(project)))
    other = Settings(root=project, enabled=frozenset({"AIL001"}))
    result = check_paths([Path(".")], other, cwd=project, cache=Cache(project, other))
    assert [(d.path, d.code) for d in result.diagnostics] == [("plain.py", "AIL001")]


def test_a_corrupt_index_is_ignored_and_rewritten(project: Path) -> None:
    lint(project, Cache(project, settings(project)))
    (index,) = (project / ".ailint_cache").glob("index-*.json")
    index.write_text("{not json")
    assert lint(project, Cache(project, settings(project))) == [("llm.py", 7, "AIL401"), ("plain.py", 1, "AIL001")]
    assert index.read_text().startswith("{")
    index.write_text('{"x": 1}')
    assert lint(project, Cache(project, settings(project))) == [("llm.py", 7, "AIL401"), ("plain.py", 1, "AIL001")]


@pytest.mark.parametrize(
    "bad",
    [
        pytest.param(lambda entry: entry[:-1], id="a field short"),
        pytest.param(lambda entry: ["5", *entry[1:]], id="a line that is text"),
        pytest.param(lambda entry: [*entry[:6], "fatal", *entry[7:]], id="an unknown severity"),
        pytest.param(lambda entry: {"line": 5}, id="a mapping"),
        pytest.param(lambda entry: [*entry[:4], None, *entry[5:]], id="no code"),
    ],
)
def test_a_bad_entry_is_a_miss_and_rewritten(project: Path, bad: Any) -> None:
    expected = [("llm.py", 7, "AIL401"), ("plain.py", 1, "AIL001")]
    assert lint(project, Cache(project, settings(project))) == expected
    (index,) = (project / ".ailint_cache").glob("index-*.json")
    stored = json.loads(index.read_text())
    for key, diagnostics in stored["entries"].items():
        stored["entries"][key] = [bad(entry) for entry in diagnostics]
    index.write_text(json.dumps(stored))
    assert lint(project, Cache(project, settings(project))) == expected
    rewritten = json.loads(index.read_text())["entries"]
    assert sorted(entry[4] for entries in rewritten.values() for entry in entries) == ["AIL001", "AIL401"]


def test_an_unwritable_cache_is_one_warning(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = os.replace

    def refuse(source: str, target: str) -> None:
        if ".ailint_cache" in str(target):
            raise PermissionError(13, "Permission denied")
        real(source, target)

    monkeypatch.setattr(os, "replace", refuse)
    result = check_paths([Path(".")], settings(project), cwd=project, cache=Cache(project, settings(project)))
    assert [(d.path, d.code) for d in result.diagnostics] == [("llm.py", "AIL401"), ("plain.py", "AIL001")]
    assert len(result.errors) == 1
    assert result.errors[0].startswith("cannot write the cache in ")
    assert result.errors[0].endswith("Permission denied; continuing without it")
    assert not list((project / ".ailint_cache").glob("*.tmp"))


def test_cli_caches_unless_told_not_to(project: Path) -> None:
    (project / "pyproject.toml").write_text('[tool.ailint]\nselect = ["AIL001", "AIL401"]\n')
    runner = CliRunner()
    first = runner.invoke(main, ["--no-cache", "-q", "."])
    assert first.exit_code == 1
    assert not (project / ".ailint_cache").exists()
    second = runner.invoke(main, ["-q", "."])
    third = runner.invoke(main, ["-q", "."])
    assert first.stdout == second.stdout == third.stdout
    assert (project / ".ailint_cache").is_dir()


def test_cache_records_every_rule(project: Path) -> None:
    every = Settings(root=project, enabled=registry.DEFAULT_CODES)
    cold = check_paths([Path(".")], every, cwd=project).diagnostics
    check_paths([Path(".")], every, cwd=project, cache=Cache(project, every))
    warm = check_paths([Path(".")], every, cwd=project, cache=Cache(project, every)).diagnostics
    assert warm == cold


def test_facts_of_deleted_files_are_not_kept(project: Path) -> None:
    import json

    lint(project, Cache(project, settings(project)))
    (project / "plain.py").unlink()
    (project / "app.py").write_text(APP + "\n")  # a change, so that the index is written again
    lint(project, Cache(project, settings(project)))
    (facts,) = (project / ".ailint_cache").glob("facts-*.json")
    files = json.loads(facts.read_text())["files"]
    assert sorted(Path(key.split("|")[0]).name for key in files) == ["app.py", "llm.py"]


def _runs(root: Path) -> dict[str, list[tuple[str, str]]]:
    """Each run the index has whole, as ``Cache.run`` reads it: ``(display, entry key)`` per target."""
    (index,) = (root / ".ailint_cache").glob("index-*.json")
    runs = json.loads(index.read_text())["runs"]
    return {
        key: [*zip(displays.split("\0"), re.findall(".{64}", keys), strict=True)]
        for key, (displays, keys) in runs.items()
    }


def test_the_same_run_again_is_answered_whole(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing is read, no engine is built: the run's files stand as they stood, so every entry is known."""
    import ailint.engine

    cold = lint(project, Cache(project, settings(project)))
    (remembered,) = _runs(project).values()
    assert [display for display, _ in remembered] == ["app.py", "llm.py", "plain.py"]

    def never(*args: object, **kwargs: object) -> None:
        raise AssertionError("a run the cache has whole needs neither bytes nor an engine")

    with monkeypatch.context() as patched:
        patched.setattr(Path, "read_bytes", never)
        patched.setattr(ailint.engine.Engine, "__init__", never)
        patched.setattr(ailint.cache.Cache, "facts", never)
        assert lint(project, Cache(project, settings(project))) == cold
    # Another set of paths asked is another run; and a file added makes another key.
    assert check_paths([Path("app.py")], settings(project), cwd=project, cache=Cache(project, settings(project)))
    assert len(_runs(project)) == 2
    (project / "new.py").write_text("y = (\n")
    assert lint(project, Cache(project, settings(project))) == sorted([*cold, ("new.py", 1, "AIL001")])
    assert len(_runs(project)) == 3


def test_a_run_whose_entry_is_gone_is_run_in_full(project: Path) -> None:
    cold = lint(project, Cache(project, settings(project)))
    (index,) = (project / ".ailint_cache").glob("index-*.json")
    stored = json.loads(index.read_text())
    stored["entries"] = {}
    index.write_text(json.dumps(stored))
    assert lint(project, Cache(project, settings(project))) == cold
    assert len(json.loads(index.read_text())["entries"]) == 3


@pytest.mark.parametrize("runs", [[], {"k": "v"}, {"k": [["a"]]}, {"k": [1, 2]}, {"k": ["a.py", "0" * 63]}])
def test_a_bad_record_of_runs_is_ignored(project: Path, runs: Any) -> None:
    cold = lint(project, Cache(project, settings(project)))
    (index,) = (project / ".ailint_cache").glob("index-*.json")
    stored = json.loads(index.read_text())
    stored["runs"] = runs if not isinstance(runs, dict) else {key: runs["k"] for key in stored["runs"]}
    index.write_text(json.dumps(stored))
    assert lint(project, Cache(project, settings(project))) == cold


def test_a_run_with_an_error_of_its_own_is_not_remembered_nor_its_files(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import ailint.engine

    prepare = ailint.engine.Engine.prepare

    def broken(engine: ailint.engine.Engine, task: ailint.engine.FileTask, *args: Any, **kwargs: Any) -> Any:
        if task.display == "llm.py":
            raise RuntimeError("a bug")
        return prepare(engine, task, *args, **kwargs)

    monkeypatch.setattr(ailint.engine.Engine, "prepare", broken)
    result = check_paths([Path(".")], settings(project), cwd=project, cache=Cache(project, settings(project)))
    assert result.errors == ["internal error while checking llm.py: RuntimeError: a bug"]
    assert [(d.path, d.code) for d in result.diagnostics] == [("plain.py", "AIL001")]  # app.py: llm.py unknown
    assert _runs(project) == {}
    monkeypatch.undo()  # judged again, with llm.py: no entry of the project was kept from that run
    assert lint(project, Cache(project, settings(project))) == [("llm.py", 7, "AIL401"), ("plain.py", 1, "AIL001")]
    assert len(_runs(project)) == 1


def test_only_the_last_runs_are_kept(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Cache, "MAX_RUNS", 2)
    for name in ("app.py", "llm.py", "plain.py"):
        check_paths([Path(name)], settings(project), cwd=project, cache=Cache(project, settings(project)))
    assert [[display for display, _ in run] for run in _runs(project).values()] == [["llm.py"], ["plain.py"]]


def _settle(root: Path) -> None:
    """Date every directory and ``.gitignore`` of the tree a minute back, as a tree nobody is editing."""
    past = os.stat(root).st_mtime_ns - 60_000_000_000
    for path in [root, *root.rglob("*")]:
        if path.is_dir() or path.name == ".gitignore":
            os.utime(path, ns=(past, past))


def _walks(root: Path) -> list[list[str]]:
    (index,) = (root / ".ailint_cache").glob("index-*.json")
    return [files.split("\0") for files, _ in json.loads(index.read_text())["walks"].values()]


def test_a_walk_of_a_tree_that_did_not_change_is_not_walked_again(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import ailint.api

    (project / "pkg").mkdir()
    (project / "pkg" / "mod.py").write_text("z = (\n")
    (project / ".gitignore").write_text("ignored.py\n")
    (project / "ignored.py").write_text("w = (\n")
    expected = [("llm.py", 7, "AIL401"), ("pkg/mod.py", 1, "AIL001"), ("plain.py", 1, "AIL001")]
    assert lint(project, Cache(project, settings(project))) == expected
    assert _walks(project) == []  # just written: a change within the clock's tick could go unseen
    _settle(project)
    assert lint(project, Cache(project, settings(project))) == expected
    assert [[Path(f).name for f in files] for files in _walks(project)] == [["app.py", "llm.py", "mod.py", "plain.py"]]

    def never(*args: object, **kwargs: object) -> None:
        raise AssertionError("nothing changed: no walk")

    with monkeypatch.context() as patched:
        patched.setattr(ailint.api, "discover", never)
        assert lint(project, Cache(project, settings(project))) == expected
    # A file added in a folder, and a .gitignore changed in place: both are seen.
    (project / "pkg" / "new.py").write_text("v = (\n")
    assert lint(project, Cache(project, settings(project))) == sorted([*expected, ("pkg/new.py", 1, "AIL001")])
    _settle(project)
    lint(project, Cache(project, settings(project)))
    with open(project / ".gitignore", "a") as handle:
        handle.write("pkg/\n")
    assert lint(project, Cache(project, settings(project))) == [("llm.py", 7, "AIL401"), ("plain.py", 1, "AIL001")]


def test_a_walk_that_met_a_symbolic_link_is_not_remembered(project: Path) -> None:
    (project / "link.py").symlink_to(project / "plain.py")
    _settle(project)
    assert lint(project, Cache(project, settings(project)))[-1] == ("plain.py", 1, "AIL001")
    assert _walks(project) == []


def test_the_cache_folder_is_tagged_for_backup_tools(project: Path) -> None:
    lint(project, Cache(project, settings(project)))
    tag = (project / ".ailint_cache" / "CACHEDIR.TAG").read_text()
    assert tag.startswith("Signature: 8a477f597d28d172789f06886806bc55\n")


def test_call_records_round_trip_through_the_cache(tmp_path: Path) -> None:
    """``ailint calls`` keeps each file's records in the cache: every field comes back, as JSON would give it."""
    import json

    from ailint.api import CallRecord, CapabilityRecord
    from ailint.diagnostics import Span

    record = CallRecord(
        path="notes.ipynb",
        span=Span(9, 5, 11, 6),
        provider="openai",
        api="chat.completions.create",
        operation="generate",
        kind="wrapper",
        function="notes.ipynb.ask",
        authority="assist",
        checks={"validation": "fail", "usage": "n/a"},
        is_async=True,
        streaming=False,
        test=False,
        explanation=("client = OpenAI()", "client.chat.completions.create(...)"),
        more={"input": "pass"},
        capabilities=(CapabilityRecord("triage", {"output": ("fail", "no validator", ("notes.ipynb:12",))}),),
        cell=3,
        cell_start=7,
    )
    stored = json.loads(json.dumps(record.dump()))
    assert CallRecord.load("notes.ipynb", stored) == record
    assert record.place == "cell 3:3:5"
    for broken in ([], stored[:-1], ["x", *stored[1:]], [*stored[:-1], [["triage", {"output": [1]}]]]):
        with pytest.raises((ValueError, TypeError)):
            CallRecord.load("notes.ipynb", broken)
