"""AIL003: why a suppression counts as unused, and when it is not judged at all."""

from __future__ import annotations

from pathlib import Path

from ailint.api import check_paths
from ailint.rules import registry
from ailint.settings import Settings

BARE = "from openai import OpenAI\nOpenAI().chat.completions.create(model='m', messages=[])"


def lint(project: Path, source: str, *, enabled: set[str], ignored: set[str] = frozenset()) -> list[str]:
    (project / "app.py").write_text(source, encoding="utf-8")
    settings = Settings(
        root=project,
        enabled=frozenset(enabled),
        per_file_ignores=(("app.py", frozenset(ignored)),) if ignored else (),
    )
    result = check_paths([Path("app.py")], settings, cwd=project)
    return [f"{d.span.line}:{d.span.column}-{d.span.end_column} {d.code} {d.message}" for d in result.diagnostics]


def test_off_by_default() -> None:
    assert "AIL003" not in registry.DEFAULT_CODES
    assert "AIL003" in registry.ALL_CODES


def test_points_at_the_comment_and_gives_each_reason(project: Path) -> None:
    source = BARE + "  # noqa: AIL401, AIL701  # ailint: ignore[AIL402]\n"
    assert lint(project, source, enabled={"AIL003", "AIL402", "AIL401"}) == [
        "2:59-81 AIL003 unused suppression: AIL701 is not enabled",
        "2:83-107 AIL003 unused suppression: no AIL402 diagnostic on this line",
    ]


def test_per_file_ignores_make_a_suppression_unused(project: Path) -> None:
    assert lint(project, BARE + "  # noqa: AIL401\n", enabled={"AIL003", "AIL401"}, ignored={"AIL401"}) == [
        "2:59-73 AIL003 unused suppression: AIL401 is ignored for this file by per-file-ignores"
    ]


def test_an_unused_suppression_can_itself_be_silenced(project: Path) -> None:
    assert lint(project, "x = 1  # noqa: AIL401, AIL003\n", enabled={"AIL003", "AIL401"}) == []


def test_files_that_cannot_be_parsed_are_not_judged(project: Path) -> None:
    assert lint(project, "x = (  # noqa: AIL401\n", enabled={"AIL001", "AIL003", "AIL401"}) == [
        "1:5-6 AIL001 cannot parse file: '(' was never closed"
    ]


def test_ignored_files_are_not_judged(project: Path) -> None:
    assert lint(project, "# ailint: ignore-file\nx = 1  # noqa: AIL401\n", enabled={"AIL003", "AIL401"}) == []
