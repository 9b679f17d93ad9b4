""" "The output" of a call inside its function: the call and everything derived from it.

SPEC: the call's result and every value derived from it inside the enclosing
function (attributes, subscripts, ``json.loads(...)``, string operations,
names assigned from them, loop variables over a stream, awaited results,
tuple unpacking). The analysis is a flow-insensitive fixpoint over the
function's recorded assignments: cheap, and right for the short functions
model calls live in.
"""

from __future__ import annotations

from collections.abc import Iterator

import libcst as cst

from ailint.analysis.calls import FunctionRecord


def _walk(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        if isinstance(current, (cst.FunctionDef, cst.ClassDef)):
            continue
        stack.extend(current.children)


def target_names(target: cst.BaseExpression) -> list[str]:
    """Names bound by an assignment target (tuples and starred unpacked)."""
    if isinstance(target, cst.Name):
        return [target.value]
    if isinstance(target, (cst.Tuple, cst.List)):
        return [n for element in target.elements for n in target_names(element.value)]
    if isinstance(target, cst.StarredElement):
        return target_names(target.value)
    return []


class Output:
    """The output of one call within its function."""

    def __init__(self, record: FunctionRecord | None, call: cst.Call) -> None:
        self.record = record
        self.call = call
        self.names: frozenset[str] = self._derive()

    def derives(self, expr: cst.CSTNode) -> bool:
        """Whether ``expr`` contains the call or a name holding (part of) its output."""
        for node in _walk(expr):
            if node is self.call:
                return True
            if isinstance(node, cst.Name) and node.value in self.names:
                return True
        return False

    def _derive(self) -> frozenset[str]:
        if self.record is None:
            return frozenset()
        names: set[str] = set()
        self.names = frozenset()
        changed = True
        while changed:
            changed = False
            for target, value in self.record.flows:
                new = [n for n in target_names(target) if n not in names]
                if new and self.derives(value):
                    names.update(new)
                    self.names = frozenset(names)
                    changed = True
        return frozenset(names)

    @property
    def returned(self) -> bool:
        """Whether the function returns or yields (a value derived from) the output."""
        return self.record is not None and any(self.derives(value) for value in self.record.outputs)
