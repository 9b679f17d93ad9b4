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

    @property
    def sort_key(self) -> tuple[str, int, int, str]:
        """Deterministic order: by path, position, then code."""
        return (self.path, self.span.line, self.span.column, self.code)

    def to_json(self) -> dict[str, object]:
        """The stable JSON shape documented in SPEC section 7."""
        return {
            "path": self.path,
            **self.span.to_json(),
            "code": self.code,
            "name": self.name,
            "severity": self.severity.value,
            "message": self.message,
            "provider": self.provider,
            "api": self.api,
        }
