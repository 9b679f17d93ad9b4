"""``check_paths`` and ``list_calls``: discover, index the project, judge the call sites.

The CLI, the tests and any embedding tool go through these functions; the
CLI adds only option parsing, output and exit codes.

A run reads the whole project (the tree under the project root), not only
the paths it reports on, so that a wrapper or client defined in another
module is known when ailint is handed single files, as pre-commit does.
Which files are parsed is decided from their imports, in rounds (see
``analysis.selection``): files that bind a name the provider knowledge
defines, then files importing what leads to a model from those already
parsed. While this process selects, idle workers syntax-check the files
likely to be plain and prepare the files of each round (``parallel.Prefetch``).
Files no other file imports are then analysed and judged on forked
processes, and the rest of the project is judged on processes forked again;
every other file is only syntax-checked, on workers too. With a cache, a
file whose size and modification time are unchanged is not even read.
"""

from __future__ import annotations

import contextlib
import gc
import os
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import pathspec

from ailint.analysis.imports import STDLIB_MODULES, prefixes, read_imports
from ailint.diagnostics import Diagnostic, Span, in_cell, place
from ailint.discovery import (
    Discovery,
    asked,
    discover,
    display_path,
    is_test_path,
    module_names,
    relative_posix,
    unchanged,
)
from ailint.notebook import SUFFIX as NOTEBOOK
from ailint.notebook import Cells
from ailint.settings import Settings

T = TypeVar("T")
Progress = Callable[[str, int, "int | None"], None]
"""Called with ``(phase, done, total)`` as a run goes (the CLI's progress bar, ``ailint.progress``).

Each phase is reported when it starts (``done`` 0) and as its work is done:
``finding files`` (no total: the files found so far), ``reading``,
``summarising``, ``solving`` (no total: the rounds solved), ``parsing`` (no
total: the files parsed, until the selection needs no more) and ``judging``.
A phase a run does not need (a cached run's) is not reported.
"""

if TYPE_CHECKING:
    from ailint.analysis.calls import FileAnalysis
    from ailint.analysis.project import Project
    from ailint.cache import Cache
    from ailint.capability import Capability
    from ailint.engine import Engine, FileTask, Prepared
    from ailint.flow.program import Program
    from ailint.flow.summary import FileSummary
    from ailint.parallel import Called, Judged, PlainChecker, Prefetch


@dataclass
class RunResult:
    """What a run found, and what it could not read."""

    files: int = 0
    diagnostics: list[Diagnostic] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    """One line per unreadable path, for stderr."""
    missing: list[str] = field(default_factory=list)
    """Command-line paths that do not exist (a usage error)."""


@dataclass(frozen=True)
class CapabilityRecord:
    """One declared capability at one call site: each question's status, why, and the evidence (``file:line``)."""

    name: str
    answers: dict[str, tuple[str, str, tuple[str, ...]]]
    """``output``, ``threshold``, ``mode``, ``kpi``: ``(pass|fail|n/a, detail, evidence)``."""


@dataclass(frozen=True)
class CallRecord:
    """One call site of the inventory (``ailint calls``), as plain data."""

    path: str
    span: Span
    provider: str
    api: str
    operation: str
    kind: str
    function: str
    authority: str | None
    checks: dict[str, str]
    is_async: bool = False
    streaming: bool = False
    test: bool = False
    """In a test file: listed, not judged."""
    explanation: tuple[str, ...] = ()
    """How the callee was resolved, step by step (the editor's hover shows it; ``calls --explain`` prints it)."""
    more: dict[str, str] = field(default_factory=dict)
    """Checks beyond the inventory's columns (``input``: AIL102; ``capability``: AIL8xx), where they apply."""
    capabilities: tuple[CapabilityRecord, ...] = ()
    """The declared capabilities the call belongs to, with their questions answered there."""
    cell: int = 0
    """In a notebook, the cell the call is in, and the line of the joined code cells it starts at (``Diagnostic``)."""
    cell_start: int = 0

    @property
    def place(self) -> str:
        """``12:5``, or ``cell 3:2:5`` in a notebook."""
        return place(self.span, self.cell, self.cell_start)

    def dump(self) -> list[Any]:
        """The record as the cache keeps it: every field but the path, in order (see :meth:`load`)."""
        span = self.span
        return [
            *(span.line, span.column, span.end_line, span.end_column),
            *(self.provider, self.api, self.operation, self.kind, self.function, self.authority),
            self.checks,
            *(self.is_async, self.streaming, self.test),
            list(self.explanation),
            *(self.cell, self.cell_start),
            self.more,
            [
                [c.name, {q: [status, detail, list(proof)] for q, (status, detail, proof) in c.answers.items()}]
                for c in self.capabilities
            ],
        ]

    @classmethod
    def load(cls, path: str, raw: Any) -> CallRecord:
        """A record from :meth:`dump`'s list, shown at ``path``; ``ValueError`` for anything of another shape."""
        if not isinstance(raw, list) or len(raw) != 19:
            raise ValueError("not a call record")
        line, column, end_line, end_column, provider, api, operation, kind, function, authority = raw[:10]
        checks, is_async, streaming, test, explanation, cell, cell_start, more, capabilities = raw[10:]
        if not all(type(n) is int for n in (line, column, end_line, end_column, cell, cell_start)):
            raise ValueError("not a call record")
        if not all(type(t) is str for t in (provider, api, operation, kind, function)):
            raise ValueError("not a call record")
        if authority is not None and type(authority) is not str:
            raise ValueError("not a call record")
        if not isinstance(checks, dict) or not all(type(v) is str for v in checks.values()):
            raise ValueError("not a call record")
        if not all(type(flag) is bool for flag in (is_async, streaming, test)):
            raise ValueError("not a call record")
        if not isinstance(explanation, list) or not all(type(step) is str for step in explanation):
            raise ValueError("not a call record")
        if not isinstance(more, dict) or not all(type(v) is str for v in more.values()):
            raise ValueError("not a call record")
        declared = []
        for name, answers in capabilities:  # a ValueError or TypeError for any other shape
            if type(name) is not str or not isinstance(answers, dict):
                raise ValueError("not a call record")
            found = {}
            for question, (status, detail, proof) in answers.items():
                if type(status) is not str or type(detail) is not str or not all(type(e) is str for e in proof):
                    raise ValueError("not a call record")
                found[question] = (status, detail, tuple(proof))
            declared.append(CapabilityRecord(name=name, answers=found))
        return cls(
            path=path,
            span=Span(line, column, end_line, end_column),
            provider=provider,
            api=api,
            operation=operation,
            kind=kind,
            function=function,
            authority=authority,
            checks=checks,
            is_async=is_async,
            streaming=streaming,
            test=test,
            explanation=tuple(explanation),
            more=more,
            capabilities=tuple(declared),
            cell=cell,
            cell_start=cell_start,
        )

    def to_json(self) -> dict[str, object]:
        """The stable JSON shape documented in SPEC section 7."""
        document: dict[str, object] = {
            "path": self.path,
            **in_cell(self.span, self.cell, self.cell_start).to_json(),
            "provider": self.provider,
            "api": self.api,
            "operation": self.operation,
            "kind": self.kind,
            "function": self.function,
            "authority": self.authority,
            "checks": self.checks,
            "test": self.test,
        }
        if self.cell:  # lines within the cell, as for diagnostics
            document["cell"] = self.cell
        return document


