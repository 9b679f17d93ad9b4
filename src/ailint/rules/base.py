"""The rule API: a rule is a class with metadata, its documentation and a ``check``.

Rules never walk the syntax tree themselves. The analysis layer finds call
sites and computes facts once per file; each rule is policy over those facts.
The registry, the ``ailint rules`` table, the rule pages and (later) SARIF
metadata are all derived from these classes, so a rule is declared in one place.
"""

from __future__ import annotations

import enum
import inspect
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from ailint.diagnostics import Diagnostic, Severity, Span

if TYPE_CHECKING:
    import libcst as cst

    from ailint.analysis.calls import CallSite, FileAnalysis
    from ailint.analysis.project import Project
    from ailint.settings import Settings


PRODUCING = frozenset({"generate", "image", "audio"})
"""Requests that produce what the feature delivers. An embedding, a rerank or a moderation is one step of a
retrieval or a check: the component that runs the step (a vector store, a search) records it and decides what
its failure means, and a log line or an error handler per embedded chunk is what nobody wants."""


class Concern(str, enum.Enum):
    """The question a reviewer asks of a call site (SPEC section 1)."""

    META = "meta"
    OUTPUT = "output contract"
    CONFIDENCE = "confidence"
    OBSERVABILITY = "observability"
    ERRORS = "error states"
    AUTHORITY = "decision authority"
    SECURITY = "security"
    MEASUREMENT = "measurement"
    INPUT = "input contract"
    CAPABILITY = "capability"


@dataclass(frozen=True)
class Finding:
    """What a rule reports, before the engine turns it into a ``Diagnostic``.

    It holds the CST node to point at; the engine computes positions only for
    findings, so files without findings never pay for position metadata.
    """

    code: str
    node: cst.CSTNode
    message: str
    provider: str | None = None
    api: str | None = None
    severity: Severity | None = None
    """This finding's severity, where a rule's findings differ in it (else the rule's own)."""


@dataclass(frozen=True)
class RuleContext:
    """What a rule may consult besides the call site: the file's analysis and the run's settings."""

    analysis: FileAnalysis
    settings: Settings
    project: Project


class Rule:
    """Base of every rule. Subclasses set the class attributes below.

    The class docstring is the rule's documentation page, in Markdown, with the
    sections ``## What it does``, ``## Why is this bad?``, ``## Example``,
    ``## Use instead`` and ``## Options``.
    """

    code: ClassVar[str]
    name: ClassVar[str]
    severity: ClassVar[Severity]
    concern: ClassVar[Concern]
    summary: ClassVar[str]
    """One line for the rule table."""
    message: ClassVar[str]
    """A ``str.format`` template for the diagnostic message."""
    enabled_by_default: ClassVar[bool] = True

    @classmethod
    def doc(cls) -> str:
        """The rule's documentation page (its cleaned docstring)."""
        return inspect.cleandoc(cls.__doc__ or "")

    def finding(
        self,
        node: cst.CSTNode,
        site: CallSite | None = None,
        *,
        template: str | None = None,
        severity: Severity | None = None,
        **fields: Any,
    ) -> Finding:
        """Build a finding at ``node`` with a message template (default ``message``) filled in."""
        return Finding(
            code=self.code,
            node=node,
            message=(template or self.message).format(**fields),
            provider=site.provider.name if site is not None else None,
            api=site.api if site is not None else None,
            severity=severity,
        )


class FileRule(Rule):
    """A rule about the file itself (parsing, pragmas), produced by the engine."""

    @classmethod
    def diagnostic(cls, path: str, span: Span, fingerprint: str = "", **fields: Any) -> Diagnostic:
        """A diagnostic of this rule at ``span``, its message template filled with ``fields``."""
        return Diagnostic(
            path=path,
            span=span,
            code=cls.code,
            name=cls.name,
            severity=cls.severity,
            message=cls.message.format(**fields),
            fingerprint=fingerprint,
        )


class CallRule(Rule):
    """A rule judged once per model call site."""

    operations: ClassVar[frozenset[str]] = frozenset({"generate", "embed", "moderate", "image", "audio", "rerank"})
    """The operations this rule applies to; other call sites are not shown to it."""
    check_name: ClassVar[str]
    """The key of ``checks`` in the ``ailint calls`` inventory this rule decides."""
    judged: ClassVar[str] = "output"
    """Where the concern is judged (SPEC section 2). ``output``: concerns of the output and
    its failures, judged where a wrapper is called when it has callers in the project;
    ``request``: concerns of the request itself, judged at the direct call only."""
    operational: ClassVar[bool] = False
    """A concern of how the request is run in production (logging, errors, timeouts, usage): not reported in
    scripts, examples and demos (the ``scripts`` setting) nor at calls under ``if __name__ == "__main__":``."""

    def applies(self, site: CallSite, ctx: RuleContext) -> bool:
        """Whether this rule judges ``site`` (else its check is ``n/a`` there)."""
        if site.operation not in self.operations:
            return False
        if self.judged == "request":
            return site.kind == "direct"
        return not ctx.project.judged_at_callers(site)

    def check(self, site: CallSite, ctx: RuleContext) -> Iterator[Finding]:
        """Yield findings for one call site."""
        raise NotImplementedError
