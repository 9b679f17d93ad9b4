"""Which files are analysed in depth: roots by the names they import, then what leads to a model spreads."""

from __future__ import annotations

from pathlib import Path

import pytest

from ailint.analysis.imports import bound_imports
from ailint.api import _Run, check_paths
from ailint.rules import registry
from ailint.settings import Settings


def _deep(root: Path, files: dict[str, str], extra: tuple[str, ...] = ()) -> list[str]:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    (root / "pyproject.toml").write_text("")
    settings = Settings(
        root=root, enabled=registry.DEFAULT_CODES, config_path=root / "pyproject.toml", call_site_extra=extra
    )
    run = _Run([root], settings, root)
    return sorted(run.files[i].path.relative_to(root).as_posix() for i in run.deep)


def test_bound_imports_are_the_names_bound() -> None:
    data = b"import a.b, c as d\nfrom e.f import (g,\n  h as i)\nfrom .j import k\nfrom m import *\n"
    assert bound_imports(data, "pkg.mod", is_package=False) == {"a.b", "c", "e.f.g", "e.f.h", "pkg.j.k", "m.*"}


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b'__import__("openai.types")\nimport_module("ollama")\n', {"openai.types", "ollama"}),
        (b"\xef\xbb\xbfimport os\n", {"os"}),
        # The second line lies inside the parenthesised import: it is no statement of its own.
        (b"from x import (a,\nfrom y import b)\nimport z\n", {"x.a", "x.from", "z"}),
        (b"if x:\n    import a.b; import c  # import d\n", {"a.b"}),
        (
            b'doc = """\nimport e\n"""\nfrom . import f\nfrom ..g import h as i, *\n',
            {"e", "pkg.g.*", "pkg.g.h", "pkg.sub.f"},
        ),
    ],
)
def test_imports_are_read_wherever_the_word_import_is(data: bytes, expected: set[str]) -> None:
    assert bound_imports(data, "pkg.sub.mod", is_package=False) == expected


def test_a_provider_package_name_alone_is_not_a_root(tmp_path: Path) -> None:
    deep = _deep(
        tmp_path,
        {
            "documents.py": "from langchain_core.documents import Document\n",
            "protobuf.py": "import google.protobuf\n",
            "types_only.py": "from openai.types import ChatCompletion\n",
            "model.py": "from langchain_core.language_models import BaseChatModel\n",
            "sdk.py": "import openai\n",
            "community.py": "from langchain_community.chat_models.openai import ChatOpenAI\n",
            "star.py": "from anthropic import *\n",
        },
    )
    assert deep == ["community.py", "model.py", "sdk.py", "star.py"]


def test_http_clients_are_roots_only_with_a_model_url(tmp_path: Path) -> None:
    deep = _deep(
        tmp_path,
        {
            "weather.py": "import requests\nrequests.post('https://example.com/api', json={})\n",
            "chat.py": "import httpx\nhttpx.post(BASE + '/chat/completions', json={})\n",
            "host.py": "import requests\nURL = 'https://api.openai.com/v1/x'\n",
        },
    )
    assert deep == ["chat.py", "host.py"]


def test_importers_of_what_leads_to_a_model_are_selected(tmp_path: Path) -> None:
    deep = _deep(
        tmp_path,
        {
            "acme/__init__.py": "from .llm import complete\n",
            "acme/llm.py": (
                "from openai import OpenAI\n"
                "from acme.util import slug\n"
                "client = OpenAI()\n"
                "def complete(p):\n"
                "    return client.responses.create(model='m', input=p).output_text\n"
                "def clean(text):\n"
                "    return text.strip()\n"
                "class Chat(OpenAI):\n"
                "    pass\n"
            ),
            "acme/util.py": "def slug(text):\n    return text.lower()\n",
            "acme/clients.py": "from acme.llm import client\n",
            "acme/service.py": "from acme import complete\n\ndef run(q):\n    return complete(q)\n",
            "acme/api.py": "from acme.service import run\n",
            "acme/cleaning.py": "from acme.llm import clean\n",
            "acme/subclass.py": "from acme.llm import Chat\n",
            "acme/whole.py": "import acme.llm\n",
        },
    )
    assert deep == [
        "acme/__init__.py",
        "acme/api.py",
        "acme/clients.py",
        "acme/llm.py",
        "acme/service.py",
        "acme/subclass.py",
        "acme/whole.py",
    ]