@dataclass
class CallsResult:
    """The inventory of a run."""

    files: int = 0
    calls: list[CallRecord] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    capabilities: tuple[Capability, ...] = ()
    """The declared capabilities of the run's settings (the report answers their checklist)."""


@dataclass
class _File:
    path: Path
    display: str
    modules: list[str]
    """Names the file may be imported by, the most likely first."""
    is_package: bool
    target: bool
    stored: bytes | None = None
    hashed: str | None = None
    imported: list[str] | None = None
    bound: set[str] | None = None
    """The names its imports bind, when read from its bytes with ``imported`` (see ``analysis.imports``)."""
    cells: Cells = ()
    """A notebook's code cells: where each starts in ``data`` (see ``ailint.notebook``)."""
    problem: tuple[int, int, str] | None = None
    """Why a notebook could not be read, and where in its file."""

    @property
    def module(self) -> str:
        return self.modules[0]

    @property
    def notebook(self) -> bool:
        return self.path.name.endswith(NOTEBOOK)

    def take(self, raw: bytes) -> None:
        """The file's bytes as read: a notebook's are its code cells as Python source (``ailint.notebook``)."""
        if not self.notebook:
            self.stored = raw
            return
        from ailint.notebook import NotebookError, read

        try:
            notebook = read(raw)
        except NotebookError as exc:
            self.stored, self.cells, self.problem = b"", (), (exc.line, exc.column, exc.message)
        else:
            self.stored, self.cells, self.problem = notebook.source, notebook.cells, None

    @property
    def data(self) -> bytes:
        """The file's bytes (a notebook's code), read on first use (a warm run reads no unchanged file)."""
        if self.stored is None:
            try:
                raw = self.path.read_bytes()
            except OSError:  # gone since the run started: nothing to check
                raw = b""
            self.take(raw)
        assert self.stored is not None
        return self.stored

    @property
    def digest(self) -> str:
        """What the file's diagnostics depend on of its content: its bytes (a notebook's code, cells and problem)."""
        if self.hashed is None:
            from ailint.cache import digest

            if self.notebook:
                cells = ",".join(f"{number}:{line}" for number, line in self.cells)
                self.hashed = digest(self.data, cells, repr(self.problem))
            else:
                self.hashed = digest(self.data)
        return self.hashed

    @property
    def imports(self) -> list[str]:
        """The modules the file imports and every package above them, from its bytes or the cache."""
        if self.imported is None:
            found, self.bound = read_imports(self.data, self.module, self.is_package)
            self.imported = sorted({prefix for name in found for prefix in prefixes(name)})
        return self.imported


