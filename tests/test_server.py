"""``ailint server`` end to end: a real LSP client drives the server over stdio (pytest-lsp)."""

from __future__ import annotations

import asyncio
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

pytest.importorskip("pygls")
pytest_lsp = pytest.importorskip("pytest_lsp")

from lsprotocol import types as lsp  # noqa: E402
from pygls.uris import from_fs_path  # noqa: E402
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities  # noqa: E402

LLM = textwrap.dedent(
    """\
    from openai import OpenAI

    client = OpenAI()


    def ask(question):
        return client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": question}])
    """
)
LLM_HANDLED = textwrap.dedent(
    """\
    import openai
    from openai import OpenAI

    client = OpenAI()


    def ask(question):
        try:
            return client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": question}])
        except openai.APIError:
            return None
    """
)
MAIN = textwrap.dedent(
    """\
    from app.llm import ask


    def handle(question):
        answer = ask(question)
        return {"yes": True, "no": False}[answer.choices[0].message.content]
    """
)


def make_project(root: Path) -> Path:
    (root / "pyproject.toml").write_text('[tool.ailint]\nextend-select = ["AIL201", "AIL501"]\n')
    (root / "app").mkdir()
    (root / "app" / "__init__.py").write_text("")
    (root / "app" / "llm.py").write_text(LLM)
    (root / "app" / "main.py").write_text(MAIN)
    return root


DEBOUNCE = 300
"""Milliseconds (the server starts once for the module: its start, about two seconds, is most of a test's time)."""


