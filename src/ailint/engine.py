"""Check one file: bytes, prefilter, parse, one metadata wrapper, rules.

The engine never branches on a rule code. It turns a file into
``Diagnostic``s in four steps:

1. read the file's directives (suppressions, pragmas) from its comments;
2. decide cheaply whether the file can contain a model call at all (an
   import of a provider module); files that cannot are only syntax-checked
   with the standard library's fast parser and never parsed by LibCST;
3. otherwise parse with LibCST (which honours PEP 263 and BOMs), wrap the
   module once with ``unsafe_skip_copy=True``, find the call sites and hand
   each one to the enabled call rules;
4. compute positions only for the findings, then apply selection,
   per-file ignores, suppressions and severity overrides.
"""

from __future__ import annotations

import ast
import gc
import io
import re
import symtable
import sys
import tokenize
import warnings
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import TYPE_CHECKING, TypeVar

from ailint.diagnostics import Diagnostic, Severity, Span
from ailint.discovery import is_script_path, is_test_path
from ailint.fingerprint import fingerprint, normalise
from ailint.knowledge import Knowledge
from ailint.rules import registry
from ailint.rules.ail0xx_meta import InvalidPragma, SyntaxErrorRule, UnusedSuppression
from ailint.rules.base import Finding, RuleContext
from ailint.settings import Settings
from ailint.suppress import Directives, scan

CHECKS = ("validation", "confidence", "logging", "errors", "timeout", "authority", "exec", "usage")
"""The concerns of the ``ailint calls`` inventory, in document order."""
CHECK_HEADINGS = {
    "validation": "valid",
    "confidence": "conf",
    "logging": "log",
    "errors": "errors",
    "timeout": "timeout",
    "authority": "auth",
    "exec": "exec",
    "usage": "usage",
}
"""Short column headings for the concerns, shared by ``ailint calls`` and ``ailint report``."""

if TYPE_CHECKING:
    import libcst as cst
    from libcst.metadata import MetadataWrapper

    from ailint.analysis.calls import CallSite, FileAnalysis
    from ailint.analysis.layout import Layouts
    from ailint.analysis.project import Project
    from ailint.api import CallRecord, CapabilityRecord


@dataclass(frozen=True)
class FileTask:
    """One file to check, with everything that depends on its path."""

    display: str
    """The path as printed: POSIX, relative to the working directory."""
    module: str
    """Dotted module name relative to the project root (``acme.llm``)."""
    ignored: frozenset[str] = frozenset()
    """Codes switched off for this file by ``per-file-ignores``."""
    is_package: bool = False
    """Whether the file is a package's ``__init__.py`` (relative imports start there)."""
    relative: str = ""
    """POSIX path relative to the project root (``[tool.ailint.authority] paths`` match it)."""
    cells: tuple[tuple[int, int], ...] = ()
    """A notebook's code cells: each one's number and the line it starts at (``ailint.notebook``)."""
    problem: tuple[int, int, str] | None = None
    """Why a notebook could not be read, and where in its file: reported as AIL001."""


@dataclass(eq=False)
class Prepared:
    """A file read and, when it may call models, parsed and collected; not yet judged."""

    task: FileTask
    directives: Directives
    diagnostics: list[Diagnostic] = field(default_factory=list)
    """AIL001/AIL002, known before any call site is judged."""
    wrapper: MetadataWrapper | None = None
    analysis: FileAnalysis | None = None


@lru_cache(maxsize=1)
def _known_codes() -> dict[str, str]:
    """Codes and kebab names, each mapped to its code, for pragma validation."""
    known = {code: code for code in registry.ALL_CODES}
    known.update({name: rule.code for name, rule in registry.BY_NAME.items()})
    return known


@lru_cache(maxsize=8)
def _import_pattern(modules: frozenset[str]) -> re.Pattern[bytes]:
    """Matches an import of any of ``modules`` (at any indentation)."""
    names = b"|".join(re.escape(m.encode()) for m in sorted(modules))
    dynamic = rb"\b(?:__import__|import_module)\(\s*[\"'](?:" + names + rb")\b"  # ``__import__("ollama")``
    return re.compile(
        rb"^(?:\xef\xbb\xbf)?[ \t]*(?:from[ \t]+(?:" + names + rb")\b|import[ \t]+[^\n#]*\b(?:" + names + rb")\b)"
        rb"|" + dynamic,
        re.MULTILINE,
    )


def may_call_models(data: bytes, modules: frozenset[str]) -> bool:
    """The prefilter: does the file import a module whose APIs are model calls?

    Mentioning "openai" in a string or comment is not enough; an import is.
    """
    return bool(modules) and _import_pattern(modules).search(data) is not None


def _syntax_error_diagnostic(task: FileTask, line: int, column: int, message: str) -> Diagnostic:
    return SyntaxErrorRule.diagnostic(task.display, Span.point(max(line, 1), max(column, 1)), error=message)


Error = tuple[int, int, str]
"""Where a file cannot be parsed or analysed, and why: line, column (1-based) and message."""

