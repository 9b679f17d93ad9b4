"""``--format github``: GitHub Actions workflow commands, one per diagnostic.

A workflow step that runs ``ailint --format github`` turns each line into an
annotation on the pull request's diff:

    ::error file=src/app.py,line=12,col=5,endLine=15,endColumn=6,title=AIL401 unhandled-error::message

Escaping follows GitHub's toolkit (``@actions/core`` ``command.ts``): in the
message, ``%``, CR and LF; in property values, also ``:`` and ``,``, which
would otherwise end the value.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ailint.diagnostics import Severity

if TYPE_CHECKING:
    from ailint.api import RunResult
    from ailint.diagnostics import Diagnostic

_COMMAND = {Severity.ERROR: "error", Severity.WARNING: "warning"}


def escape_data(text: str) -> str:
    """Escape a command's message."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a property value (``file=``, ``title=``)."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(diagnostic: Diagnostic) -> str:
    """One diagnostic as a workflow command."""
    span = diagnostic.span
    properties = {
        "file": diagnostic.path,
        "line": str(span.line),
        "col": str(span.column),
        "endLine": str(span.end_line),
        "endColumn": str(span.end_column),
        "title": f"{diagnostic.code} {diagnostic.name}",
    }
    joined = ",".join(f"{key}={escape_property(value)}" for key, value in properties.items())
    return f"::{_COMMAND[diagnostic.severity]} {joined}::{escape_data(diagnostic.message)}"


def render(result: RunResult) -> str:
    """Every diagnostic as a workflow command line; nothing else (a clean run prints nothing)."""
    return "".join(command(d) + "\n" for d in result.diagnostics)
