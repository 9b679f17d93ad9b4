"""Bad input never crashes a run: it becomes a diagnostic or one clear line."""

from __future__ import annotations

import gc
import symtable
import sys
from pathlib import Path
from typing import Any

import pytest

from ailint.api import check_paths
from ailint.engine import _stdlib_parse, _stdlib_syntax_error, may_call_models
from ailint.settings import Settings
from tests.conftest import FIXTURES

CALL = b"from openai import OpenAI\nOpenAI().chat.completions.create(model='m', messages=[])\n"


def lint(project: Path, files: dict[str, bytes]) -> list[tuple[str, int, int, str, str]]:
    for name, data in files.items():
        (project / name).write_bytes(data)
    settings = Settings(root=project, enabled=frozenset({"AIL001", "AIL002", "AIL401"}))
    result = check_paths([Path(".")], settings, cwd=project)
    assert result.files == len(files)
    return [(d.path, d.span.line, d.span.column, d.code, d.message) for d in result.diagnostics]


def test_syntax_error_is_one_diagnostic_and_the_rest_is_checked(project: Path) -> None:
    assert lint(project, {"a.py": b"def f(:\n    pass\n", "b.py": CALL}) == [
        ("a.py", 1, 7, "AIL001", "cannot parse file: invalid syntax"),
        (
            "b.py",
            2,
            1,
            "AIL401",
            "openai chat.completions.create is not inside a try that catches openai.APIError",
        ),
    ]


def test_syntax_error_in_a_file_with_model_calls(project: Path) -> None:
    assert lint(project, {"a.py": CALL + b"if True\n"}) == [
        ("a.py", 3, 8, "AIL001", "cannot parse file: expected ':'"),
    ]


@pytest.mark.parametrize(
    ("data", "line", "column", "message"),
    [
        (b"x = '\xff\xfe'\n", 1, None, "cannot parse file: (unicode error) 'utf-8' codec can't decode byte 0xff"),
        (b"x = 1\nx\x00 = 2\n", 2, 2, "cannot parse file: source contains a null byte"),
        (b"x = 1\n  y = 2\n", 2, None, "cannot parse file: unexpected indent"),
    ],
)
def test_undecodable_and_broken_bytes(project: Path, data: bytes, line: int, column: int | None, message: str) -> None:
    # Once as a plain file (cheap syntax check), once with a model import (deep analysis).
    for offset, payload in enumerate((data, b"import openai\n" + data)):
        ((_, got_line, got_column, code, got_message),) = lint(project, {"a.py": payload})
        assert code == "AIL001"
        assert got_message.startswith(message)
        if "unicode error" not in message:
            assert got_line == line + offset
        if column is not None:
            assert got_column == column


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"# only a comment\n",
        b"\xef\xbb\xbfimport os\n",
        b"import os\r\nx = 1\r\n",
        b"# -*- coding: latin-1 -*-\nname = '\xe9t\xe9'\n",
        b"x = 1\x0c\ny = 2\n",
        b"type Alias[T] = list[T]\ndef f[T](x: T) -> T:\n    return x\n",
        b"match x:\n    case [a, *rest]:\n        pass\n",
        b"x = f'{'nested'}'\n",
    ],
)
def test_valid_oddities_are_clean(project: Path, data: bytes) -> None:
    assert lint(project, {"a.py": data}) == []
    # The same with a model import, so that the file is analysed in depth (after any BOM or coding line).
    head, _, tail = data.partition(b"\n") if data.startswith((b"\xef", b"# -*-")) else (b"", b"", data)
    assert lint(project, {"a.py": head + _ + b"import openai\n" + tail}) == []


def test_bom_and_latin1_files_with_calls(project: Path) -> None:
    assert [d[3] for d in lint(project, {"a.py": b"\xef\xbb\xbf" + CALL})] == ["AIL401"]
    latin = b"# -*- coding: latin-1 -*-\n" + CALL + b"s = '\xe9'\n"
    assert [d[1:4] for d in lint(project, {"a.py": latin})] == [(3, 1, "AIL401")]


