"""Line and column of nodes, computed only when something is reported, and cheaply when possible.

Findings sit on calls (and a message may name the line of an ``except``).
CPython's parser, which runs on every file before LibCST, already knows
where each call and handler is; matching them in source order to LibCST's
nodes gives their positions without rendering the module. Each match is
checked against the source text (the callee's code must be there), and a
file where anything disagrees falls back to LibCST's position provider.

That provider renders the module to count lines and columns, and
``MetadataWrapper.resolve`` then walks the whole tree once more in an empty
batched visit (after any provider that is not batchable); the provider's own
pass is run directly instead, and stored where ``resolve`` finds it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, cast

import libcst as cst

from ailint.analysis.tree import children

if TYPE_CHECKING:
    from libcst.metadata import CodeRange, MetadataWrapper

    from ailint.engine import StdlibSpan as Span  # line, column in UTF-8 bytes, end line, end column


def positions(wrapper: MetadataWrapper) -> Mapping[cst.CSTNode, CodeRange]:
    """The position of every node of ``wrapper``'s module (memoised on the wrapper)."""
    from libcst.metadata import PositionProvider

    stored: Any = getattr(wrapper, "_metadata", None)
    if not isinstance(stored, dict):  # a LibCST without the internals relied on: the public way
        return cast("Mapping[cst.CSTNode, CodeRange]", wrapper.resolve(PositionProvider))
    found = stored.get(PositionProvider)
    if found is None:
        found = stored[PositionProvider] = PositionProvider()._gen(wrapper)
    return cast("Mapping[cst.CSTNode, CodeRange]", found)


def _source_order(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """Every node below ``node`` in the order its code appears (``tree.walk`` keeps field order)."""
    stack: list[cst.CSTNode] = [node]
    pop, extend, orders = stack.pop, stack.extend, _ORDERS
    while stack:
        current = pop()
        yield current
        order = orders.get(type(current))
        found = order(current) if order is not None else children(current)
        found.reverse()
        extend(found)


def _optional(*nodes: cst.CSTNode | None) -> list[cst.CSTNode]:
    return [node for node in nodes if isinstance(node, cst.CSTNode)]


def _parameters(node: cst.Parameters) -> list[cst.CSTNode]:
    star = _optional(node.star_arg) if isinstance(node.star_arg, cst.CSTNode) else []
    return [*node.posonly_params, *node.params, *star, *node.kwonly_params, *_optional(node.star_kwarg)]


_ORDERS: dict[type[cst.CSTNode], Callable[[Any], list[cst.CSTNode]]] = {
    cst.FunctionDef: lambda n: [*n.decorators, n.params, *_optional(n.returns), n.body],
    cst.ClassDef: lambda n: [*n.decorators, *n.bases, *n.keywords, n.body],
    cst.IfExp: lambda n: [n.body, n.test, n.orelse],
    cst.ExceptHandler: lambda n: [*_optional(n.type, n.name), n.body],
    cst.ExceptStarHandler: lambda n: [*_optional(n.type, n.name), n.body],
    cst.MatchCase: lambda n: [n.pattern, *_optional(n.guard), n.body],
    cst.TypeAlias: lambda n: [n.name, *_optional(n.type_parameters), n.value],
    cst.Parameters: _parameters,
}
"""``tree.children`` in source order for the few node types whose fields are not in that order."""


class FastPositions:
    """Positions of a file's calls and ``except`` clauses from CPython's spans, when they match LibCST's nodes."""

    def __init__(self, module: cst.Module, data: bytes, calls: list[Span], handlers: list[Span]) -> None:
        self.module = module
        self.data = data
        self.spans: dict[type[cst.CSTNode], list[Span]] = {
            cst.Call: sorted(calls, key=_order),
            cst.ExceptHandler: sorted(handlers, key=_order),
        }
        self._by_node: dict[int, Span] | None = None
        self._lines: list[bytes] | None = None

    def __getstate__(self) -> dict[str, object]:
        """The positions as another process receives them: the index is keyed by object ids."""
        return {**self.__dict__, "_by_node": None}

    def get(self, node: cst.CSTNode) -> tuple[int, int, int, int] | None:
        """``(line, column, end line, end column)`` with columns in characters from 0, or None if unknown."""
        by_node = self._index()
        span = by_node.get(id(node))
        if span is None:
            return None
        line, column, end_line, end_column = span
        start, end = self._characters(line, column), self._characters(end_line, end_column)
        if start is None or end is None or not self._confirmed(node, line, column):
            return None
        return line, start, end_line, end

    def _index(self) -> dict[int, Span]:
        if self._by_node is None:
            self._by_node = {}
            if (
                self.module.encoding.lower().replace("_", "-") not in ("utf-8", "utf8")
                or self.data.startswith(b"\xef\xbb\xbf")
                or b"\r" in self.data
                or b"\x0c" in self.data
            ):
                return self._by_node  # columns, line breaks or a BOM the two parsers may count differently
            found: dict[type[cst.CSTNode], list[cst.CSTNode]] = {cst.Call: [], cst.ExceptHandler: []}
            for node in _source_order(self.module):
                kind = type(node)
                if kind in found:
                    found[kind].append(node)
            if all(len(found[kind]) == len(self.spans[kind]) for kind in found):
                for kind, nodes in found.items():
                    self._by_node.update((id(n), s) for n, s in zip(nodes, self.spans[kind], strict=True))
        return self._by_node

    def _line(self, number: int) -> bytes | None:
        if self._lines is None:
            self._lines = self.data.split(b"\n")
        return self._lines[number - 1] if 0 < number <= len(self._lines) else None

    def _characters(self, line: int, column: int) -> int | None:
        text = self._line(line)
        if text is None or column > len(text):
            return None
        try:
            return len(text[:column].decode())
        except (UnicodeDecodeError, LookupError):
            return None

    def _confirmed(self, node: cst.CSTNode, line: int, column: int) -> bool:
        """The source at the span's start is the node's own code (its callee, or ``except``)."""
        text = self._line(line)
        if text is None:
            return False
        head = self.module.code_for_node(node.func) if isinstance(node, cst.Call) else "except"
        head = head.split("\n", 1)[0]
        try:
            return text[column:].decode().startswith(head)
        except (UnicodeDecodeError, LookupError):
            return False


def _order(span: Span) -> tuple[int, int, int, int]:
    """Source order of nodes: by start, the enclosing node (which ends later) first."""
    line, column, end_line, end_column = span
    return line, column, -end_line, -end_column
