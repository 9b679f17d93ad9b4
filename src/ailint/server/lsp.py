"""``ailint server``: the Language Server, on pygls, over stdio.

Diagnostics are published when a file is opened, when it is saved, and when
it changes, judged on the unsaved text within its whole project: at once
after a pause, and ``debounce`` after the last change of a burst of them
(typing), so that a burst is judged twice, not at every keystroke. After
each, the other open files of that project whose diagnostics changed are
published again (editing a wrapper changes its callers). Hovers describe
call sites; code actions declare an authority mode, silence a code on a
line, or add a timeout.

Initialization options (all optional): ``{"debounce": 250}`` (milliseconds:
a change that comes sooner than this after the last judging of its buffer
waits until the buffer has not changed for as long), ``{"cache": false}``
(do not read or write ``.ailint_cache/``).
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

from lsprotocol import types as lsp
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path
from pygls.workspace import TextDocument
from pygls.workspace.position_codec import ServerTextPosition, ServerTextRange

from ailint import __version__
from ailint.api import LoadedProject
from ailint.diagnostics import Diagnostic, Severity, Span
from ailint.server import edits, hover
from ailint.server.projects import Projects
from ailint.settings import ConfigError

DEBOUNCE = 0.25
"""Seconds from the last change of a buffer to judging it."""

UNDECLARED_AUTHORITY, MISSING_TIMEOUT, SYNTAX_ERROR = "AIL501", "AIL403", "AIL001"


class AilintServer(LanguageServer):
    """The server's state: the loaded projects, pending judgings, and what was last published per document."""

    def __init__(self) -> None:
        super().__init__("ailint", __version__, text_document_sync_kind=lsp.TextDocumentSyncKind.Incremental)
        self.projects = Projects()
        self.debounce = DEBOUNCE
        self.pending: dict[str, asyncio.TimerHandle] = {}
        self.judged: dict[str, float] = {}
        """When each document was last judged (the event loop's clock)."""
        self.reported: dict[str, list[Diagnostic]] = {}
        self.shown: set[str] = set()
        """Configuration errors shown to the user (once each, not on every keystroke)."""

    # -- documents -------------------------------------------------------------------------------

    def python_documents(self) -> list[TextDocument]:
        return [doc for doc in self.workspace.text_documents.values() if _is_python(doc)]

    def project_of(self, doc: TextDocument) -> LoadedProject | None:
        """The project judging ``doc``; None (and a message) when its configuration is wrong."""
        try:
            return self.projects.project(Path(doc.path))
        except ConfigError as exc:
            if str(exc) not in self.shown:
                self.shown.add(str(exc))
                self.window_show_message(lsp.ShowMessageParams(type=lsp.MessageType.Error, message=f"ailint: {exc}"))
            return None

    def changed(self, uri: str) -> None:
        """The buffer changed: judge it at once after a pause, else once it has not changed for ``debounce``."""
        loop = asyncio.get_running_loop()
        if uri not in self.pending and loop.time() - self.judged.get(uri, float("-inf")) >= self.debounce:
            self.refresh(uri)
        else:
            self.cancel(uri)
            self.pending[uri] = loop.call_later(self.debounce, self.refresh, uri)

    def cancel(self, uri: str) -> None:
        timer = self.pending.pop(uri, None)
        if timer is not None:
            timer.cancel()

    def flush(self, uri: str) -> None:
        """A request needs ``uri`` judged as it is now: a pending judging is done at once."""
        if uri in self.pending:
            self.refresh(uri)

    def refresh(self, uri: str) -> None:
        """Judge the document's text in its project; publish it, and the other open files that changed."""
        self.cancel(uri)
        try:
            self._refresh(uri)
        except Exception as exc:  # also run from a timer, where nothing else would report it
            message = f"ailint: internal error while checking {uri}: {type(exc).__name__}: {exc}"
            self.window_log_message(lsp.LogMessageParams(type=lsp.MessageType.Error, message=message))
        self.judged[uri] = asyncio.get_running_loop().time()

    def _refresh(self, uri: str) -> None:
        doc = self.workspace.text_documents.get(uri)
        if doc is None or not _is_python(doc):
            return
        project = self.project_of(doc)
        if project is None:
            self.publish(doc, [])
            return
        project.replace(Path(doc.path), doc.source.encode("utf-8", "surrogatepass"))
        self.publish(doc, project.diagnostics(Path(doc.path)))
        self.republish(project, besides=uri)

    def republish(self, project: LoadedProject, besides: str = "") -> None:
        """Publish the diagnostics of the other open files of ``project`` that changed."""
        for other in self.python_documents():
            if other.uri == besides or other.uri in self.pending:
                continue
            try:
                if self.projects.project(Path(other.path)) is not project:
                    continue
            except ConfigError:
                continue
            found = project.diagnostics(Path(other.path))
            if found != self.reported.get(other.uri):
                self.publish(other, found)
        for line in project.errors:
            self.window_log_message(lsp.LogMessageParams(type=lsp.MessageType.Warning, message=f"ailint: {line}"))

    def publish(self, doc: TextDocument, diagnostics: list[Diagnostic]) -> None:
        self.reported[doc.uri] = diagnostics
        self.text_document_publish_diagnostics(
            lsp.PublishDiagnosticsParams(
                uri=doc.uri, version=doc.version, diagnostics=[to_lsp(d, doc) for d in diagnostics]
            )
        )

    def close(self, uri: str, path: str) -> None:
        """The document is closed: its file is judged from disk again, and its diagnostics are cleared."""
        self.cancel(uri)
        self.reported.pop(uri, None)
        self.judged.pop(uri, None)
        self.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(uri=uri, diagnostics=[]))
        self.changed_on_disk([Path(path)])

    def changed_on_disk(self, paths: list[Path]) -> None:
        """Files of loaded projects are read from disk again (closed, or changed by another program)."""
        touched: list[LoadedProject] = []
        for path in paths:
            try:
                settings = self.projects.settings(path)
            except ConfigError:
                continue
            project = self.projects.loaded.get((settings.root, settings.config_path))
            if project is not None:  # a project not loaded yet reads the file when it loads
                project.replace(path, None)
                if project not in touched:
                    touched.append(project)
        for project in touched:
            self.republish(project)

    def reload(self) -> None:
        """A configuration file changed: load the projects again and judge every open file."""
        self.projects.forget()
        self.shown.clear()
        for doc in self.python_documents():
            self.refresh(doc.uri)


