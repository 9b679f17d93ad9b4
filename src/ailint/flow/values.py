"""Abstract values: one thing an expression may evaluate to.

Values are small frozen dataclasses (equal only to values of their own kind)
so that sets of them are cheap to hash and to pickle. ``str(value)`` is the canonical path: for library values
it is the path the provider knowledge is keyed by (``openai.OpenAI().chat``),
where ``()`` means "the result of calling".
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Ext:
    """A library object, by canonical path (``openai.OpenAI()``, ``litellm.completion``)."""

    path: str

    def __str__(self) -> str:
        return self.path


@dataclass(frozen=True, slots=True)
class Mod:
    """A project module."""

    name: str

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True, slots=True)
class Cls:
    """A project class (the class object itself)."""

    qual: str

    def __str__(self) -> str:
        return self.qual


@dataclass(frozen=True, slots=True)
class Inst:
    """An instance of a project class."""

    qual: str

    def __str__(self) -> str:
        return f"{self.qual}()"


@dataclass(frozen=True, slots=True)
class Decl:
    """A value declared to be an instance of an abstract project class: any of its non-test subclasses."""

    qual: str

    def __str__(self) -> str:
        return f"{self.qual}()*"


@dataclass(frozen=True, slots=True)
class Fn:
    """A project function, method or lambda (unbound)."""

    qual: str

    def __str__(self) -> str:
        return self.qual


@dataclass(frozen=True, slots=True)
class Bnd:
    """A method bound to a receiver (an ``Inst``, a ``Cls`` for class methods)."""

    qual: str
    receiver: Value

    def __str__(self) -> str:
        return f"{self.receiver}.{self.qual.rsplit('.', 1)[-1]}"


@dataclass(frozen=True, slots=True)
class Const:
    """A string constant (module names, URLs, keys of keyed factories)."""

    text: str

    def __str__(self) -> str:
        return repr(self.text)


@dataclass(frozen=True, slots=True)
class Input:
    """Request data from outside the program (``flask.request.get_json()``), and how it is used.

    Attributes, items and calls on it are the same data. ``role`` says where it went on the way:
    ``""`` as it came, ``"text"`` written into text of the application's (an f-string with words of
    its own, ``.format``, a rendered template), ``"system"`` into a system message, built at ``at``
    (``module:line``).
    """

    source: str
    role: str = ""
    at: str = ""

    def __str__(self) -> str:
        return f"input:{self.source}" + (f"[{self.role}]" if self.role else "")


Value = Ext | Mod | Cls | Inst | Decl | Fn | Bnd | Const | Input
