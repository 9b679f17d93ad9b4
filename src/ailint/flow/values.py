"""Abstract values: one thing an expression may evaluate to.

Values are small frozen dataclasses (equal only to values of their own kind)
so that sets of them are cheap to hash and to pickle. Their hashes are stable
across processes (a CRC of their fields, not ``hash(str)``, which
``PYTHONHASHSEED`` randomises): the solver caps its sets, and which values a
capped set keeps follows the order sets are iterated in, so the same project
must give the same sets in every run. ``str(value)`` is the canonical path: for library values
it is the path the provider knowledge is keyed by (``openai.OpenAI().chat``),
where ``()`` means "the result of calling".
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

_T = TypeVar("_T")


def _hashed(kind: int) -> Callable[[type[_T]], type[_T]]:
    """A value class hashed by a CRC of its kind and fields, computed once (``_hash``, a field of each class)."""

    def decorate(cls: type[_T]) -> type[_T]:
        names = [name for name in cls.__annotations__ if name != "_hash"]

        def __post_init__(self: Any) -> None:
            parts = (getattr(self, name) for name in names)
            text = "\0".join(part if isinstance(part, str) else str(hash(part) & 0xFFFFFFFF) for part in parts)
            object.__setattr__(self, "_hash", zlib.crc32(text.encode("utf-8", "surrogatepass"), kind))

        def __hash__(self: Any) -> int:
            return int(self._hash)

        cls.__post_init__ = __post_init__  # type: ignore[attr-defined]
        cls.__hash__ = __hash__  # type: ignore[method-assign]
        return cls

    return decorate


@dataclass(frozen=True, slots=True)
@_hashed(1)
class Ext:
    """A library object, by canonical path (``openai.OpenAI()``, ``litellm.completion``)."""

    path: str
    _hash: int = field(init=False, repr=False, compare=False)

    def __str__(self) -> str:
        return self.path


@dataclass(frozen=True, slots=True)
@_hashed(2)
class Mod:
    """A project module."""

    name: str
    _hash: int = field(init=False, repr=False, compare=False)

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True, slots=True)
@_hashed(3)
class Cls:
    """A project class (the class object itself)."""

    qual: str
    _hash: int = field(init=False, repr=False, compare=False)

    def __str__(self) -> str:
        return self.qual


@dataclass(frozen=True, slots=True)
@_hashed(4)
class Inst:
    """An instance of a project class."""

    qual: str
    _hash: int = field(init=False, repr=False, compare=False)

    def __str__(self) -> str:
        return f"{self.qual}()"


@dataclass(frozen=True, slots=True)
@_hashed(5)
class Decl:
    """A value declared to be an instance of an abstract project class: any of its non-test subclasses."""

    qual: str
    _hash: int = field(init=False, repr=False, compare=False)

    def __str__(self) -> str:
        return f"{self.qual}()*"


@dataclass(frozen=True, slots=True)
@_hashed(6)
class Fn:
    """A project function, method or lambda (unbound)."""

    qual: str
    _hash: int = field(init=False, repr=False, compare=False)

    def __str__(self) -> str:
        return self.qual


@dataclass(frozen=True, slots=True)
@_hashed(7)
class Bnd:
    """A method bound to a receiver (an ``Inst``, a ``Cls`` for class methods)."""

    qual: str
    receiver: Value
    _hash: int = field(init=False, repr=False, compare=False)

    def __str__(self) -> str:
        return f"{self.receiver}.{self.qual.rsplit('.', 1)[-1]}"


@dataclass(frozen=True, slots=True)
@_hashed(8)
class Const:
    """A string constant (module names, URLs, keys of keyed factories)."""

    text: str
    _hash: int = field(init=False, repr=False, compare=False)

    def __str__(self) -> str:
        return repr(self.text)


@dataclass(frozen=True, slots=True)
@_hashed(9)
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
    _hash: int = field(init=False, repr=False, compare=False)

    def __str__(self) -> str:
        return f"input:{self.source}" + (f"[{self.role}]" if self.role else "")


Value = Ext | Mod | Cls | Inst | Decl | Fn | Bnd | Const | Input
