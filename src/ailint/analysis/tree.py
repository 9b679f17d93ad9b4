"""Fast, read-only traversal of LibCST trees.

LibCST's ``node.visit(visitor)`` and ``node.children`` rebuild every node they
pass through (both go through ``_visit_and_replace_children``), which costs
more than parsing. Analysis only reads the tree, so it walks the dataclass
fields directly, skipping the fields that hold only whitespace and
punctuation. Children come in field order, which is source order for every
node type except a few (decorators and bases are listed after the body);
code that needs source order compares positions instead.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Sequence
from functools import cache

import libcst as cst

_SKIPPED = ("whitespace", "lpar", "rpar", "comma", "semicolon", "leading_lines", "lines_after", "header", "footer")
_SKIPPED_EXACT = frozenset({"dot", "equal", "colon", "arrow", "star_tok", "walrus", "newline", "indent"})


@cache
def _fields(kind: type) -> tuple[str, ...]:
    return tuple(
        f.name
        for f in dataclasses.fields(kind)
        if f.name not in _SKIPPED_EXACT and not any(word in f.name for word in _SKIPPED)
    )


def _node_types() -> frozenset[type]:
    found: set[type] = set()
    pending: list[type] = [cst.CSTNode]
    while pending:
        kind = pending.pop()
        found.add(kind)
        pending.extend(kind.__subclasses__())
    return frozenset(found)


NODE_TYPES = _node_types()
"""Every LibCST node class: membership of an exact type is far cheaper than ``isinstance`` on their ABCs."""


_NODE, _SEQUENCE, _OTHER = 1, 2, 0
_KINDS: dict[type, int] = {}
"""What a field value of each type is: a node, a sequence that may hold nodes, or neither.

LibCST's classes are ABCs, so ``isinstance`` on them costs a call into
``abc`` for every ``None``, string and sentinel a field holds: the type of a
value is classified once instead.
"""


def _kind(kind: type) -> int:
    found = _KINDS.get(kind)
    if found is None:
        if issubclass(kind, cst.CSTNode):  # a node class made after import (never in LibCST itself)
            found = _NODE
        elif issubclass(kind, Sequence) and not issubclass(kind, (str, bytes)):
            found = _SEQUENCE
        else:
            found = _OTHER
        _KINDS[kind] = found
    return found


def children(node: cst.CSTNode) -> list[cst.CSTNode]:
    """The node's children that can hold code (not whitespace or punctuation), in field order.

    A list, not a generator: every walk takes all of them, and a walk that
    collects them from a generator costs twice as much.
    """
    found: list[cst.CSTNode] = []
    add, nodes = found.append, NODE_TYPES
    for name in _fields(type(node)):
        value = getattr(node, name)
        kind = type(value)
        if kind in nodes:
            add(value)
        elif kind is tuple or kind is list:
            for item in value:
                if type(item) in nodes:
                    add(item)
        elif kind is not str and value is not None:
            sort = _kind(kind)
            if sort == _NODE:
                add(value)
            elif sort == _SEQUENCE:
                for item in value:
                    if type(item) in nodes or _kind(type(item)) == _NODE:
                        add(item)
    return found


_DEFINITIONS = frozenset(kind for kind in NODE_TYPES if issubclass(kind, (cst.FunctionDef, cst.ClassDef)))


def walk(node: cst.CSTNode, *, into_definitions: bool = True) -> Iterator[cst.CSTNode]:
    """Every node below ``node`` (itself first), optionally not entering nested functions and classes."""
    stack: list[cst.CSTNode] = [node]
    while stack:
        current = stack.pop()
        yield current
        if not into_definitions and current is not node and type(current) in _DEFINITIONS:
            continue
        found = children(current)
        found.reverse()
        stack.extend(found)
