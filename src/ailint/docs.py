"""Rule documentation, derived from the rule classes and nothing else.

The pages under ``docs/rules/``, ``ailint rules``, ``ailint rule CODE`` and
the SARIF rule metadata all come from here, so a rule is documented once, in
its class docstring. Regenerate the committed pages with::

    python -m ailint.docs            # writes docs/rules/
    python -m ailint.docs --check    # exits 1 and names the stale files
"""

from __future__ import annotations

import argparse
import difflib
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ailint.rules import registry
from ailint.rules.base import Rule

if TYPE_CHECKING:
    from rich.console import Console

GENERATED = "<!-- Generated from the rule classes by `python -m ailint.docs`; do not edit by hand. -->\n"
DEFAULT_DIRECTORY = Path("docs") / "rules"


class UnknownRule(LookupError):
    """``ailint rule`` was given something that is neither a code nor a name; carries a suggestion."""

    def __init__(self, text: str) -> None:
        candidates = [*registry.ALL_CODES, *registry.BY_NAME]
        close = difflib.get_close_matches(text.upper() if text[:3].lower() == "ail" else text, candidates, n=1)
        self.suggestion = close[0] if close else None
        super().__init__(text)


def find_rule(text: str) -> type[Rule]:
    """The rule named by a code (any case) or a kebab-case name."""
    rule = registry.BY_CODE.get(text.strip().upper()) or registry.BY_NAME.get(text.strip())
    if rule is None:
        raise UnknownRule(text)
    return rule


def section(rule: type[Rule], title: str) -> str:
    """The text of one ``## title`` section of a rule's documentation."""
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", rule.doc(), flags=re.DOTALL | re.MULTILINE)
    return match.group(1).strip() if match else ""


def page(rule: type[Rule]) -> str:
    """A rule's documentation page in Markdown: title, metadata, then its docstring."""
    default = "yes" if rule.enabled_by_default else f"no (enable it with `--select {rule.code}`)"
    scripts = (
        '- In scripts, examples and demos (the `scripts` setting) and under `if __name__ == "__main__":`: '
        "not reported\n"
        if getattr(rule, "operational", False)
        else ""
    )
    return (
        f"# {rule.code}: {rule.name}\n\n"
        f"{rule.summary}\n\n"
        f"- Severity: {rule.severity.value}\n"
        f"- Concern: {rule.concern.value}\n"
        f"- Enabled by default: {default}\n"
        f"{scripts}\n"
        f"{rule.doc()}\n"
    )


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def index() -> str:
    """The table of every rule, linking to each page."""
    rows = "".join(
        f"| [{rule.code}]({rule.code}.md) | {rule.name} | {rule.severity.value} | {rule.concern.value} "
        f"| {_cell(rule.summary)}{'' if rule.enabled_by_default else ' Off by default.'} |\n"
        for rule in sorted(registry.ALL_RULES, key=lambda r: r.code)
    )
    return (
        "# Rules\n\n"
        "Every rule has a code, a kebab-case name and a default severity. Select or ignore\n"
        "rules by code (`AIL401`), by prefix (`AIL4`, `AIL`) or by name (`unhandled-error`);\n"
        "`ailint rules` prints this table and `ailint rule CODE` prints a rule's page.\n\n"
        "| code | name | severity | concern | summary |\n"
        "|---|---|---|---|---|\n"
        f"{rows}"
    )


def pages() -> dict[str, str]:
    """Every generated file of ``docs/rules/``, by file name."""
    files = {f"{rule.code}.md": GENERATED + "\n" + page(rule) for rule in registry.ALL_RULES}
    files["index.md"] = GENERATED + "\n" + index()
    return dict(sorted(files.items()))


def stale(directory: Path) -> list[str]:
    """Files of ``directory`` that differ from what would be generated, are missing, or are left over."""
    wanted = pages()
    present = {p.name for p in directory.glob("*.md")} if directory.is_dir() else set()
    problems = [name for name in wanted if name not in present or _read(directory / name) != wanted[name]]
    problems += sorted(present - set(wanted))
    return problems


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def write(directory: Path) -> list[str]:
    """Write the pages (and remove pages of rules that no longer exist); the names of files changed."""
    from ailint.cli import write_atomically

    changed = stale(directory)
    directory.mkdir(parents=True, exist_ok=True)
    wanted = pages()
    for name in changed:
        if name in wanted:
            write_atomically(directory / name, wanted[name])
        else:
            (directory / name).unlink()
    return changed


def print_table(console: Console) -> None:
    """``ailint rules``: one row per rule."""
    from rich.table import Table
    from rich.text import Text

    table = Table(header_style="bold", box=None, pad_edge=False)
    for column in ("code", "name", "severity", "concern", "summary"):
        table.add_column(column, no_wrap=column != "summary")
    for rule in sorted(registry.ALL_RULES, key=lambda r: r.code):
        summary = Text(rule.summary)
        if not rule.enabled_by_default:
            summary.append(" (off by default)", style="dim")
        severity = Text(rule.severity.value, style="red" if rule.severity.value == "error" else "yellow")
        table.add_row(Text(rule.code, style="bold"), rule.name, severity, rule.concern.value, summary)
    if console.is_terminal:
        console.print(table)
        return
    with console.capture() as capture:  # a pipe or a file: no padding at the ends of lines
        console.print(table)
    console.file.write("".join(line.rstrip() + "\n" for line in capture.get().splitlines()))


def print_page(rule: type[Rule], console: Console) -> None:
    """``ailint rule CODE`` on a terminal: the page rendered by rich."""
    from rich.markdown import Markdown

    console.print(Markdown(page(rule)))


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m ailint.docs [--check] [DIRECTORY]``."""
    parser = argparse.ArgumentParser(prog="python -m ailint.docs", description="Generate docs/rules/ from the rules.")
    parser.add_argument("directory", nargs="?", type=Path, default=DEFAULT_DIRECTORY)
    parser.add_argument("--check", action="store_true", help="only report stale files; exit 1 if there are any")
    options = parser.parse_args(argv)
    if options.check:
        problems = stale(options.directory)
        for name in problems:
            print(f"{options.directory / name} is stale; run python -m ailint.docs", file=sys.stderr)
        return 1 if problems else 0
    for name in write(options.directory):
        print(f"updated {(options.directory / name).as_posix()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
