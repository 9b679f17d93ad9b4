"""Provider knowledge is data: a provider added as a TOML document is detected."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from ailint.engine import Engine, FileTask
from ailint.knowledge import KnowledgeError, build, builtin, builtin_documents, load_files
from ailint.rules import registry
from ailint.settings import Settings

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

ACME = """\
name = "acmeai"
modules = ["acmeai"]
base-error = "acmeai.AcmeError"

[clients]
sync = ["acmeai.Acme"]

[client-apis]
"complete" = "generate"
"vectors.create" = "embed"
"""

SOURCE = b"""\
import acmeai

acme = acmeai.Acme()


def ask(prompt):
    return acme.complete(prompt)


def vectors(text):
    try:
        return acme.vectors.create(text)
    except acmeai.AcmeError:
        return None
"""


def test_a_provider_defined_only_in_data_is_detected(tmp_path: Path) -> None:
    data_file = tmp_path / "acmeai.toml"
    data_file.write_text(ACME)
    knowledge = build([*builtin_documents(), *load_files([data_file])])
    settings = Settings(root=tmp_path, enabled=frozenset({"AIL401"}))
    engine = Engine(settings, knowledge)
    diagnostics = engine.check(FileTask(display="app.py", module="app"), SOURCE)
    assert [(d.span.line, d.code, d.message) for d in diagnostics] == [
        (7, "AIL401", "acmeai complete is not inside a try that catches acmeai.AcmeError"),
    ]
    assert "acmeai" not in builtin().modules
    assert (
        Engine(Settings(root=tmp_path, enabled=registry.DEFAULT_CODES), builtin()).check(
            FileTask(display="app.py", module="app"), SOURCE
        )
        == []
    )


def test_every_builtin_document_loads() -> None:
    knowledge = builtin()
    names = {provider.name for provider in knowledge.providers}
    expected = {"openai", "anthropic", "google", "litellm", "langchain", "llamaindex", "bedrock", "cohere"}
    expected |= {"mistral", "ollama", "groq", "together", "huggingface", "instructor", "pydantic-ai", "dspy"}
    expected |= {"sentence-transformers", "http"}
    assert expected <= names
    assert knowledge.lookup("openai.OpenAI().chat.completions.create") is not None
    assert knowledge.lookup("langchain_community.chat_models.openai.ChatOpenAI().invoke") is not None
    assert knowledge.lookup("litellm.encode") is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('name = "x"\nmodules = ["x"]\n', "bad.toml: missing key 'base-error'"),
        (
            'name = "x"\nbase-error = "E"\n[client-apis]\n"a" = "think"\n[clients]\nsync = ["x.C"]\n',
            "bad.toml [client-apis] a: operation must be one of generate, embed, moderate, image, audio, rerank",
        ),
        ('name = "x"\nbase-error = "E"\nclient = 1\n', "bad.toml: unknown keys ['client']"),
        (
            'name = "x"\nbase-error = "E"\n[generic-attributes]\n"x.Ctx.deps" = "0"\n',
            "bad.toml [generic-attributes] x.Ctx.deps: expected a type parameter index",
        ),
    ],
)
def test_malformed_provider_data(text: str, message: str) -> None:
    with pytest.raises(KnowledgeError) as caught:
        build([("bad.toml", tomllib.loads(text))])
    assert str(caught.value) == message
