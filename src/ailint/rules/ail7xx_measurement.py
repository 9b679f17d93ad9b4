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
    Checks that a model call's token usage is read or recorded.

    **Where it is judged.** At the direct call, and usage read wherever the
    response flows counts: the output's `usage` (or `usage_metadata`,
    `token_usage`, `input_tokens`...) read in the function, or in a caller of
    the wrapper that returns the response (up the chain of wrappers, followed
    by dataflow, not by helper names); a metric emitted there (Prometheus,
    StatsD, OpenTelemetry metrics); a streaming request that asks for usage
    (`stream_options`); or tracing that covers the call (spans, tracing
    decorators, instrumentors anywhere in the project; see AIL301). When
    the response (or the text taken from it) is returned by a method that
    nothing in the project runs and nothing outside is shown to start (a
    provider adapter loaded by name, public API), where it goes is not
    known, so neither is whether its usage is counted: nothing is reported
    there. Local
    inference is not checked, nor APIs whose responses carry no usage to read
    (LangChain's `Embeddings.embed_query` / `embed_documents` return bare
    vectors; such providers say `reports-usage = false` in their knowledge).
    Only generation is checked: an embedding's tokens are the size of the
    text embedded, known before the call and a small share of the cost.

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

    Usage read by the caller the response is returned to:

    ```python
    from openai import OpenAI

    client = OpenAI()


    def complete(text):
        return client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": text}])


    def summarize(text, meter):
        reply = complete(text)
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
    operational: ClassVar[bool] = True
    judged: ClassVar[str] = "request"
    operations: ClassVar[frozenset[str]] = frozenset({"generate"})

    def applies(self, site: CallSite, ctx: RuleContext) -> bool:
        return site.provider.request_checks and site.provider.reports_usage and super().applies(site, ctx)

    def check(self, site: CallSite, ctx: RuleContext) -> Iterator[Finding]:
        from ailint.analysis.concerns import usage_recorded

        if not usage_recorded(site, ctx.project, ctx.settings):
            yield self.finding(site.node, site, call=site.label)
