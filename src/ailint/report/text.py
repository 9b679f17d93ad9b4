"""``--format text``: one clickable line per diagnostic, then a summary.

``path:line:column: CODE [name] message``, the form editors and terminals
turn into links; in a notebook, ``path:cell N:line:column:``, as Ruff prints
it. Colour comes from rich, which enables it only on a terminal and honours
``NO_COLOR``.
"""

from __future__ import annotations

import os
from collections import Counter
from typing import TYPE_CHECKING, TextIO

from ailint.diagnostics import Severity

if TYPE_CHECKING:
    from rich.text import Text

    from ailint.api import RunResult
    from ailint.diagnostics import Diagnostic

_CODE_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "bold yellow"}


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def diagnostic_line(diagnostic: Diagnostic) -> Text:
    """One diagnostic as styled text (plain when colour is off)."""
    from rich.text import Text

    line = Text()
    line.append(f"{diagnostic.path}:{diagnostic.place}:", style="bold")
    line.append(" ")
    line.append(diagnostic.code, style=_CODE_STYLE[diagnostic.severity])
    line.append(f" [{diagnostic.name}]", style="dim")
    line.append(f" {diagnostic.message}")
    return line


def plain_line(diagnostic: Diagnostic) -> str:
    """``diagnostic_line`` without styles, built directly."""
    return f"{diagnostic.path}:{diagnostic.place}: {diagnostic.code} [{diagnostic.name}] {diagnostic.message}"


def summary(result: RunResult, hidden: int = 0, hidden_by: str = "the baseline") -> str | None:
    """The closing line: what was found, in how many files, and how many ``hidden_by`` hid.

    None when a path asked for is missing and nothing was found: the run did
    not check what it was asked to, so it must not say that all checks passed.
    """
    files = _plural(result.files, "file")
    if not result.diagnostics:
        if result.missing:
            return None
        line = f"All checks passed ({files} checked)."
        if hidden:
            line += f" {_plural(hidden, 'diagnostic')} hidden by {hidden_by}."
        return line
    by_severity = Counter(d.severity for d in result.diagnostics)
    parts = [
        _plural(by_severity[level], level.value) for level in (Severity.ERROR, Severity.WARNING) if by_severity[level]
    ]
    line = f"Found {_plural(len(result.diagnostics), 'diagnostic')} ({', '.join(parts)}) in {files}."
    if hidden:
        line += f" {hidden} more hidden by {hidden_by}."
    return line


def statistics(result: RunResult) -> list[str]:
    """Counts per code, most frequent first."""
    counts = Counter((d.code, d.name) for d in result.diagnostics)
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0][0]))
    width = max((len(str(count)) for count in counts.values()), default=1)
    return [f"{count:>{width}}  {code}  {name}" for (code, name), count in ordered]


def render(
    result: RunResult,
    stream: TextIO,
    *,
    color: bool | None,
    quiet: bool,
    show_statistics: bool,
    hidden: int = 0,
    hidden_by: str = "the baseline",
) -> None:
    """Write the text report to ``stream``; ``color=None`` lets rich decide (terminal, ``NO_COLOR``).

    ``hidden``: diagnostics left out because ``hidden_by`` (a baseline, a revision) accounts for them.
    """
    closing = None if quiet else summary(result, hidden, hidden_by)
    if color is False or (color is None and not _may_style(stream)):
        stream.write(_plain(result, closing, quiet=quiet, show_statistics=show_statistics))  # rich is not imported
        return
    from rich.console import Console

    console = Console(file=stream, highlight=False, soft_wrap=True, emoji=False, markup=False, color_system="auto")
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
    if closing is not None:
        console.print(closing, style="bold" if result.diagnostics else "green")


def _plain(result: RunResult, closing: str | None, *, quiet: bool, show_statistics: bool) -> str:
    """The whole report without styles, as rich writes it when it applies none."""
    lines = [plain_line(d) for d in result.diagnostics]
    if show_statistics and result.diagnostics:
        lines += ([] if quiet else [""]) + statistics(result)
    if closing is not None:
        lines.append(closing)
    return "".join(f"{line}\n" for line in lines)


_STYLED = ("FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE", "JPY_PARENT_PID", "VSCODE_PID")
"""Variables under which rich may style output that is not a terminal (or that ailint cannot tell)."""


def _may_style(stream: TextIO) -> bool:
    """Whether rich might colour ``stream``: a terminal, or a variable that forces or hints at one."""
    if any(name in os.environ for name in _STYLED):
        return True
    try:
        return stream.isatty()
    except (AttributeError, ValueError, OSError):
        return True  # let rich decide
