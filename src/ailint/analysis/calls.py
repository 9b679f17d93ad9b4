"""Read one file: bindings, functions, calls and the guards around them.

One visitor walks the module once, recording bindings (imports, assignments,
annotations, ``with`` targets, ``self`` attributes), for every function the
facts dataflow needs (assignments, loops, returns, yields), and for every call
the scope it is in and the ``try``/``with`` guards around it *in the same
function*. Nothing is resolved during the walk: only when every file of the
project has been read does ``Project`` resolve callees, so a module-level
client defined below its use, or in another module, is still found.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import libcst as cst

from ailint.analysis.scope import Binding, Resolver, Scope
from ailint.analysis.tree import children
from ailint.knowledge import ApiSpec, Knowledge, Provider

if TYPE_CHECKING:
    from libcst.metadata import MetadataWrapper

    from ailint.analysis.positions import FastPositions
    from ailint.analysis.scope import ProjectNames
    from ailint.suppress import Directives


@dataclass(frozen=True, eq=False)
class Guard:
    """A construct around a call that may catch its errors."""

    node: cst.Try | cst.TryStar | cst.With
    scope: Scope


@dataclass(eq=False)
class FunctionRecord:
    """What dataflow needs to know about one function body."""

    node: cst.FunctionDef
    scope: Scope
    paths: tuple[str, ...]
    """Canonical paths by which callers reach it (``acme.llm.Client().ask``)."""
    flows: list[tuple[cst.BaseExpression, cst.BaseExpression]] = field(default_factory=list)
    """``(target, value)`` of assignments, ``for`` loops, ``with`` items, walruses."""
    outputs: list[cst.BaseExpression] = field(default_factory=list)
    """Returned and yielded expressions."""

    @property
    def is_async(self) -> bool:
        return self.node.asynchronous is not None


@dataclass(frozen=True, eq=False)
class PendingCall:
    """A call expression, not yet resolved."""

    node: cst.Call
    scope: Scope
    guards: tuple[Guard, ...]
    record: FunctionRecord | None


@dataclass(eq=False)
class FileAnalysis:
    """One file as read: its resolver, scopes, functions and calls."""

    module: str
    resolver: Resolver
    module_scope: Scope
    module_node: cst.Module | None = None
    relative_path: str = ""
    """POSIX path relative to the project root (for ``[tool.ailint.authority] paths``)."""
    directives: Directives | None = None
    """The file's ``# ailint:`` pragmas (authority comments)."""
    metadata: MetadataWrapper | None = None
    """The file's one metadata wrapper; positions are resolved on it only when needed."""
    fast_positions: FastPositions | None = None
    """Positions of calls and handlers from CPython's tree, tried before LibCST renders the module."""
    calls: list[PendingCall] = field(default_factory=list)
    functions: list[FunctionRecord] = field(default_factory=list)
    classes: list[Scope] = field(default_factory=list)
    module_flows: list[tuple[cst.BaseExpression, cst.BaseExpression]] = field(default_factory=list)
    """The flows of the module's top level (a script's, a notebook's cells'), as ``FunctionRecord.flows``."""

    def line(self, node: cst.CSTNode) -> int:
        """The first line of ``node`` (position metadata is computed on first use)."""
        found = self.position(node)
        return found[0] if found is not None else 0

    def position(self, node: cst.CSTNode) -> tuple[int, int, int, int] | None:
        """``(line, column, end line, end column)`` of ``node``, columns in characters from 0.

        Calls and ``except`` clauses take CPython's positions when they match;
        anything else makes LibCST render the module once.
        """
        from ailint.analysis.positions import positions

        if self.fast_positions is not None:
            found = self.fast_positions.get(node)
            if found is not None:
                return found
        if self.metadata is None:
            return None
        where = positions(self.metadata).get(node)
        if where is None:
            return None
        return where.start.line, where.start.column, where.end.line, where.end.column


