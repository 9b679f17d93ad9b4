"""A large file parsed in pieces gives the very tree of the whole file, or is parsed whole."""

from __future__ import annotations

import ast
from pathlib import Path

import libcst as cst
import pytest

import ailint.analysis.pieces
from ailint.analysis.pieces import cuts, parse_in_pieces
from ailint.api import check_paths
from ailint.engine import _analysable
from ailint.rules import registry
from ailint.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
SIZE = 400
"""Pieces this small cut every test source below many times."""


def _function(number: int, indent: str = "    ", newline: str = "\n") -> str:
    lines = [f"def f{number}(a, b=1):", f'{indent}"""Doc {number}."""', f"{indent}if a:", f"{indent * 2}return b"]
    lines += [f"{indent}return [a, b, {number}]", "", ""]
    return newline.join(lines)


def _source(count: int = 40, indent: str = "    ", newline: str = "\n") -> str:
    return newline.join(["import os", "", ""]) + "".join(_function(n, indent, newline) for n in range(count))


def _same_as_whole(data: bytes, size: int = SIZE) -> cst.Module:
    """The pieced tree, checked against LibCST's tree of the whole file."""
    whole = cst.parse_module(data)
    pieced = parse_in_pieces(data, ast.parse(data), size)
    assert pieced is not None, "expected the file to be parsed in pieces"
    assert pieced.deep_equals(whole)
    assert pieced.bytes == whole.bytes  # (LibCST itself renders a file of lone \r one \r short at its end)
    assert (pieced.encoding, pieced.default_indent, pieced.default_newline, pieced.has_trailing_newline) == (
        whole.encoding,
        whole.default_indent,
        whole.default_newline,
        whole.has_trailing_newline,
    )
    return pieced


def test_pieces_start_at_statements_about_size_apart() -> None:
    text = _source()
    found = cuts(text, ast.parse(text), SIZE)
    assert len(found) > 5
    starts = {text.index(f"def f{n}(") for n in range(40)}
    for offset in found:
        assert offset - 2 in starts or text[offset:].lstrip("\n").startswith("def "), offset
        assert text[offset - 1] == "\n"
    assert all(later - earlier >= SIZE for earlier, later in zip([0, *found], found, strict=False))
    assert len(text) - found[-1] >= SIZE


def test_a_small_file_is_one_piece() -> None:
    text = _source(3)
    assert cuts(text, ast.parse(text), SIZE * 10) == []
    assert parse_in_pieces(text.encode(), ast.parse(text), SIZE * 10) is None


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(_source().encode(), id="plain"),
        pytest.param(_source(newline="\r\n").encode(), id="crlf"),
        pytest.param(_source(newline="\r").encode(), id="cr"),
        pytest.param(_source().replace("def f20", 'x = """a\rb"""\ndef f20').encode(), id="cr-in-a-string"),
        pytest.param(_source(indent="\t").encode(), id="tabs"),
        pytest.param(_source(indent="  ").encode(), id="two-spaces"),
        pytest.param(b"\xef\xbb\xbf" + _source().encode(), id="bom"),
        pytest.param(
            ("# -*- coding: latin-1 -*-\n" + _source() + 'label = "caf\u00e9"\n').encode("latin-1"), id="latin-1"
        ),
        pytest.param(_source().replace("\n\n\ndef f7", "\n\f\n\ndef f7").encode(), id="form-feed"),
        pytest.param(_source().rstrip("\n").encode(), id="no-trailing-newline"),
        pytest.param((_source() + "\n\n# the end\n\n").encode(), id="trailing-comment"),
        pytest.param(_source().replace("def f9", "@first\n\n@second(1)\ndef f9").encode(), id="decorators"),
        pytest.param(_source().replace("def f5", "a = 1; b = 2\nif a: pass\ndef f5").encode(), id="one-liners"),
        pytest.param(
            _source().replace("\n\n\ndef f3", "\n    # the end of f2, indented\n\n\ndef f3").encode(),
            id="indented-comment-after-a-body",
        ),
    ],
)
def test_a_file_in_pieces_is_the_whole_file(data: bytes) -> None:
    _same_as_whole(data)


