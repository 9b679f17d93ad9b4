"""The text edits behind the server's code actions, on a file's source; no LSP types here.

Each function returns the :class:`Edit` that fixes one diagnostic, or None
when it does not apply. Lines are 1-based and columns 0-based, counted in
code points; an edit replaces the text between ``start`` and ``end`` with
``text``. Comments are placed with ``tokenize`` (a ``#`` inside a string is
not a comment), and the constructor edit is made on LibCST's tree, whose
code round-trips, so the rest of the file keeps its formatting.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from dataclasses import dataclass

import libcst as cst
from libcst.metadata import CodeRange, MetadataWrapper, PositionProvider

AUTHORITY_MODES = ("recommend", "assist", "act")
TIMEOUT = "30"
"""Seconds, in the keyword the timeout action adds; the user is expected to tune it."""

_NOQA = re.compile(r"#\s*noqa\s*:\s*(?P<codes>[A-Z]+[0-9]+(?:\s*,\s*[A-Z]+[0-9]+)*)", re.IGNORECASE)
_AUTHORITY = re.compile(r"#\s*ailint\s*:\s*authority\s*=\s*(?P<mode>\w+)")


@dataclass(frozen=True)
class Edit:
    """Replace ``start``..``end`` (line 1-based, column 0-based, code points) with ``text``."""

    start: tuple[int, int]
    end: tuple[int, int]
    text: str


def _lines(source: str) -> list[str]:
    """The lines of ``source`` without their line breaks (as editors and Python count them: not at form feeds)."""
    return re.split(r"\r\n|\r|\n", source)


def _tokens(source: str) -> list[tokenize.TokenInfo] | None:
    try:
        return list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, SyntaxError):
        return None


def _comment(tokens: list[tokenize.TokenInfo], line: int) -> tokenize.TokenInfo | None:
    """The comment that ends ``line``, if any."""
    return next((t for t in tokens if t.type == tokenize.COMMENT and t.start[0] == line), None)


def _no_comment_fits(tokens: list[tokenize.TokenInfo], lines: list[str], line: int) -> bool:
    """Whether the end of ``line`` is inside a token (a string spanning lines) or after a backslash continuation."""
    if lines[line - 1].rstrip().endswith("\\"):
        return True
    return any(t.start[0] <= line < t.end[0] for t in tokens if t.type not in (tokenize.NL, tokenize.NEWLINE))


def _append_comment(lines: list[str], line: int, comment: str) -> Edit:
    """Append ``comment`` to ``line`` (in place of trailing blanks), after the comment it has, if any.

    Suppressions read each ``#`` part of a comment on its own, so
    ``# type: ignore  # noqa: AIL401`` works.
    """
    text = lines[line - 1]
    return Edit((line, len(text.rstrip())), (line, len(text)), f"  {comment}")


def noqa(source: str, line: int, code: str, last_line: int | None = None) -> Edit | None:
    """Silence ``code`` on ``line`` (``# noqa: CODE``), merged into a ``# noqa: ...`` the line has.

    A diagnostic may be silenced on the first or the last line of its call:
    when the first line ends inside a string, ``last_line`` is used.
    """
    tokens = _tokens(source)
    if tokens is None:
        return None
    lines = _lines(source)
    for where in (line, last_line):
        if where is None or not 1 <= where <= len(lines) or _no_comment_fits(tokens, lines, where):
            continue
        comment = _comment(tokens, where)
        if comment is not None:
            found = _NOQA.search(comment.string)
            if found is not None:
                codes = [c.strip() for c in found.group("codes").split(",")]
                if code in codes:
                    return None
                offset = comment.start[1] + found.end("codes")
                return Edit((where, offset), (where, offset), f", {code}")
        return _append_comment(lines, where, f"# noqa: {code}")
    return None


def _enclosing_def(source: str, line: int) -> int | None:
    """The line of the name of the innermost function whose body holds ``line``."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return None
    found: int | None = None
    best = -1
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0].lineno
            last = node.end_lineno or node.lineno
            if first <= line <= last and node.lineno > best:
                best = node.lineno
                found = node.lineno
    return found


def authority(source: str, line: int, mode: str) -> Edit | None:
    """Declare ``mode`` for the call on ``line``: a pragma on its function's ``def`` line (or on its own line).

    A pragma already there has its mode replaced.
    """
    tokens = _tokens(source)
    if tokens is None or mode not in AUTHORITY_MODES:
        return None
    lines = _lines(source)
    target = _enclosing_def(source, line) or line
    if not 1 <= target <= len(lines) or _no_comment_fits(tokens, lines, target):
        return None
    comment = _comment(tokens, target)
    if comment is not None:
        found = _AUTHORITY.search(comment.string)
        if found is not None:
            start, end = comment.start[1] + found.start("mode"), comment.start[1] + found.end("mode")
            return Edit((target, start), (target, end), mode)
    return _append_comment(lines, target, f"# ailint: authority={mode}")


