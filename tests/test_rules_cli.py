"""``ailint rules`` and ``ailint rule CODE``."""

from __future__ import annotations

import io

import pytest
from click.testing import CliRunner
from rich.console import Console

from ailint.cli import main
from ailint.docs import page, print_page
from ailint.rules import registry


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_rules_table() -> None:
    code, out, err = run("rules")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    rules = sorted(registry.ALL_RULES, key=lambda r: r.code)
    assert len(lines) == 1 + len(rules)
    assert lines[0].split() == ["code", "name", "severity", "concern", "summary"]
    widths = [len(max((r.name for r in rules), key=len)), len("severity"), len("decision authority")]
    for line, rule in zip(lines[1:], rules, strict=True):
        summary = rule.summary + ("" if rule.enabled_by_default else " (off by default)")
        cells = [rule.code, rule.name.ljust(widths[0]), rule.severity.value.ljust(widths[1])]
        cells.append(rule.concern.value.ljust(widths[2]))
        assert line == "  ".join([*cells, summary])
    assert lines[1].split("  ")[0] == "AIL001" and lines[1].endswith("The file cannot be parsed.")
    assert out.count("(off by default)") == sum(1 for r in rules if not r.enabled_by_default) == 4


@pytest.mark.parametrize("name", ["AIL401", "ail401", "unhandled-error"])
def test_rule_page_when_piped_is_the_markdown_source(name: str) -> None:
    assert run("rule", name) == (0, page(registry.BY_CODE["AIL401"]), "")


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("AIL4011", "unknown rule 'AIL4011'; did you mean AIL401? (`ailint rules` lists them)"),
        ("unhandled", "unknown rule 'unhandled'; did you mean unhandled-error? (`ailint rules` lists them)"),
        ("nothing-like-it", "unknown rule 'nothing-like-it' (`ailint rules` lists them)"),
    ],
)
def test_unknown_rule_exits_2_with_a_suggestion(name: str, message: str) -> None:
    assert run("rule", name) == (2, "", f"ailint: error: {message}\n")


def test_rule_page_on_a_terminal_is_rendered() -> None:
    stream = io.StringIO()
    print_page(registry.BY_CODE["AIL401"], Console(file=stream, force_terminal=True, width=100, color_system=None))
    lines = [line.rstrip() for line in stream.getvalue().splitlines()]
    assert lines[0].strip() == "AIL401: unhandled-error"
    assert " • Severity: error" in lines
    assert "What it does" in lines and "## What it does" not in stream.getvalue()
    assert " from openai import OpenAI" in lines, "code blocks are shown as code"
