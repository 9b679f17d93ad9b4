"""Facts about a call site that rules judge: here, how its errors are handled.

Kept apart from the rules so AIL401 and AIL402 share one reading of the
``try`` statements around a call. Where the value-flow engine follows the
project, a provider error is followed from the direct call up through every
caller to an entry point (``escape_path``, over ``flow.exceptions``), and it is
judged at the direct call only. Where it does not (a file judged without the
engine), the ``try`` statements of the call's own function are read, and for a
wrapper call site what the wrapper already does counts: a wrapper that catches
the provider's errors handles them for every caller.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import libcst as cst

from ailint.analysis.calls import CallSite, Guard
from ailint.analysis.scope import dotted_name

if TYPE_CHECKING:
    from ailint.analysis.project import Project
from ailint.knowledge import practices

BROAD_EXCEPTIONS = frozenset({"Exception", "BaseException", "builtins.Exception", "builtins.BaseException"})
SUPPRESS_CONTEXTS = frozenset({"contextlib.suppress"})


@dataclass(frozen=True)
class ErrorHandling:
    """Whether a call's provider errors are caught, and what is caught instead."""

    handled: bool
    narrower: tuple[str, ...] = ()
    """Provider exception classes caught that do not cover the base error."""
    handler: cst.CSTNode | None = None
    """The ``except`` clause (or ``with contextlib.suppress``) that catches them."""
    site: CallSite | None = None
    """The call whose function holds that handler (the site, or a call inside its wrapper)."""


def _caught_by(names: list[str], site: CallSite) -> tuple[bool, list[str]]:
    narrower: list[str] = []
    for name in names:
        if name in BROAD_EXCEPTIONS or name in site.provider.catches:
            return True, []
        if any(name.startswith(module + ".") for module in site.provider.modules):
            narrower.append(name)
    return False, narrower


def _guard_names(guard: Guard, site: CallSite) -> list[list[str]] | None:
    """Exception names per handler of a guard; an empty list means a bare ``except``.

    None when the guard catches nothing (a ``with`` that is not a suppressor).
    """
    resolver = site.file.resolver
    node = guard.node
    if isinstance(node, (cst.Try, cst.TryStar)):
        handlers: list[list[str]] = []
        for handler in node.handlers:
            if handler.type is None:
                handlers.append([])
            else:
                handlers.append(resolver.resolve_exception(handler.type, guard.scope) or ["?"])
        return handlers
    handlers = []
    for item in node.items:
        call = item.item
        if not isinstance(call, cst.Call):
            continue
        target = resolver.resolve(call.func, guard.scope) or dotted_name(call.func)
        if target in SUPPRESS_CONTEXTS:
            names: list[str] = []
            for arg in call.args:
                names.extend(resolver.resolve_exception(arg.value, guard.scope))
            handlers.append(names or ["?"])
    return handlers or None


def error_handling(site: CallSite, handler_decorators: frozenset[str]) -> ErrorHandling:
    """Judge whether ``site``'s provider errors are caught, here or inside the wrapper it calls."""
    verdict = _handled_in_function(site, handler_decorators)
    if verdict.handled:
        return verdict
    narrower = list(verdict.narrower)
    wrapper = site.wrapper
    while not verdict.handled and wrapper is not None:
        inner = _handled_in_function(wrapper.inner, handler_decorators)
        if inner.handled:
            return inner
        narrower.extend(inner.narrower)
        wrapper = wrapper.inner.wrapper
    return ErrorHandling(verdict.handled, tuple(dict.fromkeys(narrower)))


def _handled_in_function(site: CallSite, handler_decorators: frozenset[str]) -> ErrorHandling:
    narrower: list[str] = []
    for guard in reversed(site.guards):  # innermost first: it is the one that catches
        node = guard.node
        clauses: list[cst.CSTNode] = list(node.handlers) if isinstance(node, (cst.Try, cst.TryStar)) else [node]
        for clause, names in zip(clauses, _guard_names(guard, site) or [], strict=False):
            if not names:  # bare except
                return ErrorHandling(True, handler=clause, site=site)
            caught, partial = _caught_by(names, site)
            if caught:
                return ErrorHandling(True, handler=clause, site=site)
            narrower.extend(partial)
    if handler_decorators:
        resolver = site.file.resolver
        for decorator in site.decorators:
            expr = decorator.decorator
            if isinstance(expr, cst.Call):
                expr = expr.func
            name = resolver.resolve(expr, site.scope.parent or site.scope) or dotted_name(expr)
            if name in handler_decorators:
                return ErrorHandling(True)
    return ErrorHandling(False, tuple(dict.fromkeys(narrower)))