TOO_DEEP = "the file is too deeply nested to parse"
TOO_DEEP_TO_ANALYSE = "the file is too deeply nested to analyse"
MAX_DEPTH = 200
"""The deepest syntax tree that is handed to LibCST, in LibCST's levels.

LibCST's native parser recurses on the C stack with no limit of its own: a
few thousand nested operators overflow an 8 MB stack and kill the process,
and a few hundred nested calls already take it seconds. Its Python side
(positions, code generation) exceeds the default recursion limit from about
280 levels anyway. The deepest file of the standard library has 34 levels.
"""
MAX_BRACKETS = 200
"""Brackets nested deeper than CPython's own limit are never handed to LibCST."""
UNGUARDED_SIZE = 100_000
"""Python 3.10 builds its syntax tree with no recursion limit: a chain of about
100,000 operators (200 KB in one expression) crashes it. Bigger files are
measured by their tokens before that Python compiles them."""
MAX_PATTERN_DEPTH = 8
"""The deepest ``case`` pattern handed to LibCST: its time grows about fourfold
with each level of nested mapping or tuple patterns (a second at ten levels)."""


def _null_byte(data: bytes) -> Error | None:
    """Where the first NUL byte is; Python versions disagree on how to report it."""
    index = data.find(b"\0")
    if index == -1:
        return None
    line = data.count(b"\n", 0, index) + 1
    column = index - (data.rfind(b"\n", 0, index) + 1) + 1
    return line, column, "source contains a null byte"


def _stdlib_parse(data: bytes) -> tuple[ast.Module | None, Error | None]:
    """The standard library parser's tree, or its error's line, column and message.

    CPython's parser guards its own stack: nesting it cannot handle is a
    ``SyntaxError``, ``RecursionError`` or ``MemoryError``, never a crash.
    """
    if _unguarded_too_deep(data):
        return None, (1, 1, TOO_DEEP)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = _at_depth(0, lambda: compile(data, "<ailint>", "exec", flags=ast.PyCF_ONLY_AST, dont_inherit=True))
    except (SyntaxError, ValueError) as exc:  # ValueError: null bytes on Python < 3.12
        if "null byte" in str(exc):
            return None, _null_byte(data) or (1, 1, "source contains a null byte")
        if isinstance(exc, SyntaxError):
            return None, (exc.lineno or 1, exc.offset or 1, exc.msg)
        return None, (1, 1, str(exc))
    except (RecursionError, MemoryError):
        return None, (1, 1, TOO_DEEP)
    assert isinstance(tree, ast.Module)
    return tree, None


