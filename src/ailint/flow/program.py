"""Program: the solved project, read-only.

What the rest of ailint asks the value-flow engine: what a call's callee may
be, whether a value is a model API or model output, which functions return
model output, the call graph, and why a value is where it is.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from ailint.flow.summary import Call, Class, FileSummary, Function
from ailint.flow.values import Bnd, Cls, Const, Decl, Ext, Fn, Inst, Value
from ailint.knowledge import ApiSpec, Knowledge


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
    functions: Mapping[str, Function]
    function_module: Mapping[str, str]
    classes: Mapping[str, Class]
    mros: Mapping[str, tuple[str, ...]]
    """Each project class's MRO (library bases as ``ext:path``)."""
    tests: frozenset[str]
    rounds: int
    _outputs: dict[str, bool] = field(default_factory=dict, repr=False)

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

    def is_output(self, value: Value) -> bool:
        """Whether a library value is (derived from) the result of a model API call."""
        if not isinstance(value, Ext):
            return False
        path = value.path
        known = self._outputs.get(path)
        if known is None:
            plain = path.replace("#s", "")
            known = False
            start = plain.find("(")
            while start != -1 and not known:
                if plain.startswith("()", start) or plain.find(")", start) > start:
                    known = self.knowledge.lookup(plain[:start]) is not None
                start = plain.find("(", start + 1)
            self._outputs[path] = known
        return known

    def returns_output(self, function: str) -> bool:
        """Whether a project function returns or yields model output (values derived from a model call)."""
        return any(self.is_output(v) for v in self.values.get(("r", function), ()))

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
        """The model APIs a call may call, and the project functions it may call that reach a model."""
        apis: list[Ext] = []
        wrappers: list[str] = []
        reaching = self.reaching
        for value in self.callee_values(module, index):
            if isinstance(value, Ext):
                if self.api(value) is not None:
                    apis.append(value)
                continue
            wrappers.extend(t for t in self.targets(value) if t in reaching)
        return sorted(apis, key=str), sorted(set(wrappers))

    @cached_property
    def reaching(self) -> frozenset[str]:
        """Project functions that call a model API, directly or through other project functions.

        Whether such a function returns model output is decided where its
        body is read in depth (``Project.wrapper``); this only says where to look.
        """
        calls_in: dict[str, list[tuple[str, int]]] = {}
        found: set[str] = set()
        for (module, index), values in self.callees.items():
            scope = self.summaries[module].calls[index].scope
            calls_in.setdefault(scope, []).append((module, index))
            if any(self.api(v) is not None for v in values if isinstance(v, Ext)):
                found.add(scope)
        callers: dict[str, set[str]] = {}
        for scope, calls in calls_in.items():
            for key in calls:
                for value in self.callees[key]:
                    for target in self.targets(value):
                        callers.setdefault(target, set()).add(scope)
        frontier = list(found)
        while frontier:
            for caller in callers.get(frontier.pop(), ()):
                if caller not in found:
                    found.add(caller)
                    frontier.append(caller)
        return frozenset(found)

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
