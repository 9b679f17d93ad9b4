"""Name bindings and the resolver that turns expressions into canonical paths.

LibCST's ``QualifiedNameProvider`` reports ``client.chat.completions.create``
as a local name once ``client = OpenAI()``; tracking instances is our job. The
resolver follows what the code says (imports, dynamic imports of a literal
name, aliases, assignments, annotations and type aliases, ``with`` targets and
``ExitStack.enter_context``, ``self`` attributes set in any method, attributes
a project class declares, factory return annotations, keyed factories such as
``boto3.client("bedrock-runtime")``, ``functools.partial``, LangChain
compositions, dict literals of one kind of instance, and the instances every
project call passes for an unannotated parameter) and produces canonical strings
such as ``openai.OpenAI().chat.completions.create``, where ``()`` means "the
result of calling". Provider knowledge is keyed by the same strings.

A ``#s`` marker after ``()`` records that the instance was made to validate
its output (``llm.with_structured_output(Schema)``); lookups strip it.

Scopes are flow-insensitive on purpose: a linter reads a function as a whole,
and the cost of tracking control flow is not repaid by the rare rebinding of
a client name to something else.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Protocol

import libcst as cst

from ailint.knowledge import Knowledge

BindingKind = Literal["import", "expr", "annotation", "function", "class", "iter"]
STRUCTURED = "#s"
_MAX_DEPTH = 32
PARTIAL = frozenset({"functools.partial"})
"""Callables whose call binds a function (the function is its first argument)."""
_EXIT_STACKS = frozenset({"contextlib.ExitStack()", "contextlib.AsyncExitStack()"})
_ENTER_CONTEXT = frozenset({"enter_context", "enter_async_context"})
"""Their methods that enter a context manager and return what ``with ... as`` would bind."""
UNINFORMATIVE = frozenset({"typing.Any", "Any", "object", "typing_extensions.Any"})
"""Return annotations that say nothing: the function body is read instead."""
TYPE_ALIAS = frozenset({"typing.TypeAlias", "typing_extensions.TypeAlias"})
"""``Client: TypeAlias = A | B`` declares a type, not an instance of ``TypeAlias``."""


class ProjectNames(Protocol):
    """What the resolver asks of the whole project (implemented by ``Project``)."""

    def global_name(self, dotted: str) -> str | None:
        """The canonical value of a module-level name of another project module."""

    def returned(self, function: str) -> str | None:
        """What a project function returns, read from its ``return`` statements."""

    def type_alias(self, dotted: str) -> str | None:
        """The class a module-level type alias of another project module names."""

    def parameter(self, function: str, name: str) -> str | None:
        """The instance every call of a project function passes for an unannotated parameter."""

    def instance_attribute(self, instance: str, attr: str) -> str | None:
        """What an attribute of an instance of a project class is, from its class body or methods."""


@dataclass(eq=False)
class Binding:
    """Where a name got its value; resolved lazily, after the whole file is read."""

    kind: BindingKind
    scope: Scope
    expr: cst.BaseExpression | None = None
    qualname: str | None = None


@dataclass(eq=False)
class Scope:
    """A module, class or function body with the names bound in it."""

    kind: Literal["module", "class", "function"]
    qualname: str
    """Dotted name inside the module (empty for the module itself)."""
    parent: Scope | None = None
    bindings: dict[str, list[Binding]] = field(default_factory=dict)
    attrs: dict[str, list[Binding]] = field(default_factory=dict)
    """For classes: ``self.x`` assignments and class-level annotations."""
    self_name: str | None = None
    """For methods: the name of the first parameter (usually ``self``)."""
    owner: Scope | None = None
    """For methods: the class scope they belong to."""
    canonical: str = ""
    """For classes: the class's canonical path (``acme.llm.Client``)."""
    positional: tuple[str, ...] = ()
    """For functions: the names of the positional parameters, in order."""
    untyped: frozenset[str] = frozenset()
    """For functions: the parameters without an annotation (their callers may say what they are)."""

    def bind(self, name: str, binding: Binding) -> None:
        self.bindings.setdefault(name, []).append(binding)


