"""Comments that talk to ailint: suppressions and pragmas.

* ``# noqa: AIL401, AIL402``: silence codes on this line (a bare ``# noqa``
  does not silence ailint codes, so a blanket flake8 suppression cannot hide a
  missing error handler);
* ``# ailint: ignore[AIL401]``: the same, in ailint's own syntax (codes or names);
* ``# ailint: ignore-file``: in the first comment block, skip the file;
* ``# ailint: authority=act``: declares a call's authority mode (SPEC section 4).

Anything else after ``# ailint:``, and unknown codes or modes, are problems
that the engine reports as AIL002 at the comment.
"""

from __future__ import annotations

import io
import re
import sys
import tokenize
from collections.abc import Callable
from dataclasses import dataclass, field

from ailint.diagnostics import Diagnostic

AUTHORITY_MODES = ("recommend", "assist", "act")
VALID_FORMS = "'# ailint: ignore[CODE, ...]', '# ailint: ignore-file', '# ailint: authority=recommend|assist|act'"

_NOQA = re.compile(r"^noqa(?P<sep>\s*:\s*(?P<codes>.*))?$", re.IGNORECASE)
_PRAGMA = re.compile(r"^ailint\s*:\s*(?P<body>.*?)\s*$")
_CODE = re.compile(r"^[A-Z]+[0-9]+$")
_IGNORE = re.compile(r"^ignore\[(?P<codes>[^\]]*)\]$")
_AUTHORITY = re.compile(r"^authority\s*=\s*(?P<mode>\S*)$")


@dataclass(frozen=True)
class Problem:
    """A malformed or unknown pragma, reported as AIL002."""

    line: int
    column: int
    end_column: int
    message: str


@dataclass(frozen=True)
class Suppression:
    """One suppression comment (``# noqa: ...`` or ``# ailint: ignore[...]``) and the codes it names.

    Kept with its position so that AIL003 can point at a comment that silences nothing.
    """

    line: int
    column: int
    end_column: int
    codes: tuple[str, ...]
    text: str
    """The comment itself, e.g. ``# noqa: AIL401``."""


@dataclass
class Directives:
    """Every ailint-relevant comment of one file."""

    ignored: dict[int, set[str]] = field(default_factory=dict)
    ignore_file: bool = False
    authority: dict[int, str] = field(default_factory=dict)
    """Authority modes declared by comments, by line."""
    module_authority: str | None = None
    """A mode declared before the first statement of the module."""
    problems: list[Problem] = field(default_factory=list)
    suppressions: list[Suppression] = field(default_factory=list)

    def suppresses(self, diagnostic: Diagnostic) -> bool:
        """Whether a comment on the diagnostic's first or last line silences it."""
        return bool(self.silencing(diagnostic))

    def silencing(self, diagnostic: Diagnostic) -> set[tuple[int, str]]:
        """The ``(line, code)`` suppressions that silence ``diagnostic`` (empty if none does)."""
        span = diagnostic.span
        return {
            (line, diagnostic.code)
            for line in (span.line, span.end_line)
            if diagnostic.code in self.ignored.get(line, ())
        }

    def unused(self, used: set[tuple[int, str]]) -> list[tuple[Suppression, list[str]]]:
        """Each suppression comment naming codes that silenced nothing, with those codes."""
        found = []
        for suppression in self.suppressions:
            codes = [code for code in suppression.codes if (suppression.line, code) not in used]
            if codes:
                found.append((suppression, codes))
        return found


Comment = tuple[int, int, str]
"""A comment's line, column (in characters) and text, as ``tokenize`` reports them."""