@dataclass(frozen=True, eq=False)
class CallSite:
    """One model call: what it is (from knowledge) and where it sits.

    ``kind`` is ``direct`` for a provider API, ``wrapper`` for a call of a
    project function that returns a model's output; ``spec`` is then the API
    at the end of the wrapper chain.
    """

    node: cst.Call
    spec: ApiSpec
    file: FileAnalysis
    scope: Scope
    guards: tuple[Guard, ...]
    record: FunctionRecord | None
    """The enclosing function, if any."""
    kind: str = "direct"
    wrapper: Wrapper | None = None
    """For wrapper sites: the project function called."""
    structured: bool = False
    streaming: bool = False
    canonical: str = ""
    """The resolved callee (``openai.OpenAI().chat.completions.create``)."""
    callee: cst.BaseExpression | None = None
    """The expression naming the API: the call's ``func``, or a callable passed to a helper."""

    @property
    def provider(self) -> Provider:
        return self.spec.provider

    @property
    def api(self) -> str:
        return self.spec.api

    @property
    def operation(self) -> str:
        return self.spec.operation

    @property
    def is_async(self) -> bool:
        if self.wrapper is not None:
            return self.wrapper.record.is_async
        return self.spec.is_async

    @property
    def function(self) -> str:
        """Qualified name of the enclosing function (``module.Class.method``)."""
        inner = self.scope.qualname if self.record is not None else "<module>"
        return f"{self.file.module}.{inner}" if self.file.module else inner

    @property
    def decorators(self) -> tuple[cst.Decorator, ...]:
        return tuple(self.record.node.decorators) if self.record is not None else ()

    @property
    def label(self) -> str:
        """How messages name the call: ``openai chat.completions.create``."""
        base = f"{self.provider.name} {self.api}"
        if self.wrapper is not None:
            return f"{base} via {self.wrapper.name}()"
        return base


@dataclass(frozen=True, eq=False)
class Wrapper:
    """A project function that returns (or yields) a model's output."""

    record: FunctionRecord
    file: FileAnalysis
    inner: CallSite
    """The call inside it whose output it returns."""

    @property
    def name(self) -> str:
        return self.record.node.name.value

    @property
    def path(self) -> str:
        return self.record.paths[0]


def _names(target: cst.BaseExpression) -> list[str]:
    if isinstance(target, cst.Name):
        return [target.value]
    if isinstance(target, (cst.Tuple, cst.List)):
        return [n for element in target.elements for n in _names(element.value)]
    if isinstance(target, cst.StarredElement):
        return _names(target.value)
    return []


Work = cst.CSTNode | Callable[[], None]


_FILLERS = frozenset({"append", "extend", "insert", "add", "update", "put", "put_nowait", "setdefault", "appendleft"})
"""Methods that store their arguments in the receiver."""


def _is_property(node: cst.FunctionDef) -> bool:
    for decorator in node.decorators:
        expr = decorator.decorator
        name = expr.value if isinstance(expr, cst.Name) else expr.attr.value if isinstance(expr, cst.Attribute) else ""
        if name in ("property", "cached_property"):
            return True
    return False


