"""``ailint calls``: the inventory of call sites, as a table or the SPEC section 7 JSON document.

The table fits the terminal it is printed on, and never at the cost of the
concerns' columns, which are what it is for. Where the whole table does not
fit, it degrades in steps: paths are shortened to what follows the folder
all of them share (printed once above the table), the concerns' headings are
abbreviated (a legend follows the table), functions are named within their
file, and the call's description wraps within its columns; on a narrow terminal the description (location, call,
function) is stacked in one column. On a pipe or in a file, rows never wrap.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, TextIO

from ailint import __version__

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table

    from ailint.api import CallRecord, CallsResult

_MARKS = {"pass": "ok", "fail": "FAIL", "n/a": "-"}
_STYLES = {"pass": "green", "fail": "bold red", "n/a": "dim"}
ABBREVIATED = {
    "validation": "val",
    "confidence": "conf",
    "logging": "log",
    "errors": "err",
    "timeout": "time",
    "authority": "auth",
    "exec": "exec",
    "usage": "use",
}
"""The concerns' headings where the table must be narrow: as wide as their widest mark (``FAIL``)."""
GAP = 2
"""Columns between two columns of the table (rich's padding of one on each side)."""
MIN_DESCRIPTION = 14
"""The narrowest a descriptive column is allowed to wrap to before the description is stacked in one."""


def render_json(result: CallsResult) -> str:
    """The inventory document, with a trailing newline."""
    document = {"version": __version__, "files": result.files, "calls": [c.to_json() for c in result.calls]}
    return json.dumps(document, indent=2) + "\n"


@dataclass(frozen=True)
class _Row:
    """One call site's descriptive cells, as the widest layout shows them and as the narrow ones do."""

    location: str
    short_location: str
    call: str
    kind: str
    function: str
    short_function: str


def _function(call: CallRecord) -> str:
    return call.function.rpartition(".")[2] if call.function.endswith("<module>") else call.function


def _in_module(call: CallRecord) -> str:
    """The enclosing function's name within its file (``TicketIndex.add``): the location names the module."""
    function = _function(call)
    if not function.replace(".", "").replace("_", "").isalnum():  # ``tool.py (module level)``, ``<module>``
        return function
    parts = function.split(".")
    stem = call.path.rpartition("/")[2].partition(".")[0]
    if call.path.endswith(".ipynb"):
        stem = "ipynb"  # a notebook's functions are named after it, ``.ipynb`` included
    elif stem == "__init__":
        stem = call.path.rpartition("/")[0].rpartition("/")[2]
    for index in range(len(parts) - 2, -1, -1):
        if parts[index] == stem:
            return ".".join(parts[index + 1 :])
    return function


def _location(call: CallRecord, path: str) -> str:
    return f"{path}:{call.place}"


def shared_folder(paths: list[str]) -> str:
    """The folder every path is under (``examples/app/``), or ``""``; POSIX paths relative to the working directory."""
    folders = [path.split("/")[:-1] for path in paths]
    if not folders:
        return ""
    shared: list[str] = []
    for parts in zip(*folders, strict=False):  # as deep as the shallowest
        if any(part != parts[0] for part in parts):
            break
        shared.append(parts[0])
    return "".join(f"{part}/" for part in shared)


def _width(cells: list[str]) -> int:
    from rich.cells import cell_len

    return max((cell_len(cell) for cell in cells), default=0)


def render_table(result: CallsResult, stream: TextIO, *, color: bool | None, width: int | None = None) -> None:
    """A rich table: one row per call site, one column per concern; ``width``: the columns to fit (None: the
    terminal's, or no limit on a pipe)."""
    from rich.console import Console

    plain = color is False
    console = Console(
        file=stream,
        highlight=False,
        emoji=False,
        color_system=None if plain else "auto",
        force_terminal=False if plain else None,
        width=width,
    )
    if width is None and not console.is_terminal:
        console.width = 400  # a pipe or a file: never wrap rows
    folder = shared_folder([call.path for call in result.calls])
    rows = [
        _Row(
            location=_location(call, call.path),
            short_location=_location(call, call.path[len(folder) :]),
            call=f"{call.provider} {call.api}",
            kind=call.kind,
            function=_function(call),
            short_function=_in_module(call),
        )
        for call in result.calls
    ]
    table, legend = _layout(rows, result.calls, console.width, folder, console)
    console.print(table)
    if legend:
        console.print(legend, style="dim")
    sites = len(result.calls)
    console.print(
        f"{sites} call site{'' if sites == 1 else 's'} in {result.files} file{'' if result.files == 1 else 's'}."
    )


def _layout(rows: list[_Row], calls: list[CallRecord], width: int, folder: str, console: Console) -> tuple[Table, str]:
    """The widest table that fits ``width``, and the legend of its abbreviated headings (if it abbreviates)."""
    from rich.table import Table
    from rich.text import Text

    from ailint.engine import CHECK_HEADINGS, CHECKS

    def marks(call: CallRecord) -> list[Text]:
        return [Text(_MARKS[call.checks[c]], style=_STYLES[call.checks[c]]) for c in CHECKS]

    full = [
        ("location", [r.location for r in rows]),
        ("call", [r.call for r in rows]),
        ("kind", [r.kind for r in rows]),
        ("function", [r.function for r in rows]),
        *((CHECK_HEADINGS[c], [_MARKS[call.checks[c]] for call in calls]) for c in CHECKS),
    ]
    natural = sum(max(len(heading), _width(cells)) for heading, cells in full) + GAP * (len(full) - 1)
    if natural <= width:
        table = Table(header_style="bold", box=None, pad_edge=False)
        for heading, _ in full[:4]:
            table.add_column(heading, no_wrap=True)
        for check in CHECKS:
            table.add_column(CHECK_HEADINGS[check], justify="center", no_wrap=True)
        for row, call in zip(rows, calls, strict=True):
            table.add_row(row.location, row.call, row.kind, row.function, *marks(call))
        return table, ""

    statuses = len(CHECKS) * (len(_MARKS["fail"]) + GAP)
    room = width - statuses
    table = Table(header_style="bold", box=None, pad_edge=False, title_justify="left")
    if folder:
        table.title = f"under {folder}"
        table.title_style = "bold"
    described = [f"{r.call} ({r.kind})" for r in rows]
    columns = [
        ("location", [r.short_location for r in rows]),
        ("call", described),
        ("function", [r.short_function for r in rows]),
    ]
    stacked = room < len(columns) * MIN_DESCRIPTION + GAP * (len(columns) - 1)
    if stacked:  # too narrow for three columns: the description in one, a line each, rows a line apart
        table.add_column("call site", overflow="fold")
    else:
        for heading, cells in columns:
            table.add_column(heading, overflow="fold", min_width=min(MIN_DESCRIPTION, max(_width(cells), len(heading))))
    for check in CHECKS:
        table.add_column(ABBREVIATED[check], justify="center", no_wrap=True, min_width=len(_MARKS["fail"]))
    for number, (row, text, call) in enumerate(zip(rows, described, calls, strict=True)):
        if stacked:
            if number:
                table.add_row()  # a blank line between rows of several lines
            table.add_row(f"{row.short_location}\n{text}\n{row.short_function}", *marks(call))
        else:
            table.add_row(row.short_location, text, row.short_function, *marks(call))
    legend = " · ".join(f"{ABBREVIATED[check]}: {check}" for check in CHECKS if ABBREVIATED[check] != check)
    return table, legend