@pytest_lsp.fixture(
    config=ClientServerConfig(server_command=[sys.executable, "-m", "ailint", "server"]), scope="module"
)
async def client(lsp_client: LanguageClient, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    workspace = tmp_path_factory.mktemp("workspace")

    @lsp_client.feature(lsp.CLIENT_REGISTER_CAPABILITY)
    def register(params: lsp.RegistrationParams) -> None:
        """The server asks to be told of changed files (a test tells it itself)."""

    await lsp_client.initialize_session(
        lsp.InitializeParams(
            capabilities=client_capabilities("visual-studio-code"),
            root_uri=from_fs_path(str(workspace)),
            workspace_folders=[lsp.WorkspaceFolder(uri=from_fs_path(str(workspace)) or "", name="workspace")],
            initialization_options={"debounce": DEBOUNCE, "cache": False},
        )
    )
    yield
    await lsp_client.shutdown_session()


ROOT: list[Path] = []
"""The project of the running test: each test has its own, which the server loads apart."""
VERSIONS: dict[str, int] = {}


@pytest.fixture(autouse=True)
def _root(tmp_path: Path) -> None:
    ROOT[:] = [make_project(tmp_path)]
    VERSIONS.clear()


def file_uri(name: str) -> str:
    return from_fs_path(str(ROOT[0] / name)) or ""


def codes(client: LanguageClient, name: str) -> set[str]:
    return {str(d.code) for d in client.diagnostics.get(file_uri(name), [])}


async def until(condition: Callable[[], bool], timeout: float = 20.0) -> None:
    """Wait until ``condition()`` holds (the server publishes on its own schedule)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError("timed out waiting for the server")
        await asyncio.sleep(0.02)


def open_file(client: LanguageClient, name: str, text: str | None = None) -> str:
    path = ROOT[0] / name
    document = lsp.TextDocumentItem(
        uri=file_uri(name), language_id="python", version=1, text=path.read_text() if text is None else text
    )
    client.text_document_did_open(lsp.DidOpenTextDocumentParams(text_document=document))
    return document.text


def change_file(client: LanguageClient, name: str, text: str) -> None:
    VERSIONS[name] = VERSIONS.get(name, 1) + 1
    client.text_document_did_change(
        lsp.DidChangeTextDocumentParams(
            text_document=lsp.VersionedTextDocumentIdentifier(uri=file_uri(name), version=VERSIONS[name]),
            content_changes=[lsp.TextDocumentContentChangeWholeDocument(text=text)],
        )
    )


def applied(text: str, edits: list[lsp.TextEdit]) -> str:
    """``text`` with ``edits`` applied (ASCII text: UTF-16 units are characters)."""
    lines = text.splitlines(keepends=True)

    def offset(position: lsp.Position) -> int:
        return sum(len(line) for line in lines[: position.line]) + position.character

    for edit in sorted(edits, key=lambda e: offset(e.range.start), reverse=True):
        text = text[: offset(edit.range.start)] + edit.new_text + text[offset(edit.range.end) :]
    return text


@pytest.mark.asyncio(loop_scope="module")
async def test_open_reports_the_call_at_its_range(client: LanguageClient) -> None:
    open_file(client, "app/main.py")
    await until(lambda: "AIL501" in codes(client, "app/main.py"))
    (found,) = [d for d in client.diagnostics[file_uri("app/main.py")] if d.code == "AIL501"]
    # ``ask(question)`` on line 5, columns 14 to 27 (1-based, end exclusive), as `ailint check` reports it.
    assert found.range == lsp.Range(start=lsp.Position(line=4, character=13), end=lsp.Position(line=4, character=26))
    assert found.severity == lsp.DiagnosticSeverity.Error
    assert found.source == "ailint"
    assert "via ask()" in found.message
    assert codes(client, "app/main.py") == {"AIL101", "AIL201", "AIL501"}  # errors: at the direct call


@pytest.mark.asyncio(loop_scope="module")
async def test_editing_a_wrapper_republishes_its_callers(client: LanguageClient) -> None:
    open_file(client, "app/main.py")
    open_file(client, "app/llm.py")
    await until(lambda: "AIL501" in codes(client, "app/main.py") and "AIL401" in codes(client, "app/llm.py"))
    change_file(client, "app/llm.py", LLM_HANDLED)  # unsaved: the file on disk is unchanged
    # The caller's error is now caught inside the wrapper, and swallowed there.
    await until(lambda: "AIL402" in codes(client, "app/main.py"))
    assert "AIL401" not in codes(client, "app/llm.py")
    change_file(client, "app/llm.py", LLM)
    await until(lambda: "AIL402" not in codes(client, "app/main.py"))
    assert "AIL401" in codes(client, "app/llm.py")


@pytest.mark.asyncio(loop_scope="module")
async def test_editing_a_caller_republishes_the_call_it_handles(client: LanguageClient) -> None:
    main = open_file(client, "app/main.py")
    open_file(client, "app/llm.py")
    await until(lambda: "AIL401" in codes(client, "app/llm.py"))
    handled = main.replace(
        "    answer = ask(question)\n",
        "    try:\n        answer = ask(question)\n"
        "    except Exception:\n        raise RuntimeError(question) from None\n",
    )
    change_file(client, "app/main.py", handled)
    await until(lambda: "AIL401" not in codes(client, "app/llm.py"))
    change_file(client, "app/main.py", main)
    await until(lambda: "AIL401" in codes(client, "app/llm.py"))


@pytest.mark.asyncio(loop_scope="module")
async def test_hover_describes_the_call_site(client: LanguageClient) -> None:
    open_file(client, "app/main.py")
    await until(lambda: bool(codes(client, "app/main.py")))
    found = await client.text_document_hover_async(
        lsp.HoverParams(
            text_document=lsp.TextDocumentIdentifier(uri=file_uri("app/main.py")),
            position=lsp.Position(line=4, character=16),
        )
    )
    assert found is not None
    assert isinstance(found.contents, lsp.MarkupContent)
    text = found.contents.value
    for expected in ("openai", "chat.completions.create", "wrapper", "app.main.handle", "errors handled", "✗ fail"):
        assert expected in text, (expected, text)
    assert "AIL501" in text and "via ask()" in text  # what is reported there, and through which wrapper
    assert "**Resolved**" in text and "a project function that reaches a model" in text, text  # the chain
    nothing = await client.text_document_hover_async(
        lsp.HoverParams(
            text_document=lsp.TextDocumentIdentifier(uri=file_uri("app/main.py")),
            position=lsp.Position(line=0, character=2),
        )
    )
    assert nothing is None


async def _fix(client: LanguageClient, name: str, code: str, title: str, text: str, last: bool = False) -> str:
    """Apply the action titled ``title`` for ``code``'s diagnostic; wait until the diagnostic is gone.

    ``last``: it is the file's last diagnostic (else the wait is for the others to be published again).
    """
    await until(lambda: code in codes(client, name))
    (diagnostic,) = [d for d in client.diagnostics[file_uri(name)] if d.code == code]
    actions = await client.text_document_code_action_async(
        lsp.CodeActionParams(
            text_document=lsp.TextDocumentIdentifier(uri=file_uri(name)),
            range=diagnostic.range,
            context=lsp.CodeActionContext(diagnostics=[diagnostic]),
        )
    )
    assert actions is not None
    chosen = [a for a in actions if isinstance(a, lsp.CodeAction) and title in a.title]
    assert len(chosen) == 1, [a.title for a in actions]
    edit = chosen[0].edit
    assert edit is not None and edit.changes is not None
    text = applied(text, edit.changes[file_uri(name)])
    change_file(client, name, text)
    await until(lambda: code not in codes(client, name) and (last or bool(codes(client, name))))
    return text


@pytest.mark.asyncio(loop_scope="module")
async def test_each_code_action_makes_its_diagnostic_go_away(client: LanguageClient) -> None:
    main = open_file(client, "app/main.py")
    llm = open_file(client, "app/llm.py")
    main = await _fix(client, "app/main.py", "AIL101", "Suppress AIL101", main)
    assert "answer = ask(question)  # noqa: AIL101\n" in main
    main = await _fix(client, "app/main.py", "AIL201", "Suppress AIL201", main)
    assert "# noqa: AIL101, AIL201\n" in main  # merged into the comment already there
    main = await _fix(client, "app/main.py", "AIL501", "authority mode 'assist'", main, last=True)
    assert "def handle(question):  # ailint: authority=assist\n" in main
    llm = await _fix(client, "app/llm.py", "AIL403", "client's constructor", llm)
    assert "client = OpenAI(timeout=30)\n" in llm


@pytest.mark.asyncio(loop_scope="module")
async def test_a_closed_file_is_judged_from_disk_again(client: LanguageClient) -> None:
    open_file(client, "app/main.py")
    open_file(client, "app/llm.py")
    await until(lambda: "AIL401" in codes(client, "app/llm.py"))
    change_file(client, "app/llm.py", LLM_HANDLED)
    await until(lambda: "AIL402" in codes(client, "app/main.py"))
    client.text_document_did_close(
        lsp.DidCloseTextDocumentParams(text_document=lsp.TextDocumentIdentifier(uri=file_uri("app/llm.py")))
    )
    await until(lambda: "AIL402" not in codes(client, "app/main.py") and not codes(client, "app/llm.py"))


@pytest.mark.asyncio(loop_scope="module")
async def test_a_file_changed_on_disk_is_read_again(client: LanguageClient) -> None:
    open_file(client, "app/main.py")
    await until(lambda: "AIL501" in codes(client, "app/main.py"))
    (ROOT[0] / "app" / "llm.py").write_text(LLM_HANDLED)  # by another program: the file is not open
    client.workspace_did_change_watched_files(
        lsp.DidChangeWatchedFilesParams(
            changes=[lsp.FileEvent(uri=file_uri("app/llm.py"), type=lsp.FileChangeType.Changed)]
        )
    )
    await until(lambda: "AIL402" in codes(client, "app/main.py"))


@pytest.mark.asyncio(loop_scope="module")
async def test_a_bad_configuration_is_shown_once_and_a_fixed_one_reloaded(client: LanguageClient) -> None:
    pyproject = ROOT[0] / "pyproject.toml"
    pyproject.write_text('[tool.ailint]\nselect = ["AIL4"]\nbogus = 1\n')
    before = len(client.messages)
    text = open_file(client, "app/llm.py")
    await until(lambda: file_uri("app/llm.py") in client.diagnostics)
    assert not client.diagnostics[file_uri("app/llm.py")]
    change_file(client, "app/llm.py", text + "\n")
    await until(lambda: len(client.messages) > before)
    await asyncio.sleep(DEBOUNCE / 1000 + 0.2)  # the change is judged
    (shown,) = client.messages[before:]  # once, not on every change
    assert shown.type == lsp.MessageType.Error and "bogus" in shown.message
    pyproject.write_text('[tool.ailint]\nselect = ["AIL4"]\n')
    client.text_document_did_save(
        lsp.DidSaveTextDocumentParams(text_document=lsp.TextDocumentIdentifier(uri=file_uri("pyproject.toml")))
    )
    await until(lambda: codes(client, "app/llm.py") == {"AIL401", "AIL403"})  # the configured selection


@pytest.mark.asyncio(loop_scope="module")
async def test_a_burst_of_changes_is_judged_twice(client: LanguageClient) -> None:
    published: list[int | None] = []
    original = client.protocol._handle_notification  # (the client keeps only the latest diagnostics)
    target = file_uri("app/main.py")

    def record(method_name: str, params: object) -> None:
        if method_name == lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS and getattr(params, "uri", "") == target:
            published.append(getattr(params, "version", None))
        original(method_name, params)

    client.protocol._handle_notification = record  # type: ignore[method-assign]
    try:
        text = open_file(client, "app/main.py")
        await until(lambda: published == [1])
        await asyncio.sleep(DEBOUNCE / 1000 + 0.1)  # a pause: the next change is judged at once
        for n in range(5):
            change_file(client, "app/main.py", text + "\n" * (n + 1))
        await until(lambda: 6 in published)
        await asyncio.sleep(DEBOUNCE / 1000 + 0.2)
        assert published == [1, 2, 6]
    finally:
        client.protocol._handle_notification = original  # type: ignore[method-assign]
