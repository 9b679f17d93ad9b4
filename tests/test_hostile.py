"""Hostile input never crashes a run (SPEC section 8).

Any file gives diagnostics, or AIL001 where it cannot be analysed, and any
tree gives one clear stderr line per path that cannot be read; every other
file is still checked. The corpus is generated here, so no binary file is
committed. Each file is checked twice, as a plain file (syntax-checked by the
standard library only) and importing a provider module (parsed by LibCST and
analysed in depth), because the two take different paths through the engine.
Inputs that could kill the process if a guard regressed (LibCST's native
parser overflows its stack on deep nesting) run only in a subprocess.
"""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import libcst
import pytest
from click.testing import CliRunner

from ailint.api import RunResult, check_paths
from ailint.cli import main
from ailint.diagnostics import Diagnostic
from ailint.engine import Engine, FileTask
from ailint.knowledge import builtin
from ailint.rules import registry
from ailint.settings import Settings

CANARY = b"""\
from openai import OpenAI


def ask(prompt):
    return OpenAI().chat.completions.create(model="m", messages=[{"role": "user", "content": prompt}])
"""
"""A file with known diagnostics, next to the hostile ones: it must still be checked."""


def with_model_import(data: bytes) -> bytes:
    """``data`` importing openai after its last line: analysed in depth, its line numbers unchanged."""
    return data + b"\nimport openai\n"


def nested_blocks(levels: int) -> bytes:
    return b"".join(b"    " * i + b"if x:\n" for i in range(levels)) + b"    " * levels + b"pass\n"


def ten_megabytes() -> bytes:
    """A 10 MB module: a little code around a long string (cheap for both parsers, unlike 10 MB of code)."""
    text = (b"l" * 99 + b"\n") * 100_000
    return b'"""Generated."""\nTABLE = """\\\n' + text + b'"""\n\n\ndef size():\n    return len(TABLE)\n'


@dataclass(frozen=True)
class Case:
    """One hostile file and what each path through the engine must report for it."""

    data: Callable[[], bytes]
    plain: tuple[int | None, str] | None = None
    """``None``: no diagnostic. Else AIL001 at that line (``None``: anywhere), its message containing the text."""
    deep: tuple[int | None, str] | str | None = "same"
    """The same for the file importing openai; ``"same"`` when it matches ``plain``."""

    def expected(self, variant: str) -> tuple[int | None, str] | None:
        if variant == "deep" and not isinstance(self.deep, str):
            return self.deep
        return self.plain


