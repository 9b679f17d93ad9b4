"""Explanations and views of a solved Program: why a callee is what it is, and the call graph.

``ailint calls --explain PATH:LINE`` prints :func:`explain_line`; ``ailint callgraph``
prints :func:`pycg`, :func:`graph_json` or :func:`dot`. They read the Program only.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from ailint.flow.program import Program
from ailint.flow.summary import Term
from ailint.flow.values import Ext


def render(term: Term | None) -> str:
    """A term as the code it stands for (approximately: names, attributes, calls)."""
    if term is None:
        return "?"
    kind = term[0]
    if kind in ("v", "F", "b"):
        return f"{term[-1]}"
    if kind == "a":
        return f"{render(term[1])}.{term[2]}"
    if kind == "c":
        return "(...)()"
    if kind == "s":
        return repr(term[1])
    if kind == "u":
        return " | ".join(render(t) for t in term[1])
    if kind in ("fn", "cls"):
        return str(term[1]).rsplit(".", 1)[-1]
    if kind == "imp":
        return f"{term[1]}.{term[2]}" if term[2] else str(term[1])
    if kind == "sup":
        return "super()"
    return str(kind)


def _sets(term: Term | None) -> Iterable[tuple[Any, ...]]:
    """The sets (variables, class attributes) a term reads, outermost last."""
    if term is None:
        return
    kind = term[0]
    if kind in ("v", "F"):
        yield term
    elif kind == "a":
        yield from _sets(term[1])
    elif kind == "u":
        for part in term[1]:
            yield from _sets(part)


def _fields(program: Program, term: Term | None) -> list[tuple[Any, ...]]:
    """The class attributes an attribute chain reads (``self.llm`` -> ``Agent.llm``), innermost first."""
    if term is None or term[0] != "a":
        return []
    found = _fields(program, term[1])
    for base in _sets(term[1]):
        for value in program.values.get(base, ()):
            qual = getattr(value, "qual", None)
            if isinstance(qual, str) and ("F", qual, term[2]) in program.values:
                found.append(("F", qual, term[2]))
    return sorted(set(found), key=str)


def explain_call(program: Program, module: str, index: int) -> list[str]:
    """How the callee of one call was resolved, or why it was not."""
    call = program.call(module, index)
    lines = [f"{module}:{call.line}:{call.column + 1}: call of {render(call.callee)}"]
    values = program.callee_values(module, index)
    if not values:
        lines.append("  the callee's value cannot be followed: not a call site (unknown stays unknown)")
    apis, wrappers = program.model_callees(module, index)
    for value in sorted(values, key=str):
        spec = program.api(value)
        if spec is not None:
            lines.append(f"  callee may be {value}: the model API {spec.provider.name} {spec.api}")
        elif isinstance(value, Ext):
            lines.append(f"  callee may be {value}: a library value, not a model API")
        else:
            targets = program.targets(value)
            reaching = [t for t in targets if t in wrappers]
            what = "a project function that reaches a model" if reaching else "a project value"
            lines.append(f"  callee may be {value}: {what}")
    for key in [*_sets(call.callee), *_fields(program, call.callee)]:
        for value in sorted(program.values.get(key, ()), key=str):
            lines.extend(f"    because {line}" for line in program.why(key, value))
    if not apis and not wrappers and values:
        lines.append("  none of these is a model API or a function that reaches one: not a call site")
    return lines


def explain_line(program: Program, module: str, line: int) -> list[str]:
    """Explanations of every call whose callee starts on ``line`` of ``module``."""
    summary = program.summaries.get(module)
    if summary is None:
        return [f"{module}: not read by the value-flow engine (no model value can reach it)"]
    found = [i for i, call in enumerate(summary.calls) if call.line == line and call.column >= 0]
    if not found:
        return [f"{module}:{line}: no call starts on this line"]
    lines: list[str] = []
    for index in found:
        lines.extend(explain_call(program, module, index))
    return lines


def pycg(program: Program, models: bool = False) -> str:
    """PyCG's JSON: each function (a module's own code under the module's name) to the functions it may call."""
    graph = _graph(program, models)
    return json.dumps({caller: sorted(callees) for caller, callees in sorted(graph.items())}, indent=2)


def graph_json(program: Program, models: bool = False) -> str:
    """The call graph with the line of each call: ``{"functions": {caller: [{"callee", "line"}]}}``."""
    edges: dict[str, list[dict[str, Any]]] = {}
    keep = _graph(program, models)
    for module, summary in sorted(program.summaries.items()):
        for index, call in enumerate(summary.calls):
            if call.scope not in keep:
                continue
            for callee in sorted(_callees(program, module, index)):
                if callee in keep[call.scope]:
                    edges.setdefault(call.scope, []).append({"callee": callee, "line": call.line, "module": module})
            for api in program.model_callees(module, index)[0]:
                edges.setdefault(call.scope, []).append({"callee": str(api), "line": call.line, "module": module})
    return json.dumps({"functions": {k: edges.get(k, []) for k in sorted(keep)}}, indent=2)


def dot(program: Program, models: bool = False) -> str:
    """Graphviz's dot language."""
    graph = _graph(program, models)
    lines = ["digraph calls {", "  rankdir=LR;"]
    for caller, callees in sorted(graph.items()):
        lines.append(f"  {json.dumps(caller)};")
        lines.extend(f"  {json.dumps(caller)} -> {json.dumps(callee)};" for callee in sorted(callees))
    lines.append("}")
    return "\n".join(lines) + "\n"


def _callees(program: Program, module: str, index: int) -> set[str]:
    found: set[str] = set()
    for value in program.callee_values(module, index):
        found.update(program.targets(value))
    return found


def _graph(program: Program, models: bool) -> dict[str, set[str]]:
    graph = program.call_graph()
    if not models:
        return graph
    reaching = program.reaching
    return {caller: {c for c in callees if c in reaching} for caller, callees in graph.items() if caller in reaching}