# -- the exception followed through the project (SPEC section 2: errors follow the exception) --------


def innermost(site: CallSite) -> CallSite:
    """The direct call a (wrapper) call site leads to."""
    while site.wrapper is not None:
        site = site.wrapper.inner
    return site


def followed(site: CallSite, project: Project) -> bool:
    """Whether the value-flow engine follows the errors of ``site``'s direct call (then they are judged there)."""
    return project.program is not None and project.program_call(innermost(site)) is not None


def escape_path(
    site: CallSite, project: Project, boundaries: tuple[str, ...], handlers: frozenset[str]
) -> list[str] | None:
    """The functions a provider error raised at the direct call ``site`` escapes through to an entry point, as
    shown in messages (``summarize()``, ``Agent.run()``, ``main.py (module level)``); None when every path
    handles it or the engine does not follow the call."""
    flow = project.exceptions(boundaries, handlers | practices().names("entry-points", "handling-decorators"))
    call = project.program_call(site)
    if flow is None or call is None:
        return None
    path = flow.escape(*call, site.provider.catches | BROAD_EXCEPTIONS)
    if path is None:
        return None
    program = flow.program
    shown = []
    for function in path:
        module = program.function_module.get(function)
        if module is None:  # a module's own code: named as its file is
            shown.append(f"{function.rsplit('.', 1)[-1]}.py (module level)")
        else:
            shown.append(f"{function[len(module) + 1 :] if function.startswith(module + '.') else function}()")
    return shown


# -- swallowed errors ------------------------------------------------------------------------------------

_EMPTY_LITERALS = {cst.Dict: "{}", cst.List: "[]", cst.Tuple: "()", cst.Set: "set()"}


def _default_value(value: cst.BaseExpression | None) -> str | None:
    """How a returned value reads when callers cannot tell it from an answer (``None``, ``{}``, ``""``...)."""
    if value is None:
        return "return"
    if isinstance(value, cst.Name) and value.value in ("None", "False"):
        return f"return {value.value}"
    for kind, shown in _EMPTY_LITERALS.items():
        if isinstance(value, kind) and not value.elements:
            return f"return {shown}"
    if isinstance(value, cst.SimpleString) and value.evaluated_value in ("", b""):
        return 'return ""'
    if isinstance(value, cst.FormattedString) and not value.parts:
        return 'return ""'
    return None


def _swallowing(statement: cst.CSTNode) -> str | None:
    """What a handler statement does when it only drops the error, else None (it does something)."""
    if isinstance(statement, cst.SimpleStatementLine):
        found = [_swallowing(small) for small in statement.body]
        return None if None in found else found[-1]
    if isinstance(statement, cst.Pass):
        return "pass"
    if isinstance(statement, cst.Continue):
        return "continue"
    if isinstance(statement, cst.Break):
        return "break"
    if isinstance(statement, cst.Return):
        return _default_value(statement.value)
    if isinstance(statement, cst.Expr):
        value = statement.value
        if isinstance(value, (cst.Ellipsis, cst.SimpleString)):
            return "an empty handler"
        if isinstance(value, cst.Call) and dotted_name(value.func) == "print":
            return "print"
    return None


def swallowed(handler: cst.ExceptHandler | cst.ExceptStarHandler) -> str | None:
    """How a handler swallows the error, or None if it handles it (re-raises, logs, records or returns an error).

    A handler swallows when all it does is ``pass``, ``continue``, ``break``, ``print``, or return ``None`` or an
    empty or default value (``{}``, ``[]``, ``""``, ``False``) that callers cannot tell from an answer.
    """
    statements: list[cst.CSTNode] = (
        list(handler.body.body) if isinstance(handler.body, cst.IndentedBlock) else [handler.body]
    )
    found = [_swallowing(s) for s in statements]
    if not found or None in found:
        return None
    shown = next((how for how in found if how and how.startswith("return")), found[0])
    return "return None" if shown == "return" else shown