CASES: dict[str, Case] = {
    "empty": Case(lambda: b""),
    "only_comments": Case(lambda: b"# one\n# two\n"),
    "bom": Case(lambda: b"\xef\xbb\xbfx = 1\n"),
    "crlf": Case(lambda: b"x = 1\r\ny = 2\r\n"),
    "lone_cr": Case(lambda: b"x = 1\ry = 2\r"),
    "latin1": Case(lambda: b"# -*- coding: latin-1 -*-\nname = '\xe9t\xe9'\n"),
    "unknown_coding": Case(lambda: b"# -*- coding: klingon -*-\nx = 1\n", (1, "unknown encoding")),
    "undecodable": Case(lambda: b"x = 1\ny = '\xff\xfe'\n", (2, "'utf-8' codec can't decode byte 0xff")),
    "nul": Case(lambda: b"x = 1\ny\x00 = 2\n", (2, "source contains a null byte")),
    # After a block and with a pragma to read: CPython 3.12's tokenizer raises SystemError on this one.
    "nul_after_block": Case(
        lambda: b"if x:  # noqa: AIL401\n    y = 1\n\x00z = 2\n", (3, "source contains a null byte")
    ),
    "form_feed": Case(lambda: b"\x0cx = 1\n\x0c\ndef f():\n    return 1\n"),
    "python2": Case(lambda: b"print 'hello'\nexec 'x = 1'\n", (1, "Missing parentheses in call to 'print'")),
    "unterminated": Case(lambda: b"x = 'abc\n", (1, "unterminated string literal")),
    "unterminated_triple": Case(lambda: b'x = """abc\n', (1, "unterminated triple-quoted string literal")),
    "unexpected_indent": Case(lambda: b"x = 1\n  y = 2\n", (2, "unexpected indent")),
    "unindent": Case(
        lambda: b"if x:\n    a = 1\n  b = 2\n", (3, "unindent does not match any outer indentation level")
    ),
    "mixed_tabs": Case(lambda: b"if x:\n\ta = 1\n        b = 2\n", (3, "inconsistent use of tabs and spaces")),
    "parens_3000": Case(lambda: b"x = " + b"(" * 3000 + b"1" + b")" * 3000 + b"\n", (1, "too many nested parentheses")),
    "blocks_100": Case(lambda: nested_blocks(100), (101, "too many levels of indentation")),
    # Valid Python, but deeper than LibCST is trusted with: only the deep path reports it.
    "blocks_99": Case(lambda: nested_blocks(99), None, (None, "the file is too deeply nested to parse")),
    # Dispatch chains of a hundred branches are real code (langchain_community.llms): never "too deep".
    "elif_150": Case(
        lambda: (
            b"def load(name):\n    if name == 0:\n        return 0\n"
            + b"".join(b"    elif name == %d:\n        return %d\n" % (i, i) for i in range(1, 150))
        )
    ),
    "line_1mb": Case(lambda: b"x = '" + b"a" * 1_000_000 + b"'\n"),
    "file_10mb": Case(ten_megabytes),
    "calls_3000": Case(lambda: b"client.chat.completions.create(model='m', messages=[])\n" * 3000),
    "pep695": Case(
        lambda: (
            b"type Pair[T] = tuple[T, T]\nclass Box[T: int = int]:\n    pass\n"
            b"def first[T, *Ts, **P](x: T) -> T:\n    return x\n"
        )
    ),
    "pep701": Case(
        lambda: b"a = ['x']\ny = f'{'\\n'.join(a)}'\nz = f'{f'{f'{1}'}'}'\nw = f'''{\n    len(a)  # a comment\n}'''\n"
    ),
    "match": Case(
        lambda: b"match p:\n    case {'k': [1, *rest]} | Point(x=0) if rest:\n        pass\n    case _:\n        pass\n"
    ),
    "except_star": Case(lambda: b"try:\n    pass\nexcept* (ValueError, TypeError) as group:\n    pass\n"),
    "pep758": Case(lambda: b"try:\n    pass\nexcept ValueError, TypeError:\n    pass\n"),
    # Eleven levels of mapping patterns take LibCST's parser minutes; CPython is instant.
    "deep_pattern": Case(
        lambda: b"match x:\n    case " + b"{'k': " * 11 + b"1" + b"}" * 11 + b":\n        pass\n",
        None,
        (2, "a pattern nested more than 8 levels"),
    ),
}


def _libcst_accepts(data: bytes) -> bool:
    try:
        libcst.parse_module(data)
    except libcst.ParserSyntaxError:
        return False
    return True


# Valid Python that LibCST (1.9) rejects: the deep path says so rather than blaming the file.
GAP = b"(name): int = 1\n"
CASES["libcst_gap"] = Case(
    lambda: GAP, None, None if _libcst_accepts(GAP) else (None, "valid Python that LibCST cannot parse yet")
)

FIFO = hasattr(os, "mkfifo")


@dataclass
class Corpus:
    root: Path
    result: RunResult
    canary: list[tuple[int, int, str]]


def _lint(root: Path) -> RunResult:
    return check_paths([Path(".")], Settings(root=root, enabled=registry.DEFAULT_CODES), cwd=root)


def _tree_oddities(root: Path) -> None:
    """Paths that are not plain files: each is one stderr line, or is walked like any directory."""
    (root / "x.py").mkdir()  # a directory named like a module
    (root / "x.py" / "inner.py").write_bytes(CANARY)
    (root / os.fsdecode(b"caf\xe9.py")).write_bytes(CANARY)  # a file name that is not UTF-8
    (root / "broken.py").symlink_to(root / "missing.py")
    (root / "loop_a.py").symlink_to(root / "loop_b.py")
    (root / "loop_b.py").symlink_to(root / "loop_a.py")
    (root / "looping").mkdir()
    (root / "looping" / "up").symlink_to(root)
    (root / "looping" / "self").symlink_to(root / "looping")
    if FIFO:
        os.mkfifo(root / "pipe.py")  # reading it would block forever


