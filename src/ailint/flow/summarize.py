"""Read one file into a :class:`FileSummary` (the only module of ``flow`` that parses).

CPython's ``ast`` is used: a summary needs names, calls and positions, not
layout, and CPython parses many times faster than LibCST. Two passes per
scope: the first finds the names a function, class or module binds (Python's
scoping is decided by where a name is *bound*, not where it is read), the
second turns every statement into stores, calls and returns over terms whose
names already point at the scope that binds them.
"""

from __future__ import annotations

import ast
import builtins
from collections.abc import Iterable
from functools import cache

from ailint.flow.summary import Call, Class, FileSummary, Function, Location, Param, Store, Term

_READERS = frozenset({"get", "pop", "values", "items", "setdefault", "popitem", "copy", "popleft"})
"""Methods of a container that give back what it holds."""
_MUTATORS = frozenset({"append", "extend", "add", "update", "insert", "appendleft", "setdefault", "put", "put_nowait"})
"""Methods that put their arguments into the receiver (a container)."""
_TYPING_CONTAINERS = frozenset(
    {
        "list", "List", "dict", "Dict", "set", "Set", "frozenset", "FrozenSet", "tuple", "Tuple",
        "Sequence", "MutableSequence", "Mapping", "MutableMapping", "Iterable", "Iterator",
        "AsyncIterable", "AsyncIterator", "Generator", "AsyncGenerator", "Awaitable", "Coroutine",
        "Collection", "ClassVar", "Final", "Required", "NotRequired", "ReadOnly", "deque", "DefaultDict",
        "defaultdict", "OrderedDict",
    }
)  # fmt: skip
"""Generic annotations whose type arguments are what their values hold."""
_ABSTRACT_BASES = frozenset({"ABC", "Protocol", "ABCMeta"})
_BUILTIN_NAMES = frozenset(dir(builtins))
_MAX_STRING = 400


class _Scope:
    """A module, class or function body and the names bound in it."""

    def __init__(self, kind: str, qual: str, parent: _Scope | None, bound: set[str], declared: dict[str, str]) -> None:
        self.kind = kind
        self.qual = qual
        self.parent = parent
        self.bound = bound
        self.declared = declared
        """``global`` and ``nonlocal`` names: ``"global"`` or ``"nonlocal"``."""