class _Run:
    """One run's files, project and engine, shared by checking and the inventory."""

    def __init__(
        self,
        paths: Iterable[Path],
        settings: Settings,
        cwd: Path | None,
        progress: Progress | None = None,
        cache: Cache | None = None,
        memo: bool = True,
        kind: str = "check",
        sources: Mapping[Path, bytes] | None = None,
        jobs: int | None = 1,
    ) -> None:
        """``memo``: with a ``cache``, look the whole run up first (see :meth:`_memo_key`), as a run of ``kind``;
        ``sources``: the content of paths asked for, in place of the disk's (see :func:`check_paths`)."""
        self.settings = settings
        self.jobs = jobs
        self.reads_tests = kind == "calls"
        """Whether tests are summarised and solved: the inventory lists their call sites; a check judges none."""
        self.cache = cache
        self.packages: dict[str, bool] = {}
        self.cwd = (cwd or Path.cwd()).resolve()
        self.progress = progress
        self.phase, self.done = "", 0
        self.total: int | None = None
        paths = list(paths)
        self.sources = {asked(path, self.cwd): data for path, data in (sources or {}).items()}
        """Files whose content was given (standard input): they need not exist, and are never cached whole."""
        given = [path for path in paths if asked(path, self.cwd) in self.sources]
        self.begin("finding files", None)
        found = self._discover([path for path in paths if path not in given])
        self.errors = list(found.errors)
        self.broken: set[Path] = set()
        """Files ailint itself failed on: unknown for the rest of the run, never read again on demand."""
        self.missing = list(found.missing)
        self.files: list[_File] = []
        stats = self._stat([path for path in found.files if path not in self.sources], target=True)
        for path in dict.fromkeys(asked(path, self.cwd) for path in given):
            stats.append((path, display_path(path, self.cwd), (-1, len(self.sources[path])), True))
        targets = {path for path, _, _, _ in stats}
        # The project is the tree of the pyproject in use; without one, only the
        # folders asked for (a parent folder holding unrelated checkouts is not a project).
        if settings.config_path is not None:
            scope = settings.root
        elif targets:
            scope = Path(os.path.commonpath([str(p.parent) for p in targets]))
        else:
            scope = None
        named = {Path(os.path.realpath(self.cwd / p)) for p in paths}
        if scope is not None and scope not in named and any(scope in p.parents for p in targets):
            index = self._discover([scope])  # (when asked for, it was read)
            stats += self._stat([p for p in index.files if p not in targets], target=False)
        self.discovery_errors = len(self.errors)
        """Lines for paths that could not be read, before any file is: part of the run's key."""
        self.memo_key = self._memo_key(stats) if cache is not None else ""
        self.memo_name = f"{kind}:{self.memo_key}"
        """Under which name the cache remembers this run whole (a check and an inventory apart)."""
        self.memo = cache.run(self.memo_name) if cache is not None and memo and not self.sources else None
        """The cache's entry of every target, when this very run was cached whole: nothing else is needed."""
        self._read(stats if self.memo is None else [])
        self.prepared: dict[Path, Prepared] = {}
        self.importable: list[set[str]] = []
        self.imports: list[set[str]] = []
        self.flow_roots: set[int] = set()
        """Files selected because the value-flow engine finds model calls in them (see ``_follow_values``)."""
        self.reach: set[int] = set()
        """Files the value-flow engine read."""
        self.program: Program | None = None
        self.summaries: dict[str, FileSummary] = {}
        """Summaries made in this run, by content key (a project kept by the server solves again after an edit)."""
        self.candidates = self._candidates() if self.memo is None else set()
        self._deep: set[int] | None = None
        self._roots: set[int] | None = None
        self._unimported: set[int] | None = None
        self.bound: dict[int, set[str]] = {}
        """The names each candidate's imports bind (computed with the roots)."""
        self.leaves: set[int] = set()
        """Files analysed in depth that no other file imports (a subset of ``deep``)."""
        self._project: Project | None = None
        self.prefetch: Prefetch | None = None
        """Files others import, prepared on idle workers while the run selects (see ``parallel.Prefetch``)."""

    def _discover(self, paths: list[Path]) -> Discovery:
        """``discovery.discover``, or the files a walk found last time when no directory it saw has changed.

        Only for directories (a file named may vanish, and is then reported
        otherwise), and only when the last walk met no error and no symbolic
        link, and the latest change it saw was two seconds old: a change in
        the same tick of the clock as the walk would leave a directory's time
        as the walk recorded it.
        """
        settings, cache = self.settings, self.cache
        if not paths:
            return Discovery()
        directories = [asked(p, self.cwd) for p in paths]
        found_so_far = self.found if self.progress is not None else None
        if cache is None or not all(p.is_dir() for p in directories):
            return discover(paths, settings.root, settings.exclude, self.cwd, found_so_far)
        key = "\0".join([str(self.cwd), str(settings.root), *settings.exclude, "", *map(str, directories)])
        known = cache.walk(key)
        if known is not None and unchanged(known[1]):
            return Discovery(files=[Path(f) for f in known[0]], walked=known[1])
        found = discover(paths, settings.root, settings.exclude, self.cwd, found_so_far)
        settled = time.time_ns() - 2_000_000_000
        if not (found.errors or found.missing or found.linked) and all(
            listed < settled and ignored < settled for _, listed, ignored in found.walked
        ):
            cache.remember_walk(key, [str(f) for f in found.files], found.walked)
        return found

    @cached_property
    def engine(self) -> Engine:
        """The engine of this run's settings (not built for a run the cache has whole)."""
        from ailint.engine import Engine
        from ailint.knowledge import builtin, with_extra_call_sites

        return Engine(self.settings, with_extra_call_sites(builtin(), self.settings.call_site_extra))

    def _stat(self, paths: list[Path], target: bool) -> list[tuple[Path, str, tuple[int, int], bool]]:
        """Each file's path, display, ``(mtime_ns, size)`` and ``target``; a target that cannot be read is an error."""
        found = []
        for path in paths:
            display = display_path(path, self.cwd)
            try:
                status = os.stat(path)
            except OSError as exc:
                if target:
                    self.errors.append(f"cannot read {display}: {exc.strerror or exc}")
                continue
            found.append((path, display, (status.st_mtime_ns, status.st_size), target))
        return found

    def _memo_key(self, stats: list[tuple[Path, str, tuple[int, int], bool]]) -> str:
        """What a whole run's diagnostics depend on besides the settings: every file read and how it stood.

        The files (targets and the rest of the project), each with its size
        and modification time, as the per-file cache trusts them; where the
        run stands; what could not be read. Any change makes another key.
        """
        from ailint.cache import digest

        files = [f"{path}\0{int(target)}\0{stamp[0]}\0{stamp[1]}" for path, _, stamp, target in stats]
        return digest(str(self.cwd), *self.errors, "\0", *self.missing, "\0", *files)

    def _read(self, stats: list[tuple[Path, str, tuple[int, int], bool]]) -> None:
        """Read each file now unless the cache knows it unchanged (same size and modification time)."""
        cache = self.cache
        if stats:
            self.begin("reading", len(stats))
        for path, display, stamp, target in stats:
            self.tick()
            file = _File(
                path=path,
                display=display,
                modules=module_names(path, self.settings.root, self.packages),
                is_package=path.name == "__init__.py",
                target=target,
            )
            if path in self.sources:
                file.take(self.sources[path])
                self.files.append(file)
                continue
            key = f"{path}|{file.module}|{file.is_package}"
            known = cache.facts(key, stamp) if cache is not None else None
            if known is not None:
                file.hashed, file.imported = known
            else:
                try:
                    file.take(path.read_bytes())
                except OSError as exc:
                    if target:
                        self.errors.append(f"cannot read {display}: {exc.strerror or exc}")
                    continue
                if cache is not None:
                    cache.remember(key, stamp, file.digest, file.imports)
            self.files.append(file)

    def _importable(self) -> list[set[str]]:
        """Per file, the names it can be imported by; a folder never shadows a standard-library module, and a
        notebook is imported by none."""
        packages = {f.module.split(".", 1)[0] for f in self.files if f.is_package}
        # Scripts in sub-folders import their neighbours relative to their own folder
        # (``import helpers.llm`` from ``apps/bot/main.py``): every tail of the path is a
        # name, when no other file of the project has it.
        paths = [max(f.modules, key=lambda m: m.count(".")).split(".") for f in self.files]
        tails = [{".".join(parts[i:]) for i in range(1, len(parts) - 1)} for parts in paths]
        counts = Counter(tail for names in tails for tail in names)
        rooted = self._rooted(paths, tails)
        return [
            set()
            if f.notebook
            else {
                m
                for m in (*f.modules, *(t for t in tails[i] if counts[t] == 1), *rooted.get(i, ()))
                if m.split(".", 1)[0] not in STDLIB_MODULES or m.split(".", 1)[0] in packages
            }
            for i, f in enumerate(self.files)
        ]

    def _rooted(self, paths: list[list[str]], tails: list[set[str]]) -> dict[int, set[str]]:
        """Files imported by their bare name from a folder below theirs (``from Extensions import Extensions`` in
        ``agixt/extensions/openai.py``, run with ``agixt/`` on the path): the name, when exactly one file has it,
        no file is already imported by it, and it is neither the standard library's nor a known SDK's.
        ``paths``: each file's longest module name, split; ``tails``: the other names each is imported by."""
        taken = {m.split(".", 1)[0] for f in self.files for m in f.modules} | {
            t.split(".", 1)[0] for names in tails for t in names
        }
        holders: dict[str, list[int]] = {}
        for i, parts in enumerate(paths):
            if len(parts) > 1 and not self.files[i].notebook:
                holders.setdefault(parts[-1], []).append(i)
        found: dict[int, set[str]] = {}
        for j, file in enumerate(self.files):
            for name in file.imports:
                owners = holders.get(name, ())
                if "." in name or len(owners) != 1 or name in taken:
                    continue
                if name in STDLIB_MODULES or name in self.engine.modules:
                    continue
                folder = paths[owners[0]][:-1]
                if paths[j][: len(folder)] == folder:
                    found.setdefault(owners[0], set()).add(name)
        return found

    def _candidates(self) -> set[int]:
        """Indices of the files that may be analysed in depth: the import fixpoint over whole packages.

        Decided from bytes alone, so a warm run knows what each file's cache
        key depends on without parsing anything; :meth:`deep` narrows it.
        """
        roots = self.engine.modules
        importable = self._importable()
        imports = self.imports = [set(f.imports) for f in self.files]
        defines = self.engine.knowledge.entry_prefixes  # the module of a configured extra, an SDK's own files
        selected = {i for i, names in enumerate(imports) if any(n in roots for n in names) or importable[i] & defines}
        frontier = set(selected)
        while frontier:
            exported = set().union(*(importable[i] for i in frontier))
            frontier = {i for i, names in enumerate(imports) if i not in selected and names & exported}
            selected |= frontier
        self.importable = importable
        self.flow_roots = self._follow_values(selected)
        return selected | self.flow_roots

    def program_after_edit(self, index: int) -> Program | None:
        """The program once file ``index`` changed: its positions moved, or (if its shape changed) solved again."""
        import dataclasses

        from ailint.flow.summarize import summarize

        program, file = self.program, self.files[index]
        old = program.summaries.get(file.module) if program is not None else None
        new = summarize(file.data, file.module, file.is_package)
        if program is not None and old is not None and old.shape() == new.shape():
            moved = dataclasses.replace(program, summaries={**program.summaries, file.module: new})
            for kept in ("_reach", "modules_with_model_calls"):  # what does not depend on positions
                if kept in program.__dict__:
                    moved.__dict__[kept] = program.__dict__[kept]
            return moved
        self._follow_values(set(self.candidates))
        return self.program

    def _follow_values(self, selected: set[int]) -> set[int]:
        """Files the value-flow engine finds model calls in: analysed in depth, whatever their imports say.

        The files read are those the selection found and every project module
        they import, transitively: a module that imports nothing model-related
        but receives a client through an argument holds model calls too.
        """
        if not selected:
            return set()
        from ailint.flow.reach import reached, summaries
        from ailint.flow.solve import solve
        from ailint.parallel import default_jobs

        files = self.files
        self.reach = reached(selected, self.imports, self.importable)
        testing = {i for i in self.reach if is_test_path(self.relative(files[i]), self.settings.tests)}
        if not self.reads_tests:  # a test's values never flow into product code, and tests are not judged
            self.reach -= testing
            testing = set()
        aliases = {name: files[i].module for i in self.reach for name in self.importable[i]}
        tests = {files[i].module for i in testing}
        try:
            self.begin("summarising", len(self.reach))
            found = summaries(
                [(files[i].module, files[i].is_package, files[i]) for i in sorted(self.reach)],
                self.cache,
                self.summaries,
                jobs=default_jobs() if self.jobs is None else self.jobs,
                advance=self.tick if self.progress is not None else None,
            )
            self.begin("solving", None)
            self.program = solve(found, self.engine.knowledge, tests, aliases, self.tick if self.progress else None)
        except Exception as exc:  # a bug in the engine costs what it would have added, not the run
            self.errors.append(f"internal error while following values: {type(exc).__name__}: {str(exc)[:200]}")
            return set()
        calling = self.program.modules_with_model_calls
        return {i for i in self.reach if files[i].module in calling}

    def relative(self, file: _File) -> str:
        """The file's path from the project root (its display path when outside it)."""
        found = relative_posix(file.path, self.settings.root)
        return file.display if found is None else found

    @property
    def project(self) -> Project:
        """The project of the files analysed in depth (made on first use: a warm run needs none)."""
        if self._project is None:
            from ailint.analysis.project import Project

            self._project = Project(self.engine.knowledge)
            self._project.loader = self._load
            self._project.program = self.program
            from ailint.analysis.concerns import TRACING_ROOTS, note_instrumenting

            imports = getattr(self, "imports", None) or []  # a module calling an instrumentor, read on demand
            tracing = [self.files[i].module for i, names in enumerate(imports) if names & TRACING_ROOTS]
            note_instrumenting(self._project, tracing)
        return self._project

    @property
    def deep(self) -> set[int]:
        """Indices of the files analysed in depth (parsed in rounds, see ``analysis.selection``)."""
        if self._deep is None:
            self._deep = self._select()
        return self._deep

    @property
    def roots(self) -> set[int]:
        """Candidates that bind a name the provider knowledge defines: analysed in depth whatever the rounds find."""
        if self._roots is None:
            from ailint.analysis.imports import bound_imports
            from ailint.analysis.selection import is_root

            files, knowledge, bound = self.files, self.engine.knowledge, self.bound
            for i in self.candidates:
                file = files[i]
                found = file.bound  # read with its imports, unless those came from the cache
                bound[i] = bound_imports(file.data, file.module, file.is_package) if found is None else found
            names = self.importable
            self._roots = {i for i in self.candidates if is_root(bound[i], files[i].data, names[i], knowledge)}
            self._roots |= self.flow_roots
        return self._roots

    @property
    def unimported(self) -> set[int]:
        """Candidates that no other file imports: analysed, if at all, apart from the project."""
        if self._unimported is None:
            from ailint.analysis.selection import unimported

            self._unimported = unimported(self.candidates, self.importable, self.imports)
        return self._unimported

    def _select(self) -> set[int]:
        from ailint.analysis.selection import Rounds

        files, ignores = self.files, self.ignores()
        self.begin("parsing", None)  # how many the rounds parse is known when they end

        def parse(index: int) -> FileAnalysis | None:
            self.tick()
            self._prepare(index, ignores, deep=True)
            prepared = self.prepared.get(files[index].path)
            return prepared.analysis if prepared is not None else None

        rounds = Rounds(
            self.project,
            self.candidates,
            self.roots,
            self.unimported,
            self.importable,
            self.bound,
            self.imports,
            lambda index: files[index].data,
            parse,
            self._ahead,
        )
        deep, self.leaves = rounds.select()
        return deep

    def _ahead(self, indices: list[int]) -> None:
        """A round of the selection is chosen: idle workers may prepare its files meanwhile."""
        if self.prefetch is not None:
            ignores = self.ignores()
            self.prefetch.submit([(i, self.task(i, ignores), self.files[i].data) for i in indices])

    def leaf(self, index: int, ignores: list[tuple[pathspec.GitIgnoreSpec, frozenset[str]]]) -> Judged:
        """Analyse and judge one file no other file imports: its diagnostics, error lines and the wrappers it calls.

        Only the project's record of who calls which wrapper changes when it
        is added: the file's own calls are added to it. Once judged, the file
        is taken out of the project again (no other file's judging could read
        it), so a process judging many such files holds one at a time.
        """
        from ailint.engine import collector_paused

        errors = len(self.errors)
        file = self.files[index]
        called: list[Called] = []

        def judged(prepared: Prepared) -> list[Diagnostic]:
            if prepared.analysis is not None:
                from ailint.analysis.concerns import called_wrappers

                self.project.add_callers(prepared.analysis)
                called.extend(called_wrappers(prepared.analysis, self.project, self.settings))
            return self.engine.finish(prepared, self.project) if file.target else []

        # The file's objects are garbage once it is discarded: the collector, paused while they are in
        # use (it would rescan them), frees them in one pass at its next collection, before the next file.
        with collector_paused():
            self._prepare(index, ignores, deep=True, keep=False)
            diagnostics = self.judge(file, judged)
            prepared = self.prepared.pop(file.path, None)
            if prepared is not None and prepared.analysis is not None:
                self.project.discard(prepared.analysis, aliases=self.importable[index])
            del prepared
        return index, diagnostics, self._taken(errors), called

    def verdict(self, index: int, ignores: list[tuple[pathspec.GitIgnoreSpec, frozenset[str]]]) -> Judged:
        """Judge one prepared file of the project, in the shape of :meth:`leaf` (it calls no wrapper of note)."""
        errors = len(self.errors)
        diagnostics = self.judge(self.files[index], lambda prepared: self.engine.finish(prepared, self.project))
        return index, diagnostics, self._taken(errors), []

    def resolve_project(self) -> None:
        """Resolve the call sites of every parsed file, and who calls which wrapper, before judging forks.

        Every process that judges reads them: computed here once, they are
        inherited, where each forked process would compute them again (on
        langchain, forks run one at a time, judging cost 33.8 s of CPU for the
        files no other file imports and 3.7 s for the rest; 28.6 s and 2.3 s
        once inherited). What fails here fails again when the file is judged,
        which reports it.
        """
        from ailint.engine import collector_paused

        project = self.project
        with collector_paused():
            for index in sorted(self.deep - self.leaves):
                prepared = self.prepared.get(self.files[index].path)
                if prepared is not None and prepared.analysis is not None:
                    with contextlib.suppress(Exception):  # reported when the file is judged
                        project.sites(prepared.analysis)
            with contextlib.suppress(Exception):
                project.called_wrappers()
            gc.freeze()  # inherited as it is: the collector in each process need not scan it

    def _taken(self, start: int) -> list[str]:
        """The error lines added since ``start``, taken out: the caller reports them (it may be another process)."""
        reported = self.errors[start:]
        del self.errors[start:]
        return reported

    def prepare(self, wanted: set[int] | None = None, leaves: bool = True) -> None:
        """Parse the files analysed in depth, and syntax-check the targets in ``wanted`` (all if None).

        Every file analysed in depth is prepared whatever ``wanted`` says: the
        project must be whole for any of its call sites to be judged. With
        ``leaves=False`` the files no other file imports are left to :meth:`leaf`.
        """
        deep = self.deep
        ignores = self.ignores()
        for index, file in enumerate(self.files):
            if index in self.leaves and leaves:
                self.tick()  # the leaves go on the selection's count of files parsed
                self._prepare(index, ignores, deep=True)
            elif index not in deep and file.target and (wanted is None or index in wanted):
                self._prepare(index, ignores, deep=False)
        if leaves and self.leaves:
            self.project.forget_callers()

    def _prepare(
        self, index: int, ignores: list[tuple[pathspec.GitIgnoreSpec, frozenset[str]]], deep: bool, keep: bool = True
    ) -> None:
        """Prepare file ``index`` and add it to the project; ``keep``: it stays until the run ends."""
        from ailint.engine import collector_paused

        file = self.files[index]
        if file.path in self.prepared:
            return
        with collector_paused():  # until what is kept is frozen, unscanned: the tree has no garbage cycles
            try:
                prepared = self.prefetch.take(index) if self.prefetch is not None and deep else None
                if prepared is None:
                    prepared = self.engine.prepare(self.task(index, ignores), file.data, deep=deep, kept=keep)
            except Exception as exc:  # a bug in ailint must cost one file, not the run
                self.internal_error(file, exc)
                return
            if keep:
                gc.freeze()  # what is kept lives until the run ends: the collector need not scan it again
        self.prepared[file.path] = prepared
        if prepared.analysis is not None:
            self.project.add(prepared.analysis, aliases=self.importable[index])

    def internal_error(self, file: _File, exc: BaseException) -> None:
        """One line for a file ailint itself failed on; the run goes on without it."""
        self.broken.add(file.path)
        if file.target:
            message = str(exc).splitlines()[0][:200] if str(exc) else ""
            self.errors.append(f"internal error while checking {file.display}: {type(exc).__name__}: {message}")

    def judge(self, file: _File, judge: Callable[[Prepared], list[T]]) -> list[T] | None:
        """Apply ``judge`` to a prepared file; None (and one error line) if ailint fails on it."""
        prepared = self.prepared.get(file.path)
        if prepared is None:
            return None
        try:
            return judge(prepared)
        except Exception as exc:  # a bug in ailint must cost one file, not the run
            self.internal_error(file, exc)
            return None

    def ignores(self) -> list[tuple[pathspec.GitIgnoreSpec, frozenset[str]]]:
        return [
            (pathspec.GitIgnoreSpec.from_lines([pattern]), codes) for pattern, codes in self.settings.per_file_ignores
        ]

    def task(self, index: int, ignores: list[tuple[pathspec.GitIgnoreSpec, frozenset[str]]]) -> FileTask:
        """What the engine needs to know about file ``index``, apart from its bytes."""
        from ailint.engine import FileTask

        file = self.files[index]
        relative = self.relative(file)
        _ = file.data  # a notebook's cells are known once it is read
        return FileTask(
            display=file.display,
            module=file.module,
            ignored=frozenset().union(*(codes for spec, codes in ignores if spec.match_file(relative))),
            is_package=file.is_package,
            relative=relative,
            cells=file.cells,
            problem=file.problem,
        )

    def cache_keys(self, cache: Cache) -> dict[int, str]:
        """The cache key of every target: its bytes, name and path, plus the project digest if analysed in depth."""
        from ailint.cache import digest

        hashes = [f.digest for f in self.files]
        # What a deep file's diagnostics may depend on: every deep file, and the modules they import.
        owners: dict[str, list[int]] = {}
        for index, names in enumerate(self.importable):
            for name in names:
                owners.setdefault(name, []).append(index)
        related = (
            set(self.candidates)
            | self.reach
            | {j for i in self.candidates for name in self.imports[i] for j in owners.get(name, ())}
        )
        project = digest(*(f"{self.relative(self.files[i])}:{hashes[i]}" for i in sorted(related)))
        keys = {}
        for index, file in enumerate(self.files):
            if file.target:
                depends = project if index in self.candidates else ""
                keys[index] = cache.key(hashes[index], file.module, self.relative(file), depends)
        return keys

    @cached_property
    def _owners(self) -> dict[str, int]:
        """The first file (by index) each importable name belongs to."""
        return {name: index for index in reversed(range(len(self.importable))) for name in self.importable[index]}

    def _load(self, module: str) -> FileAnalysis | None:
        """Parse a project module that was not selected, for facts such as a class's bases."""
        index = self._owners.get(module)
        if index is None:
            return None
        file = self.files[index]
        prepared = self.prepared.get(file.path)
        if prepared is not None and prepared.analysis is not None:
            return prepared.analysis
        if file.path in self.broken:
            return None
        analysis = self.engine.collect_only(file.module, file.data, file.is_package)
        if analysis is not None:
            self.project.add(analysis, aliases=self.importable[index])
        return analysis

    @property
    def targets(self) -> list[_File]:
        return [f for f in self.files if f.target]

    def begin(self, phase: str, total: int | None) -> None:
        """A phase of the run starts (see ``Progress``)."""
        if self.progress is not None:
            self.phase, self.done, self.total = phase, 0, total
            self.progress(phase, 0, total)

    def tick(self, count: int = 1) -> None:
        """``count`` more units of the current phase done, for the progress callback."""
        if self.progress is not None:
            self.done += count
            self.progress(self.phase, self.done, self.total)

    def found(self, files: int) -> None:
        """Discovery has found ``files`` files so far."""
        if self.progress is not None and files != self.done:
            self.done = files
            self.progress(self.phase, files, None)

    def end(self) -> None:
        """The current phase is over: whatever its total promised is done."""
        if self.progress is not None and self.total is not None and self.done < self.total:
            self.done = self.total
            self.progress(self.phase, self.done, self.total)


