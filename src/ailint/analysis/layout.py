"""One object for each distinct piece of layout: whitespace, comments, commas and ``=``.

Most of a LibCST tree is layout: ``SimpleWhitespace(" ")`` alone is
four nodes in ten, and a file repeats the same few hundred pieces. The
project keeps the tree of every file it analyses in depth until the run
ends, and trees prepared on workers travel pickled, so :func:`share_layout`
replaces every piece of layout with the one object of the process that is
equal to it: held trees take a third less memory, and a pickled tree two
fifths less space and half the time to send and receive. A few thousand distinct
pieces make up a large project; the table lives as long as its engine.

Cheaper still, :func:`interned` has LibCST's parser take each piece from the
table as it builds the tree: no duplicate is ever made (a twelfth of the
parse, on langchain's files) and no walk is needed afterwards.

It is safe because nothing reads layout by identity. Analysis never visits
it (``tree.children`` skips the fields that hold it), every node analysis
reaches keeps its position, and rendering (``Module.code_for_node``) reads
values, not identities; tests hold the shared kinds to all three.
LibCST's nodes are frozen: the fields are set the way their own
constructor sets them, before the tree is used for anything else.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import libcst as cst

from ailint.analysis.tree import NODE_TYPES

SHARED: frozenset[type[cst.CSTNode]] = frozenset(
    {
        cst.SimpleWhitespace,
        cst.ParenthesizedWhitespace,
        cst.TrailingWhitespace,
        cst.Newline,
        cst.EmptyLine,
        cst.Comment,
        cst.Comma,
        cst.AssignEqual,
    }
)
"""Layout kinds: their fields hold only strings, flags and other layout, and analysis never visits them.

Parentheses are not among them: LibCST takes the end of ``from m import (a,
b)`` from its closing parenthesis, and its position provider keeps one
position per object, so a shared ``)`` would give every such import (and
the blocks ending with one) the end of the first.
"""

Layouts = dict[Any, cst.CSTNode]
"""The one object for each distinct piece of layout: one table per engine, so per run and process."""
_set = object.__setattr__


_FIELDS: dict[type, tuple[str, ...]] = {
    kind: tuple(f.name for f in dataclasses.fields(kind)) for kind in NODE_TYPES if dataclasses.is_dataclass(kind)
}
_SPACE = cst.SimpleWhitespace
"""Four nodes in ten: keyed by their text alone, without the generic walk of :func:`_share`."""


def share_layout(module: cst.Module, canonical: Layouts) -> None:
    """Make every piece of layout in ``module`` the one object of ``canonical`` equal to it (in place)."""
    shared, nodes, fields, space = SHARED, NODE_TYPES, _FIELDS, _SPACE
    stack: list[cst.CSTNode] = [module]
    pop, push, setdefault = stack.pop, stack.append, canonical.setdefault
    while stack:
        node = pop()
        for name in fields[type(node)]:
            value = getattr(node, name)
            kind = type(value)
            if kind is space:
                found = setdefault(value.value, value)
                if found is not value:
                    _set(node, name, found)
            elif kind in nodes:
                if kind in shared:
                    found = _share(value, canonical)
                    if found is not value:
                        _set(node, name, found)
                else:
                    push(value)
            elif (kind is list or kind is tuple) and value:
                items: list[cst.CSTNode] | None = None
                for index, item in enumerate(value):
                    if type(item) in shared:
                        found = _share(item, canonical)
                        if found is not item:
                            if items is None:
                                items = list(value)
                            items[index] = found
                    elif type(item) in nodes:
                        push(item)
                if items is not None:
                    _set(node, name, kind(items))


def _share(node: cst.CSTNode, canonical: Layouts) -> cst.CSTNode:
    """The canonical object equal to the layout ``node``, its own parts shared first."""
    kind = type(node)
    if kind is _SPACE:
        return canonical.setdefault(node.value, node)  # type: ignore[attr-defined]
    key: list[Any] = [kind]
    for name in _FIELDS[kind]:
        value = getattr(node, name)
        if type(value) in SHARED:
            found = _share(value, canonical)
            if found is not value:
                _set(node, name, found)
            key.append(id(found))
        elif type(value) is list or type(value) is tuple:
            items = [_share(item, canonical) if type(item) in SHARED else item for item in value]
            if any(new is not old for new, old in zip(items, value, strict=True)):
                _set(node, name, type(value)(items))
            key.append(tuple(id(item) if type(item) in SHARED else item for item in items))
        else:
            key.append(value)
    return canonical.setdefault(tuple(key), node)


def _factory(kind: type[cst.CSTNode], canonical: Layouts, used: list[bool]) -> Callable[..., cst.CSTNode]:
    """Stands in for the layout class ``kind`` while a tree is parsed: the one equal piece, made at most once.

    The parser builds a tree bottom up, so the pieces a piece holds come from
    the table already, and their identities are its key (the table keeps them
    alive, so no identity is reused while it lasts).
    """
    if kind is _SPACE:

        def space(value: str) -> cst.CSTNode:
            used[0] = True
            found = canonical.get(value)
            if found is None:
                found = canonical[value] = kind(value=value)
            return found

        return space

    def piece(**fields: Any) -> cst.CSTNode:
        used[0] = True
        key: list[Any] = [kind]
        for name, value in fields.items():
            known = type(value)
            if known is list or known is tuple:
                value = tuple(id(item) if type(item) in SHARED else item for item in value)
            elif known in SHARED:
                value = id(value)
            key += (name, value)
        frozen = tuple(key)
        found = canonical.get(frozen)
        if found is None:
            found = canonical[frozen] = kind(**fields)
        return found

    return piece


@contextmanager
def interned(canonical: Layouts) -> Iterator[list[bool]]:
    """LibCST's parser taking every piece of layout it builds from ``canonical`` (for the length of a parse).

    The native parser makes each node by calling the class of that name on the
    ``libcst`` module, so for the length of the parse the layout classes there
    are replaced by :func:`_factory`'s stand-ins, and put back afterwards,
    even on an exception. The yielded flag becomes true once a stand-in is
    called: should LibCST stop looking its classes up, it stays false and the
    caller shares the tree's layout with :func:`share_layout` instead. As with
    node validation (``engine._unvalidated``), the swap is the process's: no
    other code builds layout nodes meanwhile (files are checked one after another).
    """
    used = [False]
    replaced = {kind.__name__: kind for kind in SHARED if getattr(cst, kind.__name__, None) is kind}
    for name, kind in replaced.items():
        setattr(cst, name, _factory(kind, canonical, used))
    try:
        yield used
    finally:
        for name, kind in replaced.items():
            setattr(cst, name, kind)
