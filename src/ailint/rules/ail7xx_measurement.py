"""AIL7xx: measurement. Token usage and cost are recorded."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, ClassVar

from ailint.diagnostics import Severity
from ailint.rules.base import CallRule, Concern, Finding, RuleContext

if TYPE_CHECKING:
    from ailint.analysis.calls import CallSite


class UnmeasuredCall(CallRule):
    """## What it does
    Checks that a model call's token usage is read or recorded: the output's
    `usage` (or `usage_metadata`, `token_usage`, `input_tokens`...) is read
    in the function, a metric is emitted there (Prometheus, StatsD,
    OpenTelemetry metrics), a streaming request asks for usage
    (`stream_options`), or tracing covers the call (spans, tracing
    decorators, instrumented clients). Judged at the direct call. Local
    inference is not checked.

    ## Why is this bad?
    Tokens are the cost and the latency of a model feature. Unmeasured calls
    make budgets, regressions ("this prompt change tripled our bill") and
    abuse invisible.

    ## Example
    ```python
    from openai import OpenAI

    client = OpenAI()


    def summarize(text):
        reply = client.chat.completions.create(model="gpt-4o", messages=[])
        return reply.choices[0].message.content
    ```

    ## Use instead
    ```python
    from openai import OpenAI

    client = OpenAI()


    def summarize(text, meter):
        reply = client.chat.completions.create(model="gpt-4o", messages=[])
        meter.record_tokens(reply.usage.total_tokens)
        return reply.choices[0].message.content
    ```

    ## Options
    None.
    """

    code: ClassVar[str] = "AIL701"
    name: ClassVar[str] = "unmeasured-call"
    severity: ClassVar[Severity] = Severity.WARNING
    concern: ClassVar[Concern] = Concern.MEASUREMENT
    summary: ClassVar[str] = "A model call's token usage is never read or recorded."
    message: ClassVar[str] = "{call} token usage is never read or recorded"
    check_name: ClassVar[str] = "usage"
    judged: ClassVar[str] = "request"
    operations: ClassVar[frozenset[str]] = frozenset({"generate", "embed"})

    def applies(self, site: CallSite, ctx: RuleContext) -> bool:
        return site.provider.request_checks and super().applies(site, ctx)

    def check(self, site: CallSite, ctx: RuleContext) -> Iterator[Finding]:
        from ailint.analysis.concerns import usage_recorded

        if not usage_recorded(site, ctx.project):
            yield self.finding(site.node, site, call=site.label)
