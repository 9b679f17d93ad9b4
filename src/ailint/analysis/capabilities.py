"""Declared capabilities against the code: which call sites each one owns, and what its paths do.

A capability's *functions* are those its globs name, and every project
function they reach over the value-flow engine's call graph (across modules).
A call site belongs to a capability when it sits in one of those functions,
or when the wrapper it calls does (its output then flows through the
capability). Each question below reads the code along the call site's path
(the chain from the site down to the direct call, ``concerns.chain``) and the
bodies of the capability's functions, and answers with the evidence found:
facts, not verdicts; the AIL8xx rules and the readiness report decide.
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import libcst as cst

from ailint.analysis.body import Body, keywords, last_part
from ailint.analysis.calls import CallSite, FileAnalysis, FunctionRecord
from ailint.analysis.concerns import (
    _MEMBERSHIP,
    _RELATIONAL,
    _identifiers,
    approved_before,
    authority,
    chain,
    sinks_reached,
)
from ailint.analysis.project import Project
from ailint.analysis.scope import dotted_name, string_value
from ailint.capability import Capability
from ailint.knowledge import practices
from ailint.settings import Settings

MODE_RANK = {"recommend": 0, "assist": 1, "act": 2}


@dataclass(frozen=True)
class Evidence:
    """One thing found in the code: what it is, and where."""

    text: str
    file: FileAnalysis
    node: cst.CSTNode

    @property
    def path(self) -> str:
        return self.file.relative_path or self.file.module.replace(".", "/") + ".py"

    @property
    def where(self) -> str:
        """``acme/triage.py:12`` (or the file alone for a module read only for its facts)."""
        line = self.file.line(self.node)
        return f"{self.path}:{line}" if line else self.path

    def shown(self) -> str:
        return f"{self.text} ({self.where})"


@dataclass(frozen=True)
class Answer:
    """A capability question answered at one call site: ``ok`` is None where it does not apply."""

    ok: bool | None
    detail: str = ""
    """Why it fails (a clause for the diagnostic's message), or what makes it pass."""
    evidence: tuple[Evidence, ...] = field(default=())


NOT_APPLICABLE = Answer(None)


# -- membership ----------------------------------------------------------------

_Table = weakref.WeakKeyDictionary[Project, tuple[object, tuple[Capability, ...], Any]]
"""Per project: the program and the capabilities a value was computed for, and the value."""
_MEMBERS: _Table = weakref.WeakKeyDictionary()
_REACHING: _Table = weakref.WeakKeyDictionary()


def _memoised(
    table: _Table,
    project: Project,
    capabilities: tuple[Capability, ...],
    compute: Callable[[dict[str, set[str]], tuple[Capability, ...]], Any],
) -> Any:
    """``compute(call graph, capabilities)`` for the project's program, kept until the program or the capabilities
    change."""
    program = project.program
    known = table.get(project)
    if known is not None and known[0] is program and known[1] == capabilities:
        return known[2]
    found = compute(program.call_graph() if program is not None else {}, capabilities)
    table[project] = (program, capabilities, found)
    return found


def members(project: Project, capabilities: tuple[Capability, ...]) -> dict[str, frozenset[str]]:
    """Per capability, the qualified names of its functions: those its globs match and all they reach.

    Without the value-flow engine (a file checked on its own) only the functions the globs match.
    """
    found: dict[str, frozenset[str]] = _memoised(_MEMBERS, project, capabilities, _members)[0]
    return found


def owned(project: Project, capabilities: tuple[Capability, ...]) -> dict[str, frozenset[str]]:
    """Per capability, its own functions: those its globs match and those only they call (transitively); a
    function shared with code outside the capability (a provider adapter, a framework mixin) is not its own."""
    found: dict[str, frozenset[str]] = _memoised(_MEMBERS, project, capabilities, _members)[1]
    return found


def _members(
    graph: dict[str, set[str]], capabilities: tuple[Capability, ...]
) -> tuple[dict[str, frozenset[str]], dict[str, frozenset[str]]]:
    """Per capability, the functions it reaches, and those of them that are its own."""
    callers: dict[str, set[str]] = {}
    for caller, callees in graph.items():
        for callee in callees:
            callers.setdefault(callee, set()).add(caller)
    found: dict[str, frozenset[str]] = {}
    own: dict[str, frozenset[str]] = {}
    for capability in capabilities:
        seeds = {name for name in graph if capability.matches(name)}
        reached: set[str] = set(seeds)
        expanded: set[str] = set()
        changed = True
        while changed:
            changed = False
            for name in sorted(reached - expanded):
                # A function others call too (a shared client, a framework mixin) belongs to the capability,
                # but what it calls is followed only once every caller it has is the capability's own.
                if name not in seeds and not callers.get(name, set()) <= reached:
                    continue
                expanded.add(name)
                fresh = graph.get(name, set()) - reached
                if fresh:
                    reached |= fresh
                    changed = True
        found[capability.name] = frozenset(reached)
        own[capability.name] = frozenset(expanded)
    return found, own


def reaching(project: Project, capabilities: tuple[Capability, ...]) -> dict[str, frozenset[str]]:
    """Per capability, every function its functions may run, shared ones included (a provider adapter behind a
    client that a factory or a context object hands to it, and to other code as well)."""
    found: dict[str, frozenset[str]] = _memoised(_REACHING, project, capabilities, _reaching)
    return found


def _reaching(graph: dict[str, set[str]], capabilities: tuple[Capability, ...]) -> dict[str, frozenset[str]]:
    found: dict[str, frozenset[str]] = {}
    for capability in capabilities:
        reached = {name for name in graph if capability.matches(name)}
        stack = list(reached)
        while stack:
            for callee in graph.get(stack.pop(), ()):
                if callee not in reached:
                    reached.add(callee)
                    stack.append(callee)
        found[capability.name] = frozenset(reached)
    return found


def _in(capability: Capability, functions: frozenset[str], qualname: str) -> bool:
    return qualname in functions or capability.matches(qualname)


def capabilities_of(site: CallSite, project: Project, settings: Settings, shared: bool = False) -> list[Capability]:
    """The declared capabilities ``site`` belongs to (its function, or a wrapper down its chain, is theirs).

    A function shared with code outside the capability (a provider adapter, a framework mixin) is not the
    capability's own: its calls are judged at the capability's own calls of it. With ``shared``, such a
    function counts too (the inventory lists a shared wrapper's calls under every capability that calls it).
    """
    declared = settings.capabilities
    if not declared:
        return []
    own = owned(project, declared)
    functions = members(project, declared) if shared else own
    here, *called = _called(site)
    # The function a wrapper site calls makes the site the capability's only when that function is the
    # capability's own: a call of a shared adapter from elsewhere is that other code's.
    return [c for c in declared if _in(c, functions[c.name], here) or any(_in(c, own[c.name], name) for name in called)]


def asked_here(site: CallSite, capability: Capability, question: str, project: Project, settings: Settings) -> bool:
    """Whether ``question`` of ``capability`` is asked at ``site`` (one of the capability's own sites).

    Where the output's concerns are judged (not at callers), and also where the output leaves the
    capability validated (every caller of the site's function is other code): the capability's questions
    are asked there, not at those callers. Raw output handed on is judged where it is received. The KPI is
    asked at direct calls too.
    """
    from ailint.analysis.concerns import callers, validated

    functions = owned(project, settings.capabilities)[capability.name]

    def inside(other: CallSite) -> bool:
        return _in(capability, functions, other.function)

    def leaves(inner: CallSite) -> bool:
        """The output is validated in ``inner``'s function and handed only to code outside the capability."""
        if inner.record is None or not validated(inner, project, settings):
            return False
        return not any(map(inside, callers(inner.record, project)))

    if not inside(site) and site.wrapper is not None and leaves(site.wrapper.inner):
        return False  # the capability's through the function it calls, whose output leaves it there: asked there
    if question == "kpi" and site.kind == "direct":
        return True
    return not project.judged_at_callers(site) or leaves(site)


def _called(site: CallSite) -> list[str]:
    """The site's function, and the function a wrapper site calls: a call of the capability's function from
    outside it is the capability's (its caller consumes its output); a call that reaches it further down,
    among other work, is not."""
    return [current.function for current in chain(site)][:2]


def reached_by(site: CallSite, project: Project, settings: Settings) -> list[Capability]:
    """The declared capabilities whose functions may run ``site``, through shared code too."""
    declared = settings.capabilities
    if not declared:
        return []
    functions = reaching(project, declared)
    names = _called(site)
    return [c for c in declared if any(_in(c, functions[c.name], name) for name in names)]


def member_bodies(capability: Capability, project: Project, settings: Settings) -> list[Body]:
    """The bodies of the capability's functions that the project can read (modules read on demand)."""
    functions = members(project, settings.capabilities).get(capability.name, frozenset())
    program = project.program
    wanted: dict[str, set[str]] = {}
    for qual in functions:
        module = program.function_module.get(qual) if program is not None else None
        if module is None:
            module = qual if program is not None and qual in program.summaries else qual.rpartition(".")[0]
        wanted.setdefault(module, set()).add(qual)
    bodies = []
    for module, quals in sorted(wanted.items()):
        analysis = project.files.get(module)
        if analysis is None and project.loader is not None:
            analysis = project.loader(module)
        if analysis is None:
            continue
        if module in quals:
            bodies.append(project.body(analysis, None))
        for record in analysis.functions:
            if f"{analysis.module}.{record.scope.qualname}" in quals:
                bodies.append(project.body(analysis, record))
    return bodies


# -- the output schema ---------------------------------------------------------


def _same_type(found: str, declared: str) -> bool:
    """A validator's type and the declared one: the same dotted name, or the same class re-exported."""
    return found == declared or last_part(found) == last_part(declared)


def _resolved(expr: cst.BaseExpression, body: Body) -> str | None:
    return body.file.resolver.resolve(expr, body.scope) or dotted_name(expr)


def _schema_of_structured(current: CallSite, project: Project) -> Iterator[Evidence]:
    """The schema a structured-output request names (``response_format=X``, ``with_structured_output(X)``...)."""
    body = project.body(current.file, current.record)
    data = practices()
    given = keywords(current.node)
    for key in sorted(data.names("validation", "structured-keywords") | data.names("validation", "format-keywords")):
        value = given.get(key)
        if value is None or isinstance(value, cst.Dict):
            continue
        passed = _passed_schemas(value, body, project)
        if passed:
            yield from (Evidence(f"{key}={name}", current.file, current.node) for name in passed)
            continue
        name = _resolved(value, body)
        if name:
            yield Evidence(f"{key}={name}", current.file, current.node)
    if current.node.args and current.node.args[0].keyword is None:  # ``llm.structured_predict(Answer, prompt)``
        first = current.node.args[0].value
        canonical = body.file.resolver.resolve(first, body.scope)
        if canonical and "(" not in canonical and _project_class(project, canonical):
            yield Evidence(f"output_cls={canonical}", current.file, current.node)
        for name in _passed_schemas(first, body, project):
            yield Evidence(f"output_cls={name}", current.file, current.node)
    # ``llm.with_structured_output(X)``, in the callee or bound to a name earlier in the function
    calls = [current.node.func, *body.calls]
    for node in calls:
        for inner in _calls_within(node):
            func = inner.func
            if isinstance(func, cst.Attribute) and func.attr.value == "with_structured_output" and inner.args:
                name = _resolved(inner.args[0].value, body)
                if name:
                    yield Evidence(f"with_structured_output({name})", current.file, inner)


def _passed_schemas(expr: cst.BaseExpression, body: Body, project: Project, depth: int = 0) -> list[str]:
    """The schemas a parameter holds (``output_cls`` of a shared helper): the project classes the callers pass
    for it, directly or inside ``TypeAdapter(list[X])``, followed over the value-flow engine's call graph."""
    from ailint.analysis.inputs import _call_nodes, _caller_body, _program_callers

    record, program = body.record, project.program
    if not isinstance(expr, cst.Name) or record is None or program is None or depth > 3:
        return []
    params = [p.name.value for p in (*record.node.params.params, *record.node.params.kwonly_params)]
    if expr.value not in params:
        return []
    positional = [p.name.value for p in record.node.params.params]
    if positional and positional[0] in ("self", "cls"):
        positional = positional[1:]
    qual = f"{body.file.module}.{record.scope.qualname}"
    found: list[str] = []
    for module, index in _program_callers(program).get(qual, []):
        call = program.call(module, index)
        caller = _caller_body(project, module, call.scope)
        if caller is None:
            continue
        for node in _call_nodes(caller, call.line, call.column, record.node.name.value):
            for position, arg in enumerate(node.args):
                name = arg.keyword.value if arg.keyword is not None else None
                if name is None and not arg.star and position < len(positional):
                    name = positional[position]
                if name == expr.value:
                    found += _schema_classes(arg.value, caller, project, depth)
    return sorted(set(found))


def _schema_classes(expr: cst.BaseExpression, body: Body, project: Project, depth: int) -> list[str]:
    """Project classes an expression names (``X``, ``TypeAdapter(list[X])``, a name bound to one, a parameter)."""
    if isinstance(expr, cst.Name) and depth < 3:
        passed = _passed_schemas(expr, body, project, depth + 1)
        if passed:
            return passed
        for binding in reversed(body.file.resolver.lookup(expr.value, body.scope)):
            if binding.expr is not None and binding.expr is not expr:
                return _schema_classes(binding.expr, body, project, depth + 1)
    found: list[str] = []
    stack: list[cst.CSTNode] = [expr]
    while stack:
        node = stack.pop()
        if isinstance(node, (cst.Name, cst.Attribute)):
            canonical = body.file.resolver.resolve(node, body.scope)
            if canonical and "(" not in canonical and _project_class(project, canonical):
                found.append(canonical)
                continue
        stack.extend(node.children)
    return found


def _calls_within(node: cst.CSTNode) -> Iterator[cst.Call]:
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, cst.Call):
            yield item
        if isinstance(item, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
            continue
        stack.extend(item.children)


def _literal_values(expr: cst.BaseExpression, body: Body, depth: int = 0) -> frozenset[str] | None:
    """The strings of a literal set, list or tuple (or a name bound to one), else None."""
    if depth > 3:
        return None
    if isinstance(expr, (cst.Set, cst.List, cst.Tuple)):
        values = [string_value(e.value) for e in expr.elements if isinstance(e, cst.BaseElement)]
        return frozenset(v for v in values if v is not None) if all(v is not None for v in values) else None
    if isinstance(expr, cst.Call) and dotted_name(expr.func) in ("set", "frozenset", "tuple", "list") and expr.args:
        return _literal_values(expr.args[0].value, body, depth + 1)
    if isinstance(expr, cst.Name):
        for binding in reversed(body.file.resolver.lookup(expr.value, body.scope)):
            if binding.expr is not None:
                return _literal_values(binding.expr, body, depth + 1)
    return None


def validators(site: CallSite, project: Project, settings: Settings) -> list[Evidence]:
    """What validates the output on the site's path: schema types, validator functions, allowed sets."""
    data = practices()
    functions = data.names("validation", "functions") | set(settings.validators)
    methods = data.names("validation", "methods")
    found: list[Evidence] = []
    for current in chain(site):
        if current.structured:
            found.extend(_schema_of_structured(current, project))
        body = project.body(current.file, current.record)
        output = project.output(current)
        found.extend(_validators_in(body, current.file, current.node, output.derives, project, (functions, methods)))
    return found


_INSIDE = 2
"""Project functions followed from the one holding the output, each given it as an argument."""


def _validators_in(
    body: Body,
    file: FileAnalysis,
    node: cst.Call | None,
    derives: Callable[[cst.CSTNode], bool],
    project: Project,
    known: tuple[frozenset[str] | set[str], frozenset[str]],
    depth: int = 0,
) -> list[Evidence]:
    """The validators in one function of what ``derives`` holds, and in the project functions it is given to
    (``_parse_verdict(raw)`` building ``Verdict``), by parameter."""
    from ailint.analysis.consumption import Taint, given_parameters

    functions, methods = known
    found: list[Evidence] = []
    for call in body.calls:
        if call is node or not any(derives(arg.value) for arg in call.args):
            continue
        canonical, text = body.callee(call)
        names = [n for n in (canonical, text) if n]
        func = call.func
        if any(n in functions for n in names):
            found.append(Evidence(f"{names[0]}()", file, call))
        elif isinstance(func, cst.Attribute) and func.attr.value in methods:
            receiver = func.value
            if isinstance(receiver, cst.Call) and receiver.args:  # ``TypeAdapter(X).validate_python``
                receiver = receiver.args[0].value
            name = _resolved(receiver, body)
            if name:
                found.append(Evidence(name, file, call))
        elif canonical and "(" not in canonical and _project_class(project, canonical):
            found.append(Evidence(canonical, file, call))
        elif canonical and depth < _INSIDE and canonical in project.functions:
            inner_file, inner = project.functions[canonical]
            params = given_parameters(inner, call, derives)
            if params:
                inner_body = project.body(inner_file, inner)
                taint = Taint(inner, None, params)
                found.extend(_validators_in(inner_body, inner_file, None, taint.derives, project, known, depth + 1))
    for comparison in body.comparisons:
        for target in comparison.comparisons:
            if isinstance(target.operator, _MEMBERSHIP) and derives(comparison.left):
                values = _literal_values(target.comparator, body)
                shown = (
                    "{" + ", ".join(repr(v) for v in sorted(values)) + "}"
                    if values is not None
                    else (dotted_name(target.comparator) or "a set")
                )
                found.append(Evidence(f"in {shown}", file, comparison))
    return found


def _validator_named(text: str) -> str:
    """The schema or validator an evidence text names: ``X`` of ``response_format=X``,
    ``with_structured_output(X)`` and of a validator function's call ``X()``."""
    text = text.split("=", 1)[-1]
    if text.startswith("with_structured_output("):
        return text.removeprefix("with_structured_output(").removesuffix(")")
    return text.removesuffix("()")


def _project_class(project: Project, canonical: str) -> bool:
    """A class the project defines (a pydantic model, a dataclass, an enum): constructing it checks the value."""
    return project._class_file(canonical, load=True) is not None


def schema_answer(site: CallSite, capability: Capability, project: Project, settings: Settings) -> Answer:
    """Whether the declared output schema (or allowed set) is what validates the output on the path."""
    if not capability.declares_output or site.operation != "generate":
        return NOT_APPLICABLE
    found = validators(site, project, settings)
    declared = capability.output
    for evidence in found:
        if declared is not None:
            if _same_type(_validator_named(evidence.text), declared):
                return Answer(True, f"validated as {declared}", (evidence,))
            if evidence.text.startswith("in ") and last_part(declared) in evidence.text:
                return Answer(True, f"checked against {declared}", (evidence,))
        elif evidence.text.startswith("in {"):
            shown = evidence.text[3:]
            if shown == "{" + ", ".join(repr(v) for v in sorted(set(capability.allowed))) + "}":
                return Answer(True, f"checked against {shown}", (evidence,))
    if found:
        first = found[0]
        how = f"checked against {first.text[3:]}" if first.text.startswith("in ") else f"validated with {first.text}"
        return Answer(False, f"{how} at {first.where}, not {capability.output_text}", tuple(found))
    return Answer(False, f"not validated against {capability.output_text} on its path")


# -- the threshold -------------------------------------------------------------


def _number(expr: cst.BaseExpression, body: Body, project: Project, depth: int = 0) -> float | None:
    """The value of a numeric literal, or of a name or attribute bound to one (a configured constant)."""
    if depth > 4:
        return None
    if isinstance(expr, (cst.Integer, cst.Float)):
        try:
            return float(expr.evaluated_value)
        except (ValueError, OverflowError):
            return None
    if isinstance(expr, cst.UnaryOperation) and isinstance(expr.operator, cst.Minus):
        value = _number(expr.expression, body, project, depth + 1)
        return -value if value is not None else None
    if isinstance(expr, cst.Name):
        for binding in reversed(body.file.resolver.lookup(expr.value, body.scope)):
            if binding.kind == "expr" and binding.expr is not None:
                return _number(binding.expr, body, project, depth + 1)
        canonical = body.file.resolver.resolve(expr, body.scope)
        return _global_number(canonical, project, depth) if canonical else None
    if isinstance(expr, cst.Attribute):
        canonical = body.file.resolver.resolve(expr, body.scope)
        return _global_number(canonical, project, depth) if canonical else None
    if isinstance(expr, cst.Call) and expr.args:
        func = expr.func
        if isinstance(func, cst.Name) and func.value in ("float", "int") and len(expr.args) == 1:
            return _number(expr.args[0].value, body, project, depth + 1)  # ``float(settings.get("t", 0.7))``
        if isinstance(func, cst.Attribute) and func.attr.value == "get" and len(expr.args) == 2:
            return _number(expr.args[1].value, body, project, depth + 1)  # a configured value's default
    return None


def _global_number(canonical: str, project: Project, depth: int) -> float | None:
    module, _, name = canonical.rpartition(".")
    analysis = project.files.get(module)
    if analysis is None and module and project.loader is not None:
        analysis = project.loader(module)
    if analysis is None:
        return None
    for binding in reversed(analysis.module_scope.bindings.get(name, [])):
        if binding.kind == "expr" and binding.expr is not None:
            return _number(binding.expr, project.body(analysis, None), project, depth + 1)
    return None


@dataclass(frozen=True)
class Gate:
    value: float | None
    evidence: Evidence


def _gates_in(body: Body, project: Project, derived: object, pattern: re.Pattern[str]) -> Iterator[Gate]:
    """Relational comparisons of a value from the output (``derived``) or named like a confidence."""
    for comparison in body.comparisons:
        operands = [comparison.left, *(t.comparator for t in comparison.comparisons)]
        if not any(isinstance(t.operator, _RELATIONAL) for t in comparison.comparisons):
            continue
        numbers = [(operand, _number(operand, body, project)) for operand in operands]
        others = [operand for operand, value in numbers if value is None]
        if not others:
            continue
        about = any(
            (derived is not None and derived.derives(o))  # type: ignore[attr-defined]
            or any(pattern.search(i) for i in _identifiers(o))
            for o in others
        )
        if not about:
            continue
        values = [value for _, value in numbers if value is not None]
        constants = [o for o in others if isinstance(o, (cst.Name, cst.Attribute)) and not _mentions_call(o)]
        text = dotted_name(constants[-1]) if constants and not values else None
        if values:
            for value in values:
                yield Gate(value, Evidence(f"compared with {value:g}", body.file, comparison))
        elif text and text.isupper():
            yield Gate(None, Evidence(f"compared with {text}", body.file, comparison))


def _mentions_call(expr: cst.CSTNode) -> bool:
    return any(True for _ in _calls_within(expr))


def threshold_answer(site: CallSite, capability: Capability, project: Project, settings: Settings) -> Answer:
    """Whether the declared threshold is what gates the decision: a comparison with that value on the path."""
    if capability.threshold is None or site.operation != "generate":
        return NOT_APPLICABLE
    pattern = re.compile(settings.confidence_pattern, re.IGNORECASE)
    gates: list[Gate] = []
    for current in chain(site):
        body = project.body(current.file, current.record)
        gates.extend(_gates_in(body, project, project.output(current), pattern))
    if not gates:  # the decision may be taken in another function of the capability (a caller, a router)
        for body in member_bodies(capability, project, settings):
            gates.extend(_gates_in(body, project, None, pattern))
    declared = capability.threshold
    for gate in gates:
        if gate.value is not None and abs(gate.value - declared) < 1e-9:
            return Answer(True, f"gated at {declared:g}", (gate.evidence,))
    if any(gate.value is None for gate in gates):
        unknown = next(gate for gate in gates if gate.value is None)
        return Answer(None, f"{unknown.evidence.text}, whose value is not known", (unknown.evidence,))
    if gates:
        first = gates[0]
        return Answer(
            False,
            f"gated at {first.value:g} ({first.evidence.where}), not at the declared {declared:g}",
            tuple(g.evidence for g in gates),
        )
    return Answer(False, f"no comparison with the declared threshold {declared:g} on its paths")


# -- the authority mode --------------------------------------------------------


def mode_answer(site: CallSite, capability: Capability, project: Project, settings: Settings) -> Answer:
    """Whether the authority declared or inferred at the call site agrees with the capability's mode."""
    if capability.mode is None or site.operation != "generate":
        return NOT_APPLICABLE
    declared = authority(site, settings)
    body = project.body(site.file, site.record)
    if declared.mode is not None and declared.mode != capability.mode:
        return Answer(
            False,
            f"is declared {declared.mode} at the call ({declared.source}), not {capability.mode}",
            (Evidence(f"authority={declared.mode}", site.file, site.node),),
        )
    sinks = sinks_reached(site, project, settings)
    if sinks:
        unapproved = [s for s in sinks if not approved_before(site, s, project, settings)]
        inferred, sink = ("act", unapproved[0]) if unapproved else ("assist", sinks[0])
        canonical, text = body.callee(sink)
        shown = f"{text or last_part(canonical)}()"
        evidence = (Evidence(f"output reaches {shown}", site.file, sink),)
        if MODE_RANK[inferred] > MODE_RANK[capability.mode]:
            how = "with no human approval before it" if inferred == "act" else "after a human approval"
            line = site.file.line(sink)
            return Answer(False, f"acts as {inferred}: its output reaches {shown} at line {line} {how}", evidence)
        return Answer(True, f"{inferred}: its output reaches {shown}", evidence)
    if declared.mode is not None:
        return Answer(
            True, f"declared {declared.mode}", (Evidence(f"authority={declared.mode}", site.file, site.node),)
        )
    return Answer(True, f"no action reached; within {capability.mode}")


# -- the KPI -------------------------------------------------------------------


def _records_kpi(call: cst.Call, body: Body, kpi: str) -> bool:
    canonical, text = body.callee(call)
    dotted = "." in kpi and not any(c in kpi for c in ":/-")
    if dotted and any(n == kpi or (n.endswith("." + kpi)) for n in (canonical, text) if n):
        return True
    if dotted and canonical is None and text and last_part(text) == last_part(kpi) and "." in text:
        return True
    for arg in call.args:
        if string_value(arg.value) == kpi:
            return True
    func = call.func
    if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name):
        for binding in body.file.resolver.lookup(func.value.value, body.scope):
            made = binding.expr
            if isinstance(made, cst.Call) and any(string_value(a.value) == kpi for a in made.args):
                return True  # ``HANDLING.observe(...)`` with ``HANDLING = Histogram("handling_time")``
    return False


