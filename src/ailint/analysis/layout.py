"""One object for each distinct piece of layout: whitespace, comments, commas and parentheses.

Two thirds of a LibCST tree is layout: ``SimpleWhitespace(" ")`` alone is
four nodes in ten, and a file repeats the same few hundred pieces. The
project keeps the tree of every file it analyses in depth until the run
ends, and trees prepared on workers travel pickled, so :func:`share_layout`
replaces every piece of layout with the one object of the process that is
equal to it: held trees take a third less memory, and a pickled tree half
the space and half the time to send and receive. A few thousand distinct
pieces make up a large project; the table lives as long as its engine.

It is safe because nothing reads layout by identity. Analysis never visits
it (``tree.children`` skips the fields that hold it, and a test holds the
shared kinds to that), positions are asked of calls and handlers only, and
rendering code (``Module.code_for_node``) reads values, not identities.
LibCST's nodes are frozen: the fields are set the way their own
constructor sets them, before the tree is used for anything else.
"""

from __future__ import annotations

import dataclasses
from functools import cache
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
        cst.LeftParen,
        cst.RightParen,
    }
)
"""Layout kinds: their fields hold only strings, flags and other layout, and analysis never visits them."""

Layouts = dict[tuple[Any, ...], cst.CSTNode]
"""The one object for each distinct piece of layout: one table per engine, so per run and process."""
_set = object.__setattr__


@cache
def _fields(kind: type) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(kind))


def share_layout(module: cst.Module, canonical: Layouts) -> None:
    """Make every piece of layout in ``module`` the one object of ``canonical`` equal to it (in place)."""
    shared, nodes = SHARED, NODE_TYPES
    stack: list[cst.CSTNode] = [module]
    pop, push = stack.pop, stack.append
    while stack:
        node = pop()
        for name in _fields(type(node)):
            value = getattr(node, name)
            kind = type(value)
            if kind in shared:
                found = _share(value, shared, canonical)
                if found is not value:
                    _set(node, name, found)
            elif kind is list or kind is tuple:
                items = list(value)
                changed = False
                for index, item in enumerate(items):
                    if type(item) in shared:
                        found = _share(item, shared, canonical)
                        if found is not item:
                            items[index], changed = found, True
                    elif type(item) in nodes:
                        push(item)
                if changed:
                    _set(node, name, kind(items))
            elif kind in nodes:
                push(value)


def _share(node: cst.CSTNode, shared: frozenset[type], canonical: Layouts) -> cst.CSTNode:
    """The canonical object equal to the layout ``node``, its own parts shared first."""
    key: list[Any] = [type(node)]
    for name in _fields(type(node)):
        value = getattr(node, name)
        kind = type(value)
        if kind in shared:
            found = _share(value, shared, canonical)
            if found is not value:
                _set(node, name, found)
            key.append(id(found))
        elif kind is list or kind is tuple:
            items = [_share(item, shared, canonical) if type(item) in shared else item for item in value]
            if any(new is not old for new, old in zip(items, value, strict=True)):
                _set(node, name, kind(items))
            key.append(tuple(id(item) if type(item) in shared else item for item in items))
        else:
            key.append(value)
    return canonical.setdefault(tuple(key), node)