class _Collector:
    """Records bindings, functions, calls and guards in one walk.

    The walk is iterative (an explicit stack of nodes and actions, so deep
    nesting cannot exhaust Python's stack) and read-only (``tree.children``,
    not LibCST's rebuilding visitor). A ``visit_<Node>`` method either
    returns None (then the node's children are walked) or the list of nodes
    and actions to process instead, in order.
    """

    def __init__(self, resolver: Resolver) -> None:
        self.resolver = resolver
        self.module_scope = Scope(kind="module", qualname="", canonical=resolver.module)
        self.scope = self.module_scope
        self.guards: list[Guard] = []
        self.records: list[FunctionRecord] = []
        self.analysis = FileAnalysis(module=resolver.module, resolver=resolver, module_scope=self.module_scope)
        self._handlers: dict[type, Callable[[Any], list[Work] | None]] = {}
        for name in dir(self):
            if name.startswith("visit_"):
                self._handlers[getattr(cst, name[len("visit_") :])] = getattr(self, name)

    def run(self, root: cst.CSTNode) -> None:
        stack: list[Work] = [root]
        handlers = self._handlers
        while stack:
            item = stack.pop()
            if callable(item):  # nodes are not: ``isinstance`` on LibCST's ABCs would cost a call into ``abc``
                item()
                continue
            handler = handlers.get(type(item))
            replacement = handler(item) if handler is not None else None
            if replacement is None:
                found = children(item)
                found.reverse()
                stack.extend(found)
            else:
                stack.extend(reversed(replacement))

    # -- scopes ----------------------------------------------------------
    def _push(self, kind: str, name: str) -> Scope:
        qualname = f"{self.scope.qualname}.{name}" if self.scope.qualname else name
        scope = Scope(kind=kind, qualname=qualname, parent=self.scope)  # type: ignore[arg-type]
        self.scope = scope
        return scope

    def _pop(self) -> None:
        assert self.scope.parent is not None
        self.scope = self.scope.parent

    def visit_ClassDef(self, node: cst.ClassDef) -> list[Work]:
        name = node.name.value
        path = self.resolver.project_path(self.scope, name)
        self.scope.bind(name, Binding("class", self.scope, qualname=path))
        self.resolver.class_bases[path] = ([arg.value for arg in node.bases if arg.keyword is None], self.scope)

        def enter() -> None:
            scope = self._push("class", name)
            scope.canonical = path
            self.analysis.classes.append(scope)

        return [*node.decorators, *node.bases, *node.keywords, enter, node.body, self._pop]

    def visit_FunctionDef(self, node: cst.FunctionDef) -> list[Work]:
        name = node.name.value
        path = self.resolver.project_path(self.scope, name)
        self.scope.bind(name, Binding("function", self.scope, qualname=path))
        if node.returns is not None:
            self.resolver.returns[path] = (node.returns.annotation, self.scope)
            if self.scope.kind == "class" and _is_property(
                node
            ):  # ``self.client`` from ``@property def client() -> X``
                annotation = Binding("annotation", self.scope, expr=node.returns.annotation)
                self.scope.attrs.setdefault(name, []).append(annotation)
        saved: list[list[Guard]] = []

        def enter() -> None:
            owner = self.scope if self.scope.kind == "class" else None
            scope = self._push("function", name)
            params = [*node.params.posonly_params, *node.params.params]
            decorator_names = {d.decorator.value for d in node.decorators if isinstance(d.decorator, cst.Name)}
            paths: tuple[str, ...] = (path,)
            if owner is not None and params and "staticmethod" not in decorator_names:
                scope.self_name = params[0].name.value
                scope.owner = owner
                if "classmethod" in decorator_names:
                    scope.self_name = None
                else:
                    paths = (f"{owner.canonical}().{name}", path)
            untyped = set()
            for param in [*params, *node.params.kwonly_params]:
                if param.annotation is not None:
                    scope.bind(param.name.value, Binding("annotation", scope, expr=param.annotation.annotation))
                else:
                    untyped.add(param.name.value)
            scope.positional = tuple(param.name.value for param in params)
            scope.untyped = frozenset(untyped - {scope.self_name})
            record = FunctionRecord(node=node, scope=scope, paths=paths)
            self.analysis.functions.append(record)
            self.records.append(record)
            saved.append(self.guards)
            self.guards = []

        def leave() -> None:
            self.guards = saved.pop()
            self.records.pop()
            self._pop()

        return [*node.decorators, enter, node.body, leave]

    # -- bindings and flows ----------------------------------------------
    def _flow(self, target: cst.BaseExpression, value: cst.BaseExpression) -> None:
        if self.records:
            self.records[-1].flows.append((target, value))
        elif self.scope is self.module_scope:
            self.analysis.module_flows.append((target, value))

    def _bind_target(self, target: cst.BaseExpression, value: cst.BaseExpression, kind: str = "expr") -> None:
        binding = Binding(kind, self.scope, expr=value)  # type: ignore[arg-type]
        if isinstance(target, cst.Name):
            self.scope.bind(target.value, binding)
        elif (
            isinstance(target, cst.Attribute)
            and isinstance(target.value, cst.Name)
            and self.scope.self_name == target.value.value
            and self.scope.owner is not None
        ):
            self.scope.owner.attrs.setdefault(target.attr.value, []).append(binding)

    def visit_Import(self, node: cst.Import) -> None:
        for alias in node.names:
            full = self._dotted(alias.name)
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                self.scope.bind(alias.asname.name.value, Binding("import", self.scope, qualname=full))
            else:
                root = full.split(".", 1)[0]
                self.scope.bind(root, Binding("import", self.scope, qualname=root))

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        if isinstance(node.names, cst.ImportStar):
            return
        module = self._dotted(node.module) if node.module is not None else ""
        if node.relative:
            package = self.resolver.module.split(".") if self.resolver.module else []
            if not self.resolver.is_package:
                package = package[:-1]
            up = len(node.relative) - 1
            base = ".".join(package[: max(len(package) - up, 0)])
            module = ".".join(part for part in (base, module) if part)
        for alias in node.names:
            name = self._dotted(alias.name)
            asname = alias.asname
            local = asname.name.value if asname is not None and isinstance(asname.name, cst.Name) else name
            qualname = f"{module}.{name}" if module else name
            self.scope.bind(local, Binding("import", self.scope, qualname=qualname))

    @staticmethod
    def _dotted(node: cst.BaseExpression) -> str:
        if isinstance(node, cst.Name):
            return node.value
        if isinstance(node, cst.Attribute):
            return f"{_Collector._dotted(node.value)}.{node.attr.value}"
        return ""

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            self._bind_target(target.target, node.value)
            self._flow(target.target, node.value)
            if isinstance(target.target, (cst.Tuple, cst.List)) and isinstance(node.value, (cst.Tuple, cst.List)):
                pairs = zip(target.target.elements, node.value.elements, strict=False)
                for name, value in pairs:  # ``a, b = OpenAI(), Anthropic()``
                    self._bind_target(name.value, value.value)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        annotation = node.annotation.annotation
        if self.scope.kind == "class" and isinstance(node.target, cst.Name):
            self.scope.attrs.setdefault(node.target.value, []).append(
                Binding("annotation", self.scope, expr=annotation)
            )
        self._bind_target(node.target, annotation, kind="annotation")
        if node.value is not None:
            self._bind_target(node.target, node.value)
            self._flow(node.target, node.value)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._flow(node.target, node.value)

    def visit_TypeAlias(self, node: cst.TypeAlias) -> None:
        self.scope.bind(node.name.value, Binding("expr", self.scope, expr=node.value))  # ``type Client = A | B``

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self._bind_target(node.target, node.value)
        self._flow(node.target, node.value)

    def visit_For(self, node: cst.For) -> None:
        for name in _names(node.target):
            self.scope.bind(name, Binding("iter", self.scope, expr=node.iter))
        self._flow(node.target, node.iter)

    def visit_CompFor(self, node: cst.CompFor) -> None:
        self._flow(node.target, node.iter)

    def visit_Return(self, node: cst.Return) -> None:
        if self.records and node.value is not None:
            self.records[-1].outputs.append(node.value)

    def visit_Yield(self, node: cst.Yield) -> None:
        if self.records and node.value is not None:
            value = node.value
            self.records[-1].outputs.append(value.item if isinstance(value, cst.From) else value)

    # -- guards ----------------------------------------------------------
    def _visit_try(self, node: cst.Try | cst.TryStar) -> list[Work]:
        guard = Guard(node, self.scope)
        work: list[Work] = [lambda: self.guards.append(guard), node.body, self._pop_guard, *node.handlers]
        work.extend(part for part in (node.orelse, node.finalbody) if part is not None)
        return work

    def _pop_guard(self) -> None:
        self.guards.pop()

    def visit_Try(self, node: cst.Try) -> list[Work]:
        return self._visit_try(node)

    def visit_TryStar(self, node: cst.TryStar) -> list[Work]:
        return self._visit_try(node)

    def visit_With(self, node: cst.With) -> list[Work]:
        for item in node.items:
            if item.asname is not None:
                self._bind_target(item.asname.name, item.item)
                self._flow(item.asname.name, item.item)
        guard = Guard(node, self.scope)
        return [*node.items, lambda: self.guards.append(guard), node.body, self._pop_guard]

    # -- calls -----------------------------------------------------------
    def visit_Call(self, node: cst.Call) -> None:
        record = self.records[-1] if self.records else None
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value in _FILLERS:
            if record is not None:
                record.flows.append((func.value, node))  # ``results.append(reply)``: the list now holds the output
            elif self.scope is self.module_scope:
                self.analysis.module_flows.append((func.value, node))
        self.analysis.calls.append(PendingCall(node, self.scope, tuple(self.guards), record))
        return None


def collect(
    module_node: cst.Module,
    module: str,
    knowledge: Knowledge,
    project: ProjectNames | None = None,
    is_package: bool = False,
) -> FileAnalysis:
    """Read a parsed module. ``module`` is its dotted name (``acme.llm``)."""
    resolver = Resolver(module, knowledge, project)
    resolver.is_package = is_package
    collector = _Collector(resolver)
    collector.run(module_node)
    collector.analysis.module_node = module_node
    return collector.analysis