def _unguarded_too_deep(data: bytes) -> bool:
    """Whether Python 3.10, whose parser has no depth limit, must not be handed ``data``."""
    return sys.version_info < (3, 11) and len(data) > UNGUARDED_SIZE and _nesting(data, UNGUARDED_SIZE // 5) is True


T = TypeVar("T")
MAX_FRAMES = 250
"""The deepest point of the stack :func:`_at_depth` descends to (a quarter of the default recursion limit)."""


def _at_depth(below: int, call: Callable[[], T]) -> T:
    """``call()`` made ``below`` frames under a fixed depth of the Python stack, where that budget is spent.

    On Python 3.10 and 3.11 how deep a tree CPython converts to Python
    objects (and how deep a symbol table it walks) shrinks by three levels
    for each Python frame of the caller. Called at the same depth from the
    main process, a pool worker or a forked process, a file nested near that
    limit gets the same verdict with any ``--jobs``. The depth is a quarter
    of the recursion limit, above every caller's own (or where the caller
    already is, if deeper), and never more than ``MAX_FRAMES``: a host that
    raised the limit would otherwise pay a frame per level for every file
    (49 ms a file at a limit of a million), and processes that do not
    inherit the raised limit (spawned, not forked) would go to another depth.
    """
    if not _FRAME_BUDGET:
        return call()
    frame, depth = sys._getframe(), 0
    while frame is not None:
        depth += 1
        frame = frame.f_back  # type: ignore[assignment]
    return _down(min(sys.getrecursionlimit() // 4, MAX_FRAMES) + below - depth, call)


def _down(frames: int, call: Callable[[], T]) -> T:
    return _down(frames - 1, call) if frames > 0 else call()


SYMTABLE_HEADROOM = 400
"""Python frames below the tree's depth (``_at_depth``) at which :func:`_symtable_accepts` builds a symbol table.

On Python 3.11 the symbol table's walk and the conversion of the tree to
Python objects each stop at a depth limit set from the same budget, which
shrinks by three levels per Python frame of the caller. The conversion
counts more node kinds than the walk (the module, keywords, a lambda's
arguments): up to about 750 more on one path, with lambdas nested as deep as
the parser allows. Built 400 frames down (1,200 levels), the table fails on
every file whose tree would, and on files deeper than real code ever is;
those are parsed as a tree. Python 3.10's conversion has no limit at all.
"""
_FRAME_BUDGET = sys.version_info < (3, 12)
"""Whether those budgets follow the Python stack: from 3.12 they follow the C stack, out of reach."""


def _symtable_accepts(data: bytes) -> bool:
    """Whether CPython builds the symbol table of ``data``: proof that its tree would parse.

    The same parser reads the bytes (with the same coding cookie, BOM and
    null-byte rules) and only the symbol table is built, at about half the
    cost of the tree. Any refusal proves nothing: the symbol table rejects
    valid trees too (``nonlocal`` at module level, an unknown ``__future__``
    feature), so a refused file is parsed again as a tree, which gives the
    error reported today or none at all.
    """
    if not _FRAME_BUDGET:
        return False
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            # bytes: the coding cookie is honoured
            _at_depth(SYMTABLE_HEADROOM, lambda: symtable.symtable(data, "<ailint>", "exec"))  # type: ignore[arg-type]
    except Exception:  # whatever the reason, the tree decides
        return False
    return True


def _stdlib_syntax_error(data: bytes) -> Error | None:
    """The standard library parser's verdict: None if it parses, else line, column, message.

    Plain files need only the verdict, not the tree: a symbol table that
    builds settles it; otherwise the tree is parsed for the exact error, at
    the same depth of the stack as ever (its depth limit depends on it).
    """
    if _parses(data):
        return None
    return _stdlib_parse(data)[1]


def _parses(data: bytes) -> bool:
    """Whether CPython's parser accepts ``data`` and its tree would be built; False when unsure."""
    return not _unguarded_too_deep(data) and _symtable_accepts(data)


_BLOCKS = (
    ast.FunctionDef,
    ast.AsyncFunctionDef,
    ast.ClassDef,
    ast.If,
    ast.For,
    ast.AsyncFor,
    ast.While,
    ast.With,
    ast.AsyncWith,
    ast.Try,
    getattr(ast, "TryStar", ast.Try),
    ast.ExceptHandler,
    ast.match_case,
)
"""Nodes whose statements LibCST puts in an indented block and a statement line: three levels."""
_WRAPPED = (ast.Call, ast.List, ast.Tuple, ast.Set, ast.Dict, ast.Subscript, ast.JoinedStr)
"""Nodes whose children LibCST wraps (``Arg``, ``Element``, ``SubscriptElement``...): two levels."""


def _elif(node: ast.AST) -> ast.If | None:
    """The ``elif`` branch of an ``if``: the ``if`` alone in its ``orelse``, at the same indentation."""
    if isinstance(node, ast.If) and len(node.orelse) == 1:
        branch = node.orelse[0]
        if isinstance(branch, ast.If) and branch.col_offset == node.col_offset and branch.lineno > node.lineno:
            return branch
    return None


StdlibSpan = tuple[int, int, int, int]
"""Where CPython puts a node: line, column (UTF-8 bytes), end line, end column."""


def _span(node: ast.expr | ast.excepthandler) -> StdlibSpan:
    return node.lineno, node.col_offset, node.end_lineno or node.lineno, node.end_col_offset or 0


_STEPS: dict[type[ast.AST], int] = {**dict.fromkeys(_BLOCKS, 3), **dict.fromkeys(_WRAPPED, 2)}
_PATTERNS = frozenset(ast.pattern.__subclasses__())


def _too_deep(tree: ast.Module, spans: tuple[list[StdlibSpan], list[StdlibSpan]] | None = None) -> Error | None:
    """Where ``tree`` is nested deeper than ``MAX_DEPTH``, counted as LibCST nests it.

    LibCST wraps blocks, arguments and elements in nodes of their own, and
    nests an ``and``/``or`` chain, which CPython keeps flat, one level per
    operand; an ``elif`` is one level, as in both trees (dispatch chains of a
    hundred branches are common). Every node of every file analysed in depth
    passes through here, so the walk dispatches on exact node types, reads
    fields directly (``ast.iter_child_nodes`` costs twice as much) and records
    the spans of calls and ``except`` clauses for ``analysis.positions`` on
    the way (a function call per node cost as much as the rest of the walk).
    """
    calls, handlers = spans if spans is not None else ([], [])
    add_call, add_handler, step_of = calls.append, handlers.append, _STEPS.get
    stack: list[tuple[ast.AST, int, int, int, int]] = [(tree, 0, 0, 1, 0)]
    pop, push = stack.pop, stack.append
    while stack:
        node, depth, patterns, line, column = pop()
        kind = type(node)
        if kind is ast.Call or kind is ast.ExceptHandler:
            span = _span(node)  # type: ignore[arg-type]
            if kind is ast.Call:
                add_call(span)
            else:
                add_handler(span)
            line, column = span[0], span[1]
        elif "lineno" in node._attributes:
            line, column = node.lineno, node.col_offset  # type: ignore[attr-defined]
        if depth > MAX_DEPTH:
            return line, column + 1, f"{TOO_DEEP} (more than {MAX_DEPTH} levels)"
        if kind in _PATTERNS:
            patterns += 1
            if patterns > MAX_PATTERN_DEPTH:
                return line, column + 1, f"{TOO_DEEP} (a pattern nested more than {MAX_PATTERN_DEPTH} levels)"
        below = depth + (len(node.values) if kind is ast.BoolOp else step_of(kind, 1))  # type: ignore[attr-defined]
        following = _elif(node) if kind is ast.If else None
        for name in node._fields:
            value = getattr(node, name, None)
            if type(value) is list:
                for item in value:
                    if isinstance(item, ast.AST):
                        push((item, depth + 1 if item is following else below, patterns, line, column))
            elif isinstance(value, ast.AST):
                push((value, depth + 1 if value is following else below, patterns, line, column))
    return None


_FLAT_OPERATORS = frozenset({",", ":", ";", "=", ")", "]", "}"})
_LAYOUT = frozenset({tokenize.ENCODING, tokenize.INDENT, tokenize.DEDENT, tokenize.NL, tokenize.COMMENT})
_NESTING_KEYWORDS = frozenset({"and", "or", "not", "lambda", "if", "else", "elif", "await", "yield", "for", "in", "is"})


def _may_be_too_deep(data: bytes) -> bool:
    """Whether a file that CPython rejected may nest too deeply for LibCST.

    CPython stops at its first error, so it says nothing about the depth of the
    rest. A file that cannot even be tokenized is not handed to LibCST.
    """
    return _nesting(data, MAX_DEPTH, MAX_BRACKETS, MAX_PATTERN_DEPTH) is not False


def _nesting(data: bytes, depth: int, brackets_limit: int = 10**9, pattern_limit: int = 10**9) -> bool | None:
    """Whether the tokens of ``data`` may nest deeper than the limits; None if it cannot be tokenized.

    The tokens bound the depth: every level of an expression needs an
    operator, a keyword or an opening bracket of its own, each ``elif`` is one
    more level, and a ``case`` pattern nests by brackets.
    """
    if b"\0" in data:  # never valid Python, and CPython 3.12's tokenizer can fail on it with a SystemError
        return None
    brackets = chain = elifs = 0
    line_start, in_pattern = True, False
    try:
        for token in tokenize.tokenize(io.BytesIO(data).readline):
            if token.type == tokenize.NEWLINE:
                chain, line_start = 0, True
                continue
            if token.type in _LAYOUT:
                continue
            if line_start:
                in_pattern, line_start = token.string == "case", False
            if token.type == tokenize.OP and token.string not in _FLAT_OPERATORS:
                chain += 1
                brackets += token.string in ("(", "[", "{")
            elif token.type == tokenize.OP and token.string in (")", "]", "}"):
                brackets -= 1
            elif token.type == tokenize.NAME and token.string in _NESTING_KEYWORDS:
                chain += 1
                elifs += token.string == "elif"
            if brackets > (pattern_limit if in_pattern else brackets_limit) or max(chain, elifs) > depth:
                return True
    except (tokenize.TokenError, SyntaxError, ValueError, LookupError, MemoryError):
        return None
    return False


@contextmanager
def collector_paused() -> Iterator[None]:
    """The cyclic garbage collector held off while a syntax tree is built (and, for callers, used).

    Building a tree makes a million objects and no garbage cycles, but every
    few hundred allocations the collector scans the young objects, and the
    oldest generation whenever it has grown by a quarter: with the project's
    trees frozen, that is the tree being built, again and again (a sixth of
    the time of analysing langchain's files). Whatever is dropped meanwhile
    is collected once the collector is back. Nested pauses end with the outermost.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _no_validation(self: object) -> None:
    """Stands in for ``CSTNode.__post_init__`` while a tree of bytes CPython accepted is built."""


@contextmanager
def _unvalidated(node: type) -> Iterator[None]:
    """LibCST nodes built without validating each one as it is made.

    A node validates its fields when constructed (``CSTNode.__post_init__``),
    which guards trees that code builds by hand; the parser's nodes are made
    from source the grammar has just accepted. On bytes CPython accepted too,
    it is a sixth of the parse (measured on langchain), and nothing else: on
    the 5,111 files of the standard library, langchain, vanna and instructor,
    every file parses alike with or without it, to the same code and the same
    nodes. Should LibCST move the hook, nothing
    is replaced and nodes validate as before. The hook is the class's, so for
    the length of a parse no node built in this process validates (nothing
    else builds nodes meanwhile: a run checks files one after another).
    """
    original = node.__dict__.get("__post_init__")
    if original is None:
        yield
        return
    node.__post_init__ = _no_validation  # type: ignore[attr-defined]
    try:
        yield
    finally:
        node.__post_init__ = original  # type: ignore[attr-defined]


def _libcst_parse(
    data: bytes, accepted: bool = False, layouts: Layouts | None = None, tree: ast.Module | None = None
) -> tuple[cst.Module | None, Error | None]:
    """Parse with LibCST: the module, or the error's line, column and message.

    Only for bytes whose depth is known to be safe (``_analysable``);
    ``accepted``: CPython parsed them, so nodes need no validation (:func:`_unvalidated`);
    ``layouts``: the table the tree takes its layout from as it is built (``analysis.layout``);
    ``tree``: CPython's tree of the bytes, which lets a large file be parsed in pieces (``analysis.pieces``).
    """
    import libcst as cst

    try:
        with _unvalidated(cst.CSTNode) if accepted else nullcontext(), _layout_from(layouts) as used:
            module = _in_pieces(data, tree) if tree is not None else None
            if module is None:
                module = cst.parse_module(data)
        if layouts is not None and not used[0]:
            from ailint.analysis.layout import share_layout

            share_layout(module, layouts)  # a LibCST that does not look its classes up: shared afterwards
        return module, None
    except cst.ParserSyntaxError as exc:
        return None, (exc.raw_line, exc.raw_column + 1, exc.message.splitlines()[0])
    except (SyntaxError, UnicodeDecodeError, LookupError) as exc:
        return None, (1, 1, str(exc))
    except (RecursionError, MemoryError):
        return None, (1, 1, TOO_DEEP)


def _in_pieces(data: bytes, tree: ast.Module) -> cst.Module | None:
    """The tree of a large file parsed in pieces, or None to parse it whole (small, or pieces that do not join).

    Whatever fails in a piece, the whole file is parsed again, so that its error is the whole file's.
    """
    from ailint.analysis import pieces

    if len(data) < 2 * pieces.PIECE:
        return None
    try:
        return pieces.parse_in_pieces(data, tree, pieces.PIECE)
    except Exception:  # a piece LibCST rejects: the whole file says where, or parses after all
        return None


@contextmanager
def _layout_from(layouts: Layouts | None) -> Iterator[list[bool]]:
    """:func:`analysis.layout.interned` on ``layouts``; nothing without a table (the flag says it was used)."""
    if layouts is None:
        yield [True]
        return
    from ailint.analysis.layout import interned

    with interned(layouts) as used:
        yield used


def _second_opinion(data: bytes, error: Error, layouts: Layouts | None = None) -> tuple[cst.Module | None, Error]:
    """LibCST's tree of a file CPython rejected, or CPython's error (usually the clearer).

    LibCST may know syntax newer than the running Python (PEP 695 on 3.11).
    """
    if error[2] == TOO_DEEP or _may_be_too_deep(data):
        return None, error
    module, _ = _libcst_parse(data, layouts=layouts)
    return module, error


def _analysable(
    data: bytes,
    spans: tuple[list[StdlibSpan], list[StdlibSpan]] | None = None,
    layouts: Layouts | None = None,
    parsed: tuple[ast.Module | None, Error | None] | None = None,
) -> tuple[cst.Module | None, Error | None]:
    """The LibCST tree for deep analysis, or the error to report as AIL001.

    LibCST only ever sees bytes whose nesting is known to be safe for it:
    measured on CPython's tree when CPython accepts the file, bounded by its
    tokens when it does not. The tree's layout comes from ``layouts``;
    ``parsed`` is CPython's verdict when the caller has it (``_stdlib_parse``).
    """
    tree, error = parsed if parsed is not None else _stdlib_parse(data)
    if tree is None:
        assert error is not None
        module, error = _second_opinion(data, error, layouts)
        return (module, None) if module is not None else (None, error)
    error = _too_deep(tree, spans)
    if error is not None:
        return None, error
    module, error = _libcst_parse(data, accepted=True, layouts=layouts, tree=tree)
    if module is None and error is not None:  # e.g. ``(name): int``, which LibCST 1.9 does not accept
        line, column, message = error
        return None, (line, column, f"valid Python that LibCST cannot parse yet ({message})")
    return module, None


def stack_exhausted(exc: BaseException) -> bool:
    """Whether ``exc`` is, or was raised while handling, the exhaustion of the stack or memory.

    LibCST turns a ``RecursionError`` inside its position tracking into a ``KeyError``.
    """
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, (RecursionError, MemoryError)):
            return True
        seen = seen.__context__
    return False


class Engine:
    """Checks files against one run's settings; built once per process."""

    def __init__(self, settings: Settings, knowledge: Knowledge) -> None:
        self.settings = settings
        self.knowledge = knowledge
        self.call_rules = registry.call_rules(settings.enabled)
        self.all_call_rules = registry.call_rules(registry.ALL_CODES)
        self.modules = knowledge.modules | frozenset(name.split(".", 1)[0] for name in settings.call_site_extra)
        self.layouts: Layouts = {}
        """The layout shared by the trees this engine keeps (see ``analysis.layout``)."""

    def check(self, task: FileTask, data: bytes) -> list[Diagnostic]:
        """Every diagnostic of one file, analysed on its own (no other project files)."""
        from ailint.analysis.project import Project

        prepared = self.prepare(task, data, deep=may_call_models(data, self.modules))
        project = Project(self.knowledge)
        if prepared.analysis is not None:
            project.add(prepared.analysis)
        return self.finish(prepared, project)

    def prepare(self, task: FileTask, data: bytes, *, deep: bool, kept: bool = True) -> Prepared:
        """Read a file's directives and, if ``deep``, parse and collect it for the project.

        Files that are not analysed in depth are only syntax-checked, cheaply,
        and first: whether CPython parses them also spares reading their
        comments with ``tokenize``. A tree that is ``kept`` takes its layout
        from the engine's table (``analysis.layout``); one that is not (judged
        and dropped at once) from a table of its own, dropped with it: the
        engine's would grow with comments nothing else has.
        """
        if task.problem is not None:  # a notebook that is not one: nothing else to read
            prepared = Prepared(task=task, directives=scan(b"", _known_codes()))
            prepared.diagnostics.append(_syntax_error_diagnostic(task, *task.problem))
            return prepared
        deep = deep and bool(self.call_rules)
        error = None if deep else _stdlib_syntax_error(data)
        # CPython's tree of a deep file, parsed once: for the directives' question, and for the analysis.
        stdlib = lru_cache(maxsize=1)(lambda: _stdlib_parse(data))
        parses = (lambda: stdlib()[0] is not None) if deep else (lambda: error is None)
        directives = scan(data, _known_codes(), parses=parses)
        prepared = Prepared(task=task, directives=directives)
        if directives.ignore_file:
            return prepared
        prepared.diagnostics.extend(self._problems(task, directives))
        if deep:
            with collector_paused():
                self._collect(prepared, data, kept, stdlib())
        elif error is not None:
            module, error = _second_opinion(data, error)
            if module is None:  # both parsers agree the file is broken
                prepared.diagnostics.append(_syntax_error_diagnostic(task, *error))
        return prepared

    def _problems(self, task: FileTask, directives: Directives) -> Iterable[Diagnostic]:
        for problem in directives.problems:
            span = Span(problem.line, problem.column, problem.line, problem.end_column)
            yield InvalidPragma.diagnostic(task.display, span, problem=problem.message)

    def _collect(
        self, prepared: Prepared, data: bytes, kept: bool, parsed: tuple[ast.Module | None, Error | None]
    ) -> None:
        """Parse and collect a deep file; ``parsed``: CPython's tree of it, or its error (``_stdlib_parse``)."""
        from libcst.metadata import MetadataWrapper

        from ailint.analysis.calls import collect
        from ailint.analysis.positions import FastPositions

        spans: tuple[list[StdlibSpan], list[StdlibSpan]] = ([], [])
        module, error = _analysable(data, spans, self.layouts if kept else {}, parsed)
        if module is None:
            assert error is not None
            prepared.diagnostics.append(_syntax_error_diagnostic(prepared.task, *error))
            return
        task = prepared.task
        wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
        try:
            analysis = collect(wrapper.module, task.module, self.knowledge, is_package=task.is_package)
        except Exception as exc:
            if not stack_exhausted(exc):
                raise
            prepared.diagnostics.append(_syntax_error_diagnostic(task, 1, 1, TOO_DEEP_TO_ANALYSE))
            return
        prepared.wrapper = wrapper
        analysis.metadata = prepared.wrapper
        analysis.fast_positions = FastPositions(module, data, *spans)
        analysis.directives = prepared.directives
        analysis.relative_path = task.relative
        prepared.analysis = analysis

    def collect_only(self, module: str, data: bytes, is_package: bool) -> FileAnalysis | None:
        """Read a file for the project's facts only (no diagnostics); None if it does not parse."""
        from ailint.analysis.calls import collect

        with collector_paused():
            parsed, _ = _analysable(data, layouts=self.layouts)
            if parsed is None:
                return None
            try:
                return collect(parsed, module, self.knowledge, is_package=is_package)
            except Exception as exc:
                if not stack_exhausted(exc):
                    raise
                return None

    def finish(self, prepared: Prepared, project: Project | None) -> list[Diagnostic]:
        """Judge the call sites of a prepared file, now that the whole project is known.

        A file that was not analysed in depth needs no project (None): it is
        finished without LibCST ever being imported.
        """
        if prepared.directives.ignore_file:
            return []
        diagnostics = list(prepared.diagnostics)
        owners: dict[tuple[int, int, str], str] = {}
        if prepared.analysis is not None and prepared.wrapper is not None:
            assert project is not None, "a file analysed in depth is judged within its project"
            try:
                diagnostics.extend(self._judge(prepared, project, owners))
            except Exception as exc:
                if not stack_exhausted(exc):
                    raise
                diagnostics.append(_syntax_error_diagnostic(prepared.task, 1, 1, TOO_DEEP_TO_ANALYSE))
        found = merge_repeated(self._finish(prepared.task, diagnostics, prepared.directives), owners)
        return in_cells(found, prepared.task.cells) if prepared.task.cells else found

    def inventory(self, prepared: Prepared, project: Project) -> list[CallRecord]:
        """The file's call sites with each concern's status; none for a file too deep to analyse."""
        try:
            return self._inventory(prepared, project)
        except Exception as exc:
            if not stack_exhausted(exc):
                raise
            return []

    def _inventory(self, prepared: Prepared, project: Project) -> list[CallRecord]:
        """The file's call sites with each concern's status (``ailint calls``).

        Every call rule is consulted, whatever the selection: the inventory
        describes readiness, and agrees with the diagnostics by construction.
        """
        from ailint.api import CallRecord

        if prepared.analysis is None or prepared.wrapper is None or prepared.directives.ignore_file:
            return []
        sites = project.sites(prepared.analysis)
        if not sites:
            return []
        context = RuleContext(analysis=prepared.analysis, settings=self.settings, project=project)
        from ailint.analysis.concerns import authority

        rules = self.all_call_rules
        analysis = prepared.analysis
        records = []
        for site in sites:
            checks = dict.fromkeys(CHECKS, "n/a")
            more: dict[str, str] = {}
            for rule in rules:
                if not rule.applies(site, context):
                    continue
                failed = next(iter(rule.check(site, context)), None) is not None
                into = checks if rule.check_name in checks else more
                if failed or into.get(rule.check_name) != "fail":
                    into[rule.check_name] = "fail" if failed else "pass"
            where = analysis.position(site.node)
            if where is None:
                raise KeyError("no position for a call")
            cell = cell_start = 0
            if prepared.task.cells:
                from ailint.notebook import locate

                cell, in_cell = locate(prepared.task.cells, where[0])
                cell_start = where[0] - in_cell + 1
            records.append(
                CallRecord(
                    path=prepared.task.display,
                    span=Span(where[0], where[1] + 1, where[2], where[3] + 1),
                    provider=site.provider.name,
                    api=site.api,
                    operation=site.operation,
                    kind=site.kind,
                    function=site.function,
                    authority=authority(site, self.settings).mode if site.operation == "generate" else None,
                    checks=checks,
                    is_async=site.is_async,
                    streaming=site.streaming,
                    test=is_test_path(prepared.task.relative, self.settings.tests),
                    explanation=project.explain(site),
                    cell=cell,
                    cell_start=cell_start,
                    more=more,
                    capabilities=_capability_records(site, project, self.settings),
                )
            )
        return records

    def _judge(
        self, prepared: Prepared, project: Project, owners: dict[tuple[int, int, str], str] | None = None
    ) -> list[Diagnostic]:
        """The file's diagnostics; ``owners`` receives the function each one is in (for ``merge_repeated``)."""
        assert prepared.analysis is not None and prepared.wrapper is not None
        if is_test_path(prepared.task.relative, self.settings.tests):
            return []  # tests are read (their calls are listed) but not judged: SPEC section 2
        context = RuleContext(analysis=prepared.analysis, settings=self.settings, project=project)
        findings: list[tuple[str, Finding]] = []
        script = is_script_path(prepared.task.relative, self.settings.scripts)
        demo = () if script else _main_blocks(prepared.analysis)
        for site in project.sites(prepared.analysis):
            if not script and demo and site.record is None:
                line = prepared.analysis.line(site.node)
                in_script = any(start <= line <= end for start, end in demo)
            else:
                in_script = script
            for rule in self.call_rules:
                if in_script and rule.operational:
                    continue  # a script's or a demo's request needs no production logging, handling or bounds
                if rule.applies(site, context):
                    findings.extend((site.function, finding) for finding in rule.check(site, context))
        if not findings:
            return []
        analysis = prepared.analysis
        diagnostics = []
        task = prepared.task
        module = prepared.wrapper.module
        # A call site usually has several findings on one node: its position and source are found once.
        located: dict[int, tuple[tuple[int, int, int, int], str]] = {}
        for function, finding in findings:
            meta = registry.BY_CODE[finding.code]
            known = located.get(id(finding.node))
            if known is None:
                where = analysis.position(finding.node)
                if where is None:
                    raise KeyError(f"no position for a {type(finding.node).__name__} node")
                known = located[id(finding.node)] = (where, normalise(module.code_for_node(finding.node)))
            where, source = known
            if owners is not None:
                owners[(where[0], where[1] + 1, finding.code)] = function
            diagnostics.append(
                Diagnostic(
                    path=task.display,
                    span=Span(where[0], where[1] + 1, where[2], where[3] + 1),
                    code=finding.code,
                    name=meta.name,
                    severity=finding.severity or meta.severity,
                    message=finding.message,
                    provider=finding.provider,
                    api=finding.api,
                    fingerprint=fingerprint(finding.code, function, source, normalised=True),
                )
            )
        return diagnostics

    def _finish(self, task: FileTask, diagnostics: list[Diagnostic], directives: Directives) -> list[Diagnostic]:
        used: set[tuple[int, str]] = set()
        kept = self._kept(task, diagnostics, directives, used)
        broken = any(d.code == SyntaxErrorRule.code for d in diagnostics)
        if UnusedSuppression.code in self.settings.enabled and not broken:
            kept.extend(self._kept(task, self._unused(task, directives, used), directives, used))
        return sorted(kept, key=lambda d: d.sort_key)

    def _kept(
        self, task: FileTask, diagnostics: Iterable[Diagnostic], directives: Directives, used: set[tuple[int, str]]
    ) -> list[Diagnostic]:
        """Apply selection, per-file ignores, suppressions and severity overrides.

        Adds to ``used`` each ``(line, code)`` suppression that silenced something (for AIL003).
        """
        kept = []
        for diagnostic in diagnostics:
            if diagnostic.code not in self.settings.enabled or diagnostic.code in task.ignored:
                continue
            silenced = directives.silencing(diagnostic)
            if silenced:
                used |= silenced
                continue
            override = self.settings.severity.get(diagnostic.code)
            if override is not None and override is not diagnostic.severity:
                diagnostic = _with_severity(diagnostic, override)
            if not diagnostic.fingerprint:  # AIL001/AIL002: the message is what they are
                diagnostic = replace(diagnostic, fingerprint=fingerprint(diagnostic.code, "", diagnostic.message))
            kept.append(diagnostic)
        return kept

    def _unused(self, task: FileTask, directives: Directives, used: set[tuple[int, str]]) -> Iterable[Diagnostic]:
        """AIL003 at each suppression comment naming codes that silenced nothing in this run."""
        for suppression, codes in directives.unused(used):
            reasons = [self._why_unused(code, task) for code in codes if code != UnusedSuppression.code]
            if not reasons:
                continue
            yield UnusedSuppression.diagnostic(
                task.display,
                Span(suppression.line, suppression.column, suppression.line, suppression.end_column),
                fingerprint(UnusedSuppression.code, "", suppression.text),
                details="; ".join(reasons),
            )

    def _why_unused(self, code: str, task: FileTask) -> str:
        if code not in self.settings.enabled:
            return f"{code} is not enabled"
        if code in task.ignored:
            return f"{code} is ignored for this file by per-file-ignores"
        return f"no {code} diagnostic on this line"


def in_cells(diagnostics: list[Diagnostic], cells: tuple[tuple[int, int], ...]) -> list[Diagnostic]:
    """A notebook's diagnostics with the cell each is in, and their messages' lines named as in the cells."""
    from ailint.notebook import locate, relabel

    placed = []
    for diagnostic in diagnostics:
        number, line = locate(cells, diagnostic.span.line)
        start = diagnostic.span.line - line + 1
        placed.append(replace(diagnostic, cell=number, cell_start=start, message=relabel(diagnostic.message, cells)))
    return placed


def _capability_records(site: CallSite, project: Project, settings: Settings) -> tuple[CapabilityRecord, ...]:
    """The declared capabilities a call site belongs to, with each question's answer and its evidence."""
    if not settings.capabilities:
        return ()
    from ailint.analysis.capabilities import NOT_APPLICABLE, answers, asked_here, capabilities_of
    from ailint.api import CapabilityRecord

    records = []
    own = {c.name for c in capabilities_of(site, project, settings)}
    for capability in capabilities_of(site, project, settings, shared=True):
        found = dict(answers(site, capability, project, settings))
        shared = capability.name not in own  # shared code: listed, judged at the capability's own calls of it
        for question in found:
            if shared or not asked_here(site, capability, question, project, settings):
                found[question] = NOT_APPLICABLE
        records.append(
            CapabilityRecord(
                name=capability.name,
                answers={
                    question: (
                        "n/a" if answer.ok is None else "pass" if answer.ok else "fail",
                        answer.detail,
                        tuple(e.shown() for e in answer.evidence),
                    )
                    for question, answer in found.items()
                },
            )
        )
    return tuple(records)


def _with_severity(diagnostic: Diagnostic, severity: Severity) -> Diagnostic:
    return replace(diagnostic, severity=severity)


MERGED_CODES = frozenset({"AIL101", "AIL201", "AIL301", "AIL302", "AIL403", "AIL501", "AIL701"})
"""Rules whose repeated finding in one function is one root cause: one fix in the function (a log
call, a decorator, a timeout on the client, a validator before the consuming line) fixes them all."""


def merge_repeated(diagnostics: list[Diagnostic], owners: dict[tuple[int, int, str], str]) -> list[Diagnostic]:
    """One diagnostic per root cause: the same message of the same rule in the same function is reported
    once, at its first call, naming the other lines (``ailint calls`` still lists each call's status)."""
    groups: dict[tuple[str, str, str], list[Diagnostic]] = {}
    for diagnostic in diagnostics:
        function = owners.get((diagnostic.span.line, diagnostic.span.column, diagnostic.code))
        if function is None or diagnostic.code not in MERGED_CODES:
            continue
        groups.setdefault((function, diagnostic.code, diagnostic.message), []).append(diagnostic)
    dropped: set[int] = set()
    first: dict[int, Diagnostic] = {}
    for members in groups.values():
        if len(members) < 2:
            continue
        members.sort(key=lambda d: (d.span.line, d.span.column))
        lines = sorted({d.span.line for d in members[1:]} - {members[0].span.line})
        dropped.update(id(d) for d in members[1:])
        if lines:
            shown = ", ".join(str(line) for line in lines)
            plural = "s" if len(lines) > 1 else ""
            also = f" (the same for {len(lines)} more call{plural} here, line{plural} {shown})"
            first[id(members[0])] = replace(members[0], message=members[0].message + also)
    return [first.get(id(d), d) for d in diagnostics if id(d) not in dropped]


def _main_blocks(analysis: FileAnalysis) -> tuple[tuple[int, int], ...]:
    """The lines of the module's ``if __name__ == "__main__":`` blocks: the file run as a script or a demo."""
    import libcst as cst

    module = analysis.module_node
    if module is None:
        return ()
    found = []
    for statement in module.body:
        if isinstance(statement, cst.If) and _is_main_test(statement.test):
            where = analysis.position(statement)
            if where is not None:
                found.append((where[0], where[2]))
    return tuple(found)


def _is_main_test(test: cst.BaseExpression) -> bool:
    import libcst as cst

    if not isinstance(test, cst.Comparison) or len(test.comparisons) != 1:
        return False
    target = test.comparisons[0]
    if not isinstance(target.operator, cst.Equal):
        return False
    sides = (test.left, target.comparator)
    names = [s for s in sides if isinstance(s, cst.Name) and s.value == "__name__"]
    texts = [s for s in sides if isinstance(s, cst.SimpleString) and s.evaluated_value == "__main__"]
    return len(names) == 1 and len(texts) == 1
