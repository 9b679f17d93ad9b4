"""Same diagnostics whatever the number of processes, cold or warm."""

from __future__ import annotations

import gc
import weakref
from pathlib import Path

import pytest

import ailint.parallel
from ailint.api import check_paths
from ailint.cache import Cache
from ailint.rules import registry
from ailint.settings import Settings
from tests.conftest import FIXTURES


def test_jobs_and_cache_give_the_same_diagnostics(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ailint.parallel, "MIN_FILES", 1)  # use the pool even for a small tree
    monkeypatch.setattr(ailint.parallel, "MIN_FORKED", 1)
    root = FIXTURES / "ail4xx"
    settings = Settings(root=root, enabled=registry.DEFAULT_CODES)
    plain = tmp_path / "plain"
    plain.mkdir()
    for index in range(5):
        (plain / f"m{index}.py").write_text("x = (\n" if index == 2 else "x = 1  # noqa: AIL999\n")
    runs = []
    for jobs in (1, 2):
        for target, where in ((root, root), (plain, plain)):
            result = check_paths([target], Settings(root=where, enabled=settings.enabled), cwd=where, jobs=jobs)
            runs.append((jobs, target, result.diagnostics))
    assert runs[0][2] == runs[2][2] and runs[1][2] == runs[3][2]
    assert [d.code for d in runs[1][2]] == ["AIL002", "AIL002", "AIL001", "AIL002", "AIL002"]
    cache_root = tmp_path / "cached"
    cache_root.mkdir()
    for path in plain.iterdir():
        (cache_root / path.name).write_text(path.read_text())
    cached = Settings(root=cache_root, enabled=settings.enabled)
    cold = check_paths([cache_root], cached, cwd=cache_root, jobs=2, cache=Cache(cache_root, cached)).diagnostics
    warm = check_paths([cache_root], cached, cwd=cache_root, jobs=2, cache=Cache(cache_root, cached)).diagnostics
    assert cold == warm == runs[1][2]


@pytest.mark.skipif(
    __import__("multiprocessing").get_start_method() != "fork", reason="the patch reaches workers only by fork"
)
def test_a_worker_that_dies_costs_its_file_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    import ailint.engine

    monkeypatch.setattr(ailint.parallel, "MIN_FILES", 1)
    real = ailint.engine.Engine.prepare

    def prepare(self, task, data, *, deep):  # type: ignore[no-untyped-def]
        if task.display == "killer.py":
            os._exit(1)  # what a crash in native code looks like from outside
        return real(self, task, data, deep=deep)

    monkeypatch.setattr(ailint.engine.Engine, "prepare", prepare)  # workers are forked: they see the patch
    for name in ("a.py", "killer.py", "z.py"):
        (tmp_path / name).write_text("x = (\n")
    settings = Settings(root=tmp_path, enabled=frozenset({"AIL001"}))
    result = check_paths([tmp_path], settings, cwd=tmp_path, jobs=2)
    assert result.errors == ["internal error while checking killer.py: its worker process died"]
    assert [(d.path, d.code) for d in result.diagnostics] == [("a.py", "AIL001"), ("z.py", "AIL001")]
    assert result.files == 3


LLM = """\
from openai import OpenAI

client = OpenAI()


def complete(prompt):
    return client.chat.completions.create(model="m", messages=[]).choices[0].message.content
"""
APP = "from llm import complete\n\n\ndef answer(q):\n    return complete(q) == 'yes'\n"
NEEDS_FORK = pytest.mark.skipif(
    "fork" not in __import__("multiprocessing").get_all_start_methods(), reason="files are judged apart by fork"
)


@NEEDS_FORK
def test_files_judged_apart_still_move_a_wrappers_concerns_to_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``app.py`` and ``job.py`` import ``llm.complete`` and nothing imports them: they are judged on workers."""
    monkeypatch.setattr(ailint.parallel, "MIN_FORKED", 1)
    (tmp_path / "llm.py").write_text(LLM)
    (tmp_path / "app.py").write_text(APP)
    (tmp_path / "job.py").write_text("import llm\n\nprint(llm.complete('x') == 'yes')\n")
    settings = Settings(root=tmp_path, enabled=frozenset({"AIL501"}))
    found = []
    for jobs in (1, 2):
        result = check_paths([tmp_path], settings, cwd=tmp_path, jobs=jobs)
        assert not result.errors
        found.append([(d.path, d.span.line, d.code) for d in result.diagnostics])
    assert found[0] == found[1] == [("app.py", 5, "AIL501"), ("job.py", 3, "AIL501")]


def test_parameters_are_inferred_the_same_whatever_the_jobs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``helpers.ask`` is called from a file judged apart: its parameter is inferred all the same, with one job or two.

    The value-flow engine passes ``main.py``'s client into ``helpers.ask`` whichever process judges
    ``main.py``; ``local.py`` calls its own function of the same name, which ``main.py`` does not import.
    """
    monkeypatch.setattr(ailint.parallel, "MIN_FORKED", 1)
    helpers = "def ask(client, q):\n    return client.chat.completions.create(model='m', messages=q)\n"
    (tmp_path / "helpers.py").write_text(helpers)
    main = "from openai import OpenAI\nfrom helpers import ask\n\nask(OpenAI(), []) == 'yes'\n"
    (tmp_path / "main.py").write_text(main)
    local = "from openai import OpenAI\n\n" + helpers + "\n\nprint(ask(OpenAI(), []) == 'yes')\n"
    (tmp_path / "local.py").write_text(local)
    settings = Settings(root=tmp_path, enabled=frozenset({"AIL501"}))
    found = []
    for jobs in (1, 2):
        result = check_paths([tmp_path], settings, cwd=tmp_path, jobs=jobs)
        found.append([(d.path, d.span.line, d.code) for d in result.diagnostics])
    assert found[0] == found[1] == [("local.py", 7, "AIL501"), ("main.py", 4, "AIL501")]


