"""AIL3xx: observability. Model calls are recorded by structured logs or traces."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, ClassVar

from ailint.diagnostics import Severity
from ailint.rules.base import CallRule, Concern, Finding, RuleContext

if TYPE_CHECKING:
    from ailint.analysis.calls import CallSite


class UnloggedCall(CallRule):
    """## What it does
    Checks that the function making a model call records it: a logger call
    (stdlib `logging`, structlog, loguru, or a configured logger), a tracing
    span (`with tracer.start_as_current_span(...)`, `logfire.span`, Langfuse,
    MLflow), a tracing decorator (Langfuse `@observe`, LangSmith
    `@traceable`, `@logfire.instrument`, `@weave.op`, `@mlflow.trace`), a
    client instrumented in the module (`OpenAIInstrumentor().instrument()`,
    `logfire.instrument_openai()`, drop-in clients such as `langfuse.openai`),
    or LangChain callbacks passed to the call. `print` is not logging.

    Judged at the direct call: that is where the request and the response are.

    ## Why is this bad?
    When a model call misbehaves in production (slow, wrong, expensive), the
    first question is what was asked and what came back. Without a record,
    nobody can answer it.

    ## Example
    ```python
    from openai import OpenAI

    client = OpenAI()


    def summarize(text):
        return client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": text}])
    ```

    ## Use instead
    ```python
    import logging

    from openai import OpenAI

    client = OpenAI()
    logger = logging.getLogger(__name__)


    def summarize(text):
        reply = client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": text}])
        logger.info("summary generated", extra={"model": reply.model, "tokens": reply.usage.total_tokens})
        return reply
    ```

    ## Options
    - `[tool.ailint.logging] loggers`: dotted names of your own logging
      functions (`acme.obs.log_event`).
    """

    code: ClassVar[str] = "AIL301"
    name: ClassVar[str] = "unlogged-call"
    severity: ClassVar[Severity] = Severity.WARNING
    concern: ClassVar[Concern] = Concern.OBSERVABILITY
    summary: ClassVar[str] = "A model call is not recorded by a log call or a trace."
    message: ClassVar[str] = "{call} is not recorded by a log call or a trace"
    check_name: ClassVar[str] = "logging"
    judged: ClassVar[str] = "request"

    def check(self, site: CallSite, ctx: RuleContext) -> Iterator[Finding]:
        from ailint.analysis.concerns import log_calls, traced

        if not traced(site, ctx.project) and not log_calls(site, ctx.project, ctx.settings):
            yield self.finding(site.node, site, call=site.label)


class UnstructuredLog(CallRule):
    """## What it does
    Checks that a model call that is logged carries structured fields: at
    least one log call in the function passes fields (`extra={...}`, keyword
    fields as structlog and loguru take them, a bound logger) or a trace
    records the call. Message strings alone (f-strings, `%`, `.format`) do not
    count. A call that is not logged at all is AIL301's business, not this
    rule's.

    ## Why is this bad?
    Model, latency, token counts and outcome buried in a sentence cannot be
    filtered, aggregated or alerted on. Fields can.

    ## Example
    ```python
    import logging

    from openai import OpenAI

    client = OpenAI()
    logger = logging.getLogger(__name__)


    def summarize(text):
        reply = client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": text}])
        logger.info(f"summary done with {reply.model}")
        return reply
    ```

    ## Use instead
    ```python
    import logging

    from openai import OpenAI

    client = OpenAI()
    logger = logging.getLogger(__name__)


    def summarize(text):
        reply = client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": text}])
        logger.info("summary done", extra={"model": reply.model})
        return reply
    ```

    ## Options
    - `[tool.ailint.logging] loggers`: dotted names of your own logging
      functions; their calls count as log calls.
    """

    code: ClassVar[str] = "AIL302"
    name: ClassVar[str] = "unstructured-log"
    severity: ClassVar[Severity] = Severity.WARNING
    concern: ClassVar[Concern] = Concern.OBSERVABILITY
    summary: ClassVar[str] = "A model call is logged only through message strings, with no structured fields."
    message: ClassVar[str] = "{call} is logged only through message strings; add structured fields or a span"
    check_name: ClassVar[str] = "logging"
    judged: ClassVar[str] = "request"

    def check(self, site: CallSite, ctx: RuleContext) -> Iterator[Finding]:
        from ailint.analysis.concerns import log_calls, structured_logging, traced

        calls = log_calls(site, ctx.project, ctx.settings)
        if calls and not structured_logging(calls) and not traced(site, ctx.project):
            yield self.finding(site.node, site, call=site.label)
