"""Reads fixture files: a header scoping the codes, end-of-line expectations.

```
# ailint-fixture: select=AIL401,AIL402
resp = client.chat.completions.create(...)  # error: AIL401
text = legacy.call(p)  # todo: AIL401       (a known miss: the case xfails)
```

Detection fixtures use the header ``# ailint-fixture: calls`` and annotate the
call sites the inventory (``ailint calls``) must list, with their kind and
provider (and optionally the API):

```
reply = client.chat.completions.create(...)  # call: direct openai chat.completions.create
answer = ask(prompt)  # call: wrapper openai
```

A fixture is a ``.py`` file, or a directory holding a ``pyproject.toml`` (its
configuration) and any number of ``.py`` files. The runner compares *sets* of
``(path, line, code, severity)`` for the header's codes only; every
unannotated line asserts that nothing in scope is reported there.
Annotations are parsed with regular expressions, never evaluated.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

HEADER = re.compile(r"#\s*ailint-fixture:\s*(?P<options>[^#]*)")
ANNOTATION = re.compile(r"#\s*(?P<kind>error|warning|todo):\s*(?P<codes>AIL\d+(?:\s*,\s*AIL\d+)*)\s*(?=#|$)")
CALL = re.compile(
    r"#\s*(?P<todo>todo-)?call:\s*(?P<kind>direct|wrapper)\s+(?P<provider>[\w-]+)(?:\s+(?P<api>[^#]*?))?\s*(?=#|$)"
)

Expectation = tuple[str, int, str, str]


@dataclass
class Fixture:
    """One fixture case: where it is and what it expects."""

    root: Path
    files: list[Path]
    config: Path | None
    select: set[str] = field(default_factory=set)
    expected: set[Expectation] = field(default_factory=set)
    todo: set[tuple[str, int, str]] = field(default_factory=set)
    calls: bool = False
    """A detection fixture: compare the call-site inventory, not diagnostics."""
    expected_calls: set[tuple[str, int, str, str]] = field(default_factory=set)
    expected_apis: dict[tuple[str, int], str] = field(default_factory=dict)
    todo_calls: set[tuple[str, int, str, str]] = field(default_factory=set)

    @property
    def name(self) -> str:
        return self.root.name


def _read(fixture: Fixture, path: Path, display: str) -> None:
    for number, line in enumerate(path.read_bytes().decode("utf-8", "replace").splitlines(), start=1):
        header = HEADER.search(line)
        if header:
            for option in header.group("options").split():
                key, _, value = option.partition("=")
                if key == "calls":
                    fixture.calls = True
                    continue
                if key != "select":
                    raise ValueError(f"{display}:{number}: unknown fixture option {key!r}")
                fixture.select.update(code.strip() for code in value.split(",") if code.strip())
            continue
        for call in CALL.finditer(line):
            entry = (display, number, call.group("kind"), call.group("provider"))
            if call.group("todo"):
                fixture.todo_calls.add(entry)
            else:
                fixture.expected_calls.add(entry)
            if call.group("api"):
                fixture.expected_apis[(display, number)] = call.group("api")
        for match in ANNOTATION.finditer(line):
            for code in (c.strip() for c in match.group("codes").split(",")):
                if match.group("kind") == "todo":
                    fixture.todo.add((display, number, code))
                else:
                    fixture.expected.add((display, number, code, match.group("kind")))


def load(path: Path) -> Fixture:
    """Read a fixture file or fixture directory."""
    if path.is_dir():
        files = sorted(p for p in path.rglob("*.py"))
        fixture = Fixture(root=path, files=files, config=path / "pyproject.toml")
        for file in files:
            _read(fixture, file, file.relative_to(path).as_posix())
    else:
        fixture = Fixture(root=path, files=[path], config=None)
        _read(fixture, path, path.name)
    if not fixture.select and not fixture.calls:
        raise ValueError(f"{path}: missing '# ailint-fixture: select=...' (or 'calls') header")
    return fixture


def discover(base: Path) -> list[Path]:
    """Every fixture under ``base``: directories with a pyproject, and loose files."""
    cases: list[Path] = []
    for family in sorted(p for p in base.iterdir() if p.is_dir()):
        for entry in sorted(family.iterdir()):
            if (entry.is_dir() and (entry / "pyproject.toml").is_file()) or (entry.is_file() and entry.suffix == ".py"):
                cases.append(entry)
    return cases
