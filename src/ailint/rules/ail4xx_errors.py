"""AIL4xx: error states. Provider failures are caught, bounded and never swallowed."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, ClassVar

from ailint.diagnostics import Severity
from ailint.rules.base import CallRule, Concern, Finding, RuleContext

if TYPE_CHECKING:
    from ailint.analysis.calls import CallSite


class UnhandledError(CallRule):
    """## What it does
    Checks that every model call sits inside a `try` in the same function whose
    handlers catch the provider's base error (`openai.APIError`,
    `anthropic.APIError`, ...) or something broader (`Exception`,
    `BaseException`, a bare `except`, `contextlib.suppress(Exception)`), or
    in a function wrapped by a configured error-handling decorator.

    Catching only a subclass, such as `openai.RateLimitError`, does not count:
    timeouts, connection failures and server errors still escape, and the
    message names what escapes.

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
    """

    code: ClassVar[str] = "AIL401"
    name: ClassVar[str] = "unhandled-error"
    severity: ClassVar[Severity] = Severity.ERROR
    concern: ClassVar[Concern] = Concern.ERRORS
    summary: ClassVar[str] = "A model call is not inside a try that catches the provider's base error."
    message: ClassVar[str] = "{call} is not inside a try that catches {base_error}"
    check_name: ClassVar[str] = "errors"
    narrower_message: ClassVar[str] = "{call} is inside a try that catches only {caught}; {base_error} escapes"

    def check(self, site: CallSite, ctx: RuleContext) -> Iterator[Finding]:
        # Imported here so that listing rules never loads LibCST.
        from ailint.analysis.facts import error_handling

        verdict = error_handling(site, ctx.settings.error_handlers)
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
