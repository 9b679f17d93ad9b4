"""AIL3xx: observability. Model calls are recorded by structured logs or traces."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, ClassVar

from ailint.diagnostics import Severity
from ailint.rules.base import PRODUCING, CallRule, Concern, Finding, RuleContext

if TYPE_CHECKING:
    from ailint.analysis.calls import CallSite


class UnloggedCall(CallRule):
    """## What it does
    Checks that something records a model call.

    **Where it is judged.** At the direct call, and what records the request
    anywhere on its path counts:

    - a logger call (stdlib `logging`, structlog, loguru, a configured logger,
      `get_logger().info(...)` inline) in the function, in a caller around
      the wrapper call that returns the output (up the chain of wrappers), or
      in the project helper the model API is given to and that calls it
      (`logged(client.chat.completions.create, ...)`);
    - a tracing span (`with tracer.start_as_current_span(...)`, `logfire.span`,
      Langfuse, MLflow) or a tracing decorator (Langfuse `@observe`, LangSmith
      `@traceable`, `@logfire.instrument`, `@weave.op`, `@mlflow.trace`) on any
      function of the path;
    - a project decorator whose own body opens a span or logs (by what its body
      does, not by its name), or one named in `[tool.ailint.logging] tracers`;
    - an instrumentor called anywhere in the project, at module level, in a
      package `__init__` or in a startup function (`mlflow.openai.autolog()`,
      `OpenAIInstrumentor().instrument()`, `logfire.instrument_openai()`,
      `openlit.init()`), which covers every call of its provider; drop-in
      traced clients (`langfuse.openai`); LangChain callbacks passed to the call;
    - a structured trace record kept by the function
      (`traces.append({"model": ..., "tokens": ...})`).

    `print` is not logging.

    Generation, image and audio requests are checked; embeddings, reranking
    and moderation are not: they are steps of a retrieval or a check, recorded
    (if at all) as the step, and a record per embedded chunk is noise.

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

    A caller logging around the wrapper call covers it:

    ```python
    import logging

    from openai import OpenAI

    client = OpenAI()
    logger = logging.getLogger(__name__)


    def complete(text):
        return client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": text}])


    def summarize(text):
        reply = complete(text)
        logger.info("summary generated", extra={"model": reply.model})
        return reply.choices[0].message.content
    ```

    So does a project decorator that opens a span, or an instrumentor called at startup:

    ```python
    import functools

    import mlflow
    from openai import OpenAI
    from opentelemetry import trace

    client = OpenAI()
    tracer = trace.get_tracer(__name__)


    def traced(fn):
        @functools.wraps(fn)
        def inner(*args, **kwargs):
            with tracer.start_as_current_span(fn.__name__):
                return fn(*args, **kwargs)

        return inner


    @traced
    def summarize(text):
        return client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": text}])


    def startup():
        mlflow.openai.autolog()
    ```

    ## Options
    - `[tool.ailint.logging] loggers`: dotted names of your own logging
      functions (`acme.obs.log_event`).
    - `[tool.ailint.logging] tracers`: dotted names of your own decorators and
      context managers that trace (`acme.obs.trace_method`).
    """

    code: ClassVar[str] = "AIL301"
    name: ClassVar[str] = "unlogged-call"
    severity: ClassVar[Severity] = Severity.WARNING
    concern: ClassVar[Concern] = Concern.OBSERVABILITY
    summary: ClassVar[str] = "A model call is not recorded by a log call or a trace."
    message: ClassVar[str] = "{call} is not recorded by a log call or a trace"
    check_name: ClassVar[str] = "logging"
    operational: ClassVar[bool] = True
    judged: ClassVar[str] = "request"
    operations: ClassVar[frozenset[str]] = PRODUCING

    def check(self, site: CallSite, ctx: RuleContext) -> Iterator[Finding]:
        from ailint.analysis.concerns import recording

        found = recording(site, ctx.project, ctx.settings)
        if not found.traced and not found.logged and not found.structured:
            yield self.finding(site.node, site, call=site.label)


class UnstructuredLog(CallRule):
    """## What it does
    Checks that a model call that is logged carries structured fields: at
    least one log call on its path (the function, a caller around the wrapper
    call, a project decorator; see AIL301) passes fields (`extra={...}`,
    keyword fields as structlog and loguru take them, a bound logger), a
    structured trace record is kept (`traces.append({"model": ..., "tokens":
    ...})`, or a record object built with fields, `request_log =
    LLMRequestLog(provider=..., model=...)`), or a trace records the call. Judged at the direct call. Message
    strings alone (f-strings, `%`, `.format`) do not count. A call that is
    not logged at all is AIL301's business, not this rule's.

    Reported only in a project whose code logs with structured fields
    somewhere (keyword fields, `extra=`, a bound logger): there, a model call
    logged through message strings alone is a lapse from the project's own
    practice. Where message strings are the convention everywhere, fields for
    one call are not the fix, and the rule stays silent.

    ## Why is this bad?
    Model, latency, token counts and outcome buried in a sentence cannot be
    filtered, aggregated or alerted on. Fields can.

    ## Example
    ```python
    import logging

    from openai import OpenAI

    client = OpenAI()
    logger = logging.getLogger(__name__)


    def start(ticket_id):
        logger.info("ticket opened", extra={"ticket": ticket_id})


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
    - `[tool.ailint.logging] tracers`: dotted names of your own tracing
      decorators and context managers.
    """

    code: ClassVar[str] = "AIL302"
    name: ClassVar[str] = "unstructured-log"
    severity: ClassVar[Severity] = Severity.WARNING
    concern: ClassVar[Concern] = Concern.OBSERVABILITY
    summary: ClassVar[str] = "A model call is logged only through message strings, with no structured fields."
    message: ClassVar[str] = "{call} is logged only through message strings; add structured fields or a span"
    check_name: ClassVar[str] = "logging"
    operational: ClassVar[bool] = True
    judged: ClassVar[str] = "request"
    operations: ClassVar[frozenset[str]] = PRODUCING

    def check(self, site: CallSite, ctx: RuleContext) -> Iterator[Finding]:
        from ailint.analysis.concerns import logs_with_fields, recording

        found = recording(site, ctx.project, ctx.settings)
        if found.logged and not found.structured and not found.traced and logs_with_fields(ctx.project):
            yield self.finding(site.node, site, call=site.label)
