"""Plain, picklable result types shared by the engine, rules and reporters.

Nothing here references LibCST: diagnostics cross process boundaries and are
cached on disk, so they carry only strings and integers.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Severity(str, enum.Enum):
    """How serious a rule's finding is; users may override it per code."""

    ERROR = "error"
    WARNING = "warning"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True, order=True)
class Span:
    """A 1-based source range; ``end_column`` is exclusive, as in SARIF and Ruff."""

    line: int
    column: int
    end_line: int
    end_column: int

    def to_json(self) -> dict[str, int]:
        """The position fields of the JSON documents (SPEC section 7)."""
        return {"line": self.line, "column": self.column, "end_line": self.end_line, "end_column": self.end_column}

    @classmethod
    def point(cls, line: int, column: int) -> Span:
        """A range covering one character, for findings without an extent."""
        return cls(line, column, line, column + 1)


def in_cell(span: Span, cell: int, cell_start: int) -> Span:
    """``span`` (lines of a notebook's code cells joined) with its lines counted from the top of ``cell``."""
    if not cell:
        return span
    offset = cell_start - 1
    return Span(span.line - offset, span.column, max(span.end_line - offset, 1), span.end_column)


def place(span: Span, cell: int, cell_start: int) -> str:
    """``12:5``, or ``cell 3:2:5`` in a notebook: the line and column, as Ruff prints them."""
    shown = in_cell(span, cell, cell_start)
    return f"cell {cell}:{shown.line}:{shown.column}" if cell else f"{shown.line}:{shown.column}"


@dataclass(frozen=True)
class Diagnostic:
    """One reported finding, already filtered by selection and suppressions."""

    path: str
    span: Span
    code: str
    name: str
    severity: Severity
    message: str
    provider: str | None = None
    api: str | None = None
    fingerprint: str = ""
    """What the finding is, independent of its line: a hash of the code, the enclosing
    function and the reported source (see ``ailint.fingerprint``). Baselines and SARIF
    ``partialFingerprints`` use it, so inserting lines above a finding does not make it new."""
    cell: int = 0
    """In a notebook, the cell the span starts in (from 1, counting every cell, as Jupyter shows them); else 0.
    The span's lines are then those of the notebook's code cells joined (``ailint.notebook``)."""
    cell_start: int = 0
    """In a notebook, the line of the joined code cells at which that cell starts."""

    @property
    def in_cell(self) -> Span:
        """The span with its lines counted from the top of its cell (the span itself outside notebooks)."""
        return in_cell(self.span, self.cell, self.cell_start)

    @property
    def place(self) -> str:
        """Where the finding is within its file, for a reader: ``12:5``, or ``cell 3:2:5`` in a notebook (as Ruff)."""
        return place(self.span, self.cell, self.cell_start)

    @property
    def cell_prefix(self) -> str:
        """``cell 3, line 2: `` in a notebook, for formats whose position is the joined cells' (else empty)."""
        return f"cell {self.cell}, line {self.in_cell.line}: " if self.cell else ""

    @property
    def sort_key(self) -> tuple[str, int, int, str]:
        """Deterministic order: by path, position, then code."""
        return (self.path, self.span.line, self.span.column, self.code)

    def to_json(self) -> dict[str, object]:
        """The stable JSON shape documented in SPEC section 7; in a notebook, lines within the ``cell`` (as Ruff)."""
        document: dict[str, object] = {
            "path": self.path,
            **self.in_cell.to_json(),
            "code": self.code,
            "name": self.name,
            "severity": self.severity.value,
            "message": self.message,
            "provider": self.provider,
            "api": self.api,
        }
        if self.cell:
            document["cell"] = self.cell
        return document