def check_paths(
    paths: Iterable[Path],
    settings: Settings,
    cwd: Path | None = None,
    *,
    progress: Progress | None = None,
    cache: Cache | None = None,
    jobs: int | None = 1,
    release: bool = True,
    sources: Mapping[Path, bytes] | None = None,
) -> RunResult:
    """Check every Python file under ``paths`` with ``settings``.

    ``sources`` gives the content of paths among ``paths`` (standard input,
    named by ``--stdin-filename``): each is checked as that content, at that
    path, whether or not a file is there, and the rest of its project is read
    from the disk as for any file.

    With a ``cache``, files whose key is cached are not read again; the
    project is parsed only if a file analysed in depth missed. Plain files
    (no model calls possible) are checked on up to ``jobs`` processes (None: every core).

    What the run kept (the project's syntax trees) is garbage once it
    returns, in reference cycles that only the collector frees. With
    ``release`` (the default) it is handed back to the collector; without,
    it stays frozen, out of its reach. A process that exits once it has
    reported (the CLI) passes ``release=False``: collecting millions of
    objects one by one at exit costs seconds (2.4 s after the langchain
    benchmark) and frees nothing the operating system would not.
    """
    paths = list(paths)
    run = _Run(paths, settings, cwd, progress, cache, jobs=jobs, sources=sources)
    if run.memo is not None:
        assert cache is not None
        remembered = _remembered(run, cache)
        if remembered is not None:
            _save(cache, remembered)  # a walk remembered, if any
            return remembered
        run = _Run(
            paths, settings, cwd, progress, cache, memo=False, jobs=jobs
        )  # an entry it names is gone: a run in full
    result = RunResult(errors=run.errors, missing=run.missing)
    found: dict[int, list[Diagnostic]] = {}
    keys: dict[int, str] = {}
    if cache is not None:
        keys = run.cache_keys(cache)
        for index, key in keys.items():
            cached = cache.get(key, run.files[index].display)
            if cached is not None:
                found[index] = cached
    missing = {i for i, f in enumerate(run.files) if f.target and i not in found}
    try:
        _check_missing(run, missing, found, keys, cache, jobs)
    finally:
        if release:
            gc.unfreeze()
    for index, file in enumerate(run.files):
        if file.target:
            result.files += 1
            result.diagnostics.extend(found.get(index, ()))
    if cache is not None:
        # A run that met no error of its own is remembered whole: the same run again needs no file of it.
        targets = [i for i, file in enumerate(run.files) if file.target]
        whole = len(run.errors) == run.discovery_errors and all(i in found and i in keys for i in targets)
        if whole and not run.sources:  # (given content is not on the disk the run's key describes)
            cache.remember_run(run.memo_name, [(run.files[i].display, keys[i]) for i in targets])
        _save(cache, result)
    result.diagnostics.sort(key=lambda d: d.sort_key)
    return result


