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
    Checks that a generation's output is validated before the application
    consumes it as data.

    **Where it is judged.** Only where the output is *consumed as data*, at the
    call site in the function that consumes it: parsed (`json.loads`,
    `yaml.safe_load`, `ast.literal_eval`) and read, converted to
    a number or an enum, compared with a literal or a constant (`== "refund"`,
    `> 0.8`, `== Label.SPAM`) or tested (`.startswith()`), matched on, used as
    a key to look up or an attribute name (`HANDLERS[label]`,
    `getattr(obj, name)`), stored in a typed field of a structured record (a
    pydantic model, an ORM row, a typed dict), or passed to an action sink (a
    database write, an HTTP `post`, a shell). The output is followed into the project functions
    it is passed to, and a wrapper's call site is judged in its caller's
    function. The message names the consuming line.

    **What is reported.** A diagnostic where the code relies on the
    output's form: parsed and read, converted, used as a key or an attribute
    name, stored, or passed to an action. Where the output is only compared
    with a literal or a constant, tested (`.startswith()`) or matched on, the
    comparison is itself a check of the answer against what is expected: no
    AIL101 is reported there, and `ailint calls` shows the validation check
    as passing (the decision it makes is AIL201's business).

    Where the code has decided what happens when the form is wrong, the form
    is checked: a parse or a read inside a `try` whose handler catches what
    malformed output raises (`ValueError`, `json.JSONDecodeError`,
    `KeyError`, `IndexError`; not `Exception` or a bare `except`, which are
    there for failures of every kind), a regex match (a check
    of the form; what is parsed from its groups is judged on), a conversion
    of a pattern's capture (`int(match.group(1))`) or of text tested with
    `.isdigit()`. Text kept in a text field of a record (`str`, `Any`, a
    `Text` or `String` column), and a database write of such a record, keeps
    the text as it is and is not a use.

    Output only shown to a person (returned as text, printed, logged, yielded
    or streamed to a UI, rendered) needs no schema, and output nobody reads
    needs nothing: there the check is `n/a` in `ailint calls`. Neither is a use
    of the content: an error check (`if reply is None`, `if not text`,
    `bool(text)`); reading the response's envelope (its event or block
    `type`, `status`, ids, `finish_reason`, usage, or testing which key an
    event holds, as a converter between response formats does); matching the
    output with another value (`part.name == tool.name`, `fact in seen`); a
    key written under (`cache[reply_id] = ...`); a position from
    `enumerate`; a serializer reading the output's own fields
    (`getattr(obj, field.name)`) or converting a value whose type it tested
    (`if isinstance(obj, np.floating): return float(obj)`); or putting the
    text into an object that only holds it (a chat message, a stream
    wrapper, a frame, a record whose field is typed `Any`).

    A raw HTTP response, and a response that is the model's own body to
    decode (Bedrock's `invoke_model`), is the provider's wire format:
    decoding it (`resp.json()`, `json.loads(line)` over server-sent events)
    and reading its envelope is the protocol. The answer starts where a
    content field is read (`["choices"][0]["message"]["content"]`,
    `.get("text")`, `["generated_text"]`), and is followed from there.

    **What counts as validation**, on the way from the call to the consumer:

    - a structured-output API that validates: `.parse(...)`,
      `response_format=Model` or a `json_schema` format (`output_format=` for
      Anthropic), `response_model=` (instructor), `with_structured_output(...)` (LangChain),
      `response_schema=`, `output_type=` (pydantic-ai), a `PydanticOutputParser`
      at the end of a chain;
    - a validator called on the output: pydantic `Model.model_validate*`,
      `TypeAdapter(...).validate_*`, a pydantic model built from the parsed
      output (`Answer(**json.loads(text))`), `jsonschema.validate`, or a
      configured validator;
    - a membership check against an allowed set (`if label in ALLOWED:`).

    Not validation: the raw text put into a `str` field of a project model
    (`Reply(text=content)` is an envelope: any text is a valid `str`), a DSPy
    predictor whose output fields are plain `str` (`dspy.Predict("question ->
    answer")`; `"question -> answer: int"` or a typed `OutputField` validates),
    and a `response_format=` that is a parameter of the function rather than a
    schema (`def ask(prompt, response_format=None)`).

    ## Why is this bad?
    A model's reply is text shaped like what you asked for, most of the time.
    Code that indexes into `json.loads(reply)` or routes on a label without
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

    Consumed in a helper, reported at the call site (naming the helper's line):

    ```python
    import json

    from openai import OpenAI

    client = OpenAI()


    def customer_of(text):
        return json.loads(text)["customer_id"]


    def extract(ticket):
        reply = client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": ticket}])
        return customer_of(reply.choices[0].message.content)
    ```

    An envelope is not validation, and routing on the label consumes it:

    ```python
    from openai import OpenAI
    from pydantic import BaseModel

    client = OpenAI()


    class Reply(BaseModel):
        text: str


    def route(ticket, queues):
        reply = client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": ticket}])
        wrapped = Reply(text=reply.choices[0].message.content)
        return queues[wrapped.text]
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

    Output only shown to a person is not judged:

    ```python
    from openai import OpenAI

    client = OpenAI()


    def chat(message):
        reply = client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": message}])
        print(reply.choices[0].message.content)
        return reply.choices[0].message.content
    ```

    ## Options
    - `[tool.ailint.validation] validators`: dotted names of your own
      validation functions (`acme.contracts.check_reply`); calling one on the
      output counts as validation.

    Limits: output kept in an attribute or a container and read by another
    method is not followed; a validator in a caller of the function that
    consumes the output is not seen.
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

        uses = [use for use in consumption(site, ctx.project, ctx.settings) if use.data]
        if uses and not validated(site, ctx.project, ctx.settings):
            first = uses[0]
            yield self.finding(site.node, site, call=site.label, how=first.how, where=first.where(site))