def _bound_names(body: Iterable[ast.AST]) -> tuple[set[str], dict[str, str]]:
    """Names a scope binds (not looking into nested scopes), and its global/nonlocal declarations."""
    bound: set[str] = set()
    declared: dict[str, str] = {}
    stack = list(body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
            stack.extend(node.decorator_list)
            if not isinstance(node, ast.ClassDef):
                stack.extend(d for d in (*node.args.defaults, *node.args.kw_defaults) if d is not None)
            else:
                stack.extend(node.bases)
            continue
        if isinstance(node, ast.Lambda):
            stack.extend(node.args.defaults)
            continue
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            bound.add(node.id)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                if alias.name != "*":
                    bound.add(alias.asname or alias.name.split(".", 1)[0])
        elif isinstance(node, ast.ExceptHandler) and node.name:
            bound.add(node.name)
        elif isinstance(node, ast.Global):
            declared.update((n, "global") for n in node.names)
        elif isinstance(node, ast.Nonlocal):
            declared.update((n, "nonlocal") for n in node.names)
        elif isinstance(node, (ast.MatchAs, ast.MatchStar)) and node.name:
            bound.add(node.name)
        elif isinstance(node, ast.MatchMapping) and node.rest:
            bound.add(node.rest)
        stack.extend(ast.iter_child_nodes(node))
    return bound, declared


def _dotted(node: ast.AST) -> str | None:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


def _last(node: ast.AST) -> str | None:
    if isinstance(node, ast.Call):
        node = node.func
    name = _dotted(node)
    return name.rsplit(".", 1)[-1] if name else None


class _Summarizer:
    def __init__(self, module: str, is_package: bool, lines: list[bytes]) -> None:
        self.module = module
        self.is_package = is_package
        self.lines = lines
        self.functions: list[Function] = []
        self.classes: list[Class] = []
        self.stores: list[Store] = []
        self.calls: list[Call] = []
        self.returns: list[tuple[str, Term]] = []
        self.star_imports: list[str] = []
        self.star = False
        """Whether the module has ``from module import *``: a name it never binds may come from there."""
        self.function: str = module
        """The qualified name of the function being read (the module's name at top level)."""
        self.lambdas = 0
        self.narrowed: dict[Term, Term] = {}
        """Names an enclosing ``if isinstance(name, Class):`` narrows, to the class term: what the body returns of
        them is only the instances of that class (``if isinstance(model, BaseLLM): return model``)."""
        self.keyed: dict[Location, list[tuple[str, Term]]] = {}
        """Names bound to a dict with literal keys (``kwargs = {"prompt": p}``, ``kwargs["llm"] = llm``): by key,
        so that ``f(**kwargs)`` passes each value to the parameter of its name."""
        self._dict: tuple[ast.Dict, list[tuple[str, Term]]] | None = None
        self.caught: list[tuple[Term, ...]] = []
        """What the ``try`` statements (and suppressing ``with`` statements) around the current point of
        the function being read catch, outermost first."""
        self.settling: list[int] = []

    # -- scopes ------------------------------------------------------------
    def name(self, name: str, scope: _Scope) -> Term:
        """The term of reading ``name`` in ``scope`` (LEGB; class bodies are skipped from inner functions)."""
        current: _Scope | None = scope
        first = True
        while current is not None:
            kind = current.declared.get(name)
            if kind == "global":
                return ("v", self.module, name)
            if current.kind == "class":
                if first and name in current.bound:
                    return ("F", current.qual, name)
            elif name in current.bound and kind != "nonlocal":
                return ("v", current.qual, name)
            first = False
            current = current.parent
        if self.star and name not in _BUILTIN_NAMES:  # bound, maybe, by ``from module import *``
            return ("v", self.module, name)
        return ("b", name)

    def store_name(self, name: str, scope: _Scope) -> Location:
        kind = scope.declared.get(name)
        if kind == "global":
            return ("v", self.module, name)
        if kind == "nonlocal":
            return self.name(name, scope.parent) if scope.parent is not None else ("v", self.module, name)
        if scope.kind == "class":
            return ("F", scope.qual, name)
        return ("v", scope.qual, name)

    def child_qual(self, scope: _Scope, name: str) -> str:
        return f"{scope.qual}.{name}"

    # -- statements --------------------------------------------------------
    def body(self, statements: list[ast.stmt], scope: _Scope) -> None:
        for statement in statements:
            self.statement(statement, scope)

    def statement(self, node: ast.stmt, scope: _Scope) -> None:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            self.define_function(node, scope)
        elif isinstance(node, ast.ClassDef):
            self.define_class(node, scope)
        elif isinstance(node, ast.Assign):
            value = self.term(node.value, scope)
            for target in node.targets:
                self.assign(target, value, scope, node.lineno)
            self.key(node, value, scope)
        elif isinstance(node, ast.AnnAssign):
            value = self.term(node.value, scope) if node.value is not None else None
            annotation = self.annotation(node.annotation, scope)
            if isinstance(node.target, ast.Name) and _last(node.annotation) == "TypeAlias" and value is not None:
                self.assign(node.target, value, scope, node.lineno)
                return
            for term in (value, annotation):
                if term is not None:
                    self.assign(node.target, term, scope, node.lineno)
        elif isinstance(node, ast.AugAssign):
            added = self.term(node.value, scope)
            current = self.term(node.target, scope)
            if isinstance(node.op, ast.Add) and added is not None and current is not None:
                added = ("add", current, added)
            self.assign(node.target, added, scope, node.lineno)
        elif isinstance(node, (ast.For, ast.AsyncFor)):
            iterated = self.term(node.iter, scope)
            items = self.iterate(iterated, node, isinstance(node, ast.AsyncFor))
            self.assign(node.target, _union(iterated, items), scope, node.lineno)
            self.body(node.body, scope)
            self.body(node.orelse, scope)
        elif isinstance(node, ast.Raise):
            raised = self.term(node.exc, scope)
            if raised is not None and not isinstance(node.exc, ast.Call):  # ``raise Error`` makes an instance
                self.implicit(raised, (), node.lineno)
            self.term(node.cause, scope)
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            suppressed: list[Term] = []
            for item in node.items:
                value = self.term(item.context_expr, scope)
                if item.optional_vars is not None and value is not None:
                    self.assign(item.optional_vars, ("enter", value), scope, node.lineno)
                if _last(item.context_expr) == "suppress" and value is not None and value[0] == "c":
                    made = self.calls[value[2]]
                    suppressed.append(("suppress", made.callee, tuple(a for a in made.args if a is not None)))
            self.guarded_body(node.body, scope, tuple(suppressed))
        elif isinstance(node, ast.Return):
            if node.value is not None:
                self.returned(self.term(node.value, scope))
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    self.assign_location(self.store_name(alias.asname, scope), ("imp", alias.name, ""), node.lineno)
                else:
                    head = alias.name.split(".", 1)[0]
                    self.assign_location(self.store_name(head, scope), ("imp", head, ""), node.lineno)
        elif isinstance(node, ast.ImportFrom):
            source = self.absolute(node.module, node.level)
            if source is None:
                return
            for alias in node.names:
                if alias.name == "*":
                    self.star_imports.append(source)
                    continue
                location = self.store_name(alias.asname or alias.name, scope)
                self.assign_location(location, ("imp", source, alias.name), node.lineno)
        elif isinstance(node, ast.Try) or type(node).__name__ == "TryStar":
            self.guarded_body(node.body, scope, self.handled(node.handlers, scope))  # type: ignore[attr-defined]
            for handler in node.handlers:  # type: ignore[attr-defined]
                if handler.type is not None:
                    self.term(handler.type, scope)
                self.body(handler.body, scope)
            self.body(node.orelse, scope)  # type: ignore[attr-defined]
            self.body(node.finalbody, scope)  # type: ignore[attr-defined]
        elif isinstance(node, (ast.If, ast.While)):
            self.term(node.test, scope)
            narrowing = self.narrowing(node.test, scope) if isinstance(node, ast.If) else None
            if narrowing is None:
                self.body(node.body, scope)
            else:
                saved = self.narrowed
                self.narrowed = {**saved, narrowing[0]: narrowing[1]}
                self.body(node.body, scope)
                self.narrowed = saved
            self.body(node.orelse, scope)
        elif isinstance(node, ast.Match):
            subject = self.term(node.subject, scope)
            for case in node.cases:
                for capture in ast.walk(case.pattern):
                    if isinstance(capture, ast.MatchAs) and capture.name and subject is not None:
                        self.assign_location(self.store_name(capture.name, scope), subject, node.lineno)
                if case.guard is not None:
                    self.term(case.guard, scope)
                self.body(case.body, scope)
        elif isinstance(node, ast.Expr):
            self.term(node.value, scope)
        else:
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.expr):
                    self.term(child, scope)
                elif isinstance(child, ast.stmt):
                    self.statement(child, scope)

    def guarded_body(self, statements: list[ast.stmt], scope: _Scope, caught: tuple[Term, ...]) -> None:
        """Read ``statements`` with ``caught`` caught around them (nothing is pushed when it is empty)."""
        if not caught:
            self.body(statements, scope)
            return
        self.caught.append(caught)
        try:
            self.body(statements, scope)
        finally:
            self.caught.pop()

    def handled(self, handlers: list[ast.ExceptHandler], scope: _Scope) -> tuple[Term, ...]:
        """The exception types ``handlers`` catch and keep.

        A handler that re-raises what it caught keeps nothing, unless it records
        the error first (a log call, an exception captured on a span or by an
        error tracker): the error state is then defined where it happened, and
        raising it on is the caller's contract, not an escape.
        """
        caught: list[Term] = []
        for handler in handlers:
            if _reraises(handler) and not _records(handler):
                continue
            if handler.type is None:
                caught.append(("b", "BaseException"))
                continue
            term = self.term(handler.type, scope, record=False)
            if term is not None:
                caught.append(term)
        return tuple(caught)

    def around(self) -> tuple[Term, ...]:
        """What is caught around the current point of the function, innermost first."""
        return tuple(term for group in reversed(self.caught) for term in group)

    def implicit(self, callee: Term, args: tuple[Term, ...], line: int) -> Term:
        """A call the syntax does not show (``__iter__`` of a loop, a raised class): never a call site."""
        index = len(self.calls)
        self.calls.append(Call(callee, args, (), (), (), line, -1, line, -1, self.function, self.around()))
        return ("c", self.module, index)

    def iterate(self, iterated: Term | None, node: ast.stmt, asynchronous: bool) -> Term | None:
        """What a loop over ``iterated`` binds when it is a project iterator: ``__next__`` of its ``__iter__``."""
        if iterated is None:
            return None
        first, then = ("__aiter__", "__anext__") if asynchronous else ("__iter__", "__next__")
        iterator = self.implicit(("a", iterated, first), (), node.lineno)
        return self.implicit(("a", iterator, then), (), node.lineno)

    def absolute(self, module: str | None, level: int) -> str | None:
        if not level:
            return module
        parts = self.module.split(".") if self.module else []
        drop = level - 1 if self.is_package else level
        if drop > len(parts):
            return None
        base = parts[: len(parts) - drop] if drop else parts
        return ".".join([*base, module] if module else base) or None

    def returned(self, term: Term | None) -> None:
        if term is not None:
            self.returns.append((self.function, _narrow(term, self.narrowed) if self.narrowed else term))

    def narrowing(self, test: ast.expr, scope: _Scope) -> tuple[Term, Term] | None:
        """``isinstance(name, Class)`` (a plain name, one class): the name's term and the class's."""
        if not (
            isinstance(test, ast.Call)
            and isinstance(test.func, ast.Name)
            and test.func.id == "isinstance"
            and len(test.args) == 2
            and isinstance(test.args[0], ast.Name)
            and isinstance(test.args[1], (ast.Name, ast.Attribute))
        ):
            return None
        cls = self.term(test.args[1], scope)
        return (self.name(test.args[0].id, scope), cls) if cls is not None else None

    def assign_location(self, location: Location | None, value: Term | None, line: int) -> None:
        if location is not None and value is not None:
            self.stores.append(Store(location, value, line))

    def location(self, target: ast.expr, scope: _Scope) -> Location | None:
        if isinstance(target, ast.Name):
            return self.store_name(target.id, scope)
        if isinstance(target, ast.Attribute):
            base = self.term(target.value, scope)
            return ("A", base, target.attr) if base is not None else None
        if isinstance(target, ast.Subscript):
            self.term(target.slice, scope)
            return self.location(target.value, scope)
        if isinstance(target, ast.Starred):
            return self.location(target.value, scope)
        return None

    def key(self, node: ast.Assign, value: Term | None, scope: _Scope) -> None:
        """Keep the keys of ``name = {"k": v}`` and ``name["k"] = v``."""
        if len(node.targets) != 1:
            return
        target = node.targets[0]
        if isinstance(target, ast.Name):
            location = self.location(target, scope)
            if location is None:
                return
            if self._dict is not None and self._dict[0] is node.value:
                self.keyed[location] = list(self._dict[1])
            else:
                self.keyed.pop(location, None)
        elif (
            isinstance(target, ast.Subscript)
            and isinstance(target.value, ast.Name)
            and isinstance(target.slice, ast.Constant)
            and isinstance(target.slice.value, str)
            and value is not None
        ):
            entries = self.keyed.get(self.store_name(target.value.id, scope))
            if entries is not None:
                entries.append((target.slice.value, value))

    def assign(self, target: ast.expr, value: Term | None, scope: _Scope, line: int) -> None:
        if isinstance(target, (ast.Tuple, ast.List)):  # unpacking: element-insensitive
            for element in target.elts:
                self.assign(element, value, scope, line)
            return
        self.assign_location(self.location(target, scope), value, line)

    # -- definitions -------------------------------------------------------
    def parameters(self, args: ast.arguments, qual: str, scope: _Scope, inner: _Scope) -> tuple[Param, ...]:
        params: list[Param] = []
        positional = [*args.posonlyargs, *args.args]
        defaults: list[ast.expr | None] = [None] * (len(positional) - len(args.defaults)) + list(args.defaults)
        for index, (arg, default) in enumerate(zip(positional, defaults, strict=True)):
            params.append(Param(arg.arg, "posonly" if index < len(args.posonlyargs) else "pos"))
            self.parameter(arg, default, qual, scope, inner)
        if args.vararg is not None:
            params.append(Param(args.vararg.arg, "var"))
        for arg, kw_default in zip(args.kwonlyargs, args.kw_defaults, strict=True):
            params.append(Param(arg.arg, "kwonly"))
            self.parameter(arg, kw_default, qual, scope, inner)
        if args.kwarg is not None:
            params.append(Param(args.kwarg.arg, "kw"))
        return tuple(params)

    def parameter(self, arg: ast.arg, default: ast.expr | None, qual: str, scope: _Scope, inner: _Scope) -> None:
        location = ("v", qual, arg.arg)
        if default is not None:
            self.assign_location(location, self.term(default, scope), arg.lineno)
        if arg.annotation is not None:
            self.assign_location(location, self.annotation(arg.annotation, scope), arg.lineno)

    def define_function(self, node: ast.FunctionDef | ast.AsyncFunctionDef, scope: _Scope) -> None:
        qual = self.child_qual(scope, node.name)
        flags: set[str] = set()
        for decorator in node.decorator_list:
            last = _last(decorator)
            if last in ("property", "cached_property", "setter", "getter"):
                flags.add("property")
            elif last in ("classmethod", "staticmethod"):
                flags.add(last)
            elif last == "abstractmethod":
                flags.add("abstract")
            elif last == "overload":
                flags.add("overload")
        if isinstance(node, ast.AsyncFunctionDef):
            flags.add("async")
        bound, declared = _bound_names([*node.body, node.args])
        bound.update(a.arg for a in (*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs))
        bound.update(a.arg for a in (node.args.vararg, node.args.kwarg) if a is not None)
        inner = _Scope("function", qual, scope, bound, declared)
        owner = scope.qual if scope.kind == "class" else None
        params = self.parameters(node.args, qual, scope, inner)
        if "overload" not in flags:
            self.functions.append(Function(qual, params, owner, frozenset(flags), node.lineno))
        location = self.store_name(node.name, scope)
        if "overload" not in flags:
            self.assign_location(location, ("fn", qual), node.lineno)
        for decorator in node.decorator_list:  # the decorator is applied to the function: a call
            callee = self.term(decorator, scope)
            if callee is not None and _last(decorator) not in ("property", "classmethod", "staticmethod"):
                applied = Call(
                    callee,
                    (("fn", qual),),
                    (),
                    (),
                    (),
                    decorator.lineno,
                    -1,
                    decorator.lineno,
                    -1,
                    self.function,
                    self.around(),
                )
                self.calls.append(applied)
        outer, caught = self.function, self.caught
        self.function, self.caught = qual, []  # a function's body is not protected by the try it is defined in
        if node.returns is not None:
            self.returned(self.annotation(node.returns, scope))
        self.body(node.body, inner)
        self.function, self.caught = outer, caught

    def define_class(self, node: ast.ClassDef, scope: _Scope) -> None:
        qual = self.child_qual(scope, node.name)
        bases = tuple(t for t in (self.term(base, scope) for base in node.bases) if t is not None)
        for keyword in node.keywords:
            self.term(keyword.value, scope)
        for decorator in node.decorator_list:
            self.term(decorator, scope)
        abstract = any(_last(b) in _ABSTRACT_BASES for b in node.bases) or any(
            k.arg == "metaclass" and _last(k.value) == "ABCMeta" for k in node.keywords
        )
        abstract = abstract or any(
            isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef))
            and any(_last(d) == "abstractmethod" for d in s.decorator_list)
            for s in node.body
        )
        self.classes.append(Class(qual, bases, abstract, node.lineno))
        bound, declared = _bound_names(node.body)
        inner = _Scope("class", qual, scope, bound, declared)
        self.body(node.body, inner)
        self.assign_location(self.store_name(node.name, scope), ("cls", qual), node.lineno)

    # -- annotations -------------------------------------------------------
    def annotation(self, node: ast.expr, scope: _Scope) -> Term | None:
        """The instances an annotation declares (``Optional``, unions and strings seen through)."""
        if isinstance(node, ast.Constant):
            if isinstance(node.value, str):
                try:
                    parsed = ast.parse(node.value.strip(), mode="eval").body
                except (SyntaxError, ValueError):
                    return None
                _locate(parsed, node)
                return self.annotation(parsed, scope)
            return None
        if isinstance(node, (ast.Name, ast.Attribute)):
            term = self.term(node, scope, record=False)
            return ("ann", term) if term is not None else None
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
            return _union(self.annotation(node.left, scope), self.annotation(node.right, scope))
        if isinstance(node, ast.Subscript):
            head = _last(node.value)
            elements = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
            if head in ("Literal", "Callable"):
                return None
            if head == "Annotated":
                return self.annotation(elements[0], scope) if elements else None
            if head in ("type", "Type"):
                return _union(*(self.term(e, scope, record=False) for e in elements))
            inner = _union(*(self.annotation(e, scope) for e in elements))
            if head in ("Optional", "Union") or head in _TYPING_CONTAINERS:
                return inner
            return _union(self.annotation(node.value, scope), inner)
        return None

    # -- expressions -------------------------------------------------------
    def term(self, node: ast.expr | None, scope: _Scope, record: bool = True) -> Term | None:
        """The term of ``node``; every call inside it is recorded (unless ``record`` is false)."""
        if node is None:
            return None
        if isinstance(node, ast.Name):
            return self.name(node.id, scope)
        if isinstance(node, ast.Attribute):
            base = self.term(node.value, scope, record)
            return ("a", base, node.attr) if base is not None else None
        if isinstance(node, ast.Call):
            return self.call(node, scope) if record else None
        if isinstance(node, ast.Constant):
            if isinstance(node.value, str) and len(node.value) <= _MAX_STRING:
                return ("s", node.value)
            return None
        if isinstance(node, ast.JoinedStr):
            parts: list[Term] = []
            for piece in node.values:
                if isinstance(piece, ast.Constant) and isinstance(piece.value, str):
                    parts.append(("s", piece.value))
                elif isinstance(piece, ast.FormattedValue):
                    part = self.term(piece.value, scope, record)
                    parts.append(part if part is not None else ("u", ()))
            return ("fmt", tuple(parts))
        if isinstance(node, ast.BinOp):
            left, right = self.term(node.left, scope, record), self.term(node.right, scope, record)
            if isinstance(node.op, ast.BitOr):
                return ("pipe", tuple(t for t in _pipe_operands(left) + _pipe_operands(right)))
            if isinstance(node.op, ast.Add) and left is not None and right is not None:
                # ``a + b + c`` is one flat concatenation: a long chain must not nest as deep as it is long
                return ("fmt", (*_concatenated(left), *_concatenated(right)))
            if isinstance(node.op, ast.Mod):
                return left if left is not None and left[0] == "s" else None
            return None
        if isinstance(node, ast.BoolOp):
            return _union(*(self.term(v, scope, record) for v in node.values))
        if isinstance(node, ast.IfExp):
            self.term(node.test, scope, record)
            return _union(self.term(node.body, scope, record), self.term(node.orelse, scope, record))
        if isinstance(node, (ast.Await, ast.Starred)):
            return self.term(node.value, scope, record)
        if isinstance(node, ast.NamedExpr):
            value = self.term(node.value, scope, record)
            self.assign(node.target, value, scope, node.lineno)
            return value
        if isinstance(node, ast.Subscript):
            self.term(node.slice, scope, record)
            return self.term(node.value, scope, record)
        if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            return _union(*(self.term(e, scope, record) for e in node.elts))
        if isinstance(node, ast.Dict):
            for key in node.keys:
                self.term(key, scope, record)
            items = [self.term(v, scope, record) for v in node.values]
            if all(isinstance(k, ast.Constant) and isinstance(k.value, str) for k in node.keys):
                self._dict = (node, [(k.value, t) for k, t in zip(node.keys, items, strict=True) if t is not None])  # type: ignore[union-attr]
            union = _union(*items)
            if union is not None and _system_message(node):
                return ("role", self.module, node.lineno, union)
            return union
        if isinstance(node, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
            for generator in node.generators:
                self.assign(generator.target, self.term(generator.iter, scope, record), scope, node.lineno)
                for condition in generator.ifs:
                    self.term(condition, scope, record)
            if isinstance(node, ast.DictComp):
                self.term(node.key, scope, record)
                return self.term(node.value, scope, record)
            return self.term(node.elt, scope, record)
        if isinstance(node, ast.Lambda):
            return self.lambda_(node, scope)
        if isinstance(node, (ast.Yield, ast.YieldFrom)):
            self.returned(self.term(node.value, scope, record))
            return None
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.expr):
                self.term(child, scope, record)
        return None

    def lambda_(self, node: ast.Lambda, scope: _Scope) -> Term:
        self.lambdas += 1
        qual = f"{self.function}.<lambda{self.lambdas}>"
        bound = {a.arg for a in (*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs)}
        bound.update(a.arg for a in (node.args.vararg, node.args.kwarg) if a is not None)
        inner = _Scope("function", qual, scope, bound, {})
        params = self.parameters(node.args, qual, scope, inner)
        self.functions.append(Function(qual, params, None, frozenset({"lambda"}), node.lineno))
        outer, caught = self.function, self.caught
        self.function, self.caught = qual, []
        self.returned(self.term(node.body, inner))
        self.function, self.caught = outer, caught
        return ("fn", qual)

    def call(self, node: ast.Call, scope: _Scope) -> Term | None:
        func = node.func
        if isinstance(func, ast.Name) and func.id == "super" and not node.args and scope.kind == "function":
            owner = scope.parent
            if owner is not None and owner.kind == "class":
                return ("sup", owner.qual, scope.qual)
            return None
        callee = self.term(func, scope)
        settles = callee is not None and _settles(node)
        if settles:  # the awaitables given to ``gather(..., return_exceptions=True)`` raise nothing
            self.caught.append((("settle", callee),))
        args: list[Term | None] = []
        stars: list[Term] = []
        for arg in node.args:
            value = self.term(arg, scope)
            if isinstance(arg, ast.Starred):
                if value is not None:
                    stars.append(value)
            else:
                args.append(value)
        keywords: list[tuple[str, Term | None]] = []
        dstars: list[Term] = []
        for keyword in node.keywords:
            value = self.term(keyword.value, scope)
            if keyword.arg is None:
                if value is not None:
                    dstars.append(value)
                if isinstance(keyword.value, ast.Name):  # ``f(**kwargs)`` of a dict with literal keys: by key
                    given = {k for k in (kw.arg for kw in node.keywords) if k is not None}
                    entries = self.keyed.get(self.store_name(keyword.value.id, scope), [])
                    keywords += [(key, term) for key, term in entries if key not in given]
            else:
                keywords.append((keyword.arg, value))
        if settles:
            self.caught.pop()
        if isinstance(func, ast.Attribute) and func.attr in _MUTATORS:
            receiver = self.location(func.value, scope)
            values = args[1:] if func.attr in ("setdefault", "insert") else args
            for value in (*values, *stars, *(v for _, v in keywords), *dstars):
                self.assign_location(receiver, value, node.lineno)
        if callee is None:
            return None
        if (
            isinstance(func, ast.Name)
            and func.id == "getattr"
            and callee == ("b", "getattr")
            and len(args) >= 2
            and args[0] is not None
            and args[1] is not None
            and args[1][0] != "s"
        ):
            return ("ga", args[0], args[1])
        index = len(self.calls)
        if settles:
            self.settling.append(index)
        self.calls.append(
            Call(
                callee,
                tuple(args),
                tuple(stars),
                tuple(keywords),
                tuple(dstars),
                node.lineno,
                self.column(node.lineno, node.col_offset),
                node.end_lineno or node.lineno,
                self.column(node.end_lineno or node.lineno, node.end_col_offset or 0),
                self.function,
                self.around(),
            )
        )
        result: Term = ("c", self.module, index)
        if isinstance(func, ast.Attribute) and func.attr in _READERS and callee[0] == "a":
            # ``registry.get(name)``, ``d.values()``: what the container holds (unless the receiver has the method)
            keyed = func.attr in ("get", "pop", "setdefault")
            default = args[1] if keyed and len(args) > 1 else None
            first = node.args[0] if keyed and node.args else None
            key = first.value if isinstance(first, ast.Constant) and isinstance(first.value, str) else None
            if key is not None and isinstance(func.value, ast.Name):  # ``kwargs.get("prompt")`` of a keyed dict
                bound = self.keyed.get(self.store_name(func.value.id, scope))
                if bound is not None:
                    return _union(result, *(t for k, t in bound if k == key), default) or result
            return _union(result, ("elem", callee[1], func.attr, key), default) or result
        return result

    def column(self, line: int, offset: int) -> int:
        """A column in characters from CPython's offset in UTF-8 bytes."""
        text = self.lines[line - 1] if 0 < line <= len(self.lines) else b""
        if text[:offset].isascii():
            return offset
        return len(text[:offset].decode("utf-8", errors="replace"))