def _judged(engine, prepared_files):  # type: ignore[no-untyped-def]
    from ailint.analysis.project import Project

    project = Project(engine.knowledge)
    for prepared in prepared_files:
        project.add(prepared.analysis)
    return [engine.finish(prepared, project) for prepared in prepared_files]


def test_a_file_prepared_in_a_worker_is_judged_as_if_prepared_here(tmp_path: Path) -> None:
    """What a worker sends is the prepared file without the knowledge, and it judges the same once received."""
    from ailint.engine import Engine, FileTask
    from ailint.knowledge import builtin

    settings = Settings(root=tmp_path, enabled=registry.DEFAULT_CODES | {"AIL201", "AIL501"})
    engine = Engine(settings, builtin())
    ailint.parallel._start(settings)
    tasks = [
        (FileTask(display=name, module=name[:-3], ignored=frozenset(), is_package=False, relative=name), text.encode())
        for name, text in (("llm.py", LLM), ("app.py", APP))
    ]
    sent = [ailint.parallel._prepare_deep(job) for job in tasks]
    assert all(data is not None and b"ailint.knowledge" not in data for data in sent)
    received = [ailint.parallel.load_prepared(data, engine.knowledge) for data in sent if data is not None]
    here = [engine.prepare(task, data, deep=True) for task, data in tasks]
    expected = _judged(engine, here)
    assert _judged(engine, received) == expected
    assert [(d.path, d.span.line, d.code) for d in expected[1] if d.code == "AIL501"] == [("app.py", 5, "AIL501")]


