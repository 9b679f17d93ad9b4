"""AIL8xx: declared capabilities. The code does what the capability's declaration says."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, ClassVar

from ailint.diagnostics import Severity
from ailint.rules.base import CallRule, Concern, Finding, RuleContext

if TYPE_CHECKING:
    from ailint.analysis.calls import CallSite
    from ailint.analysis.capabilities import Answer
    from ailint.capability import Capability


class _CapabilityRule(CallRule):
    """A question asked of every call site that belongs to a declared capability."""

    question: ClassVar[str]
    check_name: ClassVar[str] = "capability"
    operations: ClassVar[frozenset[str]] = frozenset({"generate"})

    def applies(self, site: CallSite, ctx: RuleContext) -> bool:
        if not ctx.settings.capabilities or site.operation not in self.operations:
            return False
        return any(True for _ in self._asked(site, ctx))

    def _asked(self, site: CallSite, ctx: RuleContext) -> Iterator[tuple[Capability, Answer]]:
        """The capabilities of ``site`` whose question is asked here (as the readiness report asks it)."""
        from ailint.analysis.capabilities import answers, asked_here, capabilities_of

        for capability in capabilities_of(site, ctx.project, ctx.settings):
            if not asked_here(site, capability, self.question, ctx.project, ctx.settings):
                continue
            answer = answers(site, capability, ctx.project, ctx.settings)[self.question]
            if answer.ok is not None:
                yield capability, answer

    def check(self, site: CallSite, ctx: RuleContext) -> Iterator[Finding]:
        for capability, answer in self._asked(site, ctx):
            if answer.ok is False:
                yield self.finding(
                    site.node,
                    site,
                    call=site.label,
                    capability=capability.name,
                    mode=capability.mode,
                    detail=answer.detail,
                )


class CapabilityOutputDrift(_CapabilityRule):
    """## What it does
    Checks that the output schema a capability declares (`output` in its
    `[[tool.ailint.capability]]` table) is what validates the output of its
    generation calls: a structured-output request naming that type
    (`response_format=`, `response_model=`, `with_structured_output(...)`),
    a validator called with that type (`Category.model_validate_json(...)`,
    `TypeAdapter(Category)`, `Category(text)` for an enum), or, for an
    allowed set (`output = ["billing", "bug"]`), a membership check against
    exactly that set. Reported when another type validates the output, or none
    does.

    A capability's call sites are the model calls in the functions its
    `functions` globs name and in every function they reach, across modules;
    a call of a project wrapper belongs to it when the wrapper does. The check
    is made where the output is judged (SPEC section 2): at the call in the
    function that receives the output.

    ## Why is this bad?
    The declaration is what the team agreed the feature returns. Code that
    validates another model, or nothing, has drifted from it: the contract
    reviewers believe in is not the one the code enforces.

    ## Example
    ```toml
    [[tool.ailint.capability]]
    name = "ticket-triage"
    functions = ["example.*"]
    output = "example.Category"
    ```

    ```python
    from openai import OpenAI
    from pydantic import BaseModel

    client = OpenAI()


    class Category(BaseModel):
        label: str


    class Summary(BaseModel):
        text: str


    def triage(ticket):
        reply = client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": ticket}])
        return Summary.model_validate_json(reply.choices[0].message.content)
    ```

    ## Use instead
    ```toml
    [[tool.ailint.capability]]
    name = "ticket-triage"
    functions = ["use_instead.*"]
    output = "use_instead.Category"
    ```

    ```python
    from openai import OpenAI
    from pydantic import BaseModel

    client = OpenAI()


    class Category(BaseModel):
        label: str


    def triage(ticket):
        reply = client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": ticket}])
        return Category.model_validate_json(reply.choices[0].message.content)
    ```

    ## Options
    - `[[tool.ailint.capability]] output`: the dotted name of the schema type,
      or a list of the allowed values.
    - `[[tool.ailint.capability]] functions`: globs of the qualified names of
      the functions that implement the capability (`acme.triage.*`).
    - `[tool.ailint.validation] validators`: your own validation functions; a
      capability may name one as its `output`.

    Limits: a capability whose functions make several generation calls holds
    each of them to its `output`; declare the steps that produce other values
    as capabilities of their own.
    """

    code: ClassVar[str] = "AIL801"
    name: ClassVar[str] = "capability-output-drift"
    severity: ClassVar[Severity] = Severity.ERROR
    concern: ClassVar[Concern] = Concern.CAPABILITY
    summary: ClassVar[str] = "A capability's output is not validated by the schema it declares."
    message: ClassVar[str] = "{call} (capability '{capability}'): output {detail}"
    question: ClassVar[str] = "output"


class CapabilityThresholdDrift(_CapabilityRule):
    """## What it does
    Checks that the success threshold a capability declares (`threshold`) is
    what gates its decisions: a comparison (`<`, `<=`, `>`, `>=`) of a value
    from the output, or of a value named like a confidence (the
    `[tool.ailint.confidence] pattern`), with that number, written as a
    literal or as a constant that holds it (in the module or imported from a
    configuration module), on the call's path or in the capability's
    functions. Reported when the output is gated at another value, or not
    gated at all. A gate against a constant whose value the code does not say
    is not judged.

    ## Why is this bad?
    "Route automatically when confidence exceeds 0.8" is a product decision.
    When the code gates at 0.5, or not at all, the feature acts on answers the
    team decided it should not trust.

    ## Example
    ```toml
    [[tool.ailint.capability]]
    name = "ticket-triage"
    functions = ["example.*"]
    threshold = 0.8
    ```

    ```python
    from openai import OpenAI

    client = OpenAI()


    def triage(ticket, queues):
        messages = [{"role": "user", "content": ticket}]
        reply = client.chat.completions.create(model="gpt-4o", messages=messages, logprobs=True)
        confidence = reply.choices[0].logprobs.content[0].logprob
        if confidence > 0.5:
            queues.route(reply.choices[0].message.content)
    ```

    ## Use instead
    ```toml
    [[tool.ailint.capability]]
    name = "ticket-triage"
    functions = ["use_instead.*"]
    threshold = 0.8
    ```

    ```python
    from openai import OpenAI

    client = OpenAI()
    AUTO_ROUTE_CONFIDENCE = 0.8


    def triage(ticket, queues):
        messages = [{"role": "user", "content": ticket}]
        reply = client.chat.completions.create(model="gpt-4o", messages=messages, logprobs=True)
        confidence = reply.choices[0].logprobs.content[0].logprob
        if confidence > AUTO_ROUTE_CONFIDENCE:
            queues.route(reply.choices[0].message.content)
    ```

    ## Options
    - `[[tool.ailint.capability]] threshold`: the number that gates the decision.
    - `[tool.ailint.confidence] pattern`: what names a confidence value
      (default `confidence|score|prob|logprob|certainty`).
    """

    code: ClassVar[str] = "AIL802"
    name: ClassVar[str] = "capability-threshold-drift"
    severity: ClassVar[Severity] = Severity.WARNING
    concern: ClassVar[Concern] = Concern.CAPABILITY
    summary: ClassVar[str] = "A capability's decisions are not gated at the threshold it declares."
    message: ClassVar[str] = "{call} (capability '{capability}'): {detail}"
    question: ClassVar[str] = "threshold"


class CapabilityModeDrift(_CapabilityRule):
    """## What it does
    Checks that the authority mode a capability declares (`mode`) agrees with
    the authority at each of its generation calls: the mode declared there
    (a pragma, a decorator, a module comment or `[tool.ailint.authority]
    paths`, as AIL501 reads them) must be the same, and the mode the code
    shows must not exceed it: output that reaches an action sink (the sinks
    of AIL502) with no human approval before it acts (`act`); with an approval
    before it, it assists (`assist`). A capability declared `recommend` whose
    output reaches an action, or `assist` whose output reaches one unapproved,
    is reported.

    ## Why is this bad?
    The mode is what users, reviewers and auditors were told: "the model
    proposes, a person decides". A call declared otherwise, or code that
    quietly acts, breaks that agreement.

    ## Example
    ```toml
    [[tool.ailint.capability]]
    name = "reply-drafts"
    functions = ["example.*"]
    mode = "recommend"
    ```

    ```python
    import smtplib

    from openai import OpenAI

    client = OpenAI()


    def reply_to(ticket, customer):
        draft = client.chat.completions.create(model="gpt-4o", messages=[]).choices[0].message.content
        smtplib.SMTP("localhost").sendmail("support@acme.test", customer, draft)
    ```

    ## Use instead
    ```toml
    [[tool.ailint.capability]]
    name = "reply-drafts"
    functions = ["use_instead.*"]
    mode = "recommend"
    ```

    ```python
    from openai import OpenAI

    client = OpenAI()


    def reply_to(ticket, customer, outbox):
        draft = client.chat.completions.create(model="gpt-4o", messages=[]).choices[0].message.content
        outbox.append({"to": customer, "draft": draft})
    ```

    ## Options
    - `[[tool.ailint.capability]] mode`: `recommend`, `assist` or `act`.
    - `[tool.ailint.authority] approvals` and `[tool.ailint.sinks] extra`, as
      for AIL502.
    """

    code: ClassVar[str] = "AIL803"
    name: ClassVar[str] = "capability-mode-drift"
    severity: ClassVar[Severity] = Severity.ERROR
    concern: ClassVar[Concern] = Concern.CAPABILITY
    summary: ClassVar[str] = "The authority at a capability's call differs from the mode it declares."
    message: ClassVar[str] = "{call} (capability '{capability}', mode {mode}) {detail}"
    question: ClassVar[str] = "mode"


class CapabilityKpiUnrecorded(_CapabilityRule):
    """## What it does
    Checks that the business measure a capability declares (`kpi`) is
    recorded on its paths: a call of the declared function
    (`kpi = "acme.metrics.record_handling_time"`), or a call given the
    declared metric name (`kpi = "handling_time_seconds"`:
    `metrics.observe("handling_time_seconds", ...)`, or
    `HANDLING.observe(...)` on a metric made with that name), in one of the
    capability's functions or on the call's own path. Reported at each direct
    generation call of a capability that records it nowhere.

    ## Why is this bad?
    An AI feature is worth running if it moves a measure the business cares
    about. A KPI that is declared but never recorded cannot show whether it
    does, or whether a model change made it worse.

    ## Example
    ```toml
    [[tool.ailint.capability]]
    name = "ticket-triage"
    functions = ["example.*"]
    kpi = "acme.metrics.record_handling_time"
    ```

    ```python
    from openai import OpenAI

    client = OpenAI()


    def triage(ticket):
        return client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": ticket}])
    ```

    ## Use instead
    ```toml
    [[tool.ailint.capability]]
    name = "ticket-triage"
    functions = ["use_instead.*"]
    kpi = "handling_time_seconds"
    ```

    ```python
    from openai import OpenAI
    from prometheus_client import Histogram

    client = OpenAI()
    HANDLING = Histogram("handling_time_seconds", "Time to route a ticket")


    def triage(ticket):
        with HANDLING.time():
            return client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": ticket}])
    ```

    ## Options
    - `[[tool.ailint.capability]] kpi`: a dotted call or a metric name.
    """

    code: ClassVar[str] = "AIL804"
    name: ClassVar[str] = "capability-kpi-unrecorded"
    severity: ClassVar[Severity] = Severity.WARNING
    concern: ClassVar[Concern] = Concern.CAPABILITY
    summary: ClassVar[str] = "The KPI a capability declares is never recorded on its paths."
    message: ClassVar[str] = "{call} (capability '{capability}'): {detail}"
    question: ClassVar[str] = "kpi"
    judged: ClassVar[str] = "request"


class UndeclaredCapability(CallRule):
    """## What it does
    Reports each direct generation call that belongs to no declared
    capability: no `[[tool.ailint.capability]]` names a function that reaches
    it. Off by default; select it (`extend-select = ["AIL805"]`) once the
    capabilities of a project are declared, to keep new AI work from
    appearing undeclared.

    ## Why is this bad?
    A generation call outside every capability is AI work nobody wrote down:
    no task, no output contract, no threshold, no mode, no KPI. It is the
    part of the product nobody can say is ready.

    ## Example
    ```python
    from openai import OpenAI

    client = OpenAI()


    def summarise(thread):
        return client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": thread}])
    ```

    ## Use instead
    ```toml
    [[tool.ailint.capability]]
    name = "thread-summary"
    functions = ["use_instead.summarise"]
    task = "Summarise a support thread for the agent who picks it up"
    ```

    ```python
    from openai import OpenAI

    client = OpenAI()


    def summarise(thread):
        return client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": thread}])
    ```

    ## Options
    - `[[tool.ailint.capability]]` tables: a call reached from any of a
      capability's `functions` belongs to it.
    """

    code: ClassVar[str] = "AIL805"
    name: ClassVar[str] = "undeclared-capability"
    severity: ClassVar[Severity] = Severity.WARNING
    concern: ClassVar[Concern] = Concern.CAPABILITY
    summary: ClassVar[str] = "A generation call belongs to no declared capability."
    message: ClassVar[str] = "{call} belongs to no declared capability"
    check_name: ClassVar[str] = "capability"
    operations: ClassVar[frozenset[str]] = frozenset({"generate"})
    judged: ClassVar[str] = "request"
    enabled_by_default: ClassVar[bool] = False

    def check(self, site: CallSite, ctx: RuleContext) -> Iterator[Finding]:
        from ailint.analysis.capabilities import reached_by

        if not reached_by(site, ctx.project, ctx.settings):
            yield self.finding(site.node, site, call=site.label)
