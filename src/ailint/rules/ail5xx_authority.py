"""AIL5xx: decision authority. A call's mode is declared and the code stays inside it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, ClassVar

from ailint.diagnostics import Severity
from ailint.rules.base import CallRule, Concern, Finding, RuleContext

if TYPE_CHECKING:
    from ailint.analysis.calls import CallSite


class UndeclaredAuthority(CallRule):
    """## What it does
    Checks that a generation call whose output decides or acts declares its
    authority mode: `recommend` (a human decides; the output is advice),
    `assist` (the output drives an action only after human approval) or `act`
    (the system acts on its own). Declarations, most specific first:

    1. `# ailint: authority=act` on the call's line or on the `def` line;
    2. a configured decorator on the function, `@authority("recommend")`;
    3. `# ailint: authority=assist` before the module's first statement;
    4. `[tool.ailint.authority] paths` in pyproject (`"src/triage/**" = "act"`,
       optionally `"src/drafts/**::draft_*" = "recommend"`).

    For a project wrapper, a mode declared inside the wrapper counts for its
    callers unless a caller declares its own.

    **Off by default**; select it (`extend-select = ["AIL501"]`). Whether
    output *decides* is read from how the code uses it, and on real
    applications that reading still takes bookkeeping, parsing and response
    conversion for decisions too often to be on for everyone.

    ## Why is this bad?
    Whether a model may act on its own is the most important design decision
    about it, and the one most often left implicit. Declaring it lets review
    and ailint (AIL502) hold the code to it.

    ## Example
    ```python
    from openai import OpenAI

    client = OpenAI()


    def route_ticket(ticket):
        reply = client.chat.completions.create(model="gpt-4o", messages=[])
        if reply.choices[0].message.content == "refund":
            issue_refund(ticket)
    ```

    ## Use instead
    ```python
    from openai import OpenAI

    client = OpenAI()


    def route_ticket(ticket):  # ailint: authority=act
        reply = client.chat.completions.create(model="gpt-4o", messages=[])
        if reply.choices[0].message.content == "refund":
            issue_refund(ticket)
    ```

    **Where it is judged.** Where the output decides (a comparison or branch on
    it, a key or route chosen by it) or reaches an action sink, as for AIL201:
    in the function that consumes it, the wrapper's caller when the output is
    returned. Output only shown to a person, returned as text or discarded is
    advice whatever the mode, and the rule is `n/a` there.

    ## Options
    - `[tool.ailint.authority] decorators`: names of decorators that declare a
      mode (default `["authority"]`).
    - `[tool.ailint.authority] paths`: glob (optionally `::function`) to mode.
    """

    code: ClassVar[str] = "AIL501"
    name: ClassVar[str] = "undeclared-authority"
    severity: ClassVar[Severity] = Severity.ERROR
    concern: ClassVar[Concern] = Concern.AUTHORITY
    summary: ClassVar[str] = "A generation call has no declared authority mode."
    message: ClassVar[str] = (
        "{call} output decides ({how} at {where}) with no declared authority mode (recommend, assist or act)"
    )
    check_name: ClassVar[str] = "authority"
    enabled_by_default: ClassVar[bool] = False
    operations: ClassVar[frozenset[str]] = frozenset({"generate"})

    def applies(self, site: CallSite, ctx: RuleContext) -> bool:
        """Judged where the output decides or reaches an action (SPEC section 2); elsewhere ``n/a``.

        Output that is only shown to a person, returned as text or discarded
        is advice whatever the mode: asking every such call for a mode is noise.
        """
        from ailint.analysis.consumption import consumption

        if not super().applies(site, ctx):
            return False
        return any(use.decides for use in consumption(site, ctx.project, ctx.settings))

    def check(self, site: CallSite, ctx: RuleContext) -> Iterator[Finding]:
        from ailint.analysis.concerns import authority
        from ailint.analysis.consumption import consumption

        decisions = [use for use in consumption(site, ctx.project, ctx.settings) if use.decides]
        if decisions and authority(site, ctx.settings).mode is None:
            first = decisions[0]
            yield self.finding(site.node, site, call=site.label, how=first.how, where=first.where(site))


class AuthorityExceeded(CallRule):
    """## What it does
    Follows a generation's output to action sinks in the same function:
    process and file mutations, state-changing HTTP (`post`, `put`, `patch`,
    `delete`), SQL `execute`/`commit`, ORM `save`/`add`/`delete`, mail and
    chat sends (`smtplib`, Slack `chat_postMessage`), tool execution, and
    configured sinks. In mode `recommend` any such sink is reported; in mode
    `assist` a sink with no human-approval call before it. Mode `act` and
    undeclared calls (AIL501) are not checked. Reported at the sink; the
    message names the model call and its line.

    ## Why is this bad?
    A "recommend" feature that sends the email itself has silently become
    autonomous. The declared mode is what reviewers, users and auditors
    believe; code that exceeds it breaks that trust.

    ## Example
    ```python
    import smtplib

    from openai import OpenAI

    client = OpenAI()


    def reply_to(ticket, customer):  # ailint: authority=recommend
        draft = client.chat.completions.create(model="gpt-4o", messages=[]).choices[0].message.content
        smtplib.SMTP("localhost").sendmail("support@acme.test", customer, draft)
    ```

    ## Use instead
    ```python
    from openai import OpenAI

    client = OpenAI()


    def reply_to(ticket, customer, outbox):  # ailint: authority=recommend
        draft = client.chat.completions.create(model="gpt-4o", messages=[]).choices[0].message.content
        outbox.append({"to": customer, "draft": draft})
    ```

    ## Options
    - `[tool.ailint.sinks] extra`: dotted names of your own action functions
      (`acme.crm.update_ticket`).
    - `[tool.ailint.authority] approvals`: dotted names of human-approval
      calls (`acme.review.await_approval`); in `assist` mode, one before the
      sink makes it allowed. Calls whose name says `approve`/`confirm` count too.
    """

    code: ClassVar[str] = "AIL502"
    name: ClassVar[str] = "authority-exceeded"
    severity: ClassVar[Severity] = Severity.ERROR
    concern: ClassVar[Concern] = Concern.AUTHORITY
    summary: ClassVar[str] = "A model's output reaches an action its declared authority mode does not allow."
    message: ClassVar[str] = "{call} (line {line}) is in recommend mode but its output reaches {sink}"
    assist_message: ClassVar[str] = (
        "{call} (line {line}) is in assist mode but its output reaches {sink} with no human approval before it"
    )
    check_name: ClassVar[str] = "authority"
    operations: ClassVar[frozenset[str]] = frozenset({"generate"})

    def check(self, site: CallSite, ctx: RuleContext) -> Iterator[Finding]:
        from ailint.analysis.body import last_part
        from ailint.analysis.concerns import approved_before, authority, sinks_reached

        mode = authority(site, ctx.settings).mode
        if mode not in ("recommend", "assist"):
            return
        line = site.file.line(site.node)
        body = ctx.project.body(site.file, site.record)
        for sink in sinks_reached(site, ctx.project, ctx.settings):
            canonical, text = body.callee(sink)
            shown = f"{text or last_part(canonical)}()"
            if mode == "recommend":
                yield self.finding(sink, site, call=site.label, line=line, sink=shown)
            elif not approved_before(site, sink, ctx.project, ctx.settings):
                yield self.finding(sink, site, template=self.assist_message, call=site.label, line=line, sink=shown)