LEAF_CHUNKS = 2
"""Chunks per worker for the files no other file imports (each process holds the project and one of them at a time)."""


def _save(cache: Cache, result: RunResult | CallsResult) -> None:
    """Write the cache; a cache that cannot be written is one line among the result's errors."""
    cache.save()
    if cache.warning:
        result.errors.append(cache.warning)


def _remembered(run: _Run, cache: Cache) -> RunResult | None:
    """The result of a run cached whole (see ``_Run.memo_key``); None if an entry it names is gone."""
    assert run.memo is not None
    result = RunResult(errors=run.errors, missing=run.missing, files=len(run.memo))
    for display, key in run.memo:
        diagnostics = cache.get(key, display)
        if diagnostics is None:
            return None
        result.diagnostics.extend(diagnostics)
    result.diagnostics.sort(key=lambda d: d.sort_key)
    return result


def _check_missing(
    run: _Run,
    missing: set[int],
    found: dict[int, list[Diagnostic]],
    keys: dict[int, str],
    cache: Cache | None,
    jobs: int | None,
) -> None:
    """Check the targets that were not cached, filling ``found`` (and the cache).

    Plain files go to worker processes first, so they are checked while this
    process selects and parses the project; files analysed in depth are then
    judged on forked processes (``parallel.on_forks``).
    """
    from ailint.parallel import PlainChecker, Prefetch, default_jobs, on_forks

    ignores = run.ignores()
    parsed = bool(missing & run.candidates)
    # While this process selects the project, the pool leaves it a core of its own.
    jobs = default_jobs() if jobs is None else jobs
    checker = PlainChecker(run.settings, run.engine, jobs, expected=len(missing), spare=parsed)
    plain: list[int] = []
    judged: list[Judged] = []

    def send(indices: set[int]) -> None:
        plain.extend(sorted(indices))
        checker.submit([(run.task(i, ignores), run.files[i].data) for i in sorted(indices)])

    def record(index: int, diagnostics: list[Diagnostic], cached: bool = True) -> None:
        found[index] = diagnostics
        if cache is not None and cached:
            cache.put(keys[index], diagnostics)

    judging = _Judging(run, checker, plain)
    try:
        send(missing - run.candidates)
        if parsed:
            # Most candidates that are not roots are found plain: with workers to spare while
            # this process selects, check them now, and drop the verdicts of those found deep.
            early = (missing & run.candidates) - run.roots if checker.pool is not None else set()
            run.prefetch = Prefetch(checker, run.engine.knowledge)
            # The first round of the selection, queued before the plain files (later rounds follow as chosen).
            run._ahead(sorted(run.roots - run.unimported))
            send(early)
            try:
                send((missing & run.candidates) - run.deep - early)
            finally:
                run.prefetch.close()
                run.prefetch = None
            run.prepare(set(), leaves=False)
            run.end()
            run.resolve_project()
            sizes = [len(file.stored or b"") for file in run.files]  # every file judged was read
            verdicts = sorted((missing & run.deep) - run.leaves)
            judging.start(len(missing - run.deep) + len(run.leaves) + len(verdicts))
            judged = on_forks(run, "leaf", sorted(run.leaves), jobs, sizes, LEAF_CHUNKS, judging.forked)
            for _, _, _, called in judged:
                for path, *facts in called:
                    run.project.called_elsewhere.add(path)
                    run.project.record_elsewhere(path, facts)
            run.project.forget_callers()
            judged += on_forks(run, "verdict", verdicts, jobs, sizes, advance=judging.forked)
        else:
            judging.start(len(missing))
        judged.sort(key=lambda found: found[0])
        for _, _, errors, _ in judged:
            run.errors.extend(errors)
        # A file of the project ailint failed on was missing when the others were selected and judged:
        # what they were found to be holds for this run only, so no file that might be deep is cached.
        whole = len(run.errors) == run.discovery_errors
        for index, diagnostics, _, _ in judged:
            if index in missing and diagnostics is not None:  # None: reported on stderr, and never cached
                record(index, diagnostics, cached=whole)
        deep = run.deep if parsed else set()
        for index, diagnostics in zip(plain, checker.results(judging.checked), strict=True):
            if index in deep:
                continue
            if diagnostics is None:
                run.errors.append(f"internal error while checking {run.files[index].display}: its worker process died")
            else:
                record(index, diagnostics, cached=whole or index not in run.candidates)
        run.end()
    finally:
        checker.close()


