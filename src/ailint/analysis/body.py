"""Lazy facts about one function body: its calls, comparisons, statements.

Rules about logging, confidence, usage, sinks and authority all ask questions
of the function a call sits in. ``Body`` walks that function once, on the
first question, and only for functions that contain a call site; files and
functions without model calls never pay for it.
"""

from __future__ import annotations

from functools import cached_property
from typing import TypeVar

import libcst as cst

from ailint.analysis.calls import FileAnalysis, FunctionRecord
from ailint.analysis.scope import Scope, dotted_name
from ailint.analysis.tree import walk

_NESTED = frozenset({cst.FunctionDef, cst.ClassDef})
_Node = TypeVar("_Node", bound=cst.CSTNode)


class Body:
    """One function body (or a module's top level) and what it contains."""

    def __init__(self, file: FileAnalysis, record: FunctionRecord | None) -> None:
        self.file = file
        self.record = record
        self.scope: Scope = record.scope if record is not None else file.module_scope
        root: cst.CSTNode | None = record.node.body if record is not None else file.module_node
        self.root = root

    @cached_property
    def nodes(self) -> list[cst.CSTNode]:
        """Every node of the body, nested functions and classes excluded (they run elsewhere)."""
        if self.root is None:
            return []
        nodes = walk(self.root, into_definitions=False)
        return [n for n in nodes if n is self.root or type(n) not in _NESTED]

    @cached_property
    def _by_kind(self) -> dict[type[cst.CSTNode], list[cst.CSTNode]]:
        """The body's nodes by exact type, in source order: one pass, and no ``isinstance`` on LibCST's ABCs.

        The kinds asked for here have no subclasses.
        """
        found: dict[type[cst.CSTNode], list[cst.CSTNode]] = {}
        for node in self.nodes:
            kind = type(node)
            if kind in found:
                found[kind].append(node)
            else:
                found[kind] = [node]
        return found

    def of_kind(self, kind: type[_Node]) -> list[_Node]:
        """The body's nodes of exactly this LibCST type, in source order."""
        return self._by_kind.get(kind, [])  # type: ignore[return-value]

    @cached_property
    def calls(self) -> list[cst.Call]:
        """Every call in the body, in source order."""
        return self.of_kind(cst.Call)

    @cached_property
    def order(self) -> dict[int, int]:
        """Source-order index of every node (by identity)."""
        return {id(node): index for index, node in enumerate(self.nodes)}

    @cached_property
    def comparisons(self) -> list[cst.Comparison]:
        return self.of_kind(cst.Comparison)

    @cached_property
    def with_items(self) -> list[cst.WithItem]:
        return self.of_kind(cst.WithItem)

    @cached_property
    def assignments(self) -> list[cst.Assign]:
        return self.of_kind(cst.Assign)

    @cached_property
    def discarded(self) -> frozenset[int]:
        """Ids of calls whose result is thrown away (``client.create(...)`` as a statement)."""
        found = set()
        for node in self.of_kind(cst.Expr):
            value = node.value.expression if isinstance(node.value, cst.Await) else node.value
            if isinstance(value, cst.Call):
                found.add(id(value))
        return frozenset(found)

    @cached_property
    def name_counts(self) -> dict[str, int]:
        """How often each name appears in the body (assignments included)."""
        counts: dict[str, int] = {}
        for node in self.of_kind(cst.Name):
            counts[node.value] = counts.get(node.value, 0) + 1
        return counts

    def unused(self, call: cst.Call) -> bool:
        """Whether the call's result is thrown away, or bound to a local name nothing reads."""
        if id(call) in self.discarded:
            return True
        if self.record is None:
            return False  # a module-level name may be imported elsewhere
        for assign in self.assignments:
            value = assign.value.expression if isinstance(assign.value, cst.Await) else assign.value
            if value is call and len(assign.targets) == 1:
                target = assign.targets[0].target
                return isinstance(target, cst.Name) and self.name_counts.get(target.value, 0) == 1
        return False

    def callee(self, call: cst.Call) -> tuple[str | None, str | None]:
        """The canonical path of a call's callee, and its dotted text (either may be None)."""
        return self.file.resolver.resolve(call.func, self.scope), dotted_name(call.func)

    def names(self, call: cst.Call) -> list[str]:
        """Candidate names of a callee, most precise first, for matching against data."""
        canonical, text = self.callee(call)
        return [n for n in (canonical, text) if n]

    @cached_property
    def decorators(self) -> list[tuple[str | None, str | None]]:
        """Canonical path and dotted text of each decorator of the function."""
        if self.record is None:
            return []
        scope = self.scope.parent or self.scope
        result = []
        for decorator in self.record.node.decorators:
            expr = decorator.decorator
            if isinstance(expr, cst.Call):
                expr = expr.func
            result.append((self.file.resolver.resolve(expr, scope), dotted_name(expr)))
        return result

    def before(self, first: cst.CSTNode, second: cst.CSTNode) -> bool:
        """Whether ``first`` comes before ``second`` in the body."""
        order = self.order
        return order.get(id(first), -1) < order.get(id(second), -1)


def last_part(name: str | None) -> str:
    """``a.b().c`` → ``c``."""
    return (name or "").rsplit(".", 1)[-1]


def keywords(call: cst.Call) -> dict[str, cst.BaseExpression]:
    return {arg.keyword.value: arg.value for arg in call.args if arg.keyword is not None}
