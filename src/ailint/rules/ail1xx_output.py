"""AIL1xx: output contract. The model's output is validated before it is used."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, ClassVar

from ailint.diagnostics import Severity
from ailint.rules.base import CallRule, Concern, Finding, RuleContext

if TYPE_CHECKING:
    from ailint.analysis.calls import CallSite


class UnvalidatedOutput(CallRule):
    """## What it does
    Checks that a generation's output is validated before it is used (returned,
    stored, passed on). Any of these counts:

    - a structured-output API that validates: `.parse(...)`,
      `response_format=Model` or a `json_schema` format (`output_format=` for
      Anthropic), `response_model=` (instructor), `with_structured_output(...)` (LangChain),
      `response_schema=`, `output_type=` (pydantic-ai), a `PydanticOutputParser`
      at the end of a chain;
    - a validator called on the output: pydantic `Model.model_validate*`,
      `TypeAdapter(...).validate_*`, a pydantic model built from it,
      `jsonschema.validate`, or a configured validator;
    - a membership check against an allowed set (`if label in ALLOWED:`).

    A discarded result passes. For a project wrapper, a wrapper that validates
    before returning counts for every caller. "The output" is the call's result
    and everything derived from it in the function (attributes, subscripts,
    `json.loads(...)`, names assigned from them).

    ## Why is this bad?
    A model's reply is text shaped like what you asked for, most of the time.
    Code that indexes into `json.loads(reply)` or stores a label without
    checking it fails later, far from the cause, or silently acts on a
    malformed answer.

    ## Example
    ```python
    import json

    from openai import OpenAI

    client = OpenAI()


    def extract(ticket):
        reply = client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": ticket}])
        return json.loads(reply.choices[0].message.content)
    ```

    ## Use instead
    ```python
    from openai import OpenAI
    from pydantic import BaseModel

    client = OpenAI()


    class Fields(BaseModel):
        customer_id: str
        product: str


    def extract(ticket):
        reply = client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": ticket}])
        return Fields.model_validate_json(reply.choices[0].message.content)
    ```

    ## Options
    - `[tool.ailint.validation] validators`: dotted names of your own
      validation functions (`acme.contracts.check_reply`); calling one on the
      output counts as validation.

    Limits: validation in another function than the one holding the call (or
    its wrapper chain) is not seen.
    """

    code: ClassVar[str] = "AIL101"
    name: ClassVar[str] = "unvalidated-output"
    severity: ClassVar[Severity] = Severity.ERROR
    concern: ClassVar[Concern] = Concern.OUTPUT
    summary: ClassVar[str] = "A generation's output is used without schema validation."
    message: ClassVar[str] = "{call} output is {how} at {where} without schema validation"
    check_name: ClassVar[str] = "validation"
    operations: ClassVar[frozenset[str]] = frozenset({"generate"})

    def applies(self, site: CallSite, ctx: RuleContext) -> bool:
        """Judged where the output is consumed as data; output only shown, or discarded, is ``n/a``."""
        from ailint.analysis.consumption import consumption

        return site.operation in self.operations and bool(consumption(site, ctx.project, ctx.settings))

    def check(self, site: CallSite, ctx: RuleContext) -> Iterator[Finding]:
        from ailint.analysis.concerns import validated
        from ailint.analysis.consumption import consumption

        uses = consumption(site, ctx.project, ctx.settings)
        if uses and not validated(site, ctx.project, ctx.settings):
            first = uses[0]
            yield self.finding(site.node, site, call=site.label, how=first.how, where=first.where(site))
