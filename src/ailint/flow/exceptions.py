"""Where an exception raised at a call goes: up through the functions that call it, to an entry point.

A generic flow over :class:`~ailint.flow.program.Program`: it knows nothing of
rules or providers. It is asked about one call and a set of exception names
(dotted, as imported: ``openai.APIError``, ``Exception``); a handler catching
any of them handles the exception. From the call's function it walks up
through every project call whose callee may run that function (dispatch,
decorators and callables passed around included, as the program resolved
them; calls in test modules do not count) until each path either catches one
of the names, reaches a stop, or reaches an entry point. The exception is
handled when **every** path is; otherwise the first unhandled path is the answer.

An entry point is where something outside the project starts the work: a
module's own code, a function of a module, or a method or a nested function
that something outside is given: decorated by a library's decorator that does
not only wrap (a route, a command, a task, a tool), passed to a library call or
stored on a library object (a callback), a dunder the runtime calls, or a
method of a class built on a library class (the framework calls its
overrides). A method no project code calls and nothing outside is given is
public API (a library's, whose contract is to raise), dead code, or run by
project code in a way the analysis cannot follow (a registry read by name):
the error is its caller's business, as at a boundary.

Stops, besides a handler around a call:

- a function whose qualified name matches a ``boundary`` glob (public API whose
  errors are its callers' business, outside the project);
- a function decorated with one of the ``handlers`` (decorators that catch);
- a route handler (``@app.get(...)``, ``@router.post(...)`` on a FastAPI or
  Starlette application or router) when the project registers an exception
  handler (``exception_handler`` / ``add_exception_handler``) for one of the names;
- a call whose result is given to ``asyncio.gather(..., return_exceptions=True)``
  (directly, through a local name, or through ``create_task``/``ensure_future``);
- a call whose result runs as a task given a done callback
  (``task.add_done_callback(report)``): the callback receives what it raised.

Names in the summaries are terms; here they are read *symbolically* into the
dotted names they stand for (library exception classes are not values the
solver keeps), following the stores of project names and imports of project
modules. The walk is bounded in depth and in functions visited; beyond the
bound a path counts as handled (an answer the analysis cannot show is not
reported).
"""

from __future__ import annotations

from collections.abc import Iterable
from fnmatch import fnmatchcase
from functools import cached_property, lru_cache
from typing import Any

from ailint.flow.program import Program
from ailint.flow.summary import Call, Term
from ailint.flow.values import Cls, Fn, Inst
from ailint.knowledge import practices

_MAX_DEPTH = 24
"""Functions on one path, from the call's function up."""
_MAX_VISITED = 5000
_MAX_NAME_DEPTH = 8
_ROUTES = frozenset(
    {"get", "post", "put", "patch", "delete", "head", "options", "trace", "api_route", "route", "websocket"}
)
_FRAMEWORKS = ("fastapi.", "starlette.")
_REGISTERS = frozenset({"exception_handler", "add_exception_handler"})
_TASKS = frozenset({"create_task", "ensure_future"})
_GATHER = "asyncio.gather"
_RESULTS = frozenset({"result", "exception"})
"""A future's methods that re-raise what the callable it runs raised."""
_SUPPRESS = "contextlib.suppress"
_DONE_CALLBACK = "add_done_callback"


