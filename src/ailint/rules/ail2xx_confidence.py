"""AIL2xx: confidence. A threshold decides what is acted on and what goes to a human."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, ClassVar

from ailint.diagnostics import Severity
from ailint.rules.base import CallRule, Concern, Finding, RuleContext

if TYPE_CHECKING:
    from ailint.analysis.calls import CallSite


class NoConfidenceGate(CallRule):
    """## What it does
    Checks that a generation's output passes a confidence threshold before it
    decides something.

    **Where it is judged.** Only where the output *decides*: a branch on it
    (a comparison with a literal or a constant, `.startswith("yes")`, a
    `match`), a route (`HANDLERS[label]`, `getattr(obj, name)`,
    `ROUTES.get(label)`), or an action it reaches (a database write, an HTTP
    `post`, a shell; a file write only keeps it), at the call site in the
    function where that happens (a wrapper's call site is judged in its
    caller). Chat turns, summaries and free text that are only shown, returned
    or stored do not decide anything: `n/a`. Not decisions either: an error
    check (`if reply is None`), a membership check against an allowed set,
    reading the response's envelope (event and block types, statuses, ids),
    checking pieces while parsing the text (`line.startswith("1.")`,
    `.isnumeric()`), and matching the output with another value.

    **What counts as a gate**: a comparison (`<`, `<=`, `>`, `>=`) of a value
    derived from the output whose name matches the confidence pattern (by
    default `confidence|score|prob|logprob|certainty`), logprobs read and
    compared, a `finish_reason` / `stop_reason` / refusal check, or a
    configured gate function called on the output.

    **Off by default**; select it (`extend-select = ["AIL201"]`). Whether
    output *decides* is read from how the code uses it, and on real
    applications that reading still takes bookkeeping, parsing and response
    conversion for decisions too often to be on for everyone.

    ## Why is this bad?
    Models answer with the same fluency when they are guessing. Without a
    threshold, a low-confidence classification is acted on exactly like a
    certain one, and nothing routes doubtful cases to a human.

    ## Example
    ```python
    from openai import OpenAI

    client = OpenAI()


    def route(ticket, Triage, queues):
        reply = client.beta.chat.completions.parse(model="gpt-4o", messages=[], response_format=Triage)
        return queues[reply.choices[0].message.parsed.queue]
    ```

    ## Use instead
    ```python
    from openai import OpenAI

    client = OpenAI()


    def route(ticket, Triage, queues):
        reply = client.beta.chat.completions.parse(model="gpt-4o", messages=[], response_format=Triage)
        triage = reply.choices[0].message.parsed
        if triage.confidence < 0.8:
            return "human-review"
        return queues[triage.queue]
    ```

    Output that decides nothing is not judged:

    ```python
    from openai import OpenAI

    client = OpenAI()


    def summarize(text):
        reply = client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": text}])
        return reply.choices[0].message.content
    ```

    ## Options
    - `[tool.ailint.confidence] pattern`: the regular expression that names
      confidence-like values (default `confidence|score|prob|logprob|certainty`).
    - `[tool.ailint.confidence] gates`: dotted names of gate functions
      (`acme.gates.require_confidence`); calling one on the output counts.
    """

    code: ClassVar[str] = "AIL201"
    name: ClassVar[str] = "no-confidence-gate"
    severity: ClassVar[Severity] = Severity.WARNING
    concern: ClassVar[Concern] = Concern.CONFIDENCE
    summary: ClassVar[str] = "A generation's output is used with no confidence threshold."
    message: ClassVar[str] = "{call} output decides ({how} at {where}) with no confidence threshold"
    check_name: ClassVar[str] = "confidence"
    enabled_by_default: ClassVar[bool] = False
    operations: ClassVar[frozenset[str]] = frozenset({"generate"})

    def applies(self, site: CallSite, ctx: RuleContext) -> bool:
        """Judged where the output decides (a branch, a route, an action); elsewhere ``n/a``."""
        from ailint.analysis.consumption import consumption

        if site.operation not in self.operations:
            return False
        return any(use.decides for use in consumption(site, ctx.project, ctx.settings))

    def check(self, site: CallSite, ctx: RuleContext) -> Iterator[Finding]:
        from ailint.analysis.concerns import gated
        from ailint.analysis.consumption import consumption

        decisions = [use for use in consumption(site, ctx.project, ctx.settings) if use.decides]
        if decisions and not gated(site, ctx.project, ctx.settings):
            first = decisions[0]
            yield self.finding(site.node, site, call=site.label, how=first.how, where=first.where(site))
