"""``ailint calls``: the inventory of call sites, as a table or the SPEC section 7 JSON document."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, TextIO

from ailint import __version__

if TYPE_CHECKING:
    from ailint.api import CallsResult

_MARKS = {"pass": "ok", "fail": "FAIL", "n/a": "-"}
_STYLES = {"pass": "green", "fail": "bold red", "n/a": "dim"}


def render_json(result: CallsResult) -> str:
    """The inventory document, with a trailing newline."""
    document = {"version": __version__, "files": result.files, "calls": [c.to_json() for c in result.calls]}
    return json.dumps(document, indent=2) + "\n"


def render_table(result: CallsResult, stream: TextIO, *, color: bool | None) -> None:
    """A rich table: one row per call site, one column per concern."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from ailint.engine import CHECK_HEADINGS, CHECKS

    plain = color is False
    console = Console(
        file=stream,
        highlight=False,
        emoji=False,
        color_system=None if plain else "auto",
        force_terminal=False if plain else None,
    )
    if not console.is_terminal:
        console.width = 400  # a pipe or a file: never wrap rows
    table = Table(header_style="bold", box=None, pad_edge=False)
    table.add_column("location", no_wrap=True)
    table.add_column("call", no_wrap=True)
    table.add_column("kind", no_wrap=True)
    table.add_column("function", no_wrap=True)
    for check in CHECKS:
        table.add_column(CHECK_HEADINGS[check], justify="center", no_wrap=True)
    for call in result.calls:
        table.add_row(
            f"{call.path}:{call.span.line}:{call.span.column}",
            f"{call.provider} {call.api}",
            call.kind,
            call.function.rpartition(".")[2] if call.function.endswith("<module>") else call.function,
            *(Text(_MARKS[call.checks[c]], style=_STYLES[call.checks[c]]) for c in CHECKS),
        )
    console.print(table)
    sites = len(result.calls)
    console.print(
        f"{sites} call site{'' if sites == 1 else 's'} in {result.files} file{'' if result.files == 1 else 's'}."
    )