def test_what_leads_to_a_model_spreads_round_by_round(tmp_path: Path) -> None:
    # d holds the call; c re-exports it; b wraps it through the module c; a and e import b.
    deep = _deep(
        tmp_path,
        {
            "a.py": "from b import ask\n\ndef main():\n    return ask()\n",
            "b.py": "import c\n\ndef ask():\n    return c.complete()\n",
            "c.py": "from d import complete\n",
            "d.py": "import openai\n\ndef complete():\n    return openai.OpenAI().responses.create(model='m')\n",
            "e.py": "import b\n",
        },
    )
    assert deep == ["a.py", "b.py", "c.py", "d.py", "e.py"]


def test_a_class_leads_through_a_class_of_its_own_module(tmp_path: Path) -> None:
    # ``Chat`` leads to a model only through ``Base``, defined beside it: the subclass is exported too.
    files = {
        "models.py": (
            "from langchain_core.language_models import BaseChatModel\n"
            "class Base(BaseChatModel):\n    pass\n"
            "class Chat(Base):\n    pass\n"
            "class Plain:\n    pass\n"
        ),
        "app.py": "from models import Chat\n\ndef ask(q):\n    return Chat().invoke(q)\n",
        "other.py": "from models import Plain\n",
    }
    assert _deep(tmp_path, files) == ["app.py", "models.py"]
    settings = Settings(root=tmp_path, enabled=registry.DEFAULT_CODES, config_path=tmp_path / "pyproject.toml")
    result = check_paths([tmp_path], settings, cwd=tmp_path)
    assert {(d.path, d.span.line) for d in result.diagnostics} == {("app.py", 4)}


def test_the_module_defining_a_configured_call_site_is_a_root(tmp_path: Path) -> None:
    files = {
        "acme/__init__.py": "",
        "acme/llm.py": "def complete(prompt):\n    return prompt\n\ndef use():\n    return complete('x')\n",
        "app.py": "from acme.llm import complete\n\nprint(complete('x'))\n",
    }
    # The package on the way (``acme``) is read too: it may re-export the name.
    assert _deep(tmp_path, files, extra=("acme.llm.complete",)) == ["acme/__init__.py", "acme/llm.py", "app.py"]


def test_a_file_left_out_is_still_checked(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "llm.py").write_text("import openai\n\ndef ask():\n    return openai.OpenAI()\n")
    (tmp_path / "broken.py").write_text("from llm import helper\nx = (\n")
    settings = Settings(root=tmp_path, enabled=registry.DEFAULT_CODES, config_path=tmp_path / "pyproject.toml")
    result = check_paths([tmp_path], settings, cwd=tmp_path)
    assert [(d.path, d.span.line, d.code) for d in result.diagnostics] == [("broken.py", 2, "AIL001")]
    assert result.files == 2


def test_a_run_leaves_nothing_frozen(tmp_path: Path) -> None:
    """Runs freeze what they keep from the collector while they work, and release it when they return."""
    import gc

    from ailint.api import list_calls

    (tmp_path / "llm.py").write_text(
        "import openai\n\ndef ask():\n    return openai.OpenAI().responses.create(model='m')\n"
    )
    settings = Settings(root=tmp_path, enabled=registry.DEFAULT_CODES)
    before = gc.get_freeze_count()
    check_paths([tmp_path], settings, cwd=tmp_path)
    assert gc.get_freeze_count() == before
    assert len(list_calls([tmp_path], settings, cwd=tmp_path).calls) == 1
    assert gc.get_freeze_count() == before
