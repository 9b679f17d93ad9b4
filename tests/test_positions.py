"""Positions from CPython's spans agree with LibCST's position provider, or are not used."""

from __future__ import annotations

import ast

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, PositionProvider

from ailint.analysis.positions import FastPositions
from ailint.analysis.tree import walk
from ailint.engine import _too_deep

SOURCE = """\
@decorate(config())
def f(a=one(), /, b=two(), *args, c=three(), **kw) -> ret():
    x = yes() if test() else no()
    é = "ünï" + name(café(1), ("(", g)(2))
    client.chat.completions.create(
        model=pick(),
    ).choices[0].message.parse()
    try:
        pass
    except (ValueError, build()) as exc:
        raise wrap(exc)


class C(base(), metaclass=meta()):
    items = [h(i) for i in source() if keep(i)]
    lookup = {k(): v() for k in keys()}
    text = f"{render(x)!r:>{width()}}"


match command():
    case Point(x=0) if check():
        run()
"""


def _fast(source: str) -> tuple[FastPositions, MetadataWrapper]:
    calls: list[tuple[int, int, int, int]] = []
    handlers: list[tuple[int, int, int, int]] = []
    data = source.encode()
    assert _too_deep(ast.parse(data), (calls, handlers)) is None  # the walk that records spans for the engine
    module = cst.parse_module(data)
    return FastPositions(module, data, calls, handlers), MetadataWrapper(module, unsafe_skip_copy=True)


def test_every_call_and_handler_matches_the_position_provider() -> None:
    fast, wrapper = _fast(SOURCE)
    expected = wrapper.resolve(PositionProvider)
    nodes = [n for n in walk(wrapper.module) if isinstance(n, (cst.Call, cst.ExceptHandler))]
    assert len(nodes) == 31
    for node in nodes:
        where = expected[node]
        assert fast.get(node) == (where.start.line, where.start.column, where.end.line, where.end.column)


@pytest.mark.parametrize(
    "source",
    [
        "x = f(1)\r\ny = g(2)\r\n",  # line breaks CPython and LibCST may count differently
        "# -*- coding: latin-1 -*-\nx = f(1)\n",  # columns in another encoding
        "\ufeffx = f(1)\n",
    ],
)
def test_files_the_two_parsers_may_disagree_on_are_left_to_libcst(source: str) -> None:
    fast, wrapper = _fast(source)
    call = next(n for n in walk(wrapper.module) if isinstance(n, cst.Call))
    assert fast.get(call) is None


def test_a_mismatch_in_the_source_text_is_refused() -> None:
    fast, wrapper = _fast("x = f(1)\ny = g(2)\n")
    fast.spans[cst.Call].reverse()  # as if the orders disagreed
    fast._by_node = None
    assert [fast.get(n) for n in walk(wrapper.module) if isinstance(n, cst.Call)] == [None, None]