def dotted_name(expr: cst.BaseExpression) -> str | None:
    """``a.b.c`` for a Name/Attribute chain, else None."""
    parts: list[str] = []
    while isinstance(expr, cst.Attribute):
        parts.append(expr.attr.value)
        expr = expr.value
    if isinstance(expr, cst.Name):
        parts.append(expr.value)
        return ".".join(reversed(parts))
    return None


def string_value(expr: cst.BaseExpression) -> str | None:
    """The value of a plain string literal, else None."""
    if isinstance(expr, cst.SimpleString):
        value = expr.evaluated_value
        return value if isinstance(value, str) else None
    if isinstance(expr, cst.ConcatenatedString):
        left, right = string_value(expr.left), string_value(expr.right)
        return left + right if left is not None and right is not None else None
    return None


class Resolver:
    """Resolves expressions of one file to canonical paths."""

    def __init__(self, module: str, knowledge: Knowledge, project: ProjectNames | None = None) -> None:
        self.module = module
        self.knowledge = knowledge
        self.project = project
        self.is_package = False
        """Whether the module is a package's ``__init__`` (for relative imports)."""
        self.returns: dict[str, tuple[cst.BaseExpression, Scope]] = {}
        """Project functions with a return annotation, by canonical path."""
        self.class_bases: dict[str, tuple[list[cst.BaseExpression], Scope]] = {}
        """Project classes and the expressions of their bases, by canonical path."""
        self._memo: dict[tuple[int, int], str | None] = {}
        self._active: set[tuple[int, int]] = set()

    def __getstate__(self) -> dict[str, object]:
        """The resolver as another process receives it (``parallel.load_prepared`` gives it the knowledge).

        Memo keys are object ids, and the knowledge and the project are the receiver's.
        """
        return {**self.__dict__, "_memo": {}, "_active": set(), "knowledge": None, "project": None}

    def project_path(self, scope: Scope, name: str) -> str:
        """Canonical path of a definition ``name`` made in ``scope``."""
        inner = f"{scope.qualname}.{name}" if scope.qualname else name
        return f"{self.module}.{inner}" if self.module else inner

    # -- names -----------------------------------------------------------
    @staticmethod
    def method_scope(name: str, scope: Scope) -> Scope | None:
        """The method whose ``self`` parameter ``name`` is, seen from ``scope`` (closures included)."""
        current: Scope | None = scope
        while current is not None and current.kind == "function":
            if current.self_name == name:
                return current
            if name in current.bindings:  # rebound in a nested function: not that ``self``
                return None
            current = current.parent
        return None

    @staticmethod
    def parameter_scope(name: str, scope: Scope) -> Scope | None:
        """The plain function (not a method) whose unannotated parameter ``name`` is, seen from ``scope``."""
        current: Scope | None = scope
        while current is not None and current.kind == "function":
            if name in current.untyped:
                return current if current.owner is None else None
            if name in current.bindings:
                return None
            current = current.parent
        return None

    def lookup(self, name: str, scope: Scope) -> list[Binding]:
        """Bindings visible for ``name`` from ``scope`` (Python's LEGB, minus builtins)."""
        current: Scope | None = scope
        while current is not None:
            if current.kind != "class" or current is scope:
                found = current.bindings.get(name)
                if found:
                    return found
            current = current.parent
        return []

    def resolve_binding(self, binding: Binding, depth: int) -> str | None:
        if binding.kind == "import":
            assert binding.qualname is not None
            if self.project is not None:
                return self.project.global_name(binding.qualname) or binding.qualname
            return binding.qualname
        if binding.kind in ("function", "class"):
            return binding.qualname
        if binding.expr is None:
            return None
        if binding.kind == "annotation":
            kind = self.resolve_type(binding.expr, binding.scope, depth + 1)
            return f"{kind}()" if kind and kind not in TYPE_ALIAS else None
        if binding.kind == "iter":  # ``for x in stream``: not the stream itself
            return None
        return self.resolve(binding.expr, binding.scope, depth + 1)

    def forget(self) -> None:
        """Drop memoised resolutions: the project they looked names up in has grown."""
        self._memo.clear()

    def first(self, bindings: list[Binding], depth: int = 0) -> str | None:
        """The most recent binding that resolves to something."""
        for binding in reversed(bindings):
            result = self.resolve_binding(binding, depth)
            if result is not None:
                return result
        return None

    # -- expressions -----------------------------------------------------
    def resolve(self, expr: cst.BaseExpression, scope: Scope, depth: int = 0) -> str | None:
        """The canonical path of ``expr``, or None when the code does not say."""
        if depth > _MAX_DEPTH:
            return None
        key = (id(expr), id(scope))
        if key in self._memo:
            return self._memo[key]
        if key in self._active:  # a cycle such as ``a = b; b = a``
            return None
        self._active.add(key)
        try:
            result = self._resolve(expr, scope, depth)
        finally:
            self._active.discard(key)
        self._memo[key] = result
        return result

    def _resolve(self, expr: cst.BaseExpression, scope: Scope, depth: int) -> str | None:
        if isinstance(expr, cst.Name):
            found = self.first(self.lookup(expr.value, scope), depth)
            method = self.method_scope(expr.value, scope) if found is None else None
            if method is not None and method.owner is not None:
                return f"{method.owner.canonical}()"
            if found is None and self.project is not None:
                function = self.parameter_scope(expr.value, scope)
                if function is not None:  # ``def embed(img, client)`` called as ``embed(img, cohere_client)``
                    path = f"{self.module}.{function.qualname}" if self.module else function.qualname
                    return self.project.parameter(path, expr.value)
            return found
        if isinstance(expr, cst.Attribute):
            return self._resolve_attribute(expr, scope, depth)
        if isinstance(expr, cst.Call):
            return self._resolve_call(expr, scope, depth)
        if isinstance(expr, cst.Await):
            return self.resolve(expr.expression, scope, depth + 1)
        if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.BitOr):
            return self._resolve_pipe(expr, scope, depth)
        if isinstance(expr, cst.IfExp):  # ``create = client.stream if streaming else client.create``
            return self.resolve(expr.body, scope, depth + 1) or self.resolve(expr.orelse, scope, depth + 1)
        if isinstance(expr, cst.Subscript):  # a generic class: ``Agent[Deps, Output](...)``
            value = self._dict_value(expr.value, scope, depth + 1)  # ``AGENTS[name]``
            if value is not None:
                return value
            base = self.resolve(expr.value, scope, depth + 1)
            return base if base is not None and not base.endswith(("()", STRUCTURED)) else None
        return None

    def _dict_value(self, expr: cst.BaseExpression, scope: Scope, depth: int) -> str | None:
        """What any value of a dict literal bound to ``expr`` is, when all its values are the same thing.

        ``AGENTS = {"a": agent_a, "b": agent_b}`` with both agents ``pydantic_ai.Agent()``
        makes ``AGENTS.get(name)`` and ``AGENTS[name]`` one; a dict that mixes kinds, or
        is filled from ``**other``, says nothing.
        """
        bindings: list[Binding] = []
        if isinstance(expr, cst.Name):
            bindings = self.lookup(expr.value, scope)
        elif isinstance(expr, cst.Attribute) and isinstance(expr.value, cst.Name):
            method = self.method_scope(expr.value.value, scope)
            if method is not None and method.owner is not None:
                bindings = method.owner.attrs.get(expr.attr.value) or method.owner.bindings.get(expr.attr.value) or []
        literal = next((b for b in reversed(bindings) if b.kind == "expr"), None)
        if literal is None or not isinstance(literal.expr, cst.Dict) or not literal.expr.elements:
            return None
        found: set[str | None] = set()
        for element in literal.expr.elements:
            if not isinstance(element, cst.DictElement):
                return None
            found.add(self.resolve(element.value, literal.scope, depth + 1))
            if len(found) > 1:
                return None
        value = found.pop()
        return value if value is not None and value.endswith(("()", STRUCTURED)) else None

    def _resolve_attribute(self, expr: cst.Attribute, scope: Scope, depth: int) -> str | None:
        attr = expr.attr.value
        value = expr.value
        method = self.method_scope(value.value, scope) if isinstance(value, cst.Name) else None
        if method is not None and method.owner is not None:
            owner = method.owner
            bindings = owner.attrs.get(attr) or owner.bindings.get(attr)
            if bindings:
                found = self.first(bindings, depth)
                if found is not None:
                    return found
            return f"{owner.canonical}().{attr}"
        if self.knowledge.generic_attributes and isinstance(value, cst.Name):
            typed = self._generic_attribute(value, attr, scope, depth)
            if typed is not None:
                return typed
        base = self.resolve(value, scope, depth + 1)
        if base is None:
            return None
        if attr in self.knowledge.transparent:
            return base
        if self.project is not None and base.endswith("()") and base.count("(") == 1:
            found = self.project.instance_attribute(base, attr)  # ``deps.client`` with ``client: OpenAI`` in ``Deps``
            if found is not None:
                return found
        dotted = f"{base}.{attr}"
        if self.project is not None and "(" not in base:
            return self.project.global_name(dotted) or dotted
        return dotted

    def _generic_attribute(self, value: cst.Name, attr: str, scope: Scope, depth: int) -> str | None:
        """``ctx.deps`` with ``ctx: RunContext[Deps]``: an attribute typed by a type argument."""
        annotation = next((b for b in reversed(self.lookup(value.value, scope)) if b.kind == "annotation"), None)
        if annotation is None or not isinstance(annotation.expr, cst.Subscript):
            return None
        head = self.resolve(annotation.expr.value, annotation.scope, depth + 1)
        index = self.knowledge.generic_attributes.get(f"{head}.{attr}") if head is not None else None
        if index is None or index >= len(annotation.expr.slice):
            return None
        argument = annotation.expr.slice[index].slice
        if not isinstance(argument, cst.Index):
            return None
        kind = self.resolve_type(argument.value, annotation.scope, depth + 1)
        return f"{kind}()" if kind and kind not in UNINFORMATIVE else None

    def _resolve_call(self, expr: cst.Call, scope: Scope, depth: int) -> str | None:
        func = expr.func
        if isinstance(func, cst.Attribute):
            method = func.attr.value
            if method in self.knowledge.transparent_calls or method in self.knowledge.structuring_calls:
                inner = self.resolve(func.value, scope, depth + 1)
                if inner is not None and inner.endswith(("()", STRUCTURED)):
                    if method in self.knowledge.structuring_calls and not inner.endswith(STRUCTURED):
                        return inner + STRUCTURED
                    return inner
            if method == "get" and expr.args:  # ``AGENTS.get(name)``
                value = self._dict_value(func.value, scope, depth + 1)
                if value is not None:
                    return value
            if method in _ENTER_CONTEXT and expr.args and expr.args[0].keyword is None:
                stack = self.resolve(func.value, scope, depth + 1)
                if stack in _EXIT_STACKS:  # ``stack.enter_async_context(cm)`` is ``async with cm as x``
                    return self.resolve(expr.args[0].value, scope, depth + 1)
        if isinstance(func, cst.Name) and func.value == "__import__" and not self.lookup(func.value, scope):
            name = self._module_argument(expr)  # ``ollama = __import__("ollama")``
            return name.split(".", 1)[0] if name is not None else None
        base = self.resolve(func, scope, depth + 1)
        if base is None:
            return None
        if base == "importlib.import_module":
            return self._module_argument(expr)
        if base in PARTIAL:
            if expr.args and expr.args[0].keyword is None:
                return self.resolve(expr.args[0].value, scope, depth + 1)
            return None
        index = self.knowledge.keyed_factories.get(base)
        if index is not None:
            key = self._factory_key(expr, index)
            return f"{base}({key})()" if key is not None else None
        declared = self.returns.get(base)
        if declared is not None:
            annotation, where = declared
            kind = self.resolve_type(annotation, where, depth + 1)
            if kind and kind not in UNINFORMATIVE:
                return f"{kind}()"
        if self.project is not None:
            inferred = self.project.returned(base)  # a lazy getter: ``return self._client``
            if inferred is not None:
                return inferred
        return f"{base}()"

    @staticmethod
    def _module_argument(expr: cst.Call) -> str | None:
        """The absolute module name a dynamic import is given as its only argument, as a literal."""
        if len(expr.args) != 1 or expr.args[0].keyword is not None or expr.args[0].star:
            return None
        name = string_value(expr.args[0].value)
        return name if name and all(part.isidentifier() for part in name.split(".")) else None

    @staticmethod
    def _factory_key(expr: cst.Call, index: int) -> str | None:
        positional = [a for a in expr.args if a.keyword is None and not a.star]
        if len(positional) > index:
            return string_value(positional[index].value)
        for arg in expr.args:
            if arg.keyword is not None and arg.keyword.value == "service_name":
                return string_value(arg.value)
        return None

    def _resolve_pipe(self, expr: cst.BinaryOperation, scope: Scope, depth: int) -> str | None:
        """``prompt | llm | parser``: the chain calls the model inside it."""
        operands: list[cst.BaseExpression] = []
        node: cst.BaseExpression = expr
        while isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.BitOr):
            operands.append(node.right)
            node = node.left
        operands.append(node)
        operands.reverse()
        model: str | None = None
        validated = False
        for operand in operands:
            resolved = self.resolve(operand, scope, depth + 1)
            if resolved is None:
                continue
            if model is None and self._invocable(resolved):
                model = resolved
            elif model is not None:
                head = resolved.removesuffix("()").removesuffix(STRUCTURED).removesuffix("()")
                if head in self.knowledge.validating_parsers:
                    validated = True
        if model is None:
            return None
        if validated and not model.endswith(STRUCTURED):
            return model + STRUCTURED
        return model

    def _invocable(self, canonical: str) -> bool:
        plain = canonical.replace(STRUCTURED, "")
        return self.knowledge.lookup(f"{plain}.invoke") is not None

    def resolve_type(self, annotation: cst.BaseExpression, scope: Scope, depth: int = 0) -> str | None:
        """The class an annotation names, seeing through Optional, unions and strings."""
        if depth > _MAX_DEPTH:
            return None
        if isinstance(annotation, (cst.Name, cst.Attribute)):
            found = self.resolve(annotation, scope, depth + 1)
            if found is None and isinstance(annotation, cst.Name):  # a type alias: ``Client = A | B``
                return self.alias_type(annotation.value, scope, depth + 1)
            if found is not None and "(" not in found and self.project is not None:
                return self.project.type_alias(found) or found  # an alias imported from another module
            return found
        if isinstance(annotation, cst.SimpleString):
            text = string_value(annotation)
            try:
                parsed = cst.parse_expression(text) if text else None
            except Exception:  # an annotation string that is not an expression
                return None
            return self.resolve_type(parsed, scope, depth + 1) if parsed is not None else None
        if isinstance(annotation, cst.BinaryOperation) and isinstance(annotation.operator, cst.BitOr):
            for side in (annotation.left, annotation.right):
                if not (isinstance(side, cst.Name) and side.value == "None"):
                    found = self.resolve_type(side, scope, depth + 1)
                    if found:
                        return found
            return None
        if isinstance(annotation, cst.Subscript):
            head = self.resolve(annotation.value, scope, depth + 1) or dotted_name(annotation.value)
            if head and head.rsplit(".", 1)[-1] in ("Optional", "Union", "Annotated"):
                for element in annotation.slice:
                    index = element.slice
                    if isinstance(index, cst.Index):
                        value = index.value
                        if isinstance(value, cst.Name) and value.value == "None":
                            continue
                        found = self.resolve_type(value, scope, depth + 1)
                        if found:
                            return found
            return None
        return None

    def alias_type(self, name: str, scope: Scope, depth: int = 0) -> str | None:
        """The class a type alias bound to ``name`` names (``Client = A | B``, ``type Client = A | B``)."""
        for binding in reversed(self.lookup(name, scope)):
            if binding.kind == "expr" and isinstance(binding.expr, (cst.BinaryOperation, cst.Subscript)):
                return self.resolve_type(binding.expr, binding.scope, depth + 1)
        return None

    def resolve_exception(self, expr: cst.BaseExpression, scope: Scope) -> list[str]:
        """Names of the exception classes an ``except`` clause lists.

        Built-in names that the file does not rebind resolve to themselves
        (``Exception``); tuples, including tuples bound to a name, are expanded.
        """
        if isinstance(expr, (cst.Tuple, cst.List)):
            names: list[str] = []
            for element in expr.elements:
                names.extend(self.resolve_exception(element.value, scope))
            return names
        if isinstance(expr, cst.Name):
            bindings = self.lookup(expr.value, scope)
            if not bindings:
                return [expr.value]
            for binding in reversed(bindings):
                if binding.kind == "expr" and isinstance(binding.expr, (cst.Tuple, cst.List)):
                    return self.resolve_exception(binding.expr, binding.scope)
        resolved = self.resolve(expr, scope)
        if resolved is not None:
            return [resolved]
        text = dotted_name(expr)
        return [text] if text else []
