"""AIL102: input contract. Request data is validated before it reaches a prompt."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, ClassVar

from ailint.diagnostics import Severity
from ailint.rules.base import CallRule, Concern, Finding, RuleContext

if TYPE_CHECKING:
    from ailint.analysis.calls import CallSite


class UnvalidatedInput(CallRule):
    """## What it does
    Follows request data to the prompt of a generation call and reports it
    when no validator is on the way. Request data is (the sources are data,
    `knowledge/practices/inputs.toml`):

    - the parameters of a web endpoint (a route decorator of FastAPI, Flask,
      Starlette, Quart, Sanic or Litestar) typed `str`, a container of text,
      or not typed; a parameter typed with a pydantic model, a number, an
      enum or a `Literal` is validated by the framework, and a `Depends(...)`
      is not request data;
    - what is read from a request or an upload (`await request.json()`,
      `request.query_params`, `UploadFile.read()`, Django's `request.POST`),
      and Flask's `request.args`, `form`, `json`, `get_json()`;
    - queue reads (`KafkaConsumer.poll`, `basic_get`, `blpop`).

    Command-line and terminal input (`input()`, `sys.argv`, `argparse`,
    click and typer parameters) is not request data: the person at the
    terminal runs the program and chooses what it asks, system prompt
    included.

    It is followed by the value-flow engine across the whole project, as
    model clients are: through assignments, attributes (`self.data =
    data`), arguments into parameters, returns, containers and their
    `.get()`, keyword dicts passed on as `**kwargs` (by key), f-strings,
    `.format`, concatenation and rendered templates (`jinja2`). Into the
    system role (`{"role": "system", ...}`, `SystemMessage(...)`, `system=`,
    `instructions=`) it is an error.

    The user role is where the user's own text belongs: a chat message sent
    as the user's message is the product working, not a finding (reporting
    it would report every chat application for working). Request
    data in the user role is reported (a warning) only when it is written
    into text of the application's own (an f-string, a concatenation or a
    `.format` with words of its own, a rendered template), where the
    application's instructions and the untrusted text share one message.

    One root cause is reported once: request data put into one system
    message reaches every provider call behind a shared client; it is
    reported at the first of them, and the message names the line of the
    system message it was put into.

    What validates on the way: a pydantic model (`Question(**data)`,
    `Question.model_validate(data)`, or the endpoint's parameter typed with
    it: the value becomes a model, not the request's text),
    `jsonschema.validate`, a configured validator, a function whose name
    says it validates (`validate_question(q)`, `sanitize(...)`) in the
    function that reads the request, and conversions that keep no text
    (`int(...)`).

    Not sources: the application's own files (prompt templates), its
    configuration and database, and any value the analysis cannot follow.

    ## Why is this bad?
    Request data in a prompt is how prompt injection and garbage-in reach a
    model. In the system role it can rewrite the model's instructions; in
    the user role it should at least be bounded and checked (length, shape,
    allowed values) before it is sent.

    ## Example
    ```python
    from fastapi import FastAPI
    from openai import OpenAI

    app = FastAPI()
    client = OpenAI()


    @app.post("/answer")
    def answer(persona: str, question: str):
        return client.chat.completions.create(
            model="gpt-4o",
            messages=[
                {"role": "system", "content": f"You are {persona}."},
                {"role": "user", "content": question},
            ],
        )
    ```

    ## Use instead
    ```python
    from fastapi import FastAPI
    from openai import OpenAI
    from pydantic import BaseModel, Field

    app = FastAPI()
    client = OpenAI()


    class Question(BaseModel):
        text: str = Field(max_length=2000)


    @app.post("/answer")
    def answer(question: Question):
        return client.chat.completions.create(
            model="gpt-4o",
            messages=[
                {"role": "system", "content": "You answer questions about our product."},
                {"role": "user", "content": question.text},
            ],
        )
    ```

    ## Options
    - `[tool.ailint.validation] validators`: your own validation functions;
      a value passed to one is validated from there on.
    - `severity = { AIL102 = "error" }` makes the user role an error too.
    """

    code: ClassVar[str] = "AIL102"
    name: ClassVar[str] = "unvalidated-input"
    severity: ClassVar[Severity] = Severity.ERROR
    concern: ClassVar[Concern] = Concern.INPUT
    summary: ClassVar[str] = "Request data reaches a model's prompt without a validator."
    message: ClassVar[str] = "{source} reaches the {role} role of {call} without validation"
    check_name: ClassVar[str] = "input"
    operations: ClassVar[frozenset[str]] = frozenset({"generate"})
    judged: ClassVar[str] = "request"

    def check(self, site: CallSite, ctx: RuleContext) -> Iterator[Finding]:
        from ailint.analysis.inputs import prompt_taint

        for found in prompt_taint(site, ctx.project, ctx.settings):
            severity = Severity.ERROR if found.role == "system" else Severity.WARNING
            yield self.finding(
                site.node, site, severity=severity, source=found.source, role=found.role, call=site.label
            )
