"""Rule pages are generated from the rule classes; the committed ones must be up to date."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ailint import docs
from ailint.rules import registry
from tests.conftest import REPO

RULE_DOCS = REPO / "docs" / "rules"


def test_committed_rule_pages_are_up_to_date() -> None:
    stale = docs.stale(RULE_DOCS)
    assert not stale, f"stale rule pages {stale}: run `python -m ailint.docs` and commit docs/rules/"


def test_generator_writes_every_page_and_removes_old_ones(tmp_path: Path) -> None:
    (tmp_path / "AIL999.md").write_text("# a rule that no longer exists\n")
    assert docs.main([str(tmp_path), "--check"]) == 1
    assert docs.main([str(tmp_path)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([f"{c}.md" for c in registry.ALL_CODES] + ["index.md"])
    assert docs.main([str(tmp_path), "--check"]) == 0
    (tmp_path / "AIL401.md").write_text("edited by hand\n")
    assert docs.stale(tmp_path) == ["AIL401.md"]


def test_check_names_the_stale_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    docs.main([str(tmp_path)])
    (tmp_path / "index.md").unlink()
    assert docs.main([str(tmp_path), "--check"]) == 1
    assert capsys.readouterr().err == f"{tmp_path / 'index.md'} is stale; run python -m ailint.docs\n"


def test_page() -> None:
    rule = registry.BY_CODE["AIL003"]
    assert docs.page(rule) == (
        "# AIL003: unused-suppression\n\n"
        f"{rule.summary}\n\n"
        "- Severity: warning\n"
        "- Concern: meta\n"
        "- Enabled by default: no (enable it with `--select AIL003`)\n\n"
        f"{rule.doc()}\n"
    )
    assert (RULE_DOCS / "AIL003.md").read_text(encoding="utf-8") == docs.GENERATED + "\n" + docs.page(rule)


def test_index_links_every_rule() -> None:
    index = (RULE_DOCS / "index.md").read_text(encoding="utf-8")
    links = re.findall(r"^\| \[(AIL\d{3})\]\((AIL\d{3})\.md\) \| ([a-z-]+) \|", index, flags=re.MULTILINE)
    assert [(code, name) for code, _, name in links] == [
        (r.code, r.name) for r in sorted(registry.ALL_RULES, key=lambda r: r.code)
    ]
    assert all(code == target for code, target, _ in links)
    assert "| [AIL401](AIL401.md) | unhandled-error | error | error states |" in index


def test_section() -> None:
    rule = registry.BY_CODE["AIL001"]
    assert docs.section(rule, "What it does") == (
        "Reports a file that cannot be parsed, at the line and column of the error.\n"
        "In a Jupyter notebook, that is a code cell's error (reported in its cell),\n"
        "or JSON that is not a notebook (reported where the JSON goes wrong)."
    )
    assert docs.section(rule, "Options") == "None."
    assert docs.section(rule, "No such section") == ""


@pytest.mark.parametrize(("text", "code"), [("AIL401", "AIL401"), ("ail401", "AIL401"), ("unhandled-error", "AIL401")])
def test_find_rule(text: str, code: str) -> None:
    assert docs.find_rule(text).code == code


@pytest.mark.parametrize(
    ("text", "suggestion"), [("AIL4011", "AIL401"), ("unhandled-errors", "unhandled-error"), ("foo", None)]
)
def test_unknown_rule_suggests(text: str, suggestion: str | None) -> None:
    with pytest.raises(docs.UnknownRule) as caught:
        docs.find_rule(text)
    assert caught.value.suggestion == suggestion


def test_docs_index_links_the_guides() -> None:
    index = (REPO / "docs" / "index.md").read_text(encoding="utf-8")
    for target in ("rules/index.md", "configuration.md", "authority.md", "suppression.md", "baseline.md"):
        assert f"]({target})" in index
        assert (REPO / "docs" / target).is_file()


def test_readme_links_the_rule_index_instead_of_a_table() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert "[docs/rules/index.md](docs/rules/index.md)" in readme
    assert "| AIL401 |" not in readme, "the rule table lives in docs/rules/index.md only"


CONFIGURATION = REPO / "docs" / "configuration.md"


def _schema_keys() -> set[str]:
    """Every key the configuration accepts, tables' keys as ``table.key``, read from the validation schema."""
    import inspect

    from ailint import settings

    source = inspect.getsource(settings._parse)
    keys: set[str] = set()
    for top, body in re.findall(r'^ {12}"([a-z-]+)": (.*?)(?=^ {12}"|^ {8}\},)', source, re.MULTILINE | re.DOTALL):
        inner = re.findall(r'"([a-z-]+)": ', body) if body.startswith("sub(") else []
        if inner:
            keys.update(f"{top}.{key}" for key in inner)
        else:
            keys.add(top)
    return keys


def test_the_configuration_page_documents_every_key_the_settings_accept(tmp_path: Path) -> None:
    from ailint.settings import ConfigError, load_settings

    text = CONFIGURATION.read_text(encoding="utf-8")
    rows = [line for line in text.splitlines() if line.startswith("| `")]
    documented = {name for row in rows for name in re.findall(r"`([a-z.-]+)`", row.split("|")[1])}
    accepted = _schema_keys()
    assert len(accepted) > 20 and accepted <= documented, sorted(accepted - documented)
    for key in sorted(documented):  # and every key documented is one (a wrong value, not an unknown key)
        table, _, name = key.rpartition(".")
        config = tmp_path / "ailint.toml"
        config.write_text(f"[{table}]\n{name} = 12345\n" if table else f"{name} = 12345\n")
        with pytest.raises(ConfigError) as raised:
            load_settings(config, strict=True)
        assert "unknown key" not in str(raised.value), key


def test_the_configuration_page_speaks_of_what_works_today() -> None:
    text = CONFIGURATION.read_text(encoding="utf-8").lower()
    for wording in ("being added", "not yet", "coming soon", "will be supported", "planned"):
        assert wording not in text
