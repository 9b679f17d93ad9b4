"""Every fixture under ``fixtures/`` must produce exactly its annotated diagnostics."""

from __future__ import annotations

from pathlib import Path

import pytest

from ailint.api import check_paths, list_calls
from ailint.rules import registry
from ailint.settings import Settings, load_settings
from tests.conftest import FIXTURES
from tests.fixture_harness import Fixture, discover, load

CASES = discover(FIXTURES)


def _settings(fixture: Fixture) -> Settings:
    if fixture.config is not None:
        return load_settings(fixture.config, cwd=fixture.root)
    return Settings(root=fixture.root.parent, enabled=registry.DEFAULT_CODES)


def run_calls_fixture(fixture: Fixture) -> None:
    cwd = fixture.root if fixture.root.is_dir() else fixture.root.parent
    result = list_calls([fixture.root], _settings(fixture), cwd=cwd)
    assert not result.errors and not result.missing
    actual = {(c.path, c.span.line, c.kind, c.provider) for c in result.calls}
    apis = {(c.path, c.span.line): c.api for c in result.calls}
    found_todo = fixture.todo_calls & actual
    assert not found_todo, f"known misses now found, promote them to call: {sorted(found_todo)}"
    unexpected = sorted(actual - fixture.expected_calls)
    absent = sorted(fixture.expected_calls - actual)
    assert not unexpected and not absent, f"\nunexpected: {unexpected}\nmissing:    {absent}"
    wrong_api = {k: (v, apis.get(k)) for k, v in fixture.expected_apis.items() if apis.get(k) != v}
    assert not wrong_api, f"api (expected, actual): {wrong_api}"
    if fixture.todo_calls:
        pytest.xfail(f"known misses: {sorted(fixture.todo_calls)}")


def run_fixture(path: Path) -> None:
    fixture = load(path)
    if fixture.calls:
        run_calls_fixture(fixture)
        if not fixture.select:
            return
    codes = registry.resolve_selectors(fixture.select)
    settings = _settings(fixture).with_selection(sorted(codes), [])
    cwd = fixture.root if fixture.root.is_dir() else fixture.root.parent
    result = check_paths([fixture.root], settings, cwd=cwd)
    assert not result.errors and not result.missing
    actual = {(d.path, d.span.line, d.code, d.severity.value) for d in result.diagnostics if d.code in codes}
    expected = fixture.expected
    missing_todo = {t for t in fixture.todo if not any(a[:3] == t for a in actual)}
    found_todo = fixture.todo - missing_todo
    assert not found_todo, f"known misses now reported, promote them to error/warning: {sorted(found_todo)}"
    unexpected = sorted(actual - expected)
    absent = sorted(expected - actual)
    assert not unexpected and not absent, f"\nunexpected: {unexpected}\nmissing:    {absent}"
    if missing_todo:
        pytest.xfail(f"known misses: {sorted(missing_todo)}")


@pytest.mark.parametrize("path", CASES, ids=[p.relative_to(FIXTURES).as_posix() for p in CASES])
def test_fixture(path: Path) -> None:
    run_fixture(path)


def test_fixtures_exist_for_every_call_rule_family() -> None:
    families = {p.relative_to(FIXTURES).parts[0] for p in CASES}
    assert "calls" in families
    for rule in registry.ALL_RULES:
        assert f"ail{rule.code[3]}xx" in families, f"no fixtures for {rule.code}"


@pytest.mark.parametrize(
    ("name", "message"),
    [
        (
            "one_path_unhandled",
            "openai chat.completions.create is not inside a try that catches openai.APIError; it escapes through "
            "summarize() -> handle_ticket()",
        ),
        (
            "reraised",
            "anthropic messages.create is not inside a try that catches anthropic.APIError; it escapes through "
            "answer() -> answer_retried() -> main()",
        ),
        (
            "gather_return_exceptions",
            "openai chat.completions.create is not inside a try that catches openai.APIError; it escapes through "
            "translate_one() -> translate_all()",
        ),
    ],
)
def test_unhandled_error_names_the_path_it_escapes_through(name: str, message: str) -> None:
    root = FIXTURES / "ail4xx" / name
    fixture = load(root)
    settings = _settings(fixture).with_selection(["AIL401"], [])
    result = check_paths([root], settings, cwd=root)
    assert [d.message for d in result.diagnostics if d.code == "AIL401"] == [message]


def test_a_handler_that_raises_again_is_named_in_the_message() -> None:
    path = FIXTURES / "ail4xx" / "unhandled_error_openai.py"
    settings = _settings(load(path)).with_selection(["AIL401"], [])
    result = check_paths([path], settings, cwd=path.parent)
    assert (
        "openai chat.completions.create is inside a try whose handler raises the error again; openai.APIError "
        "escapes through caught_and_raised_again()"
    ) in [d.message for d in result.diagnostics]
