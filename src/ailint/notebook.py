"""Jupyter notebooks (``.ipynb``): their code cells as one Python source, and positions back in cells.

As Ruff reads a notebook: the code cells of a format-4 notebook, in order,
each ending with a line break, make one Python source, which is analysed
like a module; markdown and raw cells are left out, and so is a cell whose
cell magic makes it something else than Python (``%%bash``, ``%%html``).
IPython's line magics and shell escapes (``%matplotlib inline``,
``!pip install x``, ``files = !ls``, ``obj?``) are neutralised in place,
each replaced by a statement of the same indentation on the same line, so
that every other line keeps its number and its columns. A notebook whose
kernel is another language than Python has no code to check.

A position in that source is shown as Ruff shows it, as a cell and a line
in it: cells are numbered from 1, counting every cell of the notebook, as
Jupyter shows them. The JSON is read with the standard library; a notebook
that is not valid JSON, or not a notebook, is a :class:`NotebookError` that
says where.
"""

from __future__ import annotations

import bisect
import io
import json
import re
import tokenize
from dataclasses import dataclass

SUFFIX = ".ipynb"

PYTHON_CELL_MAGICS = frozenset({"capture", "debug", "prun", "pypy", "python", "python3", "time", "timeit"})
"""Cell magics whose cell is Python all the same (as Ruff keeps them)."""

Cells = tuple[tuple[int, int], ...]
"""Per code cell kept, its number in the notebook (from 1) and the line of the source it starts at."""

_ASSIGNED = re.compile(r"^([ \t]*)([A-Za-z_][\w.]*(?:[ \t]*,[ \t]*[A-Za-z_][\w.]*)*)[ \t]*=[ \t]*[!%]")
"""``files = !ls``, ``t = %timeit -o f()``: the output of a magic assigned."""
_HELP = re.compile(r"^[ \t]*\?{0,2}[A-Za-z_][\w.]*(?:\(\))?\?{1,2}[ \t]*$|^[ \t]*\?{1,2}[A-Za-z_][\w.]*[ \t]*$")
"""``obj?``, ``obj.method??``, ``?obj``: IPython's help."""
_COOKIE = re.compile(r"^[ \t\f]*#.*?coding[:=]")


class NotebookError(ValueError):
    """A file that cannot be read as a notebook: where (in the file) and why."""

    def __init__(self, line: int, column: int, message: str) -> None:
        super().__init__(message)
        self.line, self.column, self.message = line, column, message


@dataclass(frozen=True)
class Notebook:
    source: bytes
    """The code cells, as one UTF-8 Python source."""
    cells: Cells


