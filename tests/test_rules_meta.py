"""Guards on the rule classes: one registry, complete documentation, examples that behave."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import ailint.rules as rules_package
from ailint.api import check_paths
from ailint.rules import registry
from ailint.rules.base import CallRule, FileRule, Rule
from ailint.settings import Settings, load_settings

SECTIONS = ("## What it does", "## Why is this bad?", "## Example", "## Use instead", "## Options")


def _all_subclasses(cls: type) -> set[type]:
    found = set()
    for sub in cls.__subclasses__():
        found.add(sub)
        found |= _all_subclasses(sub)
    return found


def test_every_rule_class_is_registered() -> None:
    import importlib
    import pkgutil

    for info in pkgutil.iter_modules(rules_package.__path__):
        importlib.import_module(f"ailint.rules.{info.name}")
    concrete = {c for c in _all_subclasses(Rule) - {CallRule, FileRule} if not c.__name__.startswith("_")}
    assert concrete == set(registry.ALL_RULES)


def test_codes_and_names_are_unique_and_well_formed() -> None:
    codes = [r.code for r in registry.ALL_RULES]
    names = [r.name for r in registry.ALL_RULES]
    assert len(set(codes)) == len(codes) and len(set(names)) == len(names)
    for rule in registry.ALL_RULES:
        assert re.fullmatch(r"AIL\d{3}", rule.code)
        assert re.fullmatch(r"[a-z]+(-[a-z]+)*", rule.name)
        assert rule.summary.endswith(".") and "\n" not in rule.summary
        assert rule.code not in rule.message


@pytest.mark.parametrize("rule", registry.ALL_RULES, ids=lambda r: r.code)
def test_rule_docs_have_every_section(rule: type[Rule]) -> None:
    doc = rule.doc()
    positions = [doc.find(section) for section in SECTIONS]
    missing = [section for section in SECTIONS if section not in doc]
    assert not missing, f"{rule.code} lacks {missing}"
    assert positions == sorted(positions)


def _example(doc: str, section: str) -> str:
    body = doc.split(section, 1)[1]
    match = re.search(r"```python\n(.*?)```", body, flags=re.DOTALL)
    assert match, f"no python block under {section}"
    return match.group(1)


def _config(doc: str, section: str) -> str | None:
    """The TOML block of a section (capability rules need a declaration), if it has one before its code."""
    body = doc.split(section, 1)[1].split("\n## ", 1)[0]
    match = re.search(r"```toml\n(.*?)```", body, flags=re.DOTALL)
    return match.group(1) if match else None


def _codes_for(source: str, rule: type[Rule], tmp_path: Path, name: str, config: str | None = None) -> list[str]:
    folder = tmp_path / name.removesuffix(".py")
    folder.mkdir()
    path = folder / name
    path.write_text(source, encoding="utf-8")
    settings = Settings(root=folder, enabled=frozenset({rule.code}))
    if config is not None:
        (folder / "pyproject.toml").write_text(
            "[tool.ailint]\n" + config.replace("[[tool.ailint.", "[[tool.ailint."), encoding="utf-8"
        )
        settings = load_settings(folder / "pyproject.toml").with_selection([rule.code], [])
    return [d.code for d in check_paths([path], settings, cwd=folder).diagnostics]


@pytest.mark.parametrize("rule", registry.ALL_RULES, ids=lambda r: r.code)
def test_rule_doc_examples(rule: type[Rule], tmp_path: Path) -> None:
    doc = rule.doc()
    example = _codes_for(_example(doc, "## Example"), rule, tmp_path, "example.py", _config(doc, "## Example"))
    assert rule.code in example
    quiet = _codes_for(
        _example(doc, "## Use instead"), rule, tmp_path, "use_instead.py", _config(doc, "## Use instead")
    )
    assert quiet == []


@pytest.mark.parametrize(
    ("selector", "expected"),
    [
        ("AIL401", {"AIL401"}),
        ("ail401", {"AIL401"}),
        ("unhandled-error", {"AIL401"}),
        ("AIL4", {"AIL401", "AIL402", "AIL403"}),
        ("AIL0", {"AIL001", "AIL002", "AIL003"}),
        ("AIL", set(registry.ALL_CODES)),
        ("ALL", set(registry.ALL_CODES)),
    ],
)
def test_selectors(selector: str, expected: set[str]) -> None:
    assert registry.resolve_selector(selector) == expected


@pytest.mark.parametrize(("selector", "suggestion"), [("AIL4011", "AIL401"), ("unhandled-errors", "unhandled-error")])
def test_unknown_selectors_suggest(selector: str, suggestion: str) -> None:
    with pytest.raises(registry.UnknownSelector) as caught:
        registry.resolve_selector(selector)
    assert caught.value.suggestion == suggestion