def test_prefetch_hands_over_the_files_workers_prepared(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from concurrent.futures import wait

    from ailint.engine import Engine, FileTask
    from ailint.knowledge import builtin

    monkeypatch.setattr(ailint.parallel, "MIN_FILES", 1)
    settings = Settings(root=tmp_path, enabled=registry.DEFAULT_CODES | {"AIL201", "AIL501"})
    engine = Engine(settings, builtin())
    task = FileTask(display="llm.py", module="llm", ignored=frozenset(), is_package=False, relative="llm.py")
    checker = ailint.parallel.PlainChecker(settings, engine, workers=2, expected=1)
    try:
        prefetch = ailint.parallel.Prefetch(checker, engine.knowledge)
        prefetch.submit([(0, task, LLM.encode())])
        wait(list(prefetch.futures.values()))
        taken = prefetch.take(0)
        assert taken is not None and taken.analysis is not None
        assert taken.analysis.resolver.knowledge is engine.knowledge
        assert prefetch.take(0) is None  # taken once; a file never submitted is prepared by the caller
        prefetch.submit([(0, task, LLM.encode())])  # a later round naming it again
        assert prefetch.futures == {}
        assert _judged(engine, [taken]) == _judged(engine, [engine.prepare(task, LLM.encode(), deep=True)])
    finally:
        checker.close()


def test_each_round_of_the_selection_is_announced_before_it_is_parsed(tmp_path: Path) -> None:
    """So idle workers can prepare a round's files while the caller parses them.

    The value-flow engine already knows that ``mid.py`` calls a model (through ``llm.complete``), so it is a
    root with ``llm.py``: one round, announced before anything is parsed.
    """
    from ailint.api import _Run

    (tmp_path / "llm.py").write_text(LLM)
    (tmp_path / "mid.py").write_text(APP)  # imports llm.complete
    (tmp_path / "app.py").write_text("from mid import answer\n\nprint(answer('q'))\n")  # imported by none
    run = _Run([tmp_path], Settings(root=tmp_path, enabled=registry.DEFAULT_CODES | {"AIL201", "AIL501"}), tmp_path)
    parsed: list[str] = []
    real = run._prepare

    def prepare(index, ignores, deep, keep=True):  # type: ignore[no-untyped-def]
        parsed.append(run.files[index].display)
        real(index, ignores, deep, keep)

    rounds: list[tuple[list[str], list[str]]] = []
    run._ahead = lambda indices: rounds.append(([run.files[i].display for i in indices], list(parsed)))  # type: ignore[method-assign]
    run._prepare = prepare  # type: ignore[method-assign]
    assert {run.files[i].display for i in run.deep} == {"llm.py", "mid.py", "app.py"}
    assert rounds == [(["llm.py", "mid.py"], [])]


def test_files_others_import_are_judged_the_same_on_workers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``llm.py`` is imported, so it is prefetched and judged in the second forked phase; ``app.py`` in the first."""
    monkeypatch.setattr(ailint.parallel, "MIN_FILES", 1)
    monkeypatch.setattr(ailint.parallel, "MIN_FORKED", 1)
    (tmp_path / "llm.py").write_text(LLM + "\n\ndef raw(p):\n    return client.chat.completions.create(model='m')\n")
    (tmp_path / "app.py").write_text(APP)
    (tmp_path / "plain.py").write_text("import llm as _\nx = (\n")
    settings = Settings(root=tmp_path, enabled=registry.DEFAULT_CODES | {"AIL201", "AIL501"})
    found = []
    for jobs in (1, 2):
        result = check_paths([tmp_path], settings, cwd=tmp_path, jobs=jobs)
        assert not result.errors
        found.append([(d.path, d.span.line, d.code) for d in result.diagnostics])
    assert found[0] == found[1]
    assert ("plain.py", 2, "AIL001") in found[0] and ("app.py", 5, "AIL501") in found[0]
    assert ("llm.py", 11, "AIL401") in found[0] and ("llm.py", 7, "AIL401") in found[0]  # errors: at the direct call


@NEEDS_FORK
def test_a_forked_process_that_dies_leaves_its_files_to_the_parent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    import ailint.api

    monkeypatch.setattr(ailint.parallel, "MIN_FORKED", 1)
    parent, real = os.getpid(), ailint.api._Run.leaf

    def leaf(self, index, ignores):  # type: ignore[no-untyped-def]
        if os.getpid() != parent:
            os._exit(1)
        return real(self, index, ignores)

    monkeypatch.setattr(ailint.api._Run, "leaf", leaf)
    (tmp_path / "llm.py").write_text(LLM)
    (tmp_path / "app.py").write_text(APP)
    settings = Settings(root=tmp_path, enabled=frozenset({"AIL501"}))
    result = check_paths([tmp_path], settings, cwd=tmp_path, jobs=2)
    assert not result.errors
    assert [(d.path, d.span.line) for d in result.diagnostics] == [("app.py", 5)]


def test_a_file_judged_apart_leaves_no_trace_in_the_project(tmp_path: Path) -> None:
    """Once judged, a file no other file imports is taken out again, memos keyed by its objects included."""
    from ailint.api import _Run

    (tmp_path / "llm.py").write_text(LLM)
    own = "from llm import complete\n\n\ndef mine(q):\n    return complete(q)\n\n\nprint(mine('x') == 'yes')\n"
    (tmp_path / "app.py").write_text(own)
    settings = Settings(root=tmp_path, enabled=frozenset({"AIL501"}))
    run = _Run([tmp_path], settings, tmp_path)
    run.prepare(set(), leaves=False)
    project = run.project
    index = next(i for i, f in enumerate(run.files) if f.display == "app.py")
    assert run.leaves == {index}
    before = (dict(project.files), dict(project.functions), set(project.called_wrappers()))
    discarded = []
    real = project.discard

    def discard(analysis, aliases=()):  # type: ignore[no-untyped-def]
        discarded.append(analysis)
        real(analysis, aliases)

    project.discard = discard  # type: ignore[method-assign]
    _, diagnostics, errors, called = run.leaf(index, run.ignores())
    assert [(d.span.line, d.code) for d in diagnostics or []] == [(8, "AIL501")]
    assert (errors, called) == ([], [("llm.complete", False, False, False), ("app.mine", False, False, False)])
    assert (project.files, project.functions) == before[:2]
    assert project.called_wrappers() == before[2] | {id(project.functions["llm.complete"][1])}
    (analysis,) = discarded
    own = {id(analysis)} | {id(p) for p in analysis.calls} | {id(r) for r in analysis.functions}
    memos = (project._sites, project._pending, project._wrappers, project._outputs)
    assert not own & {key for memo in memos for key in memo}
    assert not own & {key[0] for key in project._bodies}
    assert run.files[index].path not in run.prepared
    gone = weakref.ref(analysis)
    del analysis
    discarded.clear()
    assert gc.isenabled()  # paused while the file was in use, back now
    gc.collect()
    assert gone() is None  # nothing holds the file once the collector has run


def test_freed_memory_is_given_back_where_the_c_library_can(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    ailint.parallel.release_freed()  # glibc's malloc_trim here, or nothing: never an error
    ailint.parallel._malloc_trim.cache_clear()
    monkeypatch.setattr(sys, "platform", "darwin")
    try:
        ailint.parallel.release_freed()
        assert ailint.parallel._malloc_trim() is None
    finally:
        ailint.parallel._malloc_trim.cache_clear()  # looked up again, on this platform, by the next run
