"""The hover of a call site: what ailint found there, as Markdown; no LSP types here."""

from __future__ import annotations

from collections.abc import Sequence

from ailint.api import CallRecord
from ailint.diagnostics import Diagnostic

CONCERNS = {
    "validation": "output validated",
    "confidence": "confidence gated",
    "logging": "logged",
    "errors": "errors handled",
    "timeout": "timeout",
    "authority": "authority",
    "exec": "no output to exec",
    "usage": "usage recorded",
}
"""The inventory's concerns (``ailint calls``), in its order, as a hover names them."""

STATUS = {"pass": "✓ pass", "fail": "✗ fail", "n/a": "n/a"}

KINDS = {
    "direct": "a direct call of the provider's API",
    "wrapper": "a call of a project function that returns a model's output",
}


def _explanation(record: CallRecord) -> list[str]:
    """How the call was resolved (the same chain as ``ailint calls --explain``)."""
    return list(record.explanation)


def render(record: CallRecord, diagnostics: Sequence[Diagnostic] = ()) -> str:
    """Markdown for the hover of ``record``'s call site; ``diagnostics``: those reported on it."""
    kind = KINDS.get(record.kind, record.kind)
    flags = [flag for flag, on in (("async", record.is_async), ("streaming", record.streaming)) if on]
    what = ", ".join([record.operation, *flags])
    lines = [
        f"**ailint** · `{record.provider}` `{record.api}` ({what})",
        "",
        f"- kind: {record.kind}, {kind}",
        f"- in: `{record.function or '<module>'}`",
    ]
    if record.operation == "generate":
        lines.append(f"- authority: {record.authority or 'not declared'}")
    steps = _explanation(record)
    if steps:
        lines += ["", "**Resolved**", ""]
        lines += [f"{number}. {step}" for number, step in enumerate(steps, 1)]
    lines += ["", "| concern | status |", "|---|---|"]
    for name, status in record.checks.items():
        lines.append(f"| {CONCERNS.get(name, name)} | {STATUS.get(status, status)} |")
    if "n/a" in record.checks.values():
        lines += ["", "n/a: the concern does not apply to this call, or is judged where its wrapper is called."]
    if diagnostics:
        lines += ["", "**Reported here**", ""]
        lines += [f"- `{d.code}` {d.name}: {d.message}" for d in diagnostics]
    return "\n".join(lines)
