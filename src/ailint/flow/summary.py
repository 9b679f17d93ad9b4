"""FileSummary: what one file binds, stores, calls and returns, as plain data.

A summary holds no syntax tree and no object identity: only tuples, strings
and numbers, so it pickles small, compares equal across runs and is cached by
the file's content. Expressions are *terms*, nested tuples whose first item
says what they are; names are already resolved to the scope that binds them:

=================================  ==================================================
``("v", scope, name)``             a variable of a module (``scope`` is its name) or
                                   function (``scope`` is its qualified name)
``("F", class, name)``             a name bound in a class body (a class attribute)
``("b", name)``                    a builtin name (bound nowhere in the file)
``("a", term, attr)``              an attribute of what ``term`` evaluates to
``("c", module, index)``           the result of the file's call number ``index``
``("s", text)``                    a string constant
``("u", (term, ...))``             any of the terms (``x or y``, ``a if c else b``,
                                   a container's elements, tuple unpacking)
``("fn", qual)``, ``("cls", q)``   a project function (or lambda), a project class
``("imp", module, name)``          what ``from module import name`` binds
                                   (``name`` empty: ``import module``)
``("sup", class, function)``       ``super()`` in a method of ``class``
``("ann", term)``                  an instance of the class(es) ``term`` names
``("pipe", (term, ...))``          ``a | b | c`` (LangChain compositions)
``("add", term, term)``            ``a + b``; ``("fmt", (term, ...))`` an f-string
``("ga", term, term)``             ``getattr(x, name)`` with a name that is not a literal
``("isa", term, term)``            what ``term`` holds that is an instance of the class the
                                   second names (a return under ``if isinstance(x, C):``)
``("elem", term, method, key)``    what a container's read method (``get``, ``values``,
                                   ``pop``...) gives back: the container's values that
                                   have no such method themselves (``key``: the literal
                                   key given to ``get``, or None)
``("role", module, line, term)``   a system message (``{"role": "system", "content": x}``):
                                   the values of its items, request data marked as in
                                   the system role
=================================  ==================================================

Stores have a *location*: ``("v", ...)``, ``("F", ...)``, or
``("A", term, attr)`` for an attribute of what ``term`` evaluates to
(``self.client = ...``). Containers are element-insensitive: a store into
``d[k]`` is a store into ``d``, and ``d[k]`` evaluates to ``d``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

Term = tuple[Any, ...]
"""An expression (see the module docstring)."""

Location = tuple[Any, ...]
"""Where a store goes: ``("v", scope, name)``, ``("F", class, name)`` or ``("A", term, attr)``."""


@dataclass(frozen=True, slots=True)
class Param:
    name: str
    kind: str
    """``pos`` (positional or keyword), ``posonly``, ``var`` (``*args``), ``kwonly``, ``kw`` (``**kwargs``)."""


@dataclass(frozen=True, slots=True)
class Function:
    """A ``def`` or ``lambda``."""

    qual: str
    params: tuple[Param, ...]
    owner: str | None
    """The class a method is defined in (its qualified name), else None."""
    flags: frozenset[str]
    """``property``, ``classmethod``, ``staticmethod``, ``abstract``, ``async``, ``generator``, ``lambda``."""
    line: int


@dataclass(frozen=True, slots=True)
class Class:
    qual: str
    bases: tuple[Term, ...]
    abstract: bool
    """An ABC, a Protocol or a class with an abstract method: a declared receiver of it dispatches to subclasses."""
    line: int


@dataclass(frozen=True, slots=True)
class Call:
    callee: Term
    args: tuple[Term | None, ...]
    """Positional arguments; ``None`` where the argument's value cannot be followed."""
    stars: tuple[Term, ...]
    """``*args`` arguments."""
    keywords: tuple[tuple[str, Term | None], ...]
    dstars: tuple[Term, ...]
    """``**kwargs`` arguments."""
    line: int
    column: int
    """Of the callee's first token, in characters from 0 (``-1`` for a decorator's application)."""
    end_line: int
    end_column: int
    """Where the call ends (its closing parenthesis, exclusive), in characters from 0."""
    scope: str
    """The qualified name of the enclosing function, or the module's name."""
    caught: tuple[Term, ...] = ()
    """What is caught around the call in its own function, innermost first: the exception types of each
    ``except`` clause of an enclosing ``try`` whose handler does not re-raise the exception it caught (a
    bare ``raise``, or ``raise name`` of the name it bound), ``("b", "BaseException")`` for a bare
    ``except:``, the arguments of ``with contextlib.suppress(...)`` as ``("suppress", callee, (term, ...))``,
    and ``("settle", callee)`` for an argument of ``gather(..., return_exceptions=True)``."""


@dataclass(frozen=True, slots=True)
class Store:
    location: Location
    value: Term
    line: int


@dataclass(frozen=True, slots=True)
class FileSummary:
    module: str
    is_package: bool
    functions: tuple[Function, ...] = ()
    classes: tuple[Class, ...] = ()
    stores: tuple[Store, ...] = ()
    calls: tuple[Call, ...] = ()
    returns: tuple[tuple[str, Term], ...] = ()
    """``(function, term)``: what a function returns or yields."""
    star_imports: tuple[str, ...] = ()
    """Modules whose public names ``from module import *`` copies into this one."""
    settling: tuple[int, ...] = ()
    """Calls (by index) of a ``gather(..., return_exceptions=True)``: the awaitables given to them raise nothing."""
    error: str | None = None
    """Why the file could not be summarised (then the rest is empty)."""

    def shape(self) -> FileSummary:
        """The summary without positions: equal for two versions of a file that differ only in layout.

        What the solver computes depends on positions only through them; an
        edit that keeps the shape keeps every value (only the positions move).
        """
        return replace(
            self,
            functions=tuple(replace(f, line=0) for f in self.functions),
            classes=tuple(replace(c, line=0) for c in self.classes),
            stores=tuple(replace(s, line=0) for s in self.stores),
            calls=tuple(replace(c, line=0, column=0, end_line=0, end_column=0) for c in self.calls),
        )
