"""Layout shared between nodes changes no code, no node's position and nothing analysis visits."""

from __future__ import annotations

import pickle
from pathlib import Path

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, PositionProvider

from ailint.analysis.layout import SHARED, Layouts, share_layout
from ailint.analysis.tree import walk

ROOT = Path(__file__).resolve().parent.parent
SOURCE = """\
# leading comment
import os  # trailing comment
from a import (b)
from c import (d,
    e)


@decorate( config() ,  other = 1 )  # on the decorator
def f(a=one(), /, b = two(), *args, c=three(), **kw) -> ret():
    x = yes() if test() else no()

    # between statements

    value = call(
        first,   # inside the call
        second=(  nested(3) ),
    )
    try:
        pass
    except (ValueError, build()) as exc:  # handler
        raise wrap(exc)


class C(base(), metaclass=meta()):
    items = [h(i) for i in source() if keep(i)]
    lookup = {k(): v() for k in keys()}


def g():
    try:
        from f import (h)
    except ImportError:
        from i import (j)
"""


def _python_files() -> list[Path]:
    return sorted([*(ROOT / "src").rglob("*.py"), *(ROOT / "fixtures").rglob("*.py"), *(ROOT / "tests").rglob("*.py")])


def _parse(data: bytes) -> cst.Module | None:
    try:
        return cst.parse_module(data)
    except cst.ParserSyntaxError:
        return None


def test_shared_layout_renders_the_same_code_and_the_same_positions() -> None:
    fresh, shared = cst.parse_module(SOURCE), cst.parse_module(SOURCE)
    share_layout(shared, {})
    assert shared.code == SOURCE
    before = MetadataWrapper(fresh, unsafe_skip_copy=True).resolve(PositionProvider)
    after = MetadataWrapper(shared, unsafe_skip_copy=True).resolve(PositionProvider)
    pairs = list(zip(walk(fresh), walk(shared), strict=True))  # every node analysis can reach
    assert len(pairs) > 120
    for old, new in pairs:
        assert type(old) is type(new)
        assert before[old] == after[new]
        if isinstance(old, (cst.Call, cst.BaseStatement)):  # fingerprints render calls
            assert fresh.code_for_node(old) == shared.code_for_node(new)


def test_equal_pieces_of_layout_become_one_object() -> None:
    module = cst.parse_module(SOURCE)
    table: Layouts = {}
    share_layout(module, table)
    spaces = [
        node.whitespace_after
        for node in _all_nodes(module)
        if isinstance(node, cst.Comma) and isinstance(node.whitespace_after, cst.SimpleWhitespace)
    ]
    singles = {id(ws) for ws in spaces if ws.value == " "}
    assert len([ws for ws in spaces if ws.value == " "]) > 3
    assert len(singles) == 1
    assert all(type(node) in SHARED for node in table.values())
    # A second file reuses the same objects: the table holds each distinct piece once.
    size = len(table)
    share_layout(cst.parse_module(SOURCE), table)
    assert len(table) == size


def test_a_shared_tree_pickles_smaller_and_comes_back_whole() -> None:
    data = (ROOT / "src" / "ailint" / "engine.py").read_bytes()
    fresh, shared = cst.parse_module(data), cst.parse_module(data)
    share_layout(shared, {})
    plain, compact = pickle.dumps(fresh, protocol=5), pickle.dumps(shared, protocol=5)
    assert len(compact) < 0.75 * len(plain)
    assert pickle.loads(compact).code == data.decode()


@pytest.mark.parametrize("path", _python_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_analysis_never_visits_layout_and_code_is_unchanged(path: Path) -> None:
    """``tree.walk`` (every analysis walk) never reaches a shared kind: their identity is never read."""
    data = path.read_bytes()
    module = _parse(data)
    if module is None:
        return  # fixtures of broken syntax
    share_layout(module, {})
    assert module.code == data.decode()
    assert not [type(node).__name__ for node in walk(module) if type(node) in SHARED]


def _all_nodes(node: cst.CSTNode) -> list[cst.CSTNode]:
    """Every node, layout included (``tree.walk`` skips layout on purpose)."""
    found, stack = [], [node]
    while stack:
        current = stack.pop()
        found.append(current)
        stack.extend(current.children)
    return found


def test_files_an_engine_keeps_share_its_layout_and_a_new_engine_starts_afresh() -> None:
    from ailint.engine import Engine, FileTask
    from ailint.knowledge import builtin
    from ailint.rules import registry
    from ailint.settings import Settings

    engine = Engine(Settings(root=Path("."), enabled=registry.DEFAULT_CODES), builtin())
    data = b"import openai\n\nclient = openai.OpenAI(timeout=10)\nreply = client.chat.completions.create(model=m)\n"

    def module(engine: Engine, name: str) -> cst.Module:
        prepared = engine.prepare(FileTask(display=f"{name}.py", module=name), data, deep=True)
        assert prepared.analysis is not None and prepared.analysis.module_node is not None
        return prepared.analysis.module_node

    def layout(module: cst.Module) -> set[int]:
        return {id(node) for node in _all_nodes(module) if type(node) in SHARED}

    first, second = module(engine, "a"), module(engine, "b")
    assert first is not second
    assert len(layout(first)) > 5
    assert layout(first) == layout(second)
    assert engine.layouts and all(type(node) in SHARED for node in engine.layouts.values())
    other = Engine(engine.settings, engine.knowledge)
    assert not layout(module(other, "c")) & layout(first)
