""" "The output" of a call inside its function: the call and everything derived from it.

SPEC: the call's result and every value derived from it inside the enclosing
function (attributes, subscripts, ``json.loads(...)``, string operations,
names assigned from them, loop variables over a stream, awaited results,
tuple unpacking). The analysis is a flow-insensitive fixpoint over the
function's recorded assignments: cheap, and right for the short functions
model calls live in.
"""

from __future__ import annotations

import libcst as cst

from ailint.analysis.calls import FunctionRecord
from ailint.analysis.tree import children


def target_names(target: cst.BaseExpression, receivers: bool = False) -> list[str]:
    """Names bound by an assignment target (tuples and starred unpacked).

    With ``receivers``, ``ticket.status = value`` also names ``ticket``: the
    object now holds the value (``self`` and ``cls`` excepted, which would
    make a whole class derived from one assignment).
    """
    if isinstance(target, cst.Name):
        return [target.value]
    if isinstance(target, (cst.Tuple, cst.List)):
        return [n for element in target.elements for n in target_names(element.value, receivers)]
    if isinstance(target, cst.StarredElement):
        return target_names(target.value, receivers)
    if receivers and isinstance(target, (cst.Attribute, cst.Subscript)):
        base = target.value
        while isinstance(base, (cst.Attribute, cst.Subscript)):
            base = base.value
        if isinstance(base, cst.Name) and base.value not in ("self", "cls"):
            return [base.value]
    return []


class Output:
    """The output of one call within its function."""

    def __init__(
        self,
        record: FunctionRecord | None,
        call: cst.Call,
        *,
        through_methods: bool = True,
        module_flows: list[tuple[cst.BaseExpression, cst.BaseExpression]] | None = None,
    ) -> None:
        """``module_flows``: for a call at the top level of a module (no ``record``), the module's flows."""
        self.record = record
        self.call = call
        self.flows = record.flows if record is not None else module_flows or []
        self.through_methods = through_methods
        """False for embeddings: ``index.search(vector)`` returns stored rows, not the model's output."""
        self.names: frozenset[str] = self._derive()

    def derives(self, expr: cst.CSTNode) -> bool:
        """Whether ``expr`` contains the call or a name holding (part of) its output.

        Looking a derived key up in a fixed container (``ALLOWED[choice]``,
        ``COMMANDS.get(choice)``) selects one of the container's values: the
        result is not the output, so only the container is followed.
        """
        stack: list[cst.CSTNode] = [expr]
        while stack:
            node = stack.pop()
            if node is self.call:
                return True
            if isinstance(node, cst.Name):
                if node.value in self.names:
                    return True
                continue
            if isinstance(node, (cst.FunctionDef, cst.ClassDef)):
                continue
            if isinstance(node, cst.Subscript):
                stack.append(node.value)
                continue
            if (
                isinstance(node, cst.Call)
                and isinstance(node.func, cst.Attribute)
                and node is not self.call
                and (node.func.attr.value == "get" or not self.through_methods)
            ):
                stack.append(node.func.value)
                continue
            stack.extend(children(node))
        return False

    def _derive(self) -> frozenset[str]:
        if not self.flows:
            return frozenset()
        names: set[str] = set()
        self.names = frozenset()
        changed = True
        while changed:
            changed = False
            for target, value in self.flows:
                new = [n for n in target_names(target, receivers=True) if n not in names]
                if new and self.derives(value):
                    names.update(new)
                    self.names = frozenset(names)
                    changed = True
        return frozenset(names)

    @property
    def returned(self) -> bool:
        """Whether the function returns or yields (a value derived from) the output."""
        return self.record is not None and any(self.derives(value) for value in self.record.outputs)