_MENTION = re.compile(r"[nN][oO][qQ][aA]|ailint")
"""What a comment must hold to be a directive: ``noqa`` in any case, as ``_NOQA`` reads it, or ``ailint``."""
_QUICK = sys.version_info < (3, 12)
"""Whether :func:`_read` may stand in for ``tokenize``.

Up to Python 3.11 ``tokenize`` is pure Python (milliseconds for a file of a
few hundred lines) and finds strings with the patterns of
``_STRING_OR_COMMENT``; from 3.12 it is CPython's own tokenizer, quick, and
it reads PEP 701 f-strings, whose nested quotes no pattern can follow.
"""
_STRING_OR_COMMENT = re.compile(
    r"#[^\r\n]*"
    r"|'''(?s:[^'\\]*(?:(?:\\.|'(?!''))[^'\\]*)*)'''"
    r'|"""(?s:[^"\\]*(?:(?:\\.|"(?!""))[^"\\]*)*)"""'
    r"|'''|" + '"""'
    r"|'[^\n'\\]*(?:\\.[^\n'\\]*)*'"
    r'|"[^\n"\\]*(?:\\.[^\n"\\]*)*"'
    r"|['\"]"
)
"""A comment, a string as ``tokenize`` delimits it (a prefix changes nothing), or a lone quote.

No other token holds a ``#`` or a quote, so the next such character always
starts one of these. A lone quote opens a string that ``tokenize`` does not
close on its line (unterminated, or continued by a backslash), which it
reads in ways these patterns do not follow. So does a triple quote never
closed: once its pattern has failed it is matched bare, like a lone quote,
and the scan stops (searching to the end again from every later quote
would be quadratic in the file's size).
"""
_LONE_QUOTES = frozenset({"'", '"', "'''", '"""'})
_LEADING = re.compile(r"(?:[ \t\f]*(?:#[^\r\n]*)?\\?\r?\n)*[ \t\f]*(?:#[^\r\n]*)?")
"""Blank lines, comments and backslash continuations: what ``tokenize`` turns into no code token."""


def _comments(text: str, parses: Callable[[], bool] | None) -> tuple[list[Comment], int]:
    """The comments that may be directives, and the line of the first code token.

    ``tokenize`` decides, with its own reading of files it cannot tokenize.
    :func:`_read` gives the same answer much faster, and is trusted when a
    failed tokenization would read the same, or when ``parses`` says CPython
    parses the file (then ``tokenize`` does not fail).
    """
    read = _read(text) if _QUICK else None
    if read is not None and (_as_if_untokenizable(text, read[0]) or (parses is not None and parses())):
        return read
    return _tokenized(text)


def _tokenized(text: str) -> tuple[list[Comment], int]:
    """``(line, column, text)`` of each comment, and the line of the first code token, from ``tokenize``."""
    comments: list[Comment] = []
    first_code = 0
    skip = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.ENCODING, tokenize.INDENT, tokenize.DEDENT}
    try:
        if "\0" in text:  # CPython 3.12's tokenizer can fail on a NUL byte with a SystemError
            raise tokenize.TokenError("source contains a null byte")
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type == tokenize.COMMENT:
                comments.append((token.start[0], token.start[1], token.string))
            elif not first_code and token.type not in skip and token.type != tokenize.ENDMARKER:
                first_code = token.start[0]
    except (tokenize.TokenError, SyntaxError, ValueError):
        comments = _whole_line_comments(text.splitlines(), None)
    return comments, first_code or 10**9


def _whole_line_comments(lines: list[str], numbers: list[int] | None) -> list[Comment]:
    """An untokenizable file still honours comments on whole lines it can read: no quote before the ``#``.

    Only the lines numbered ``numbers`` (1-based) are read, if given.
    """
    comments = []
    for number in numbers if numbers is not None else range(1, len(lines) + 1):
        line = lines[number - 1]
        index = line.find("#")
        if index != -1 and "'" not in line[:index] and '"' not in line[:index]:
            comments.append((number, index, line[index:]))
    return comments


def _read(text: str) -> tuple[list[Comment], int] | None:
    """What :func:`_tokenized` reads when ``tokenize`` succeeds, of the comments that mention noqa or ailint.

    Only strings and comments are matched, not every token. None where
    ``tokenize`` may read otherwise: a string it does not close on its line,
    a NUL, or a carriage return that ends no line (``tokenize`` splits lines
    at line feeds only, and takes a line that starts with one for blank).
    """
    if "\0" in text or text.count("\r") != text.count("\r\n"):
        return None
    comments = []
    line, counted = 1, 0
    for match in _STRING_OR_COMMENT.finditer(text):
        token = match.group()
        if token[0] != "#":
            if token in _LONE_QUOTES:
                return None
            continue
        if _MENTION.search(token):
            start = match.start()
            line += text.count("\n", counted, start)
            counted = start
            comments.append((line, start - text.rfind("\n", 0, start) - 1, token))
    leading = _LEADING.match(text)
    code = leading.end() if leading is not None else 0
    return comments, text.count("\n", 0, code) + 1 if code < len(text) else 10**9


