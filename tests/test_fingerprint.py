"""Fingerprints name a finding by what it is, never by where it is."""

from __future__ import annotations

from pathlib import Path

from ailint.api import check_paths
from ailint.fingerprint import fingerprint, normalise
from ailint.settings import Settings

SOURCE = """\
from openai import OpenAI

client = OpenAI()


def ask(prompt):
    return client.chat.completions.create(model="gpt-4o", messages=[])


def other(prompt):
    return client.chat.completions.create(model="gpt-4o", messages=[])
"""


def fingerprints(project: Path, source: str) -> list[tuple[int, str]]:
    (project / "app.py").write_text(source, encoding="utf-8")
    settings = Settings(root=project, enabled=frozenset({"AIL002", "AIL401"}))
    return [(d.span.line, d.fingerprint) for d in check_paths([Path("app.py")], settings, cwd=project).diagnostics]


def test_normalise_drops_layout_and_comments() -> None:
    assert normalise("client.create(\n    model='m',  # the model\n    messages=[],\n)") == (
        "client . create ( model = 'm' , messages = [ ] )"
    )
    assert normalise("f(a,\n  b)") == normalise("f(a, b)")


def test_normalise_falls_back_on_fragments_the_tokenizer_rejects() -> None:
    assert normalise("'''open\n   string") == "'''open string"


def test_fingerprint_is_short_hex_and_depends_on_each_part() -> None:
    base = fingerprint("AIL401", "app.ask", "client.create()")
    assert len(base) == 16 and int(base, 16) >= 0
    assert fingerprint("AIL401", "app.ask", "client . create ( )") == base
    assert fingerprint("AIL402", "app.ask", "client.create()") != base
    assert fingerprint("AIL401", "app.other", "client.create()") != base
    assert fingerprint("AIL401", "app.ask", "client.parse()") != base


def test_call_findings_survive_line_moves_and_reformatting(project: Path) -> None:
    before = fingerprints(project, SOURCE)
    assert [line for line, _ in before] == [7, 11]
    assert before[0][1] != before[1][1], "the enclosing function is part of the fingerprint"
    moved = "import os\n\n\n" + SOURCE.replace(
        'create(model="gpt-4o", messages=[])', 'create(\n        model="gpt-4o",  # pinned\n        messages=[],\n    )'
    )
    after = fingerprints(project, moved)
    assert [line for line, _ in after] == [10, 17]
    assert [f for _, f in after] == [f for _, f in before]


def test_pragma_findings_are_fingerprinted_by_their_message(project: Path) -> None:
    ((_, first),) = fingerprints(project, "x = 1  # ailint: ignore[AIL999]\n")
    ((_, second),) = fingerprints(project, "\n\ny = 2  # ailint: ignore[AIL999]\n")
    assert first == second and len(first) == 16
