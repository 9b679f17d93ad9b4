"""Directives come from real comments only, read the same whether or not ``tokenize`` runs.

Each file is read three ways: as the engine reads it (a quick reading of
strings and comments, trusted when CPython parses the file), without that
proof, and with ``tokenize`` alone, which is what decides.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

import pytest

from ailint import suppress
from ailint.api import check_paths
from ailint.engine import _known_codes, _parses
from ailint.settings import Settings
from ailint.suppress import Directives, Problem, Suppression, scan

READINGS = ["quick", "unproven", "tokenize"]


def read(data: bytes, reading: str, monkeypatch: pytest.MonkeyPatch) -> Directives:
    """The directives of ``data``, read one of the three ways."""
    if reading == "tokenize":
        monkeypatch.setattr(suppress, "_QUICK", False)
    return scan(data, _known_codes(), None if reading == "unproven" else partial(_parses, data))


@pytest.mark.parametrize("reading", READINGS)
def test_pragmas_inside_strings_are_not_pragmas(reading: str, monkeypatch: pytest.MonkeyPatch) -> None:
    data = (
        b'x = "# noqa: AIL401"\n'
        b"y = '# ailint: ignore-file'\n"
        b'z = """\n'
        b"# noqa: AIL401\n"
        b"# ailint: not-a-pragma\n"
        b'"""\n'
        b"w = f'{x}  # ailint: ignore[AIL999]'\n"
    )
    assert read(data, reading, monkeypatch) == Directives()


@pytest.mark.parametrize("reading", READINGS)
def test_a_comment_after_a_string_holding_a_hash_is_read(reading: str, monkeypatch: pytest.MonkeyPatch) -> None:
    data = b"x = '''#\n'''  # noqa: AIL401\ny = \"#\"  # noqa: AIL402, E501\n"
    assert read(data, reading, monkeypatch) == Directives(
        ignored={2: {"AIL401"}, 3: {"AIL402"}},
        suppressions=[
            Suppression(2, 6, 20, ("AIL401",), "# noqa: AIL401"),
            Suppression(3, 10, 30, ("AIL402",), "# noqa: AIL402, E501"),
        ],
    )


@pytest.mark.parametrize("reading", READINGS)
def test_a_file_tokenize_cannot_read_keeps_whole_line_comments_only(
    reading: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The unterminated string at the end: a quote before the ``#`` hides the first comment."""
    data = b'x = "a"  # noqa: AIL401\ny = 1  # noqa: AIL402\nz = """\n'
    assert read(data, reading, monkeypatch) == Directives(
        ignored={2: {"AIL402"}},
        suppressions=[Suppression(2, 8, 22, ("AIL402",), "# noqa: AIL402")],
    )
    closed = data + b'"""\n'
    assert read(closed, reading, monkeypatch).ignored == {1: {"AIL401"}, 2: {"AIL402"}}


@pytest.mark.parametrize("reading", READINGS)
def test_a_file_tokenize_gives_up_on_midway_reads_whole_lines_too(
    reading: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every string is closed, but the dedent to column 4 matches no indentation: ``tokenize`` fails at line 3."""
    data = b'if x:\n        a = "s"  # noqa: AIL401\n    b = 2  # noqa: AIL402\n'
    assert read(data, reading, monkeypatch).ignored == {3: {"AIL402"}}


@pytest.mark.parametrize("reading", READINGS)
def test_file_pragmas_count_only_before_the_first_code(reading: str, monkeypatch: pytest.MonkeyPatch) -> None:
    late = b'"""Doc."""\n# ailint: ignore-file\n'
    assert read(late, reading, monkeypatch) == Directives(
        problems=[
            Problem(2, 1, 22, "'# ailint: ignore-file' must be in the first comment block of the file, before any code")
        ]
    )
    early = b'#!/usr/bin/env python\n\\\n  # ailint: ignore-file\n\n"""Doc."""\n'
    assert read(early, reading, monkeypatch) == Directives(ignore_file=True)
    modes = b"# ailint: authority=act\nimport os\nx = 1  # ailint: authority=assist\n"
    assert read(modes, reading, monkeypatch) == Directives(authority={3: "assist"}, module_authority="act")


@pytest.mark.parametrize("reading", READINGS)
@pytest.mark.parametrize(
    "data",
    [
        b"x = 1  # noqa: AIL401\r\ny = 2  # NOQA:AIL402\r\n",
        b"x = 1  # noqa: AIL401\ry = 2  # noqa: AIL402\r",
        b"x = 1\x0c  # noqa: AIL401\n\x0cy = 2  # noqa: AIL402\n",
        b"x = 1  # noqa: AIL401\n\x00y = 2  # noqa: AIL402\n",
        b"s = 'it\\'s'  # noqa: AIL401\nt = 'a\\\nb'  # noqa: AIL402\n",
        b"s = 'open  # noqa: AIL401\nt = 2  # noqa: AIL402\n",
        b"if x:\n        a = 1  # noqa: AIL401\n    b = 2  # noqa: AIL402\n",
        b"\xef\xbb\xbf# -*- coding: utf-8 -*-\ns = '\xc3\xa9'  # noqa: AIL401\n",
        b"# -*- coding: latin-1 -*-\ns = '\xe9'  # noqa: AIL401 # ailint: ignore[AIL402]\n",
        b"x = (1,  # noqa: AIL401\n",
        b"x = 1  # noqa: AIL401\ns = '''never closed\n# noqa: AIL402\n",
        b"x = 1  # noqa: AIL401\n" + b"\\'''a'  # noqa: AIL402\n" * 3,
    ],
    ids=[
        *("crlf", "lone_cr", "form_feed", "nul", "escapes", "unterminated", "bad_dedent", "bom", "latin1", "open"),
        *("open_triple", "escaped_triples"),
    ],
)
def test_odd_files_read_as_tokenize_reads_them(reading: str, data: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    expected = read(data, "tokenize", monkeypatch)
    monkeypatch.undo()
    assert read(data, reading, monkeypatch) == expected
    assert expected.ignored  # every one of them suppresses something


def test_a_triple_quote_never_closed_stops_the_quick_reading() -> None:
    """Else every later quote would search the rest of the file again (20 s for 112 KB of this)."""
    text = "# noqa: AIL401\n" + "\\'''a'\n" * 2000
    assert suppress._read(text) is None
    assert suppress._read('x = 1  # noqa: AIL401\ns = """a\n') is None
    assert suppress._read("s = '''a\n#b'''  # noqa: AIL401\n") == ([(2, 7, "# noqa: AIL401")], 1)


def test_the_engine_reports_only_real_pragmas(project: Path) -> None:
    (project / "a.py").write_bytes(b'x = "# noqa: AIL999"\ny = """\n# ailint: bogus\n"""\nz = 1  # noqa: AIL999\n')
    result = check_paths([Path(".")], Settings(root=project, enabled=frozenset({"AIL001", "AIL002"})))
    found = [(d.span.line, d.span.column, d.span.end_column, d.code) for d in result.diagnostics]
    assert found == [(5, 8, 22, "AIL002")]