def _is_python(doc: TextDocument) -> bool:
    return doc.language_id == "python" or doc.path.endswith((".py", ".pyi"))


# -- positions ---------------------------------------------------------------------------------------


def _server_position(doc: TextDocument, line: int, column: int) -> ServerTextPosition:
    """1-based ``line``, 0-based ``column`` in code points, as pygls's position (clamped to the text)."""
    lines = doc.lines
    if line > len(lines):
        return ServerTextPosition(len(lines), 0)
    text = lines[line - 1].rstrip("\r\n") if line >= 1 else ""
    return ServerTextPosition(max(line - 1, 0), min(max(column, 0), len(text)))


def span_range(span: Span, doc: TextDocument) -> lsp.Range:
    """An ailint span (1-based, end exclusive, code points) as an LSP range in the client's units."""
    start = _server_position(doc, span.line, span.column - 1)
    end = _server_position(doc, span.end_line, span.end_column - 1)
    return doc.range_to_client_units(ServerTextRange(start, end))


def edit_range(edit: edits.Edit, doc: TextDocument) -> lsp.Range:
    start = _server_position(doc, *edit.start)
    end = _server_position(doc, *edit.end)
    return doc.range_to_client_units(ServerTextRange(start, end))


def to_lsp(diagnostic: Diagnostic, doc: TextDocument) -> lsp.Diagnostic:
    return lsp.Diagnostic(
        range=span_range(diagnostic.span, doc),
        message=diagnostic.message,
        severity=lsp.DiagnosticSeverity.Error
        if diagnostic.severity is Severity.ERROR
        else lsp.DiagnosticSeverity.Warning,
        code=diagnostic.code,
        source="ailint",
        data={"name": diagnostic.name},
    )


def _contains(span: Span, line: int, column: int) -> bool:
    """Whether 1-based ``line:column`` is in ``span`` (its end included: a cursor just after a call is on it)."""
    return (span.line, span.column) <= (line, column) <= (span.end_line, span.end_column)


def _overlaps(span: Span, start: tuple[int, int], end: tuple[int, int]) -> bool:
    return (span.line, span.column) <= end and start <= (span.end_line, span.end_column)


# -- requests ----------------------------------------------------------------------------------------