def kpi_answer(site: CallSite, capability: Capability, project: Project, settings: Settings) -> Answer:
    """Whether the KPI is recorded on the capability's paths (its functions, or the site's own path)."""
    kpi = capability.kpi
    if kpi is None:
        return NOT_APPLICABLE
    bodies = [project.body(c.file, c.record) for c in chain(site)]
    bodies += member_bodies(capability, project, settings)
    seen: set[int] = set()
    for body in bodies:
        if id(body) in seen:
            continue
        seen.add(id(body))
        for call in body.calls:
            if _records_kpi(call, body, kpi):
                return Answer(True, f"records {kpi}", (Evidence(f"records {kpi}", body.file, call),))
    return Answer(False, f"its KPI {kpi} is never recorded on its paths")


# -- all of it -----------------------------------------------------------------

QUESTIONS = ("output", "threshold", "mode", "kpi")


_ANSWERS: weakref.WeakKeyDictionary[CallSite, dict[Capability, dict[str, Answer]]] = weakref.WeakKeyDictionary()


def answers(site: CallSite, capability: Capability, project: Project, settings: Settings) -> dict[str, Answer]:
    """Every capability question at ``site`` (memoised: each rule of the family asks for one of them)."""
    known = _ANSWERS.setdefault(site, {})
    found = known.get(capability)
    if found is None:
        found = known[capability] = {
            "output": schema_answer(site, capability, project, settings),
            "threshold": threshold_answer(site, capability, project, settings),
            "mode": mode_answer(site, capability, project, settings),
            "kpi": kpi_answer(site, capability, project, settings),
        }
    return found


def owner_record(project: Project, qual: str) -> tuple[FileAnalysis, FunctionRecord] | None:
    """The function ``qual`` as the project read it."""
    program = project.program
    module = program.function_module.get(qual) if program is not None else None
    if module is None:
        return None
    analysis = project.files.get(module) or (project.loader(module) if project.loader is not None else None)
    if analysis is None:
        return None
    for record in analysis.functions:
        if f"{analysis.module}.{record.scope.qualname}" == qual:
            return analysis, record
    return None
