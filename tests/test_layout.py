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


def _interned_parse(data: bytes | str, table: Layouts) -> cst.Module:
    from ailint.analysis.layout import interned

    with interned(table) as used:
        module = cst.parse_module(data)
    assert used[0] or not data.strip()  # an empty file has no layout to build
    return module


@pytest.mark.parametrize("path", _python_files()[::7], ids=lambda p: str(p.relative_to(ROOT)))
def test_a_tree_built_from_the_table_is_the_tree_shared_afterwards(path: Path) -> None:
    """Parsing with ``interned`` gives the same nodes and code as parsing, then :func:`share_layout`."""
    data = path.read_bytes()
    plain = _parse(data)
    if plain is None:
        return
    table: Layouts = {}
    module = _interned_parse(data, table)
    assert module.deep_equals(plain)
    assert module.code == data.decode()
    layout = {id(node) for node in _all_nodes(module) if type(node) in SHARED}
    share_layout(module, table)  # nothing left to share: every piece is the table's already
    assert {id(node) for node in _all_nodes(module) if type(node) in SHARED} == layout
    assert layout == {id(node) for node in table.values()} & layout
    assert not [type(node).__name__ for node in walk(module) if type(node) in SHARED]


def test_the_table_makes_each_piece_once_across_trees() -> None:
    table: Layouts = {}
    first = _interned_parse(SOURCE, table)
    size = len(table)
    second = _interned_parse(SOURCE, table)
    assert len(table) == size
    pieces = [node for node in _all_nodes(first) if type(node) in SHARED]
    assert len(pieces) > 100 and len({id(node) for node in pieces}) < len(pieces) / 4
    assert {id(n) for n in _all_nodes(second) if type(n) in SHARED} == {id(n) for n in pieces}
    assert MetadataWrapper(second, unsafe_skip_copy=True).resolve(PositionProvider)  # renders and measures


def test_the_layout_classes_come_back_after_a_parse_that_fails() -> None:
    from ailint.analysis.layout import interned

    classes = {kind.__name__: getattr(cst, kind.__name__) for kind in SHARED}
    with pytest.raises(cst.ParserSyntaxError), interned({}):
        cst.parse_module("def f(:\n")
    assert {kind.__name__: getattr(cst, kind.__name__) for kind in SHARED} == classes
    assert all(isinstance(cls, type) for cls in classes.values())


def test_a_libcst_that_does_not_look_its_classes_up_has_its_layout_shared_afterwards(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The stand-ins unused (the flag stays false): the engine falls back to :func:`share_layout`."""
    from contextlib import contextmanager

    from ailint import engine
    from ailint.analysis import layout

    @contextmanager
    def ignored(table: Layouts):  # type: ignore[no-untyped-def]
        yield [False]

    monkeypatch.setattr(layout, "interned", ignored)
    table: Layouts = {}
    module, error = engine._libcst_parse(SOURCE.encode(), accepted=True, layouts=table)
    assert error is None and module is not None
    spaces = [n for n in _all_nodes(module) if type(n) is cst.SimpleWhitespace and n.value == " "]
    assert len(spaces) > 10 and len({id(n) for n in spaces}) == 1
    assert table[" "] is spaces[0]


def test_a_tree_the_engine_does_not_keep_leaves_the_engine_table_alone() -> None:
    from ailint.engine import Engine, FileTask
    from ailint.knowledge import builtin
    from ailint.rules import registry
    from ailint.settings import Settings

    engine = Engine(Settings(root=Path("."), enabled=registry.DEFAULT_CODES), builtin())
    data = (
        b"import openai\n\n# a comment only this file has\nreply = openai.OpenAI().chat.completions.create(model=m)\n"
    )
    prepared = engine.prepare(FileTask(display="a.py", module="a"), data, deep=True, kept=False)
    assert prepared.analysis is not None and prepared.analysis.module_node is not None
    assert engine.layouts == {}
    pieces = [
        n for n in _all_nodes(prepared.analysis.module_node) if type(n) is cst.SimpleWhitespace and n.value == " "
    ]
    assert len(pieces) > 1 and len({id(n) for n in pieces}) == 1  # shared within the file all the same
