"""Program: the solved project, read-only.

What the rest of ailint asks the value-flow engine: what a call's callee may
be, whether a value is a model API or model output, which functions return
model output, the call graph, and why a value is where it is.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from ailint.flow.summary import Call, Class, FileSummary, Function
from ailint.flow.values import Bnd, Cls, Const, Decl, Ext, Fn, Input, Inst, Value
from ailint.knowledge import ApiSpec, Knowledge

_INVOKERS: Mapping[str, int] = {
    "to_thread": 0,
    "run_sync": 0,
    "submit": 0,
    "run_in_executor": 1,
    "call_soon": 0,
    "run_until_complete": 0,
    "run": 0,
}
"""Library helpers that call the callable they are given (by its argument index) and return its result."""
_INVOKER_MODULES = ("asyncio", "anyio", "concurrent.futures", "functools", "trio", "contextvars")


def invoker(path: str) -> int | None:
    """The argument index of the callable a library helper runs and returns the result of, if it is one."""
    head, _, method = path.rpartition(".")
    position = _INVOKERS.get(method)
    if position is not None and (head.startswith(_INVOKER_MODULES) or "loop" in head):
        return position
    return None


@dataclass(frozen=True, slots=True)
class Reason:
    """Why a value first entered a set: where, how, and the set it came from (if it came from one)."""

    module: str
    line: int
    how: str
    source: tuple[Any, ...] | None = None


@dataclass(frozen=True, eq=False)
class Program:
    knowledge: Knowledge
    summaries: Mapping[str, FileSummary]
    values: Mapping[tuple[Any, ...], frozenset[Value]]
    callees: Mapping[tuple[str, int], frozenset[Value]]
    """Per call (module, index in its summary): what its callee may be."""
    reasons: Mapping[tuple[tuple[Any, ...], Value], Reason]
    urls: Mapping[tuple[str, int], tuple[str, ...]]
    called_parameters: Mapping[str, frozenset[str]]
    """Functions that call one of their own parameters (a retry or thread helper), and which."""
    passed: Mapping[tuple[str, int], Mapping[str, Mapping[str, frozenset[Value]]]]
    """Per call of such a function: what it passes for those parameters."""
    """Per HTTP request to a posting function: the texts its URL may hold (constants, attributes, config defaults)."""
    inputs: Mapping[tuple[str, int], tuple[tuple[str, frozenset[Input]], ...]]
    """Per model API call: the request data its arguments hold, by position (``"0"``), keyword, ``*`` or ``**``."""
    functions: Mapping[str, Function]
    function_module: Mapping[str, str]
    classes: Mapping[str, Class]
    mros: Mapping[str, tuple[str, ...]]
    """Each project class's MRO (library bases as ``ext:path``)."""
    tests: frozenset[str]
    rounds: int
    aliases: Mapping[str, str] = field(default_factory=dict)
    """Other names project modules are imported by (a script folder's bare names), to the module's name."""

    # -- calls ---------------------------------------------------------------------
    @cached_property
    def _by_position(self) -> dict[tuple[str, int, int], list[int]]:
        found: dict[tuple[str, int, int], list[int]] = {}
        for module, summary in self.summaries.items():
            for index, call in enumerate(summary.calls):
                if call.column >= 0:
                    found.setdefault((module, call.line, call.column), []).append(index)
        return found

    def call_at(self, module: str, line: int, column: int, end: tuple[int, int] | None = None) -> int | None:
        """The index of the call whose callee starts at ``line``/``column`` (and that ends at ``end``, if given)."""
        indices = self._by_position.get((module, line, column), [])
        calls = self.summaries[module].calls if indices else ()
        if end is not None:
            matching = [i for i in indices if (calls[i].end_line, calls[i].end_column) == end]
            if matching:
                return matching[0]
        return indices[-1] if len(indices) == 1 else None

    def callee_values(self, module: str, index: int) -> frozenset[Value]:
        return self.callees.get((module, index), frozenset())

    def call(self, module: str, index: int) -> Call:
        return self.summaries[module].calls[index]

    # -- what values are -------------------------------------------------------------
    def api(self, value: Value) -> ApiSpec | None:
        """The model API a library value is, if any."""
        if not isinstance(value, Ext):
            return None
        return self.knowledge.lookup(value.path.replace("#s", ""))

    def invokes(self, value: Value) -> bool:
        """Whether a library value is an executor or event-loop helper that runs the callable it is given."""
        return isinstance(value, Ext) and invoker(value.path) is not None

    def targets(self, value: Value) -> list[str]:
        """The project functions a call of ``value`` runs (a class runs its ``__init__``, an instance ``__call__``)."""
        if isinstance(value, (Fn, Bnd)):
            return [value.qual]
        if isinstance(value, (Inst, Decl)):
            return [m.qual for m in self._member(value.qual, "__call__") if isinstance(m, Fn)]
        return []

    def runs(self, value: Value) -> list[str]:
        """The project functions calling ``value`` runs: :meth:`targets`, and a class's ``__init__``."""
        if isinstance(value, Cls):
            return [m.qual for m in self._member(value.qual, "__init__")]
        return self.targets(value)

    def _member(self, qual: str, name: str) -> list[Fn]:
        for owner in self.mros.get(qual, (qual,)):
            found = self.values.get(("F", owner, name))
            if found:
                return [v for v in found if isinstance(v, Fn)]
        return []

    # -- model calls ---------------------------------------------------------------
    def model_callees(self, module: str, index: int) -> tuple[list[Ext], list[str]]:
        """The model APIs a call may call, and the project functions it may call that reach a model.

        A helper that reaches a model only by calling a callable it is given
        (``retry(fn, *args)``) reaches one at the calls that give it a model
        callable, not at every call (its other callers pass other functions).
        """
        apis: list[Ext] = []
        wrappers: list[str] = []
        own, through = self._reach
        for value in self.callee_values(module, index):
            if isinstance(value, Ext):
                if self.api(value) is not None:
                    apis.append(value)
                continue
            for target in self.targets(value):
                if target in own or (target in through and self._passes_model(module, index, target, own)):
                    wrappers.append(target)
        return sorted(apis, key=str), sorted(set(wrappers))

    def given_apis(self, module: str, index: int) -> list[tuple[str, str, Ext]]:
        """The model APIs a call gives a project helper that reaches a model only by calling what it is given
        (``self._call_client(self.client.chat.completions.create, ...)``), as ``(helper, parameter, api)``: the
        API is called at this call, with what this call passes; the helper's own call of its parameter is not a
        call site of its own (:meth:`calls_given`)."""
        through = self._reach[1]
        found: list[tuple[str, str, Ext]] = []
        for target, bound in sorted(self.passed.get((module, index), {}).items()):
            if target not in through:
                continue
            for name, values in sorted(bound.items()):
                found += [(target, name, v) for v in sorted(values, key=str) if isinstance(v, Ext) and self.api(v)]
        return found

    def calls_given(self, module: str, index: int) -> bool:
        """Whether a call is a helper's call of a parameter it is given model APIs in, the helper reaching a model
        only that way (``return call(*args, **kwargs)``): the model calls are where the APIs are given."""
        call = self.call(module, index)
        callee, scope = call.callee, call.scope
        if callee[0] != "v" or callee[1] != scope or callee[2] not in self.called_parameters.get(scope, ()):
            return False
        return scope in self._reach[1]

    @property
    def reaching(self) -> frozenset[str]:
        """Project functions that call a model API, directly or through other project functions.

        Whether such a function returns model output is decided where its
        body is read in depth (``Project.wrapper``); this only says where to look.
        """
        own, through = self._reach
        return own | through

    def _is_model(self, values: frozenset[Value], own: Collection[str]) -> bool:
        return any(
            self.api(v) is not None if isinstance(v, Ext) else any(t in own for t in self.targets(v)) for v in values
        )

    def _passes_model(self, module: str, index: int, target: str, own: Collection[str]) -> bool:
        bound = self.passed.get((module, index), {}).get(target, {})
        return any(self._is_model(values, own) for values in bound.values())

    @cached_property
    def _reach(self) -> tuple[frozenset[str], frozenset[str]]:
        """Functions reaching a model on their own, and those reaching one only through a callable they are given."""
        own: set[str] = set()
        through: set[str] = set()
        keys = list(self.callees)
        changed = True
        while changed:
            changed = False
            for module, index in keys:
                call = self.summaries[module].calls[index]
                scope = call.scope
                callee = call.callee
                via_parameter = (
                    callee[0] == "v" and callee[1] == scope and callee[2] in self.called_parameters.get(scope, ())
                )
                if (scope in own) if not via_parameter else (scope in own or scope in through):
                    continue
                values = self.callees[(module, index)]
                reaches = any(isinstance(v, Ext) and self.api(v) is not None for v in values) or any(
                    t in own or (t in through and self._passes_model(module, index, t, own))
                    for v in values
                    if not isinstance(v, Ext)
                    for t in self.targets(v)
                )
                if reaches:
                    (through if via_parameter else own).add(scope)
                    changed = True
        return frozenset(own), frozenset(through - own)

    @cached_property
    def modules_with_model_calls(self) -> frozenset[str]:
        """Modules holding a call that may call a model API or a project function that reaches one."""
        found = set()
        for (module, index), values in self.callees.items():
            if module in found or not values:
                continue
            apis, wrappers = self.model_callees(module, index)
            if apis or wrappers:
                found.add(module)
        return frozenset(found)

    # -- the call graph --------------------------------------------------------------
    def call_graph(self) -> dict[str, set[str]]:
        """Each project function (a module's own code under the module's name) to the project functions it may call."""
        graph: dict[str, set[str]] = {}
        for module, summary in self.summaries.items():
            graph.setdefault(module, set())
            for function in summary.functions:
                graph.setdefault(function.qual, set())
            for index, call in enumerate(summary.calls):
                found = graph.setdefault(call.scope, set())
                for value in self.callee_values(module, index):
                    if isinstance(value, (Fn, Bnd)):
                        found.add(value.qual)
                    elif isinstance(value, (Inst, Decl)):
                        found.update(self.targets(value))
                    elif isinstance(value, Cls):
                        found.update(m.qual for m in self._member(value.qual, "__init__"))
        return graph

    # -- explanations --------------------------------------------------------------------
    def why(self, key: tuple[Any, ...], value: Value, depth: int = 0) -> list[str]:
        """The chain of reasons that put ``value`` into the set ``key``."""
        reason = self.reasons.get((key, value))
        if reason is None or depth > 12:
            return []
        where = f"{reason.module}:{reason.line}" if reason.line else reason.module
        lines = [f"{_name(key)} holds {value}: {reason.how} at {where}"]
        if reason.source is not None and value in self.values.get(reason.source, ()):
            lines += self.why(reason.source, value, depth + 1)
        return lines


def _name(key: tuple[Any, ...]) -> str:
    kind = key[0]
    if kind == "v":
        return f"{key[1]}:{key[2]}"
    if kind == "F":
        return f"{key[1]}.{key[2]}"
    if kind == "r":
        return f"{key[1]}() returns"
    return str(key)


__all__ = ["Const", "Program", "Reason"]
