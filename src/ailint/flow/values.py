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
from dataclasses import dataclass, field


def _stable(kind: int, text: str) -> int:
    return zlib.crc32(text.encode("utf-8", "surrogatepass"), kind)


@dataclass(frozen=True, slots=True)
class Ext:
    """A library object, by canonical path (``openai.OpenAI()``, ``litellm.completion``)."""

    path: str
    _hash: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_hash", _stable(1, self.path))

    def __hash__(self) -> int:
        return self._hash

    def __str__(self) -> str:
        return self.path


@dataclass(frozen=True, slots=True)
class Mod:
    """A project module."""

    name: str
    _hash: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_hash", _stable(2, self.name))

    def __hash__(self) -> int:
        return self._hash

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True, slots=True)
class Cls:
    """A project class (the class object itself)."""

    qual: str
    _hash: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_hash", _stable(3, self.qual))

    def __hash__(self) -> int:
        return self._hash

    def __str__(self) -> str:
        return self.qual


@dataclass(frozen=True, slots=True)
class Inst:
    """An instance of a project class."""

    qual: str
    _hash: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_hash", _stable(4, self.qual))

    def __hash__(self) -> int:
        return self._hash

    def __str__(self) -> str:
        return f"{self.qual}()"


@dataclass(frozen=True, slots=True)
class Decl:
    """A value declared to be an instance of an abstract project class: any of its non-test subclasses."""

    qual: str
    _hash: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_hash", _stable(5, self.qual))

    def __hash__(self) -> int:
        return self._hash

    def __str__(self) -> str:
        return f"{self.qual}()*"


@dataclass(frozen=True, slots=True)
class Fn:
    """A project function, method or lambda (unbound)."""

    qual: str
    _hash: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_hash", _stable(6, self.qual))

    def __hash__(self) -> int:
        return self._hash

    def __str__(self) -> str:
        return self.qual


@dataclass(frozen=True, slots=True)
class Bnd:
    """A method bound to a receiver (an ``Inst``, a ``Cls`` for class methods)."""

    qual: str
    receiver: Value
    _hash: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_hash", _stable(hash(self.receiver) & 0xFFFFFFFF, self.qual))

    def __hash__(self) -> int:
        return self._hash

    def __str__(self) -> str:
        return f"{self.receiver}.{self.qual.rsplit('.', 1)[-1]}"


@dataclass(frozen=True, slots=True)
class Const:
    """A string constant (module names, URLs, keys of keyed factories)."""

    text: str
    _hash: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_hash", _stable(8, self.text))

    def __hash__(self) -> int:
        return self._hash

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
    _hash: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_hash", _stable(9, f"{self.source}\0{self.role}\0{self.at}"))

    def __hash__(self) -> int:
        return self._hash

    def __str__(self) -> str:
        return f"input:{self.source}" + (f"[{self.role}]" if self.role else "")


Value = Ext | Mod | Cls | Inst | Decl | Fn | Bnd | Const | Input
