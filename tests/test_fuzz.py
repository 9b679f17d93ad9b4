"""Fuzzing the engine: whatever the bytes, it never raises and its diagnostics lie inside the file.

Three sources of files: valid Python from CPython's grammar (hypothesmith),
Python-like modules built around model calls (clients, wrappers, handlers,
pragmas, sinks, nested in functions, classes, lambdas and comprehensions),
and those modules damaged byte by byte. Each file is checked as it is and
with a provider import, so that both paths through the engine are fuzzed.

CI runs a few examples of each; ``AILINT_FUZZ_EXAMPLES=2000 pytest
tests/test_fuzz.py`` runs as many as asked.
"""

from __future__ import annotations

import os
from pathlib import Path

import hypothesmith
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ailint.engine import Engine, FileTask
from ailint.knowledge import builtin
from ailint.rules import registry
from ailint.settings import Settings

EXAMPLES = int(os.environ.get("AILINT_FUZZ_EXAMPLES", "20"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)
ENGINE = Engine(Settings(root=Path("."), enabled=frozenset(registry.ALL_CODES)), builtin())


def check(data: bytes) -> None:
    """The property: as it is and analysed in depth, the file gives diagnostics inside itself, and no exception."""
    for payload in (data, data + b"\nimport openai\nimport anthropic\n"):
        lines = len(payload.splitlines()) + 1
        for diagnostic in ENGINE.check(FileTask(display="fuzz.py", module="fuzz"), payload):
            span = diagnostic.span
            assert 1 <= span.line <= span.end_line <= lines, diagnostic
            assert span.column >= 1 and span.end_column >= 1, diagnostic
            assert diagnostic.message and "\n" not in diagnostic.message, diagnostic


# -- Python-like modules around model calls -----------------------------------------------

CLIENTS = [
    "client",
    "self.client",
    "openai.OpenAI()",
    "OpenAI(timeout=5)",
    "AsyncOpenAI()",
    "anthropic.Anthropic()",
    "Anthropic(timeout=10).with_options(max_retries=2)",
    "self._llm",
    "get_client()",
]
APIS = [
    "chat.completions.create(model='m', messages=messages)",
    "chat.completions.create(model='m', messages=messages, stream=True, timeout=3)",
    "chat.completions.parse(model='m', messages=messages, response_format=Reply)",
    "responses.create(model='m', input=prompt)",
    "embeddings.create(model='e', input=[prompt])",
    "messages.create(model='c', max_tokens=10, messages=messages)",
    "messages.stream(model='c', max_tokens=10, messages=messages)",
    "images.generate(prompt=prompt)",
    "moderations.create(input=prompt)",
]
USES = [
    "return {out}",
    "text = {out}.choices[0].message.content",
    "data = json.loads({out}.choices[0].message.content)",
    "reply = Reply.model_validate_json({out}.output_text)",
    "if {out}.score > 0.8:\n    act({out})",
    "eval({out}.choices[0].message.content)",
    "subprocess.run({out}.text, shell=True)",
    "cursor.execute(f'SELECT {{{out}}}')",
    "logger.info('called', extra={{'usage': {out}.usage}})",
    "print({out}.usage.total_tokens)",
    "for chunk in {out}:\n    yield chunk",
    "requests.post(url, json={out})",
    "assert {out} in ALLOWED",
    "{out}",
]
HEADERS = [
    "def ask(prompt, messages=None):",
    "async def ask(prompt, messages=None):",
    "def ask(self, prompt, messages=()):  # ailint: authority=act",
    "@authority('recommend')\ndef ask(prompt, messages=[]):",
    "@observe()\ndef ask(prompt, messages=[]):",
    "class Bot:\n    def ask(self, prompt, messages=None):",
    "try:",
    "with tracer.start_as_current_span('llm') as span:",
    "if prompt:",
    "for prompt in prompts:",
    "while True:",
    "match prompt:\n    case str():",
]
HANDLERS = [
    "except openai.APIError:\n    raise",
    "except Exception:\n    pass",
    "except:\n    return None",
    "finally:\n    pass",
]
PRAGMAS = [
    "",
    "  # noqa: AIL401",
    "  # ailint: ignore[AIL401, unhandled-error]",
    "  # ailint: ignore[AIL999]",
    "  # noqa",
]
PRELUDE = """\
import json, subprocess, logging
import openai
from openai import OpenAI, AsyncOpenAI
from anthropic import Anthropic
from pydantic import BaseModel
logger = logging.getLogger(__name__)
client = OpenAI()


class Reply(BaseModel):
    text: str
"""


def _indent(text: str, prefix: str = "    ") -> str:
    return "".join(prefix + line if line.strip() else line for line in text.splitlines(keepends=True))


@st.composite
def call_statement(draw: st.DrawFn) -> str:
    client, api = draw(st.sampled_from(CLIENTS)), draw(st.sampled_from(APIS))
    call = f"{client}.{api}"
    form = draw(st.sampled_from(["out = {call}", "out = await {call}", "return {call}", "{call}", "out = [{call}]"]))
    first = form.format(call=call) + draw(st.sampled_from(PRAGMAS))
    wrap = draw(st.sampled_from(["{s}", "lambda: {c}", "[{c} for _ in range(3)]", "(x for x in {c})"]))
    if wrap != "{s}":
        first = "out = " + wrap.format(c=call)
    use = draw(st.sampled_from(USES)).format(out="out")
    return first + "\n" + use + "\n"


def block(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """``inner`` nested in a function, class, try, with, loop or match."""

    @st.composite
    def nest(draw: st.DrawFn) -> str:
        header, body = draw(st.sampled_from(HEADERS)), draw(inner)
        depth = header.count("\n") + (1 if header.startswith("class") or header.startswith("match") else 0)
        text = header + "\n" + _indent(body, "    " * (depth + 1 if depth else 1))
        if header == "try:":
            text += draw(st.sampled_from(HANDLERS)) + "\n"
        return text

    return nest()


modules = st.lists(
    st.recursive(call_statement(), lambda inner: st.one_of(block(inner), st.tuples(inner, inner).map("".join))),
    min_size=1,
    max_size=4,
).map(lambda parts: PRELUDE + "\n\n".join(parts))

NOISE = st.sampled_from(
    [
        *(b"(", b")", b"[", b"]", b"{", b"}", b":", b"\n", b"\r", b"\r\n", b"\t", b" ", b"    ", b"'", b'"', b'"""'),
        *(b"\\", b"#", b"\x00", b"\xff", b"\xef\xbb\xbf", b"\x0c", b"f'{", b"lambda", b"async ", b"await "),
        *(b"# ailint: ", b"# noqa:", b"# ailint: authority=", b"# ailint: ignore-file"),
    ]
)


@st.composite
def damaged(draw: st.DrawFn) -> bytes:
    """A generated module with a few bytes deleted, inserted or duplicated."""
    data = bytearray(draw(modules).encode())
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(data)))
        edit = draw(st.sampled_from(["delete", "insert", "duplicate"]))
        size = draw(st.integers(1, 12))
        if edit == "delete":
            del data[at : at + size]
        elif edit == "insert":
            data[at:at] = draw(NOISE)
        else:
            data[at:at] = data[at : at + size]
    return bytes(data)


@FUZZ
@given(modules)
def test_modules_around_model_calls(source: str) -> None:
    check(source.encode())


@FUZZ
@given(damaged())
def test_damaged_modules(data: bytes) -> None:
    check(data)


@pytest.mark.filterwarnings("ignore::SyntaxWarning")  # hypothesmith compiles what it generates
@FUZZ
@given(hypothesmith.from_grammar())
def test_any_valid_python(source: str) -> None:
    check(source.encode("utf-8", "surrogatepass"))


@FUZZ
@given(st.binary(max_size=400))
def test_arbitrary_bytes(data: bytes) -> None:
    check(data)
