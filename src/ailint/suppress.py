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
import tokenize
from dataclasses import dataclass, field

from ailint.diagnostics import Diagnostic

AUTHORITY_MODES = ("recommend", "assist", "act")
VALID_FORMS = "'# ailint: ignore[CODE, ...]', '# ailint: ignore-file', '# ailint: authority=recommend|assist|act'"

_CANDIDATE = re.compile(rb"(?i)noqa|ailint")
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


def _comments(text: str) -> tuple[list[tuple[int, int, str]], int]:
    """``(line, column, text)`` of each comment, and the line of the first code token."""
    comments: list[tuple[int, int, str]] = []
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
        # An untokenizable file still honours comments on whole lines it can read.
        comments = []
        for number, line in enumerate(text.splitlines(), start=1):
            index = line.find("#")
            if index != -1 and "'" not in line[:index] and '"' not in line[:index]:
                comments.append((number, index, line[index:]))
    return comments, first_code or 10**9


def _decode(data: bytes) -> str | None:
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        return data.decode(encoding)
    except (SyntaxError, UnicodeDecodeError, LookupError):
        return None


def scan(data: bytes, known_codes: dict[str, str]) -> Directives:
    """Read the directives of a file. ``known_codes`` maps codes and names to codes."""
    directives = Directives()
    if not _CANDIDATE.search(data):
        return directives
    text = _decode(data)
    if text is None:
        return directives
    comments, first_code = _comments(text)
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