ODDITY_ERRORS = [
    "cannot read broken.py: broken symbolic link",
    "cannot read loop_a.py: symbolic link loop",
    "cannot read loop_b.py: symbolic link loop",
    *(["cannot read pipe.py: not a regular file"] if FIFO else []),
]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    """The whole corpus, plain and deep, with the canaries and the tree oddities, linted in one run."""
    root = tmp_path_factory.mktemp("hostile")
    canary = _lint(_write(tmp_path_factory.mktemp("alone"), {"canary.py": CANARY}))
    for variant in ("plain", "deep"):
        files = {f"{name}.py": case.data() for name, case in CASES.items()}
        if variant == "deep":
            files = {name: with_model_import(data) for name, data in files.items()}
        _write(root / variant, {**files, "canary.py": CANARY})
    _tree_oddities(root)
    return Corpus(
        root=root,
        result=_lint(root),
        canary=[(d.span.line, d.span.column, d.code) for d in canary.diagnostics],
    )


def _write(directory: Path, files: dict[str, bytes]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (directory / name).write_bytes(data)
    return directory


def _of(result: RunResult, path: str) -> list[Diagnostic]:
    return [d for d in result.diagnostics if d.path == path]


@pytest.mark.parametrize("variant", ["plain", "deep"])
@pytest.mark.parametrize("name", list(CASES))
def test_each_hostile_file_is_ail001_or_clean(corpus: Corpus, name: str, variant: str) -> None:
    found = _of(corpus.result, f"{variant}/{name}.py")
    expected = CASES[name].expected(variant)
    if expected is None:
        assert found == []
        return
    line, fragment = expected
    ((diagnostic,),) = (found,)
    assert (diagnostic.code, diagnostic.name) == ("AIL001", "syntax-error")
    assert diagnostic.message.startswith("cannot parse file: ")
    assert fragment in diagnostic.message
    assert "\n" not in diagnostic.message
    if line is not None:
        assert diagnostic.span.line == line


def test_every_diagnostic_lies_inside_its_file(corpus: Corpus) -> None:
    on_disk = {"caf\ufffd.py": os.fsdecode(b"caf\xe9.py")}  # the one name that does not print as it is
    for diagnostic in corpus.result.diagnostics:
        data = (corpus.root / on_disk.get(diagnostic.path, diagnostic.path)).read_bytes()
        assert 1 <= diagnostic.span.line <= len(data.splitlines()) + 1, diagnostic
        assert diagnostic.span.column >= 1 and diagnostic.span.end_column >= 1, diagnostic


def test_every_other_file_is_still_checked(corpus: Corpus) -> None:
    result = corpus.result
    for canary in ("plain/canary.py", "deep/canary.py", "x.py/inner.py", "caf\ufffd.py"):
        assert [(d.span.line, d.span.column, d.code) for d in _of(result, canary)] == corpus.canary, canary
    assert corpus.canary  # the canary does report something
    assert result.files == 2 * (len(CASES) + 1) + 2
    assert sorted(result.errors) == ODDITY_ERRORS
    assert result.missing == []


@pytest.mark.parametrize(
    ("output_format", "shown"),
    [
        ("text", "caf\ufffd.py:5:12: AIL"),
        ("json", '"caf\\ufffd.py"'),
        ("sarif", '"caf%EF%BF%BD.py"'),
        ("github", "file=caf\ufffd.py,"),
    ],
)
def test_the_cli_writes_hostile_trees_in_every_format(project: Path, output_format: str, shown: str) -> None:
    """Every format encodes a file name that is not UTF-8; each path that cannot be read is one warning line."""
    _tree_oddities(project)
    named = ["x.py", os.fsdecode(b"caf\xe9.py"), "broken.py", "loop_a.py", "looping", *(["pipe.py"] if FIFO else [])]
    for paths in ([], named):
        result = CliRunner().invoke(main, ["--no-cache", "--format", output_format, "-o", "out", *paths])
        assert (result.exit_code, result.stdout) == (1, "")
        unreadable = [line for line in ODDITY_ERRORS if not paths or "loop_b" not in line]  # loop_b is not named
        assert result.stderr.splitlines() == [f"ailint: warning: {line}" for line in unreadable]
        assert shown in (project / "out").read_text(encoding="utf-8")


def test_deep_nesting_never_kills_the_process(tmp_path: Path) -> None:
    """Inputs that overflow LibCST's native stack (SIGSEGV) if they ever reach it: only AIL001 comes back.

    ``and`` chains are flat for CPython but nested for LibCST; the Python 2 file
    is rejected by CPython before its depth is known, so only the token bound
    keeps it from LibCST; the longest chain would crash Python 3.10's compiler.
    """
    chain = b"x = " + b" and ".join([b"a"] * 10_000) + b"\n"
    files = {
        "parens.py": b"x = " + b"(" * 3000 + b"1" + b")" * 3000 + b"\n",
        "and_chain.py": chain,
        "unary.py": b"x = " + b"-" * 10_000 + b"1\n",
        "attributes.py": b"x = a" + b".b" * 10_000 + b"\n",
        "python2_then_chain.py": b"print 'hello'\n" + chain,
        "nested_calls.py": b"x = f" + b"(f" * 5000 + b")" * 5000 + b"\n",
        "long_chain.py": b"x = a" + b".b" * 150_000 + b"\n",  # kills Python 3.10's own compiler
    }
    _write(tmp_path, {**files, **{f"deep_{n}": with_model_import(d) for n, d in files.items()}, "canary.py": CANARY})
    done = subprocess.run(
        [sys.executable, "-m", "ailint", "--no-cache", "--format", "json", "."],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    assert done.stderr == ""
    found = {(d["path"], d["code"]) for d in json.loads(done.stdout)["diagnostics"]}
    broken = {"parens.py", "python2_then_chain.py", "nested_calls.py", "long_chain.py"}  # on every Python
    expected = {(name, "AIL001") for name in broken} | {(f"deep_{name}", "AIL001") for name in files}
    # Older Pythons accept 10,000 nested operators, newer ones do not: for the plain files, either is right.
    assert expected <= {d for d in found if d[0] != "canary.py"} <= expected | {(n, "AIL001") for n in files}
    assert ("canary.py", "AIL401") in found


def test_recursion_in_analysis_is_ail001_and_the_rest_is_checked(project: Path) -> None:
    """LibCST nests adjacent string literals, which CPython keeps flat: its Python side runs out of recursion."""
    prompt = b"(\n" + b"    'line'\n" * 600 + b")"
    call = (
        b"reply = client.chat.completions.create(model='m', messages=[{'role': 'user', 'content': " + prompt + b"}])\n"
    )
    _write(project, {"prompt.py": b"import openai\nclient = openai.OpenAI()\n" + call, "canary.py": CANARY})
    result = _lint(project)
    assert [(d.path, d.code, d.message) for d in result.diagnostics if d.path == "prompt.py"] == [
        ("prompt.py", "AIL001", "cannot parse file: the file is too deeply nested to analyse")
    ]
    canary = [(d.span.line, d.span.column, d.code) for d in result.diagnostics if d.path == "canary.py"]
    assert canary and all(code != "AIL001" for _, _, code in canary)
    for command in (["calls", "--format", "json", "."], ["report", "."]):
        listed = CliRunner().invoke(main, command)
        assert (listed.exit_code, listed.stderr) == (0, ""), listed.output
        assert "canary.py" in listed.stdout  # (the inventory needs no code rendered: prompt.py may be listed)


def test_three_thousand_call_sites_in_one_file() -> None:
    data = b"import openai\nc = openai.OpenAI()\n" + b"c.chat.completions.create(messages=[])\n" * 3000
    engine = Engine(Settings(root=Path("."), enabled=frozenset({"AIL001", "AIL401"})), builtin())
    found = engine.check(FileTask(display="many.py", module="many"), data)
    assert [(d.span.line, d.code) for d in found] == [(line, "AIL401") for line in range(3, 3003)]


def test_unreadable_file_and_directory_are_one_line_each(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """As root, permissions do not stop reads: the failures are simulated where ailint reads."""
    _write(project, {"a.py": CANARY, "secret.py": CANARY})
    _write(project / "locked", {"b.py": CANARY})
    read_bytes, scandir = Path.read_bytes, os.scandir

    def refuse_file(self: Path) -> bytes:
        if self.name == "secret.py":
            raise PermissionError(errno.EACCES, "Permission denied")
        return read_bytes(self)

    def refuse_directory(path: str | os.PathLike[str]) -> object:
        if Path(path).name == "locked":
            raise PermissionError(errno.EACCES, "Permission denied")
        return scandir(path)

    monkeypatch.setattr(Path, "read_bytes", refuse_file)
    monkeypatch.setattr(os, "scandir", refuse_directory)
    result = CliRunner().invoke(main, ["--no-cache", "-q", "."])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "ailint: warning: cannot read directory locked: Permission denied",
        "ailint: warning: cannot read secret.py: Permission denied",
    ]
    assert {line.split(":")[0] for line in result.stdout.splitlines()} == {"a.py"}