class _Judging:
    """The judging phase's count: files judged on forked processes, and plain files the workers have checked.

    Plain files are checked on workers from the start of the run: when the
    phase starts, many are done already, and the rest are counted as their
    chunks come back (asked each time a forked process reports a file).
    Verdicts on candidates the selection then analysed in depth are dropped,
    and not counted: those files are judged again, in depth.
    """

    def __init__(self, run: _Run, checker: PlainChecker, plain: list[int]) -> None:
        self.run, self.checker, self.plain = run, checker, plain
        self.judged = 0
        self.counted: dict[int, int] = {}
        """Per chunk of the checker that is done, how many of its files count."""
        self.collected = 0
        """Plain files counted as ``results`` collected them."""
        self.started = False

    def start(self, total: int) -> None:
        self.started = True
        self.run.begin("judging", total)
        self.report()

    def forked(self, count: int) -> None:
        self.judged += count
        self.report()

    def checked(self, count: int) -> None:
        """``count`` plain files collected from the checker (its chunks' files, in order)."""
        self.collected += count
        self.report()

    def report(self) -> None:
        run = self.run
        if not self.started or run.progress is None:
            return
        deep = run._deep or set()  # (known by now wherever a candidate went to the workers)
        for number, first, count in self.checker.finished():
            if number not in self.counted:
                self.counted[number] = sum(1 for i in self.plain[first : first + count] if i not in deep)
        plain = max(sum(self.counted.values()), self.collected)
        run.done = 0
        run.tick(self.judged + plain)