def _call_at(source: str, line: int, column: int) -> tuple[cst.Module, dict[cst.CSTNode, CodeRange], cst.Call] | None:
    """The module, its positions and the innermost call holding ``line:column``; None if the text does not parse."""
    try:
        module = cst.parse_module(source)
    except Exception:  # unsaved text that does not parse (LibCST raises several kinds): no action
        return None
    positions = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    point = (line, column)
    calls = [
        (where, node)
        for node, where in positions.items()
        if isinstance(node, cst.Call)
        and (where.start.line, where.start.column) <= point <= (where.end.line, where.end.column)
    ]
    if not calls:
        return None
    _, call = max(calls, key=lambda found: (found[0].start.line, found[0].start.column))
    assert isinstance(call, cst.Call)
    return module, dict(positions), call


def _dotted(node: cst.BaseExpression) -> str | None:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        head = _dotted(node.value)
        return None if head is None else f"{head}.{node.attr.value}"
    return None


def _replaced(module: cst.Module, where: CodeRange, old: cst.CSTNode, new: cst.CSTNode) -> Edit:
    """The edit that replaces ``old`` (at ``where``) by ``new``.

    Made from the whole module's code: a node's own code lacks the
    indentation of the blocks around it, which its continuation lines need.
    """
    before, after = module.code, module.deep_replace(old, new)
    assert isinstance(after, cst.Module)
    lines = before.splitlines(keepends=True)
    start = sum(len(text) for text in lines[: where.start.line - 1]) + where.start.column
    end = sum(len(text) for text in lines[: where.end.line - 1]) + where.end.column
    code = after.code
    text = code[start : len(code) - (len(before) - end)]
    return Edit((where.start.line, where.start.column), (where.end.line, where.end.column), text)


def timeout(source: str, line: int, column: int) -> tuple[Edit, int] | None:
    """Add ``timeout=`` to the constructor of the client the call at ``line:column`` uses, when this file builds it.

    The client is the receiver of the call (``client`` in
    ``client.chat.completions.create(...)``, ``self.client`` in
    ``self.client.messages.create(...)``, or a prefix of it); its
    constructor is the call last assigned to that name in the file before
    the call (or after it, when none is before). Returns the edit and the
    constructor's line, or None when the file does not build the client.
    """
    found = _call_at(source, line, column)
    if found is None:
        return None
    module, positions, call = found
    receivers: list[str] = []
    func = call.func
    while isinstance(func, cst.Attribute):
        func = func.value
        name = _dotted(func)
        if name is not None:
            receivers.append(name)
    assigned: list[tuple[int, int, cst.Call]] = []  # (rank of the receiver, line, constructor)
    for node, where in positions.items():
        targets: list[cst.BaseExpression] = []
        value: cst.BaseExpression | None = None
        if isinstance(node, cst.Assign):
            targets, value = [t.target for t in node.targets], node.value
        elif isinstance(node, cst.AnnAssign):
            targets, value = [node.target], node.value
        if not isinstance(value, cst.Call):
            continue
        for target in targets:
            name = _dotted(target)
            if name in receivers:
                assigned.append((receivers.index(name), where.start.line, value))
    before = [entry for entry in assigned if entry[1] <= line] or assigned
    if not before:
        return None
    rank = min(entry[0] for entry in before)
    _, _, constructor = max((entry for entry in before if entry[0] == rank), key=lambda entry: entry[1])
    if any(arg.keyword is not None and arg.keyword.value in ("timeout", "request_timeout") for arg in constructor.args):
        return None
    where = positions[constructor]
    return _replaced(module, where, constructor, _with_keyword(constructor, "timeout", TIMEOUT)), where.start.line


def call_timeout(source: str, line: int, column: int) -> Edit | None:
    """Add ``timeout=`` to the call at ``line:column`` itself (when its client is not built in this file)."""
    found = _call_at(source, line, column)
    if found is None:
        return None
    module, positions, call = found
    return _replaced(module, positions[call], call, _with_keyword(call, "timeout", TIMEOUT))


def _with_keyword(call: cst.Call, keyword: str, value: str) -> cst.Call:
    """``call`` with ``keyword=value`` added last, laid out like its other arguments (one per line stays so)."""
    arg = cst.Arg(
        keyword=cst.Name(keyword),
        value=cst.parse_expression(value),
        equal=cst.AssignEqual(whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")),
    )
    args = list(call.args)
    if not args:
        return call.with_changes(args=[arg])
    last = args[-1]
    if isinstance(last.comma, cst.Comma):
        # A trailing comma (usually one argument per line): the new argument takes it, and the
        # one before it gets the layout that follows the opening parenthesis.
        between = call.whitespace_before_args
        if not isinstance(between, cst.ParenthesizedWhitespace):
            between = cst.SimpleWhitespace(" ")
        args[-1] = last.with_changes(comma=last.comma.with_changes(whitespace_after=between))
        args.append(arg.with_changes(comma=last.comma))
    else:
        args[-1] = last.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
        args.append(arg)
    return call.with_changes(args=args)