def create_server() -> AilintServer:
    """The server with its features registered (started by ``start_io``)."""
    server = AilintServer()

    @server.feature(lsp.INITIALIZE)
    def initialize(ls: AilintServer, params: lsp.InitializeParams) -> None:
        options: Any = params.initialization_options
        if isinstance(options, dict):
            if isinstance(options.get("debounce"), (int, float)):
                ls.debounce = max(float(options["debounce"]), 0.0) / 1000
            if options.get("cache") is False:
                ls.projects.cache = False
        folders = [f.uri for f in params.workspace_folders or []]
        if not folders and params.root_uri:
            folders = [params.root_uri]
        paths = [to_fs_path(uri) for uri in folders]
        ls.projects.folders = [Path(os.path.realpath(p)) for p in paths if p]

    @server.feature(lsp.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: AilintServer, params: lsp.DidOpenTextDocumentParams) -> None:
        ls.refresh(params.text_document.uri)

    @server.feature(lsp.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: AilintServer, params: lsp.DidChangeTextDocumentParams) -> None:
        ls.changed(params.text_document.uri)

    @server.feature(lsp.TEXT_DOCUMENT_DID_SAVE, lsp.SaveOptions(include_text=False))
    def did_save(ls: AilintServer, params: lsp.DidSaveTextDocumentParams) -> None:
        if params.text_document.uri.endswith("/pyproject.toml"):
            ls.reload()
        else:
            ls.refresh(params.text_document.uri)

    @server.feature(lsp.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: AilintServer, params: lsp.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri
        path = ls.workspace.get_text_document(uri).path
        if path.endswith((".py", ".pyi")):
            ls.close(uri, path)

    @server.feature(lsp.INITIALIZED)
    async def initialized(ls: AilintServer, params: lsp.InitializedParams) -> None:
        """Ask to be told of files changed by other programs, when the client can watch them."""
        capabilities = ls.client_capabilities.workspace
        watched = capabilities.did_change_watched_files if capabilities is not None else None
        if watched is None or not watched.dynamic_registration:
            return
        watchers = [lsp.FileSystemWatcher(glob_pattern=glob) for glob in ("**/*.py", "**/pyproject.toml")]
        registration = lsp.Registration(
            id="ailint-watched-files",
            method=lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES,
            register_options=lsp.DidChangeWatchedFilesRegistrationOptions(watchers=watchers),
        )
        try:
            await ls.client_register_capability_async(lsp.RegistrationParams(registrations=[registration]))
        except Exception as exc:  # the client declined: files changed elsewhere are read when opened or saved
            ls.window_log_message(
                lsp.LogMessageParams(type=lsp.MessageType.Info, message=f"ailint: not watching files: {exc}")
            )

    @server.feature(lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def watched_files(ls: AilintServer, params: lsp.DidChangeWatchedFilesParams) -> None:
        paths = [path for path in (to_fs_path(change.uri) for change in params.changes) if path]
        if any(Path(path).name == "pyproject.toml" for path in paths):
            ls.reload()
            return
        open_paths = {doc.path for doc in ls.python_documents()}  # an open file is judged as its buffer says
        ls.changed_on_disk([Path(p) for p in paths if p.endswith((".py", ".pyi")) and p not in open_paths])

    @server.feature(lsp.TEXT_DOCUMENT_HOVER)
    def on_hover(ls: AilintServer, params: lsp.HoverParams) -> lsp.Hover | None:
        uri = params.text_document.uri
        ls.flush(uri)
        doc = ls.workspace.get_text_document(uri)
        project = ls.project_of(doc) if _is_python(doc) else None
        if project is None:
            return None
        where = doc.position_from_client_units(params.position)
        line, column = where.line + 1, where.character + 1
        records = [r for r in project.calls(Path(doc.path)) if _contains(r.span, line, column)]
        if not records:
            return None
        record = max(records, key=lambda r: (r.span.line, r.span.column))  # the innermost call
        reported = [d for d in ls.reported.get(uri, []) if _contains(record.span, d.span.line, d.span.column)]
        return lsp.Hover(
            contents=lsp.MarkupContent(kind=lsp.MarkupKind.Markdown, value=hover.render(record, reported)),
            range=span_range(record.span, doc),
        )

    @server.feature(
        lsp.TEXT_DOCUMENT_CODE_ACTION, lsp.CodeActionOptions(code_action_kinds=[lsp.CodeActionKind.QuickFix])
    )
    def code_action(ls: AilintServer, params: lsp.CodeActionParams) -> list[lsp.CodeAction]:
        uri = params.text_document.uri
        ls.flush(uri)
        doc = ls.workspace.get_text_document(uri)
        asked = doc.range_from_client_units(params.range)
        start, end = (asked.start.line + 1, asked.start.character + 1), (asked.end.line + 1, asked.end.character + 1)
        found = [d for d in ls.reported.get(uri, []) if _overlaps(d.span, start, end)]
        return [action for d in found for action in actions(d, doc)]

    return server


def actions(diagnostic: Diagnostic, doc: TextDocument) -> list[lsp.CodeAction]:
    """The code actions that fix or silence ``diagnostic``."""
    source, span = doc.source, diagnostic.span
    found: list[tuple[str, edits.Edit | None]] = []
    if diagnostic.code == UNDECLARED_AUTHORITY:
        for mode in edits.AUTHORITY_MODES:
            found.append((f"Declare authority mode '{mode}'", edits.authority(source, span.line, mode)))
    if diagnostic.code == MISSING_TIMEOUT:
        built = edits.timeout(source, span.line, span.column - 1)
        if built is not None:
            found.append((f"Add timeout= to the client's constructor (line {built[1]})", built[0]))
        else:
            found.append(("Add timeout= to this call", edits.call_timeout(source, span.line, span.column - 1)))
    if diagnostic.code != SYNTAX_ERROR:
        noqa = edits.noqa(source, span.line, diagnostic.code, span.end_line)
        found.append((f"Suppress {diagnostic.code} on this line (# noqa: {diagnostic.code})", noqa))
    result = []
    for title, edit in found:
        if edit is None:
            continue
        change = lsp.TextEdit(range=edit_range(edit, doc), new_text=edit.text)
        result.append(
            lsp.CodeAction(
                title=f"ailint: {title}",
                kind=lsp.CodeActionKind.QuickFix,
                diagnostics=[to_lsp(diagnostic, doc)],
                edit=lsp.WorkspaceEdit(changes={doc.uri: [change]}),
                is_preferred=diagnostic.code == MISSING_TIMEOUT and title.startswith("Add"),
            )
        )
    return result


def serve() -> None:
    """Run the server on stdin and stdout until the client ends it."""
    create_server().start_io()