def list_calls(
    paths: Iterable[Path],
    settings: Settings,
    cwd: Path | None = None,
    *,
    release: bool = True,
    progress: Progress | None = None,
    cache: Cache | None = None,
) -> CallsResult:
    """The inventory of model call sites under ``paths``, each concern judged where SPEC says.

    ``release``, ``progress`` and ``cache``: as for :func:`check_paths`. Each
    target's records are cached under its diagnostics' key, so an unchanged
    tree is listed without parsing, as it is checked.
    """
    paths = list(paths)
    run = _Run(paths, settings, cwd, progress, cache, kind="calls")
    if run.memo is not None:
        assert cache is not None
        remembered = _remembered_calls(run, cache)
        if remembered is not None:
            _save(cache, remembered)
            return remembered
        run = _Run(paths, settings, cwd, progress, cache, memo=False, kind="calls")
    result = CallsResult(errors=run.errors, missing=run.missing, capabilities=settings.capabilities)
    keys = run.cache_keys(cache) if cache is not None else {}
    found: dict[int, list[CallRecord]] = {}
    for index, key in keys.items():
        assert cache is not None
        cached = _cached_calls(cache, key, run.files[index].display)
        if cached is not None:
            found[index] = cached
    targets = [index for index, file in enumerate(run.files) if file.target]
    missing = [index for index in targets if index not in found]
    try:
        parsed = any(index in run.candidates for index in missing)
        if parsed:
            run.prepare(set())  # the project, whole: a file no model call can be in has no call site to list
            run.end()
        deep = run.deep if parsed else set()
        run.begin("judging", len(missing))
        judged: dict[int, list[CallRecord] | None] = {}
        for index in missing:
            run.tick()
            if index in deep:
                judged[index] = run.judge(
                    run.files[index], lambda prepared: run.engine.inventory(prepared, run.project)
                )
            else:
                judged[index] = []
    finally:
        if release:
            gc.unfreeze()  # what the run kept is garbage once it returns
    whole = len(run.errors) == run.discovery_errors  # as for check_paths: nothing that might be deep is cached
    for index, records in judged.items():
        if records is None:
            continue
        found[index] = records
        if cache is not None and (whole or index not in run.candidates):
            cache.put_records(cache.key("calls", keys[index]), [record.dump() for record in records])
    for index in targets:
        result.files += 1
        result.calls.extend(found.get(index, ()))
    if cache is not None:
        if whole and all(index in found and index in keys for index in targets):
            cache.remember_run(run.memo_name, [(run.files[i].display, keys[i]) for i in targets])
        _save(cache, result)
    result.calls.sort(key=lambda c: (c.path, c.span.line, c.span.column))
    return result


def _cached_calls(cache: Cache, key: str, display: str) -> list[CallRecord] | None:
    """The call records cached for a target's ``key`` (its diagnostics' key), shown at ``display``."""
    stored = cache.records(cache.key("calls", key))
    if stored is None:
        return None
    try:
        return [CallRecord.load(display, raw) for raw in stored]
    except (TypeError, ValueError, KeyError):  # an entry of another shape: judged again
        return None


def _remembered_calls(run: _Run, cache: Cache) -> CallsResult | None:
    """The inventory of a run cached whole; None if an entry it names is gone."""
    assert run.memo is not None
    result = CallsResult(
        errors=run.errors, missing=run.missing, files=len(run.memo), capabilities=run.settings.capabilities
    )
    for display, key in run.memo:
        records = _cached_calls(cache, key, display)
        if records is None:
            return None
        result.calls.extend(records)
    result.calls.sort(key=lambda c: (c.path, c.span.line, c.span.column))
    return result


@dataclass(frozen=True)
class EntryPoint:
    """A function no project code calls that reaches a model (``flow.entries``), where it is defined."""

    function: str
    """Its qualified name, as call records name functions (``pkg.script.<module>`` for a module's own code)."""
    module: str
    path: str
    line: int
    """The line of its ``def`` (1 for a module's own code)."""
    reaches: frozenset[str] = frozenset()
    """The functions it may run, itself included, named as call records name them."""


@dataclass
class EntriesResult:
    """The entry points of a run, and what it could not read (as :class:`CallsResult`)."""

    entries: list[EntryPoint] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)