def test_unreadable_file_is_one_line(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (project / "a.py").write_bytes(CALL)
    (project / "b.py").write_bytes(CALL)
    real = Path.read_bytes

    def read_bytes(self: Path) -> bytes:
        if self.name == "a.py":
            raise PermissionError(13, "Permission denied")
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    result = check_paths([Path(".")], Settings(root=project, enabled=frozenset({"AIL401"})), cwd=project)
    assert result.errors == ["cannot read a.py: Permission denied"]
    assert [(d.path, d.code) for d in result.diagnostics] == [("b.py", "AIL401")]


@pytest.mark.parametrize(
    "data",
    [
        b"nonlocal x\n",
        b"def f(a, a):\n    pass\n",
        b"from __future__ import braces\n",
        b"def f():\n    from os import *\n",
    ],
)
def test_errors_of_the_symbol_table_alone_are_not_syntax_errors(project: Path, data: bytes) -> None:
    """CPython's parser accepts these; only compiling them to bytecode fails, and ailint never does."""
    assert lint(project, {"a.py": data}) == []


@pytest.mark.parametrize(
    ("data", "line", "column", "message"),
    [
        (b"x = 1\ndef f(:\n    pass\n", 2, 7, "invalid syntax"),
        (b"# -*- coding: latin-1 -*-\nx = '\xe9'\nif True\n", 3, 8, "expected ':'"),
        (b"\xef\xbb\xbfx = (\n", 1, 5, "'(' was never closed"),
        (b"\xef\xbb\xbf# coding: latin-1\nx = 1\n", 1, 1, "encoding problem: iso-8859-1 with BOM"),
        (b"x = '\\d'\ny = 1 +\n", 2, 8, "invalid syntax"),
        (b"x = 1\n\x00\n", 2, 1, "source contains a null byte"),
    ],
)
def test_plain_syntax_errors_keep_the_parsers_position_and_message(
    project: Path, data: bytes, line: int, column: int, message: str
) -> None:
    assert lint(project, {"a.py": data}) == [("a.py", line, column, "AIL001", f"cannot parse file: {message}")]


def nested_lambdas(lambdas: int, attributes: int) -> bytes:
    """Lambdas nested in each other's defaults around an attribute chain: deeper as a tree than as a symbol table."""
    return b"x = " + b"lambda a=" * lambdas + b"y" + b".b" * attributes + b": 0" * lambdas + b"\n"


def test_a_tree_too_deep_for_python_is_reported_even_if_its_symbol_table_builds(project: Path) -> None:
    """Each lambda is one level of the symbol table's walk but two of the tree's conversion to Python objects."""
    data = nested_lambdas(700, 1700)
    if (3, 11) <= sys.version_info < (3, 13):  # 3.10 has no limit on the conversion, 3.13 a higher one
        symtable.symtable(data, "a.py", "exec")  # type: ignore[arg-type]  # (and raises nothing)
        found = lint(project, {"a.py": data})
        assert found == [("a.py", 1, 1, "AIL001", "cannot parse file: the file is too deeply nested to parse")]
    assert _stdlib_syntax_error(data) == _stdlib_parse(data)[1]


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (b"import openai\n", True),
        (b"from openai import OpenAI\n", True),
        (b"import os, anthropic as a\n", True),
        (b"def f():\n    from anthropic.types import Message\n", True),
        (b"# we use openai here\nx = 'import openai'\n", False),
        (b"import openai_helpers\n", False),
        (b"from myopenai import x\n", False),
        (b"description = 'openai and anthropic'\n", False),
        (b"sdk = __import__('openai')\n", True),
        (b'lib = importlib.import_module("anthropic.lib")\n', True),
        (b"helpers = __import__('openai_helpers')\n", False),
    ],
)
def test_prefilter_needs_an_import(source: bytes, expected: bool) -> None:
    assert may_call_models(source, frozenset({"openai", "anthropic"})) is expected


def test_without_a_pyproject_only_the_folders_asked_for_are_read(project: Path) -> None:
    (project / "a").mkdir()
    (project / "b").mkdir()
    (project / "b" / "llm.py").write_bytes(
        b"from openai import OpenAI\n\ndef complete(p):\n"
        b"    return OpenAI().chat.completions.create(model='m', messages=[])\n"
    )
    (project / "a" / "app.py").write_bytes(b"from llm import complete\n\ncomplete('x')\n")
    settings = Settings(root=project, enabled=frozenset({"AIL401"}))
    assert [d.path for d in check_paths([Path("a")], settings, cwd=project).diagnostics] == []
    # errors are judged at the direct call, whose file is read when the whole project is asked for
    assert [d.path for d in check_paths([Path(".")], settings, cwd=project).diagnostics] == ["b/llm.py"]


