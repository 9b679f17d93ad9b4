"""``--format text``: one clickable line per diagnostic, then a summary.

``path:line:column: CODE [name] message``, the form editors and terminals
turn into links. Colour comes from rich, which enables it only on a terminal
and honours ``NO_COLOR``.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, TextIO

from rich.console import Console
from rich.text import Text

from ailint.diagnostics import Severity

if TYPE_CHECKING:
    from ailint.api import RunResult
    from ailint.diagnostics import Diagnostic

_CODE_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "bold yellow"}


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def diagnostic_line(diagnostic: Diagnostic) -> Text:
    """One diagnostic as styled text (plain when colour is off)."""
    span = diagnostic.span
    line = Text()
    line.append(f"{diagnostic.path}:{span.line}:{span.column}:", style="bold")
    line.append(" ")
    line.append(diagnostic.code, style=_CODE_STYLE[diagnostic.severity])
    line.append(f" [{diagnostic.name}]", style="dim")
    line.append(f" {diagnostic.message}")
    return line


def plain_line(diagnostic: Diagnostic) -> str:
    """``diagnostic_line`` without styles, built directly."""
    span = diagnostic.span
    return f"{diagnostic.path}:{span.line}:{span.column}: {diagnostic.code} [{diagnostic.name}] {diagnostic.message}"


def summary(result: RunResult) -> str:
    """The closing line: what was found, in how many files."""
    files = _plural(result.files, "file")
    if not result.diagnostics:
        return f"All checks passed ({files} checked)."
    by_severity = Counter(d.severity for d in result.diagnostics)
    parts = [
        _plural(by_severity[level], level.value) for level in (Severity.ERROR, Severity.WARNING) if by_severity[level]
    ]
    return f"Found {_plural(len(result.diagnostics), 'diagnostic')} ({', '.join(parts)}) in {files}."


def statistics(result: RunResult) -> list[str]:
    """Counts per code, most frequent first."""
    counts = Counter((d.code, d.name) for d in result.diagnostics)
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0][0]))
    width = max((len(str(count)) for count in counts.values()), default=1)
    return [f"{count:>{width}}  {code}  {name}" for (code, name), count in ordered]


def render(result: RunResult, stream: TextIO, *, color: bool | None, quiet: bool, show_statistics: bool) -> None:
    """Write the text report to ``stream``; ``color=None`` lets rich decide (terminal, ``NO_COLOR``)."""
    plain = color is False
    console = Console(
        file=stream,
        highlight=False,
        soft_wrap=True,
        emoji=False,
        markup=False,
        color_system=None if plain else "auto",
        force_terminal=False if plain else None,
    )
    if console.color_system is None:  # no styling to apply: write the lines at once (thousands of them)
        stream.write("".join(f"{plain_line(d)}\n" for d in result.diagnostics))
    else:
        for diagnostic in result.diagnostics:
            console.print(diagnostic_line(diagnostic))
    if show_statistics and result.diagnostics:
        if not quiet:
            console.print()
        for row in statistics(result):
            console.print(row)
    if not quiet:
        console.print(summary(result), style="bold" if result.diagnostics else "green")