def _system_message(node: ast.Dict) -> bool:
    """``{"role": "system", "content": ...}`` (or ``developer``): a message that carries the model's instructions."""
    for key, value in zip(node.keys, node.values, strict=True):
        if isinstance(key, ast.Constant) and key.value == "role":
            return isinstance(value, ast.Constant) and value.value in ("system", "developer")
    return False


def _reraises(handler: ast.ExceptHandler) -> bool:
    """Whether a handler raises again what it caught (``raise``, or ``raise exc`` of its ``as exc``)."""
    stack: list[ast.AST] = list(handler.body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        if isinstance(node, ast.Raise) and (
            node.exc is None
            or (handler.name is not None and isinstance(node.exc, ast.Name) and node.exc.id == handler.name)
        ):
            return True
        stack.extend(ast.iter_child_nodes(node))
    return False


@cache
def _recorders() -> frozenset[str]:
    """Methods that record an error: log levels, ``span.record_exception``, ``sentry_sdk.capture_exception``."""
    from ailint.knowledge import practices

    data = practices()
    return data.names("logging", "methods") | data.names("logging", "error-recorders")


def _records(handler: ast.ExceptHandler) -> bool:
    """Whether a handler records the error: a log call (``logger.exception(...)``), or a call given the
    caught exception (``span.record_exception(exc)``, ``self.emit(ErrorEvent(error=exc))``)."""
    stack: list[ast.AST] = list(handler.body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        if isinstance(node, ast.Call):
            func = node.func  # ``get_logger().error(...)``: the method named, whatever the receiver
            name = func.attr if isinstance(func, ast.Attribute) else _last(func)
            if name in _recorders():
                return True
            if handler.name is not None and _mentions(node, handler.name):
                return True
        stack.extend(ast.iter_child_nodes(node))
    return False


def _mentions(call: ast.Call, name: str) -> bool:
    """Whether ``name`` is among a call's arguments, directly or inside them (an f-string, a constructor)."""
    for argument in [*call.args, *(k.value for k in call.keywords)]:
        if any(isinstance(n, ast.Name) and n.id == name for n in ast.walk(argument)):
            return True
    return False


def _settles(node: ast.Call) -> bool:
    """``gather(..., return_exceptions=True)``: exceptions of the awaitables come back as results."""
    if _last(node.func) != "gather":
        return False
    return any(
        k.arg == "return_exceptions" and isinstance(k.value, ast.Constant) and k.value.value is True
        for k in node.keywords
    )


def _concatenated(term: Term) -> tuple[Term, ...]:
    return term[1] if term[0] == "fmt" else (term,)


def _pipe_operands(term: Term | None) -> tuple[Term, ...]:
    if term is None:
        return ()
    return term[1] if term[0] == "pipe" else (term,)


def _union(*terms: Term | None) -> Term | None:
    kept = tuple(t for t in terms if t is not None)
    if not kept:
        return None
    return kept[0] if len(kept) == 1 else ("u", kept)


def _locate(parsed: ast.AST, where: ast.AST) -> None:
    for node in ast.walk(parsed):
        if "lineno" in node._attributes:
            node.lineno = getattr(where, "lineno", 1)  # type: ignore[attr-defined]
            node.col_offset = getattr(where, "col_offset", 0)  # type: ignore[attr-defined]


def summarize(data: bytes, module: str, is_package: bool = False, tree: ast.Module | None = None) -> FileSummary:
    """The summary of a file's bytes, as module ``module``; an empty summary with ``error`` if it cannot be read."""
    try:
        if tree is None:
            tree = ast.parse(data)
        summarizer = _Summarizer(module, is_package, data.split(b"\n"))
        summarizer.star = any(
            isinstance(node, ast.ImportFrom) and any(alias.name == "*" for alias in node.names) for node in tree.body
        )
        bound, declared = _bound_names(tree.body)
        summarizer.body(tree.body, _Scope("module", module, None, bound, declared))
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        return FileSummary(module, is_package, error=f"{type(exc).__name__}: {exc}")
    return FileSummary(
        module,
        is_package,
        tuple(summarizer.functions),
        tuple(summarizer.classes),
        tuple(summarizer.stores),
        tuple(summarizer.calls),
        tuple(summarizer.returns),
        tuple(summarizer.star_imports),
        tuple(summarizer.settling),
    )


def _narrow(term: Term, narrowed: dict[Term, Term]) -> Term:
    """``term`` with each narrowed name replaced by ``("isa", name, class)``, inside unions and tuples too."""
    if term in narrowed:
        return ("isa", term, narrowed[term])
    if term[0] == "u":
        return ("u", tuple(_narrow(part, narrowed) for part in term[1]))
    return term
