"""Entry points that reach a model: where a unit of AI work starts (``ailint init``).

An entry point is a project function no project code calls: an endpoint, a
CLI command, ``main``, a worker task, a method a framework dispatches to. It
is where a capability's work starts, so ``ailint init`` proposes one
capability per entry point that reaches a model, over the same call graph
the rules and the readiness report read (:meth:`Program.call_graph`).

Some calls do not make a function less of an entry point:

- calls from test modules (tests are read, not part of the product);
- calls from a module's own code (``if __name__ == "__main__": main()`` is
  how a script starts its entry point, not a caller of it);
- calls from a closure its enclosing function returns (a decorator's
  wrapper runs where the decorated function is called);
- a function's calls of itself.

A module's own code is an entry point too when it reaches a model through
something other than functions that are entry points themselves (a script
with no functions, or one calling a shared wrapper at the top level).
"""

from __future__ import annotations

import weakref

from ailint.flow.program import Program
from ailint.flow.values import Fn


def entry_points(program: Program) -> list[str]:
    """The qualified names (a module's name for its own code) of the entry points that reach a model, sorted."""
    graph = _graph(program)
    reaching = program.reaching
    closures = {qual for qual in program.functions if _returned_closure(program, qual)}
    called: set[str] = set()
    for caller, callees in graph.items():
        if _in_tests(program, caller) or caller in closures or _module_code(program, caller):
            continue
        called.update(callee for callee in callees if callee != caller)
    functions = {
        qual
        for qual in reaching
        if qual in program.functions and qual not in called and qual not in closures and not _in_tests(program, qual)
    }
    modules = {
        module
        for module in reaching
        if _module_code(program, module)
        and not _in_tests(program, module)
        and _reaches_apart_from(program, module, functions)
    }
    return sorted(functions | modules)


def reached(program: Program, name: str) -> frozenset[str]:
    """The functions (and a module's own code, by the module's name) ``name`` may run, itself included."""
    graph = _graph(program)
    found = {name}
    stack = [name]
    while stack:
        for callee in graph.get(stack.pop(), ()):
            if callee not in found:
                found.add(callee)
                stack.append(callee)
    return frozenset(found)


def _graph(program: Program) -> dict[str, set[str]]:
    """The call graph, made once per program (``Program.call_graph`` builds it anew at each call)."""
    known = _GRAPHS.get(program)
    if known is None:
        known = _GRAPHS[program] = program.call_graph()
    return known


_GRAPHS: weakref.WeakKeyDictionary[Program, dict[str, set[str]]] = weakref.WeakKeyDictionary()


def _module_code(program: Program, name: str) -> bool:
    return name in program.summaries and name not in program.functions


def _in_tests(program: Program, name: str) -> bool:
    return program.function_module.get(name, name) in program.tests


def _returned_closure(program: Program, qual: str) -> bool:
    """``def traced(f): ... return wrapper``: ``wrapper`` is returned by the function it is defined in."""
    parent = qual.rpartition(".")[0]
    if parent not in program.functions:
        return False
    return any(isinstance(v, Fn) and v.qual == qual for v in program.values.get(("r", parent), ()))


def _reaches_apart_from(program: Program, module: str, entries: set[str]) -> bool:
    """Whether the module's own code calls a model API, or a function reaching one that is no entry point."""
    for index, call in enumerate(program.summaries[module].calls):
        if call.scope != module:
            continue
        apis, wrappers = program.model_callees(module, index)
        if apis or any(w not in entries for w in wrappers):
            return True
    return False