def test_a_bug_in_one_file_costs_that_file_only(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import ailint.engine

    (project / "a.py").write_bytes(CALL)
    (project / "b.py").write_bytes(CALL)
    real = ailint.engine.Engine.finish

    def finish(self: ailint.engine.Engine, prepared: ailint.engine.Prepared, project: object) -> list[object]:
        if prepared.task.display == "a.py":
            raise KeyError("boom")
        return real(self, prepared, project)  # type: ignore[arg-type]

    monkeypatch.setattr(ailint.engine.Engine, "finish", finish)
    result = check_paths([Path(".")], Settings(root=project, enabled=frozenset({"AIL401"})), cwd=project)
    assert result.errors == ["internal error while checking a.py: KeyError: 'boom'"]
    assert [(d.path, d.code) for d in result.diagnostics] == [("b.py", "AIL401")]


def _deeper(frames: int, data: bytes) -> object:
    from ailint.engine import _stdlib_parse

    if frames:
        return _deeper(frames - 1, data)
    tree, error = _stdlib_parse(data)
    return error if tree is None else "parsed"


def test_the_tree_of_a_file_nested_to_the_limit_is_judged_alike_from_any_depth() -> None:
    """Where the tree is built decides how deep it may be (3.10, 3.11): a worker and the main process agree."""
    nested = lambda levels: b"x = " + b"-" * levels + b"1\n"  # noqa: E731
    low, high = 100, 20_000  # the deepest that parses, from this test's depth
    while low < high:
        middle = (low + high + 1) // 2
        low, high = (middle, high) if _deeper(0, nested(middle)) == "parsed" else (low, middle - 1)
    for levels in (low, low + 1):
        assert _deeper(0, nested(levels)) == _deeper(60, nested(levels))
    assert _deeper(60, nested(low + 1)) != "parsed"


def test_a_raised_recursion_limit_costs_no_deeper_descent(monkeypatch: pytest.MonkeyPatch) -> None:
    """The stack depth where trees are built does not follow a host's raised limit (a frame per level, per file)."""
    from ailint.engine import _FRAME_BUDGET, MAX_FRAMES, _at_depth

    def reached() -> int:
        frame, depth = sys._getframe(), 0
        while frame is not None:
            depth += 1
            frame = frame.f_back  # type: ignore[assignment]
        return depth

    if not _FRAME_BUDGET:
        pytest.skip("from Python 3.12 the budget follows the C stack")
    usual = _at_depth(0, reached)
    monkeypatch.setattr(sys, "getrecursionlimit", lambda: 1_000_000)
    assert _at_depth(0, reached) == usual <= MAX_FRAMES + 5


def test_trees_of_accepted_bytes_are_built_unvalidated_and_alike() -> None:
    """Skipping each node's validation leaves the same tree; nodes built by hand still validate, before and after."""
    import libcst as cst

    from ailint.engine import _libcst_parse, _unvalidated

    compared = 0
    for path in sorted(FIXTURES.rglob("*.py")):
        source = path.read_bytes()
        if _stdlib_parse(source)[1] is not None:
            continue
        fast, error = _libcst_parse(source, accepted=True)
        checked, _ = _libcst_parse(source)
        if checked is None:  # valid Python that LibCST cannot parse yet: refused alike
            assert fast is None and error is not None
            continue
        assert fast is not None and fast.deep_equals(checked) and fast.bytes == source, path
        compared += 1
    assert compared > 50
    with _unvalidated(cst.CSTNode):
        cst.Name("not a name")  # no check while the parser builds
    with pytest.raises(cst.CSTValidationError):
        cst.Name("not a name")
    with pytest.raises(ValueError), _unvalidated(cst.CSTNode):
        raise ValueError  # the hook comes back whatever happens inside
    with pytest.raises(cst.CSTValidationError):
        cst.Name("not a name")


def test_a_libcst_without_the_validation_hook_is_left_alone() -> None:
    from ailint.engine import _unvalidated

    class Node:
        pass

    with _unvalidated(Node):
        assert "__post_init__" not in Node.__dict__


def test_trees_are_built_with_the_collector_paused(monkeypatch: pytest.MonkeyPatch) -> None:
    """The collector would rescan the growing tree; it is back once the file is prepared."""
    import ailint.analysis.calls
    from ailint.engine import Engine, FileTask
    from ailint.knowledge import builtin
    from ailint.rules import registry

    seen: list[bool] = []
    real = ailint.analysis.calls.collect

    def collect(*args, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(gc.isenabled())
        return real(*args, **kwargs)

    monkeypatch.setattr(ailint.analysis.calls, "collect", collect)
    engine = Engine(Settings(root=Path("."), enabled=registry.DEFAULT_CODES), builtin())
    task = FileTask(display="llm.py", module="llm")
    prepared = engine.prepare(task, b"import openai\nopenai.OpenAI().responses.create(model='m')\n", deep=True)
    assert prepared.analysis is not None and seen == [False] and gc.isenabled()


def test_pauses_of_the_collector_nest_and_end_with_the_outermost() -> None:
    from ailint.engine import collector_paused

    with collector_paused():
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(ValueError), collector_paused():
        raise ValueError
    assert gc.isenabled()
    gc.disable()  # a host that runs without the collector keeps it so
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_a_bug_resolving_the_project_costs_the_files_that_meet_it(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Call sites are resolved once before the files are judged; a file whose resolution fails
    # is reported when it is judged, like any other bug, and the run goes on.
    from ailint.analysis.project import Project

    (project / "llm.py").write_bytes(b"from openai import OpenAI\n\nclient = OpenAI()\n")
    (project / "app.py").write_bytes(b"from llm import client\n\nclient.chat.completions.create(model='m')\n")
    (project / "b.py").write_bytes(CALL)
    real = Project.sites

    def sites(self: Project, analysis: Any) -> Any:
        if analysis.module == "llm":
            raise KeyError("boom")
        return real(self, analysis)

    monkeypatch.setattr(Project, "sites", sites)
    result = check_paths([Path(".")], Settings(root=project, enabled=frozenset({"AIL401"})), cwd=project)
    assert result.errors == ["internal error while checking llm.py: KeyError: 'boom'"]
    assert [(d.path, d.code) for d in result.diagnostics] == [("app.py", "AIL401"), ("b.py", "AIL401")]