class ExceptionFlow:
    """Answers "does an exception raised at this call escape to an entry point, and how?" over one program."""

    def __init__(self, program: Program, boundaries: Iterable[str] = (), handlers: Iterable[str] = ()) -> None:
        self.program = program
        self.boundaries = tuple(boundaries)
        self.handlers = frozenset(handlers)
        self._names: dict[Term, frozenset[str]] = {}

    # -- indexes -----------------------------------------------------------------------
    @cached_property
    def callers(self) -> dict[str, list[tuple[str, int]]]:
        """Each project function to the calls (module, index) that may run it, outside test modules."""
        program = self.program
        found: dict[str, list[tuple[str, int]]] = {}
        for (module, index), values in program.callees.items():
            if module in program.tests:
                continue
            for value in values:
                for target in program.runs(value):
                    found.setdefault(target, []).append((module, index))
        return found

    @cached_property
    def stores(self) -> dict[tuple[Any, ...], list[Term]]:
        """Every location of the project to the terms stored there."""
        found: dict[tuple[Any, ...], list[Term]] = {}
        for summary in self.program.summaries.values():
            for store in summary.stores:
                if store.location[0] in ("v", "F"):
                    found.setdefault(store.location, []).append(store.value)
        return found

    @cached_property
    def decorators(self) -> dict[str, list[Term]]:
        """Each project function to the decorators applied to it (their callee terms)."""
        found: dict[str, list[Term]] = {}
        for summary in self.program.summaries.values():
            for call in summary.calls:
                if call.column == -1 and len(call.args) == 1 and call.args[0] and call.args[0][0] == "fn":
                    found.setdefault(call.args[0][1], []).append(call.callee)
        return found

    @cached_property
    def registered(self) -> frozenset[str]:
        """Exception names a FastAPI/Starlette application or router registers a handler for."""
        found: set[str] = set()
        program = self.program
        for module, summary in program.summaries.items():
            if module in program.tests:
                continue
            for call in summary.calls:
                callee = call.callee
                if callee[0] != "a" or callee[2] not in _REGISTERS or not call.args or call.args[0] is None:
                    continue
                if any(name.startswith(_FRAMEWORKS) for name in self.names(callee[1])):
                    found |= self.names(call.args[0])
        return frozenset(found)

    # -- what terms name -------------------------------------------------------------------
    def names(self, term: Term | None, depth: int = 0) -> frozenset[str]:
        """The dotted names ``term`` may stand for (``openai.APIError``, ``fastapi.FastAPI()``, ``Exception``)."""
        if term is None or depth > _MAX_NAME_DEPTH:
            return frozenset()
        known = self._names.get(term)
        if known is not None:
            return known
        self._names[term] = frozenset()  # a name defined through itself names nothing more
        found = frozenset(self._compute_names(term, depth))
        self._names[term] = found
        return found

    def _compute_names(self, term: Term, depth: int) -> set[str]:
        kind = term[0]
        deeper = depth + 1
        if kind == "b":
            return {term[1]}
        if kind in ("fn", "cls"):
            return {term[1]}
        if kind == "imp":
            module, name = term[1], term[2]
            if not name:
                return {module}
            found = {f"{module}.{name}"}
            if module in self.program.summaries:
                found |= self.names(("v", module, name), deeper)
            return found
        if kind in ("v", "F"):
            found = set()
            for value in self.stores.get(term, ()):
                found |= self.names(value, deeper)
            return found
        if kind == "a":
            return {f"{name}.{term[2]}" for name in self.names(term[1], deeper)}
        if kind == "c":
            summary = self.program.summaries.get(term[1])
            if summary is None or not 0 <= term[2] < len(summary.calls):
                return set()
            return {f"{name}()" for name in self.names(summary.calls[term[2]].callee, deeper)}
        if kind == "ann":
            return {f"{name}()" for name in self.names(term[1], deeper)}
        if kind == "u":
            found = set()
            for part in term[1]:
                found |= self.names(part, deeper)
            return found
        return set()

    def _named(self, term: Term, wanted: frozenset[str]) -> bool:
        knowledge = self.program.knowledge
        return any(name in wanted or knowledge.collapsed(name) in wanted for name in self.names(term))

    # -- handlers --------------------------------------------------------------------------
    def catches(self, call: Call, accepted: frozenset[str]) -> bool:
        """Whether what is caught around ``call`` in its own function catches one of ``accepted``."""
        for term in call.caught:
            kind = term[0]
            if kind == "suppress":
                if _SUPPRESS in self.names(term[1]) and any(self._named(t, accepted) for t in term[2]):
                    return True
            elif kind == "settle":
                if _GATHER in self.names(term[1]):
                    return True
            elif self._named(term, accepted):
                return True
        return False

    def settled(self, module: str, index: int) -> bool:
        """Whether call ``index``'s result is given to a ``gather(..., return_exceptions=True)`` of its function."""
        summary = self.program.summaries[module]
        scope = summary.calls[index].scope
        target = ("c", module, index)
        for gather in summary.settling:
            call = summary.calls[gather]
            if call.scope != scope or _GATHER not in self.names(call.callee):
                continue
            given = [*call.args, *call.stars, *(v for _, v in call.keywords), *call.dstars]
            if any(self._reaches(t, target, summary.calls, 0) for t in given if t is not None):
                return True
        return False

    def collected(self, module: str, index: int, accepted: frozenset[str]) -> bool:
        """Whether call ``index`` hands its callable to an executor (``future = executor.submit(fn, ...)``) and
        the future's ``result()`` is read inside a handler for ``accepted``: what ``fn`` raises surfaces there."""
        program = self.program
        if not any(program.invokes(v) for v in program.callee_values(module, index)):
            return False
        summary = program.summaries[module]
        scope = summary.calls[index].scope
        target = ("c", module, index)
        for call in summary.calls:
            callee = call.callee
            if call.scope != scope or callee[0] != "a" or callee[2] not in _RESULTS:
                continue
            if self._reaches(callee[1], target, summary.calls, 0) and self.catches(call, accepted):
                return True
        return False

    def delivered(self, module: str, index: int) -> bool:
        """Whether call ``index``'s result runs as a task or a future given a done callback in its function
        (``task = loop.create_task(work()); task.add_done_callback(report)``): what it raises is delivered to
        the callback with the finished task, not raised to the function's callers."""
        summary = self.program.summaries[module]
        scope = summary.calls[index].scope
        target = ("c", module, index)
        for call in summary.calls:
            callee = call.callee
            if call.scope != scope or callee[0] != "a" or callee[2] != _DONE_CALLBACK:
                continue
            if self._reaches(callee[1], target, summary.calls, 0):
                return True
        return False

    def _reaches(self, term: Term, target: Term, calls: tuple[Call, ...], depth: int) -> bool:
        if depth > 4:
            return False
        if term == target:
            return True
        kind = term[0]
        if kind == "u":
            return any(self._reaches(t, target, calls, depth) for t in term[1])
        if kind == "v":
            return any(self._reaches(t, target, calls, depth + 1) for t in self.stores.get(term, ()))
        if kind == "c" and term[1] == target[1] and 0 <= term[2] < len(calls):
            call = calls[term[2]]
            if call.callee[0] == "a" and call.callee[2] in _TASKS:
                return any(self._reaches(t, target, calls, depth + 1) for t in call.args if t is not None)
        return False

    def stops(self, function: str, accepted: frozenset[str]) -> bool:
        """Whether ``function`` is a boundary, is decorated by a handler, or is a route of an app that handles."""
        if any(fnmatchcase(function, glob) for glob in self.boundaries):
            return True
        decorators = self.decorators.get(function, ())
        if self.handlers and any(
            name.removesuffix("()") in self.handlers for d in decorators for name in self.names(d)
        ):
            return True
        if self.registered and any(self._route(d) for d in decorators):
            knowledge = self.program.knowledge
            return any(name in accepted or knowledge.collapsed(name) in accepted for name in self.registered)
        return False

    def _route(self, decorator: Term) -> bool:
        """``app.get("/path")``: a route decorator of a FastAPI or Starlette application or router."""
        if decorator[0] != "c":
            return False
        summary = self.program.summaries.get(decorator[1])
        if summary is None or not 0 <= decorator[2] < len(summary.calls):
            return False
        callee = summary.calls[decorator[2]].callee
        if callee[0] != "a" or callee[2] not in _ROUTES:
            return False
        return any(name.startswith(_FRAMEWORKS) for name in self.names(callee[1]))

    # -- the walk --------------------------------------------------------------------------
    def escape(self, module: str, index: int, accepted: Iterable[str]) -> tuple[str, ...] | None:
        """The first path (functions, from the call's own up to an entry point) an exception of the call
        escapes through without being caught as one of ``accepted``; None when every path handles it."""
        wanted = frozenset(accepted)
        call = self.program.call(module, index)
        if self.catches(call, wanted) or self._caught_in_helper(module, index, wanted):
            return None
        return self._up(call.scope, wanted, (), set(), _example(module))

    def _caught_in_helper(self, module: str, index: int, accepted: frozenset[str]) -> bool:
        """Whether a call giving a model API to a helper that calls it (``openai_error_handler(func=model.ainvoke,
        ...)``) is caught where the helper calls it: every such call of the helper sits in a handler."""
        program = self.program
        inner: list[Call] = []
        for target, parameter, _api in program.given_apis(module, index):
            home = program.function_module.get(target)
            summary = program.summaries.get(home) if home is not None else None
            if summary is None:
                return False
            found = [c for c in summary.calls if c.scope == target and c.callee == ("v", target, parameter)]
            if not found:
                return False
            inner += found
        return bool(inner) and all(self.catches(c, accepted) for c in inner)

    def _up(
        self, function: str, accepted: frozenset[str], path: tuple[str, ...], visited: set[str], example: bool
    ) -> tuple[str, ...] | None:
        """``example``: the call is in an examples folder itself (its own entry points count)."""
        path = (*path, function)
        if self.stops(function, accepted):
            return None
        program = self.program
        if function not in program.functions and function in program.summaries:
            return self._entry(function, path, example)  # a module's own code: nothing calls it
        if function in visited or len(path) > _MAX_DEPTH or len(visited) > _MAX_VISITED:
            return None  # explored already (and handled), a cycle, or beyond what is followed
        visited.add(function)
        callers = self.callers.get(function)
        if not callers:
            if self._returned_closure(function):
                return None  # a decorator's wrapper: it runs where the decorated function is called, followed already
            if not self._started(function):
                return None  # public API or dead code: nothing outside the project is shown to run it
            return self._entry(program.function_module.get(function, function), path, example)
        for module, index in callers:
            call = program.call(module, index)
            if (
                self.catches(call, accepted)
                or self.settled(module, index)
                or self.collected(module, index, accepted)
                or self.delivered(module, index)
            ):
                continue
            found = self._up(call.scope, accepted, path, visited, example)
            if found is not None:
                return found
        return None

    def unstarted(self, function: str) -> bool:
        """Whether ``function`` is a method nothing in the project runs and nothing outside is shown to start:
        public API, dead code, or a method dispatched in ways the analysis cannot follow. What becomes of its
        result, as of its errors, is its callers' business."""
        if function not in self.program.functions or self.callers.get(function):
            return False
        return not self._returned_closure(function) and not self._started(function)

    @staticmethod
    def _entry(module: str, path: tuple[str, ...], example: bool) -> tuple[str, ...] | None:
        """An entry point's path, unless the entry is an example using the library the call is in: the library's
        contract is to raise, and an example script that lets the error end it is not where the error is handled."""
        if _example(module) and not example:
            return None
        return path

    def _started(self, function: str) -> bool:
        """Whether something outside the project may start ``function``, which no project call runs.

        A function of a module may be started in ways no summary shows (a console script, a name in a settings
        file), so it stays an entry point. A method or a nested function is started only when something outside
        is handed it: a library decorator, the runtime (a dunder), a library class it overrides a method of, or
        a library call it is given to (:attr:`given_out`)."""
        info = self.program.functions.get(function)
        owner = info.owner if info is not None else None
        parent, _, short = function.rpartition(".")
        if owner is None:
            if parent not in self.program.functions:
                return True
            return function in self.given_out or any(self._registers(d) for d in self.decorators.get(function, ()))
        if short.startswith("__") and short.endswith("__"):
            return True  # the runtime calls it
        if any(self._registers(d) for d in self.decorators.get(function, ())):
            return True
        if short in self.given_out:
            return True
        return self._on_library_class(owner)

    def _on_library_class(self, qual: str) -> bool:
        """Whether a project class is built, through its project bases, on a library class that does more than
        describe it (``APIRouter``, ``BaseTool``; not ``ABC`` or a pydantic model)."""
        program = self.program
        for cls in program.mros.get(qual, (qual,)):
            info = program.classes.get(cls)
            if info is None:
                continue
            for base in info.bases:
                for name in self.names(base):
                    bare = name.removesuffix("()")
                    if not self._project_name(bare) and not _wrapping(bare):
                        return True
        return False

    def _registers(self, decorator: Term) -> bool:
        """Whether a decorator may hand the function to a library (a route, a command, a task, a tool); a
        project decorator is followed by the value flow instead, and one that only wraps registers nothing."""
        names = self.names(decorator)
        if not names:
            return True  # unknown: the function may be run from outside
        tracers = practices().names("tracing", "decorators")
        for name in names:
            bare = name.removesuffix("()")
            if self._project_name(bare) or bare in tracers or _wrapping(bare):
                continue
            return True
        return False

    def _project_name(self, name: str) -> bool:
        """Whether a dotted name read symbolically is the project's: a class or function of it, or a name in a
        project module (by its name or another name it is imported by, ``from Extensions import Extensions``)."""
        program = self.program
        if name in program.classes or name in program.functions or name.split(".", 1)[0] in program.summaries:
            return True
        return program.aliases.get(name.rpartition(".")[0], "") in program.summaries

    @cached_property
    def given_out(self) -> frozenset[str]:
        """What the project hands to code outside it, outside test modules: the attribute names of methods
        (``Thread(target=self.run)``, ``bot.on_message = self.handle``) and the qualified names of functions
        (``app.add_api_route("/", handler)``) given to a call that runs no project function (a library's, or one
        the analysis cannot resolve), directly or through a local name or a container, or stored on an object
        that is not the project's own (``self``, an instance of a project class). A function given to the
        project's own code (``Tool.from_callable(fn)``, ``self.commands = {...}``) is run, if at all, by project
        code: where its errors go is that code's business, seen where the value flow follows it."""
        found: set[str] = set()
        program = self.program
        stores = self.stores

        def visit(term: Term | None, depth: int = 0) -> None:
            if term is None or depth > 6:
                return
            kind = term[0]
            if kind == "a":
                found.add(term[2])
            elif kind == "fn":
                found.add(term[1])
            elif kind == "v":
                found.add(f"{term[1]}.{term[2]}")
                for stored in stores.get(term, ()):
                    visit(stored, depth + 1)
            elif kind == "u":
                for part in term[1]:
                    visit(part, depth + 1)

        for module, summary in program.summaries.items():
            if module in program.tests:
                continue
            for index, call in enumerate(summary.calls):
                if call.column == -1:  # a decorator's application is judged by ``_registers``
                    continue
                if any(program.runs(value) for value in program.callee_values(module, index)):
                    continue  # the project's own function: the value flow follows what it is given
                for term in (*call.args, *call.stars, *(v for _, v in call.keywords), *call.dstars):
                    visit(term)
            for store in summary.stores:
                location = store.location
                if location[0] == "A" and not self._own_object(location[1]):
                    visit(store.value)
        return frozenset(found)

    def _own_object(self, term: Term) -> bool:
        """Whether ``term`` is ``self``/``cls`` or a name holding the project's own instances or classes."""
        if term[0] != "v":
            return False
        if term[2] in ("self", "cls"):
            return True
        return any(isinstance(value, (Inst, Cls)) for value in self.program.values.get(term, ()))

    def _returned_closure(self, function: str) -> bool:
        """Whether ``function`` is a closure its enclosing function returns (``def traced(f): ... return wrapper``)."""
        parent = function.rpartition(".")[0]
        if parent not in self.program.functions:
            return False
        return any(isinstance(v, Fn) and v.qual == function for v in self.program.values.get(("r", parent), ()))


_EXAMPLES = frozenset({"examples", "example", "demo", "demos", "cookbook", "cookbooks", "samples", "tutorials"})


@lru_cache(maxsize=1)
def _wrapping_modules() -> frozenset[str]:
    data = practices()
    return data.names("entry-points", "wrapping-modules") | data.names("tracing", "context-modules")


def _wrapping(name: str) -> bool:
    """Whether a library name (``tenacity.retry()``, ``abc.ABC``) only wraps or describes what it is applied to."""
    return name.split(".", 1)[0] in _wrapping_modules()


def _example(module: str) -> bool:
    """A module of an examples folder (``examples.chat.main``)."""
    return any(part in _EXAMPLES for part in module.split("."))


__all__ = ["ExceptionFlow"]
