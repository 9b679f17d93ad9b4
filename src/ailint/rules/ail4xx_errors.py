"""AIL4xx: error states. Provider failures are caught, bounded and never swallowed."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, ClassVar

from ailint.diagnostics import Severity
from ailint.rules.base import PRODUCING, CallRule, Concern, Finding, RuleContext

if TYPE_CHECKING:
    import libcst as cst

    from ailint.analysis.calls import CallSite


class UnhandledError(CallRule):
    """## What it does
    Follows a provider error from the model call that raises it up through
    every function that calls it (wrappers, methods reached by dispatch,
    decorators and callbacks the project passes around) to the entry points:
    module-level code, functions of a module no project code calls
    (endpoints, CLI commands, `main`, worker tasks), and methods that
    something outside the project is given: decorated by a library's
    decorator that does more than wrap (`@bot.event(...)`, `@app.post(...)`,
    `@tool`; not `@retry` or `@abstractmethod`), passed to a library call
    or stored on a library object as a callback (`bus.subscribe("message",
    self.on_message)`, `Thread(target=work)`), dunders, and methods of a
    class built on a library class (`class Handler(BaseTool)`). Nested
    functions are entry points on the same terms as methods. A method that
    no project code calls and that nothing outside is given is public API of
    a library, whose contract is to raise, dead code, or run by project code
    in a way the analysis cannot follow (kept in the object's own registry,
    `self.commands = {"run": self.run_command}`, or given to a project
    function, `Tool.from_callable(update)`, and run by name): its errors are
    its callers' business, as at a boundary. Callers in test
    files do not count. The
    error is handled when **every** path catches the provider's base error
    (`openai.APIError`, `anthropic.APIError`, ...) or something broader
    (`Exception`, `BaseException`, a bare `except`,
    `contextlib.suppress(Exception)`) before its entry point, or reaches:

    - a configured boundary (public API whose errors are its callers' to handle);
    - a function wrapped by a configured error-handling decorator;
    - a FastAPI or Starlette route (`@app.get(...)`, `@router.post(...)`) when
      the project registers an exception handler for the provider's error or
      for `Exception` (`@app.exception_handler(...)`, `add_exception_handler`);
    - `asyncio.gather(..., return_exceptions=True)`, given the awaitable
      directly or through `create_task`;
    - a task or a future given a done callback (`task =
      loop.create_task(review(text))`, `task.add_done_callback(report)`):
      the callback receives the finished task and what it raised;
    - for a model API given to a project helper that calls it
      (`with_handling(client.chat.completions.create, ...)`), a handler
      around the helper's call of it.

    A handler that raises the same exception again (a bare `raise`, or
    `raise exc` of the exception it caught) does not handle it; raising a
    different exception (`raise SummaryUnavailable() from exc`) does.
    Catching only a subclass, such as `openai.RateLimitError`, does not count:
    timeouts, connection failures and server errors still escape, and the
    message names what escapes.

    Generation, image and audio requests to a provider are checked. Local
    inference raises no provider error, and embeddings, reranking and
    moderation are steps of a retrieval or a check whose component (a vector
    store, a search) decides what their failure means.

    Reported once, at the model call; when the error leaves the call's
    function, the message names one path it escapes through (`... escapes
    through summarize() -> handle_ticket()`). The calls of a wrapper are not
    reported again. A file judged without the
    project (its value flow not followed) is judged in the call's own
    function, and at the callers of a wrapper that returns the output.

    ## Why is this bad?
    Model providers fail often: rate limits, timeouts, overloaded servers and
    content filters are part of normal operation. An uncaught provider error
    turns a degraded answer into a failed request, usually far from the code
    that could have chosen a fallback.

    ## Example
    ```python
    from openai import OpenAI

    client = OpenAI()

    def summarize(text):
        response = client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": text}])
        return response.choices[0].message.content
    ```

    ## Use instead
    ```python
    import openai
    from openai import OpenAI

    client = OpenAI()

    def summarize(text):
        try:
            response = client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": text}])
        except openai.APIError as exc:
            raise SummaryUnavailable(text) from exc
        return response.choices[0].message.content
    ```

    ## Options
    - `[tool.ailint.errors] handlers`: decorators (dotted names) that catch and
      handle errors, such as `acme.resilience.guarded`; a function they wrap
      counts as handled.
    - `[tool.ailint.errors] boundaries`: globs of qualified names, such as
      `acme.sdk.*`, of functions whose errors are their callers' to handle
      (a library's public API); a path that reaches one is handled.
    """

    code: ClassVar[str] = "AIL401"
    name: ClassVar[str] = "unhandled-error"
    severity: ClassVar[Severity] = Severity.ERROR
    concern: ClassVar[Concern] = Concern.ERRORS
    summary: ClassVar[str] = "A model call is not inside a try that catches the provider's base error."
    message: ClassVar[str] = "{call} is not inside a try that catches {base_error}"
    check_name: ClassVar[str] = "errors"
    operational: ClassVar[bool] = True
    narrower_message: ClassVar[str] = "{call} is inside a try that catches only {caught}; {base_error} escapes"
    operations: ClassVar[frozenset[str]] = PRODUCING

    escape_message: ClassVar[str] = "{call} is not inside a try that catches {base_error}; it escapes through {path}"
    reraised_message: ClassVar[str] = (
        "{call} is inside a try whose handler raises the error again; {base_error} escapes through {path}"
    )
    escape_narrower_message: ClassVar[str] = (
        "{call} is inside a try that catches only {caught}; {base_error} escapes through {path}"
    )

    def applies(self, site: CallSite, ctx: RuleContext) -> bool:
        from ailint.analysis.facts import followed

        if site.operation not in self.operations or not site.provider.request_checks:
            return False  # local inference raises no provider error: what it raises is a bug
        if followed(site, ctx.project):  # the error is followed from the direct call: judged there, once
            return site.kind == "direct"
        return super().applies(site, ctx)

    def check(self, site: CallSite, ctx: RuleContext) -> Iterator[Finding]:
        # Imported here so that listing rules never loads LibCST.
        from ailint.analysis.facts import error_handling, escape_path, followed

        settings = ctx.settings
        if site.kind == "direct" and followed(site, ctx.project):
            path = escape_path(site, ctx.project, settings.error_boundaries, settings.error_handlers)
            if path is None:
                return
            local = error_handling(site, frozenset())
            if local.handled:  # caught around the call, by a handler that raises it again
                template = self.reraised_message
            elif len(path) > 1:  # it leaves the call's function: name the way it goes
                template = self.escape_narrower_message if local.narrower else self.escape_message
            else:
                template = self.narrower_message if local.narrower else self.message
            yield self.finding(
                site.node,
                site,
                template=template,
                call=site.label,
                caught=", ".join(local.narrower),
                base_error=site.provider.base_error,
                path=" -> ".join(path),
            )
            return
        verdict = error_handling(site, settings.error_handlers)
        if verdict.handled:
            return
        if verdict.narrower:
            yield self.finding(
                site.node,
                site,
                template=self.narrower_message,
                call=site.label,
                caught=", ".join(verdict.narrower),
                base_error=site.provider.base_error,
            )
        else:
            yield self.finding(site.node, site, call=site.label, base_error=site.provider.base_error)


def _in_cleanup(handler: cst.CSTNode, module: cst.Module | None) -> bool:
    """Whether the handler is in a ``finally:`` block: cleanup (a cancelled task's result, a stream closed on
    the way out) where ignoring a failure is the intent and the request's own failure was decided earlier."""
    import libcst as cst

    from ailint.analysis.tree import walk

    if module is None:
        return False
    cleanups = (n.finalbody for n in walk(module) if isinstance(n, (cst.Try, cst.TryStar)) and n.finalbody is not None)
    return any(node is handler for block in cleanups for node in walk(block))


class SwallowedError(CallRule):
    """## What it does
    Checks the handler that catches a model call's errors (in the call's own
    function, or inside the wrapper a call site calls): it must re-raise,
    log, or return or record an explicit error state. It swallows the
    failure when all it does is `pass`, `continue`, `break`, `print(...)`,
    or return `None` or an empty or default value (`{}`, `[]`, `""`,
    `False`, `()`) that callers cannot tell from an answer; so does
    `contextlib.suppress(...)` around the call. A handler that logs the
    error, stores it (`state["error"] = str(exc)`) or returns something that
    says it failed (`{"error": ...}`, a fallback message) handles it. A
    handler in a `finally:` block is cleanup (a cancelled task's result
    collected, a stream closed on the way out): not reported.

    Reported at the model call, or at the call of the wrapper whose handler
    swallows (where its output is judged).

    ## Why is this bad?
    A swallowed provider error turns an outage into wrong behaviour: the
    caller gets `None` (or nothing) and carries on as if the model had
    answered. Nobody is paged, nothing is retried, and the symptom appears
    somewhere else.

    ## Example
    ```python
    import openai
    from openai import OpenAI

    client = OpenAI()


    def summarize(text):
        try:
            return client.chat.completions.create(model="gpt-4o", messages=[])
        except openai.APIError:
            return None
    ```

    ## Use instead
    ```python
    import logging

    import openai
    from openai import OpenAI

    client = OpenAI()
    logger = logging.getLogger(__name__)


    def summarize(text):
        try:
            return client.chat.completions.create(model="gpt-4o", messages=[])
        except openai.APIError:
            logger.exception("summary failed")
            raise
    ```

    ## Options
    None.
    """

    code: ClassVar[str] = "AIL402"
    name: ClassVar[str] = "swallowed-error"
    severity: ClassVar[Severity] = Severity.WARNING
    concern: ClassVar[Concern] = Concern.ERRORS
    summary: ClassVar[str] = "A handler catches a model call's errors and silently drops them."
    message: ClassVar[str] = "{call}: the handler at line {line} swallows the error ({how})"
    check_name: ClassVar[str] = "errors"
    operational: ClassVar[bool] = True

    def applies(self, site: CallSite, ctx: RuleContext) -> bool:
        """At a wrapper's call, judged only where a handler on its way catches the errors (else AIL401 judges them
        at the direct call, and the wrapper's call has nothing to say about errors: ``n/a``)."""
        from ailint.analysis.facts import error_handling

        if not super().applies(site, ctx):
            return False
        return site.kind == "direct" or error_handling(site, ctx.settings.error_handlers).handler is not None

    def check(self, site: CallSite, ctx: RuleContext) -> Iterator[Finding]:
        import libcst as cst

        from ailint.analysis.facts import error_handling, swallowed

        verdict = error_handling(site, ctx.settings.error_handlers)
        handler, owner = verdict.handler, verdict.site
        if handler is None or owner is None:
            return
        if isinstance(handler, (cst.ExceptHandler, cst.ExceptStarHandler)):
            how = swallowed(handler)
        else:
            how = "contextlib.suppress"
        if how is not None and not _in_cleanup(handler, owner.file.module_node):
            yield self.finding(site.node, site, call=site.label, line=owner.file.line(handler), how=how)


class MissingTimeout(CallRule):
    """## What it does
    Checks that a model call is bounded in time.

    **Where it is judged.** At the direct call. A timeout counts wherever the
    request or its client is built or configured:

    - on the call (`timeout=`, `request_timeout=`, `timeout=httpx.Timeout(...)`),
      or in a config object given to it
      (`config=GenerateContentConfig(http_options=HttpOptions(timeout=...))`,
      a config bound to a name);
    - in `**kwargs`: a dict bound to a name whose keys are visible
      (`OPTIONS = {"timeout": 20}`, `options["timeout"] = 15`), or the
      function's own `**kwargs`, followed to what its callers pass;
    - in `functools.partial(api, timeout=...)` the call goes through;
    - on the client: its constructor (`OpenAI(timeout=20)`, an
      `http_client=httpx.Client(timeout=...)`, a boto3
      `config=Config(read_timeout=...)`), `with_options(timeout=...)`, a
      project factory that builds it, or a module-level default such as
      `litellm.request_timeout`.

    `max_retries` bounds nothing in time and is not a timeout. A client whose
    construction cannot be found (an injected parameter, an attribute set
    elsewhere) gets no benefit of the doubt, unless every client of its
    provider that the project builds has a timeout. Where a value cannot be
    followed at all (`**settings.llm_options` read from configuration, a dict
    built by a library), there is no diagnostic. Local inference
    (sentence-transformers, transformers) is not checked.

    ## Why is this bad?
    Provider SDK defaults are long (the OpenAI SDK waits up to ten minutes)
    and model latency has a heavy tail. One slow request holds a worker, a
    connection and a user for minutes.

    ## Example
    ```python
    from openai import OpenAI

    client = OpenAI()


    def summarize(text):
        return client.chat.completions.create(model="gpt-4o", messages=[])
    ```

    ## Use instead
    ```python
    from openai import OpenAI

    client = OpenAI(timeout=20, max_retries=2)  # max_retries alone would not bound the time


    def summarize(text):
        return client.chat.completions.create(model="gpt-4o", messages=[])
    ```

    Through a kwargs dict, a partial, a config object or a forwarded `**kwargs`:

    ```python
    import functools

    import httpx
    import litellm
    from google import genai
    from google.genai import types
    from openai import OpenAI

    client = OpenAI()
    OPTIONS = {"temperature": 0, "timeout": 20}
    complete = functools.partial(litellm.completion, timeout=30)
    gemini = genai.Client()
    CONFIG = types.GenerateContentConfig(http_options=types.HttpOptions(timeout=30_000))


    def ask(prompt, **kwargs):
        return client.chat.completions.create(model="gpt-4o", messages=[], **kwargs)


    def handler(prompt):
        client.chat.completions.create(model="gpt-4o", messages=[], **OPTIONS)
        complete(model="gpt-4o", messages=[])
        gemini.models.generate_content(model="gemini-2.0-flash", contents=prompt, config=CONFIG)
        return ask(prompt, timeout=httpx.Timeout(20.0))
    ```

    ## Options
    None.
    """

    code: ClassVar[str] = "AIL403"
    name: ClassVar[str] = "missing-timeout"
    severity: ClassVar[Severity] = Severity.WARNING
    concern: ClassVar[Concern] = Concern.ERRORS
    summary: ClassVar[str] = "A model call has no timeout, on the call or on its client."
    message: ClassVar[str] = "{call} has no timeout, on the call or on its client"
    check_name: ClassVar[str] = "timeout"
    operational: ClassVar[bool] = True
    judged: ClassVar[str] = "request"

    def applies(self, site: CallSite, ctx: RuleContext) -> bool:
        return site.provider.request_checks and super().applies(site, ctx)

    def check(self, site: CallSite, ctx: RuleContext) -> Iterator[Finding]:
        from ailint.analysis.concerns import has_timeout

        if has_timeout(site, ctx.project) is False:
            yield self.finding(site.node, site, call=site.label)