def _as_if_untokenizable(text: str, comments: list[Comment]) -> bool:
    """Whether :func:`_whole_line_comments` finds the same comments that mention noqa or ailint.

    If so, whether ``tokenize`` fails on the file does not matter, but for
    the first code line, which would be wherever its tokens stopped: only an
    ailint pragma (``ignore-file``, ``authority``) looks at it, so none may
    be among the comments.
    """
    if any("ailint" in comment for _, _, comment in comments):
        return False
    lines = text.splitlines()
    if len(lines) != text.count("\n") + (not text.endswith("\n")) - (not text):
        return False  # a form feed, or another line break only splitlines() knows: the numbers differ
    return [c for c in _whole_line_comments(lines, _lines_mentioning(text)) if _MENTION.search(c[2])] == comments


def _lines_mentioning(text: str) -> list[int]:
    """The numbers of the lines where noqa or ailint appears, in order."""
    numbers: list[int] = []
    line, counted = 1, 0
    for match in _MENTION.finditer(text):
        line += text.count("\n", counted, match.start())
        counted = match.start()
        if not numbers or numbers[-1] != line:
            numbers.append(line)
    return numbers


def _decode(data: bytes) -> str | None:
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        return data.decode(encoding)
    except (SyntaxError, UnicodeDecodeError, LookupError):
        return None


def scan(data: bytes, known_codes: dict[str, str], parses: Callable[[], bool] | None = None) -> Directives:
    """Read the directives of a file. ``known_codes`` maps codes and names to codes.

    ``parses`` says, when asked, whether CPython parses ``data``: the
    comments can then be found without ``tokenize`` (see :func:`_comments`).
    """
    directives = Directives()
    lowered = data.lower()  # ASCII letters only, as IGNORECASE in a bytes pattern, seven times faster
    if b"noqa" not in lowered and b"ailint" not in lowered:
        return directives
    text = _decode(data)
    if text is None:
        return directives
    comments, first_code = _comments(text, parses)
    for line, column, comment in comments:
        offset = 0
        for segment in comment.split("#")[1:]:
            start = comment.index("#", offset)
            offset = start + 1
            body = segment.strip()
            _read_segment(
                directives,
                body,
                line,
                column + start + 1,
                column + len(comment) + 1,
                first_code,
                known_codes,
                source="#" + segment.rstrip(),
            )
    return directives


def _unknown_code_problem(code: str, known_codes: dict[str, str]) -> str:
    valid = ", ".join(sorted(set(known_codes.values())))
    return f"unknown rule code '{code}' in suppression comment; valid codes: {valid}"


def _read_segment(
    directives: Directives,
    body: str,
    line: int,
    column: int,
    end_column: int,
    first_code: int,
    known_codes: dict[str, str],
    source: str = "",
) -> None:
    def problem(message: str) -> None:
        directives.problems.append(Problem(line, column, end_column, message))

    def suppress(codes: list[str]) -> None:
        if codes:
            directives.ignored.setdefault(line, set()).update(codes)
            directives.suppressions.append(Suppression(line, column, column + len(source), tuple(codes), source))

    noqa = _NOQA.match(body)
    if noqa:
        if noqa.group("sep") is None:
            return  # a bare noqa is for other tools
        named = []
        for token in re.split(r"[,\s]+", noqa.group("codes") or ""):
            if not _CODE.match(token):
                break
            if token.startswith("AIL"):
                if token in known_codes:
                    named.append(token)
                else:
                    problem(_unknown_code_problem(token, known_codes))
        suppress(named)
        return
    pragma = _PRAGMA.match(body)
    if not pragma:
        return
    text = pragma.group("body")
    if text == "ignore-file":
        if line < first_code:
            directives.ignore_file = True
        else:
            problem("'# ailint: ignore-file' must be in the first comment block of the file, before any code")
        return
    ignore = _IGNORE.match(text)
    if ignore:
        tokens = [t.strip() for t in ignore.group("codes").split(",") if t.strip()]
        if not tokens:
            problem("empty ignore list; name the codes to ignore, e.g. '# ailint: ignore[AIL401]'")
        named = []
        for token in tokens:
            code = known_codes.get(token) or known_codes.get(token.upper())
            if code is None:
                problem(_unknown_code_problem(token, known_codes))
            elif code not in named:
                named.append(code)
        suppress(named)
        return
    authority = _AUTHORITY.match(text)
    if authority:
        mode = authority.group("mode")
        if mode not in AUTHORITY_MODES:
            problem(f"unknown authority mode '{mode}'; valid modes: {', '.join(AUTHORITY_MODES)}")
        elif line < first_code:
            directives.module_authority = mode
        else:
            directives.authority[line] = mode
        return
    problem(f"malformed pragma '# ailint: {text}'; valid forms: {VALID_FORMS}")