def entry_points(
    paths: Iterable[Path],
    settings: Settings,
    cwd: Path | None = None,
    *,
    progress: Progress | None = None,
    cache: Cache | None = None,
) -> EntriesResult:
    """The entry points in the files under ``paths`` that reach a model, sorted by place (``ailint init``).

    Read over the program of the inventory's own run (the same files, module
    names and tests as :func:`list_calls`), so that the call records of a
    later :func:`list_calls` name the same functions; nothing is parsed or judged.
    """
    from ailint.flow.entries import entry_points as reaching_entries
    from ailint.flow.entries import reached

    run = _Run(list(paths), settings, cwd, progress, cache, memo=False, kind="calls")
    run.end()
    result = EntriesResult(errors=run.errors, missing=run.missing)
    program = run.program
    if program is None:
        return result
    targets = {file.module: file for file in run.files if file.target}
    found = []
    for name in reaching_entries(program):
        module = program.function_module.get(name, name)
        file = targets.get(module)
        if file is None:
            continue  # in the project, outside the paths asked for
        function = program.functions.get(name)
        reaches = frozenset(
            f"{qual}.<module>" if qual in program.summaries and qual not in program.functions else qual
            for qual in reached(program, name)
        )
        if function is None:  # a module's own code, as call records name it
            found.append(EntryPoint(f"{name}.<module>", module, file.display, 1, reaches))
        else:
            found.append(EntryPoint(name, module, file.display, function.line, reaches))
    result.entries = sorted(found, key=lambda e: (e.path, e.line, e.function))
    return result


# -- A project kept loaded between requests (``ailint server``) ---------------------------------


class LoadedProject:
    """A project parsed once and kept, whose files may be replaced by unsaved text and judged again.

    The language server holds one per project. Loading costs a cold run's
    parsing, without judging; an edit then costs the edited file's parsing
    and the judging of the files asked about: every memoised fact of the
    project is dropped (``Project.forget``) and recomputed, lazily, for the
    files judged. Every file is judged with the whole project, as
    :func:`check_paths` judges it.
    """

    def __init__(self, root: Path, settings: Settings, cache: Cache | None = None) -> None:
        """``root``: the project's folder (every file under it is read, as a run of ``check_paths([root])``)."""
        self.run = _Run([root], settings, root, cache=cache, memo=False)
        self.run.prepare(set())  # every file analysed in depth, and nothing else
        if cache is not None:
            cache.save()  # the walk and the files' imports, for the next run
        self._index = {os.path.realpath(f.path): i for i, f in enumerate(self.run.files)}

    @property
    def settings(self) -> Settings:
        return self.run.settings

    @property
    def errors(self) -> list[str]:
        """Lines for what could not be read or judged, taken out (each is reported once)."""
        return self.run._taken(0)

    def _file(self, path: Path) -> int:
        """The index of ``path`` in the run; a file the run did not find (new, or excluded) is added."""
        real = os.path.realpath(path)
        index = self._index.get(real)
        if index is None:
            run = self.run
            file = _File(
                path=Path(real),
                display=display_path(Path(real), run.cwd),
                modules=module_names(Path(real), run.settings.root, run.packages),
                is_package=Path(real).name == "__init__.py",
                target=True,
            )
            index = self._index[real] = len(run.files)
            run.files.append(file)
            run.importable.append(set(file.modules))
            run.imports.append(set())
            run.__dict__.pop("_owners", None)  # a cached property of the files
        return index

    def replace(self, path: Path, data: bytes | None) -> None:
        """Judge ``path`` from now on as ``data`` (unsaved text), or as it is on disk again (None).

        Unsaved text is analysed in depth whatever it imports (it may have
        just gained the import that makes it call a model); a file read from
        disk again, if the run analysed it in depth or it may call a model.
        """
        run = self.run
        index = self._file(path)
        file = run.files[index]
        old = run.prepared.pop(file.path, None)
        if old is not None and old.analysis is not None:
            run.project.discard(old.analysis, aliases=run.importable[index])
        file.stored, file.hashed, file.imported, file.bound = data, None, None, None
        if data is None:
            from ailint.engine import may_call_models

            deep = index in run.deep or may_call_models(file.data, run.engine.modules)
        else:
            deep = True
        run._prepare(index, run.ignores(), deep=deep, keep=False)
        if run.program is not None and index in run.reach:  # the program follows the edit (callers' handlers...)
            run.program = run.program_after_edit(index)
            run.project.program = run.program
        run.project.forget()

    def _prepared(self, path: Path) -> tuple[_File, Prepared]:
        run = self.run
        index = self._file(path)
        file = run.files[index]
        prepared = run.prepared.get(file.path)
        if prepared is None:  # a file no model call can be in, as it is on disk: syntax-checked only
            prepared = run.engine.prepare(run.task(index, run.ignores()), file.data, deep=False, kept=False)
        return file, prepared

    def diagnostics(self, path: Path) -> list[Diagnostic]:
        """The diagnostics of ``path``, as ``check_paths`` would report them in this project."""
        file, prepared = self._prepared(path)
        project = self.run.project if prepared.analysis is not None else None
        return self._judged(file, lambda: self.run.engine.finish(prepared, project))

    def calls(self, path: Path) -> list[CallRecord]:
        """The call sites of ``path`` with each concern's status, as ``list_calls`` lists them."""
        file, prepared = self._prepared(path)
        if prepared.analysis is None:
            return []
        return self._judged(file, lambda: self.run.engine.inventory(prepared, self.run.project))

    def _judged(self, file: _File, judge: Callable[[], list[T]]) -> list[T]:
        try:
            return judge()
        except Exception as exc:  # a bug in ailint must cost one file, not the server
            self.run.internal_error(file, exc)
            return []


# -- the value-flow engine on its own: ``ailint callgraph`` and ``ailint calls --explain`` ----------


def follow_values(paths: Iterable[Path], settings: Settings, cwd: Path | None = None) -> tuple[Program, list[str]]:
    """The solved program of every Python file under ``paths``, and error lines (files that could not be read).

    Unlike a check, which reads only the files a model value can reach, this
    reads them all: the call graph and the explanations cover the whole code.
    """
    from ailint.cache import Cache
    from ailint.flow.reach import summaries
    from ailint.flow.solve import solve
    from ailint.knowledge import builtin, with_extra_call_sites

    where = (cwd or Path.cwd()).resolve()
    found = discover(list(paths), settings.root, settings.exclude, where)
    errors = list(found.errors) + [f"{p}: no such file or directory" for p in found.missing]
    packages: dict[str, bool] = {}
    files = [
        _File(
            path=path,
            display=display_path(path, where),
            modules=module_names(path, settings.root, packages),
            is_package=path.name == "__init__.py",
            target=True,
        )
        for path in found.files
    ]
    for file in files:  # named from the folder read, as its own code imports it (``main``, not ``folder.main``)
        relative = relative_posix(file.path, settings.root)
        dotted = relative.removesuffix(".py").removesuffix("/__init__").replace("/", ".") if relative else None
        if dotted in file.modules[1:]:
            file.modules = [dotted, *(m for m in file.modules if m != dotted)]
    aliases = {name: f.module for f in files for name in f.modules}
    tests = set()
    for file in files:
        relative = relative_posix(file.path, settings.root)
        if is_test_path(relative if relative is not None else file.display, settings.tests):
            tests.add(file.module)
    cache = Cache(settings.root, settings) if settings.root.is_dir() else None
    read = summaries([(f.module, f.is_package, f) for f in files], cache)
    knowledge = with_extra_call_sites(builtin(), settings.call_site_extra)
    return solve(read, knowledge, tests, aliases), errors
