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
from ailint.report.paths import from_root

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
        "file": from_root(diagnostic.path) or diagnostic.path,  # annotations attach to the repository's paths
        "line": str(span.line),
        "col": str(span.column),
        "endLine": str(span.end_line),
        "endColumn": str(span.end_column),
        "title": f"{diagnostic.code} {diagnostic.name}",
    }
    joined = ",".join(f"{key}={escape_property(value)}" for key, value in properties.items())
    message = diagnostic.cell_prefix + diagnostic.message  # a notebook's lines are its code cells joined
    return f"::{_COMMAND[diagnostic.severity]} {joined}::{escape_data(message)}"


SHOWN_PER_STEP = 10
"""GitHub shows at most 10 error and 10 warning annotations per step; the rest would be lost silently."""


def render(result: RunResult) -> str:
    """Errors first, then warnings, as many of each as a step shows; a final notice counts the rest.

    A clean run prints nothing.
    """
    errors = [d for d in result.diagnostics if d.severity is Severity.ERROR]
    warnings = [d for d in result.diagnostics if d.severity is not Severity.ERROR]
    shown = errors[:SHOWN_PER_STEP] + warnings[:SHOWN_PER_STEP]
    lines = [command(d) for d in shown]
    left = len(result.diagnostics) - len(shown)
    if left:
        errors_left = max(len(errors) - SHOWN_PER_STEP, 0)
        counts = f"{errors_left} error{'' if errors_left == 1 else 's'}, {left - errors_left} warning" + (
            "" if left - errors_left == 1 else "s"
        )
        lines.append(
            "::notice title=ailint::"
            + escape_data(
                f"{left} more diagnostic{'' if left == 1 else 's'} ({counts}) not shown as annotations: "
                f"GitHub shows {SHOWN_PER_STEP} errors and {SHOWN_PER_STEP} warnings per step. "
                "Run `ailint --format sarif -o ailint.sarif` and upload it to code scanning to see them all."
            )
        )
    return "".join(line + "\n" for line in lines)
