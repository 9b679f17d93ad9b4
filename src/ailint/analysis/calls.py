"""Find the model call sites of one file.

One visitor walks the module once, recording bindings (imports, assignments,
annotations, ``with`` targets, ``self`` attributes) and, for every call, the
scope it is in and the ``try``/``with`` guards around it *in the same
function*. Only after the walk, when every binding of the file is known, are
callees resolved against the provider knowledge: a module-level client
defined below the function that uses it is still found.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst

from ailint.analysis.scope import Binding, Resolver, Scope
from ailint.knowledge import ApiSpec, Knowledge, Provider


@dataclass(frozen=True, eq=False)
class Guard:
    """A construct around a call that may catch its errors."""

    node: cst.Try | cst.TryStar | cst.With
    scope: Scope


@dataclass(frozen=True, eq=False)
class CallSite:
    """One model call: what it is (from knowledge) and where it sits."""

    node: cst.Call
    spec: ApiSpec
    scope: Scope
    guards: tuple[Guard, ...]
    """Innermost last; only guards in the call's own function."""
    function: str
    """Qualified name of the enclosing function (``module.Class.method``)."""
    decorators: tuple[cst.Decorator, ...] = ()
    streaming: bool = False
    kind: str = "direct"

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
        return self.spec.is_async

    @property
    def label(self) -> str:
        """How messages name the call: ``openai chat.completions.create``."""
        return f"{self.provider.name} {self.api}"


@dataclass(frozen=True, eq=False)
class _PendingCall:
    node: cst.Call
    scope: Scope
    guards: tuple[Guard, ...]
    function: cst.FunctionDef | None


@dataclass
class FileAnalysis:
    """Everything the rules need about one file."""

    module: str
    resolver: Resolver
    sites: list[CallSite] = field(default_factory=list)


def _is_true(expr: cst.BaseExpression) -> bool:
    return isinstance(expr, cst.Name) and expr.value == "True"


class _Collector(cst.CSTVisitor):
    """Records bindings, calls and guards in one walk."""

    def __init__(self, resolver: Resolver) -> None:
        super().__init__()
        self.resolver = resolver
        self.module_scope = Scope(kind="module", qualname="")
        self.scope = self.module_scope
        self.guards: list[Guard] = []
        self.functions: list[cst.FunctionDef] = []
        self.calls: list[_PendingCall] = []

    # -- scopes ----------------------------------------------------------
    def _push(self, kind: str, name: str) -> Scope:
        qualname = f"{self.scope.qualname}.{name}" if self.scope.qualname else name
        scope = Scope(kind=kind, qualname=qualname, parent=self.scope)  # type: ignore[arg-type]
        self.scope = scope
        return scope

    def _pop(self) -> None:
        assert self.scope.parent is not None
        self.scope = self.scope.parent

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        name = node.name.value
        self.scope.bind(name, Binding("class", self.scope, qualname=self.resolver.project_path(self.scope, name)))
        self._push("class", name)
        return True

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self._pop()

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        name = node.name.value
        path = self.resolver.project_path(self.scope, name)
        self.scope.bind(name, Binding("function", self.scope, qualname=path))
        if node.returns is not None:
            self.resolver.returns[path] = (node.returns.annotation, self.scope)
        owner = self.scope if self.scope.kind == "class" else None
        scope = self._push("function", name)
        params = [*node.params.posonly_params, *node.params.params]
        is_static = any(
            isinstance(d.decorator, cst.Name) and d.decorator.value == "staticmethod" for d in node.decorators
        )
        if owner is not None and params and not is_static:
            scope.self_name = params[0].name.value
            scope.owner = owner
        for param in [*params, *node.params.kwonly_params]:
            if param.annotation is not None:
                scope.bind(param.name.value, Binding("annotation", scope, expr=param.annotation.annotation))
        self.functions.append(node)
        saved, self.guards = self.guards, []
        # Decorators, defaults and annotations belong to the enclosing scope.
        for decorator in node.decorators:
            self.scope = scope.parent  # type: ignore[assignment]
            decorator.visit(self)
            self.scope = scope
        node.body.visit(self)
        self.guards = saved
        self.functions.pop()
        self._pop()
        return False

    # -- bindings --------------------------------------------------------
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
            package = self.resolver.module.split(".")
            up = len(node.relative)
            base = ".".join(package[: max(len(package) - up, 0)])
            module = ".".join(part for part in (base, module) if part)
        for alias in node.names:
            name = self._dotted(alias.name)
            local = (
                alias.asname.name.value
                if alias.asname is not None and isinstance(alias.asname.name, cst.Name)
                else name
            )
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

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        annotation = node.annotation.annotation
        if self.scope.kind == "class" and isinstance(node.target, cst.Name):
            self.scope.attrs.setdefault(node.target.value, []).append(
                Binding("annotation", self.scope, expr=annotation)
            )
        self._bind_target(node.target, annotation, kind="annotation")
        if node.value is not None:
            self._bind_target(node.target, node.value)

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self._bind_target(node.target, node.value)

    # -- guards ----------------------------------------------------------
    def _visit_try(self, node: cst.Try | cst.TryStar) -> bool:
        self.guards.append(Guard(node, self.scope))
        node.body.visit(self)
        self.guards.pop()
        for handler in node.handlers:
            handler.visit(self)
        if node.orelse is not None:
            node.orelse.visit(self)
        if node.finalbody is not None:
            node.finalbody.visit(self)
        return False

    def visit_Try(self, node: cst.Try) -> bool:
        return self._visit_try(node)

    def visit_TryStar(self, node: cst.TryStar) -> bool:
        return self._visit_try(node)

    def visit_With(self, node: cst.With) -> bool:
        for item in node.items:
            item.visit(self)
            if item.asname is not None:
                self._bind_target(item.asname.name, item.item)
        self.guards.append(Guard(node, self.scope))
        node.body.visit(self)
        self.guards.pop()
        return False

    # -- calls -----------------------------------------------------------
    def visit_Call(self, node: cst.Call) -> None:
        function = self.functions[-1] if self.functions else None
        self.calls.append(_PendingCall(node, self.scope, tuple(self.guards), function))


def analyze(module_node: cst.Module | cst.MetadataWrapper, module: str, knowledge: Knowledge) -> FileAnalysis:
    """Find every model call site in a parsed module.

    ``module`` is the dotted module name (``acme.llm``); it qualifies the
    enclosing function names and project definitions.
    """
    resolver = Resolver(module, knowledge)
    collector = _Collector(resolver)
    module_node.visit(collector)
    analysis = FileAnalysis(module=module, resolver=resolver)
    for pending in collector.calls:
        canonical = resolver.resolve(pending.node.func, pending.scope)
        if canonical is None:
            continue
        spec = knowledge.lookup(canonical)
        if spec is None:
            continue
        streaming = spec.streaming or any(
            arg.keyword is not None and arg.keyword.value == "stream" and _is_true(arg.value)
            for arg in pending.node.args
        )
        function = pending.scope.qualname if pending.scope.kind == "function" else "<module>"
        qualified = f"{module}.{function}" if module else function
        analysis.sites.append(
            CallSite(
                node=pending.node,
                spec=spec,
                scope=pending.scope,
                guards=pending.guards,
                function=qualified,
                decorators=tuple(pending.function.decorators) if pending.function is not None else (),
                streaming=streaming,
            )
        )
    return analysis