def test_no_piece_starts_where_a_comment_lies_between_statements() -> None:
    text = "".join(f"# about f{n}\n" + _function(n) for n in range(40))
    assert cuts(text, ast.parse(text), SIZE) == []
    spaced = "".join(_function(n) + f"# after f{n}\n\n" for n in range(40))
    assert cuts(spaced, ast.parse(spaced), SIZE) == []


def test_pieces_that_would_not_join_exactly_leave_the_file_whole() -> None:
    # Indented with tabs, then a piece with no block at all: that piece would guess four spaces.
    text = _source(10, indent="\t") + "".join(f"value{n} = {n}\n" for n in range(400))
    tree = ast.parse(text)
    assert cuts(text, tree, SIZE)
    assert parse_in_pieces(text.encode(), tree, SIZE) is None
    # Lines ended by \n, then by \r\n: the later pieces would find another newline than the first.
    mixed = _source(10) + _source(10, newline="\r\n")
    assert cuts(mixed, ast.parse(mixed), SIZE)
    assert parse_in_pieces(mixed.encode(), ast.parse(mixed), SIZE) is None


def test_repository_files_parse_alike_in_pieces() -> None:
    pieced = 0
    for path in sorted([*(ROOT / "src").rglob("*.py"), *(ROOT / "tests").rglob("*.py")])[::3]:
        data = path.read_bytes()
        if len(data) < 4 * SIZE:
            continue
        tree = ast.parse(data)
        found = parse_in_pieces(data, tree, SIZE * 4)
        if found is not None:
            assert found.deep_equals(cst.parse_module(data)), path
            assert found.bytes == data, path
            pieced += 1
    assert pieced > 10


def test_an_error_in_a_later_piece_is_reported_as_the_whole_file_would(monkeypatch: pytest.MonkeyPatch) -> None:
    # Valid Python that LibCST 1.9 does not parse, in the last piece.
    data = (_source() + "(name): int = 1\n").encode()
    assert cuts(data.decode(), ast.parse(data), SIZE)
    monkeypatch.setattr(ailint.analysis.pieces, "PIECE", SIZE)
    module, error = _analysable(data)
    if module is not None:  # a LibCST that parses it: the tree is the whole file's
        assert module.deep_equals(cst.parse_module(data))
        return
    monkeypatch.setattr(ailint.analysis.pieces, "PIECE", 10**9)
    assert _analysable(data) == (None, error)
    assert error is not None and error[0] == data.count(b"\n")


CALLS = """\
from openai import OpenAI

client = OpenAI()


"""


def test_a_large_file_gets_the_same_diagnostics_in_pieces(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    body = "".join(
        f"def ask{n}(question):\n    return client.chat.completions.create(model='m', messages=[question])\n\n\n"
        + _function(n)
        for n in range(30)
    )
    (tmp_path / "big.py").write_text(CALLS + body)
    settings = Settings(root=tmp_path, enabled=registry.DEFAULT_CODES)

    def run() -> list[tuple[str, int, int]]:
        found = check_paths([tmp_path], settings, cwd=tmp_path).diagnostics
        return [(d.code, d.span.line, d.span.column) for d in found]

    monkeypatch.setattr(ailint.analysis.pieces, "PIECE", SIZE)
    calls: list[int] = []
    original = ailint.analysis.pieces.parse_in_pieces

    def counted(data: bytes, tree: ast.Module, size: int = SIZE) -> cst.Module | None:
        module = original(data, tree, size)
        calls.append(module is not None)
        return module

    monkeypatch.setattr(ailint.analysis.pieces, "parse_in_pieces", counted)
    pieced = run()
    assert calls == [True]
    monkeypatch.setattr(ailint.analysis.pieces, "PIECE", 10**9)
    whole = run()
    assert pieced == whole
    assert len({line for _, line, _ in whole}) == 30
    assert max(line for _, line, _ in whole) > 250