def read(data: bytes) -> Notebook:
    """The code of the notebook ``data``; :class:`NotebookError` when it is not a notebook."""
    try:
        document = json.loads(data)
    except UnicodeDecodeError as exc:
        raise NotebookError(1, 1, f"not a notebook: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise NotebookError(exc.lineno, exc.colno, f"not a notebook: invalid JSON ({exc.msg})") from None
    except RecursionError:
        raise NotebookError(1, 1, "not a notebook: JSON nested too deeply") from None
    if not isinstance(document, dict) or not isinstance(document.get("cells"), list):
        if isinstance(document, dict) and isinstance(document.get("worksheets"), list):
            upgrade = "convert it with `jupyter nbconvert --to notebook`"
            raise NotebookError(1, 1, f"a notebook of format 3: only format 4 is read ({upgrade})")
        raise NotebookError(1, 1, "not a notebook: no list of cells")
    if not _is_python(document.get("metadata")):
        return Notebook(b"", ())
    parts: list[str] = []
    cells: list[tuple[int, int]] = []
    line = 1
    for number, cell in enumerate(document["cells"], start=1):
        if not isinstance(cell, dict):
            raise NotebookError(1, 1, f"not a notebook: cell {number} is not an object")
        if cell.get("cell_type") != "code":
            continue
        text = _text(cell.get("source", ""), number)
        if not text.strip():
            continue
        code = _code(text)
        if code is None:
            continue
        if not parts:
            code = _without_cookie(code)
        cells.append((number, line))
        parts.append(code)
        line += code.count("\n")
    return Notebook("".join(parts).encode("utf-8", "surrogatepass"), tuple(cells))


def _is_python(metadata: object) -> bool:
    """Whether the notebook's kernel runs Python (or says nothing of its language)."""
    if not isinstance(metadata, dict):
        return True
    for key, field in (("language_info", "name"), ("kernelspec", "language")):
        section = metadata.get(key)
        if isinstance(section, dict) and isinstance(section.get(field), str):
            return section[field].lower() in ("python", "python3", "ipython", "ipython3")
    return True


def _text(source: object, number: int) -> str:
    """A cell's source, given as one string or a list of lines, with ``\\n`` line breaks and a final one."""
    if isinstance(source, list) and all(isinstance(line, str) for line in source):
        text = "".join(source)
    elif isinstance(source, str):
        text = source
    else:
        raise NotebookError(1, 1, f"not a notebook: the source of cell {number} is neither text nor a list of lines")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text if text.endswith("\n") else text + "\n"


def _code(text: str) -> str | None:
    """A code cell's Python, its magics neutralised; None for a cell a cell magic makes another language."""
    lines = text.splitlines(keepends=True)
    for index, line in enumerate(lines):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.startswith("%%"):
            name = stripped[2:].split(maxsplit=1)[0] if stripped[2:].strip() else ""
            if name not in PYTHON_CELL_MAGICS:
                return None
            lines[index] = "pass\n"  # ``%%time``: the rest of the cell is Python
        break
    return _neutralised(lines)


def _neutralised(lines: list[str]) -> str:
    """The lines with every magic at the start of a statement replaced (and its ``\\`` continuation lines blanked).

    A line only looks like a magic until the tokens say where it is: inside a
    string (``!important`` in a prompt) or a bracket (``% b``), it is Python
    and stays as it was.
    """
    groups: dict[int, list[int]] = {}
    replaced = list(lines)
    index = 0
    while index < len(lines):
        replacement = _replacement(lines[index])
        if replacement is None:
            index += 1
            continue
        head = index
        groups[head] = [head]
        replaced[head] = replacement
        while lines[index].rstrip("\n").endswith("\\") and index + 1 < len(lines):
            index += 1
            groups[head].append(index)
            replaced[index] = "\n"
        index += 1
    if not groups:
        return "".join(lines)
    starts, unsure = _statement_starts("".join(replaced))
    for head, members in groups.items():
        if head not in starts and head < unsure:
            for member in members:
                replaced[member] = lines[member]
    return "".join(replaced)


def _replacement(line: str) -> str | None:
    """What a line that looks like a magic becomes (same indentation, same line); None if it does not look like one."""
    body = line.rstrip("\n")
    stripped = body.lstrip(" \t")
    indent = body[: len(body) - len(stripped)]
    assigned = _ASSIGNED.match(body)
    if assigned is not None:
        return f"{assigned.group(1)}{assigned.group(2)} = None\n"
    if stripped.startswith(("%", "!", "?")) or _HELP.match(body) is not None:
        return f"{indent}pass\n"
    return None


def _statement_starts(source: str) -> tuple[set[int], int]:
    """The lines (0-based) where a statement starts, outside strings and brackets, and the first line the
    tokenizer could not reach (where it failed; past the end if it did not): lines from there on are unknown."""
    starts: set[int] = set()
    depth = 0
    at_start = True
    skipped = {tokenize.NL, tokenize.COMMENT, tokenize.INDENT, tokenize.DEDENT, tokenize.ENCODING}
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type in (tokenize.NEWLINE, tokenize.ENDMARKER):
                at_start = True
                continue
            if token.type in skipped:
                continue
            if at_start and depth == 0:
                starts.add(token.start[0] - 1)
            at_start = False
            if token.type == tokenize.OP:
                if token.string in "([{":
                    depth += 1
                elif token.string in ")]}":
                    depth = max(depth - 1, 0)
    except (tokenize.TokenError, SyntaxError) as exc:
        line = exc.args[1][0] if isinstance(exc, tokenize.TokenError) else exc.lineno or 1
        return starts, max(int(line) - 1, 0)
    return starts, source.count("\n") + 1


def _without_cookie(code: str) -> str:
    """The first cell without a coding declaration on its first two lines: the source is UTF-8 whatever it says."""
    lines = code.splitlines(keepends=True)
    for index in range(min(2, len(lines))):
        if _COOKIE.match(lines[index]):
            lines[index] = "#\n"
    return "".join(lines)


def locate(cells: Cells, line: int) -> tuple[int, int]:
    """``(cell number, line in the cell)`` of a line of the source (a line before the first cell: the first cell)."""
    at = bisect.bisect_right([start for _, start in cells], line) - 1
    number, start = cells[max(at, 0)]
    return number, max(line - start + 1, 1)


_LINES = re.compile(r"\b(lines?) (\d+(?:, \d+)*)\b")


def relabel(message: str, cells: Cells) -> str:
    """``message`` with its lines of the source (``line 12``, ``lines 14, 20``) named as cells and lines in them."""
    if not cells:
        return message

    def named(found: re.Match[str]) -> str:
        places = [locate(cells, int(number)) for number in found.group(2).split(", ")]
        if len({cell for cell, _ in places}) == 1:
            shown = ", ".join(str(line) for _, line in places)
            return f"cell {places[0][0]}, {found.group(1)} {shown}"
        return ", ".join(f"cell {cell}, line {line}" for cell, line in places)

    return _LINES.sub(named, message)
