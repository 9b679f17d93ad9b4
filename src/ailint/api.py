"""``check_paths``: discover, check every file, collect diagnostics.

The CLI, the tests and any embedding tool go through this one function; the
CLI adds only option parsing, output and exit codes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pathspec

from ailint.diagnostics import Diagnostic
from ailint.discovery import discover, display_path, module_name
from ailint.settings import Settings


@dataclass
class RunResult:
    """What a run found, and what it could not read."""

    files: int = 0
    diagnostics: list[Diagnostic] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    """One line per unreadable path, for stderr."""
    missing: list[str] = field(default_factory=list)
    """Command-line paths that do not exist (a usage error)."""


def _per_file_ignores(settings: Settings) -> list[tuple[pathspec.GitIgnoreSpec, frozenset[str]]]:
    return [(pathspec.GitIgnoreSpec.from_lines([pattern]), codes) for pattern, codes in settings.per_file_ignores]


def check_paths(paths: Iterable[Path], settings: Settings, cwd: Path | None = None) -> RunResult:
    """Check every Python file under ``paths`` with ``settings``."""
    from ailint.engine import Engine, FileTask
    from ailint.knowledge import builtin

    cwd = (cwd or Path.cwd()).resolve()
    found = discover(list(paths), settings.root, settings.exclude, cwd)
    result = RunResult(errors=list(found.errors), missing=list(found.missing))
    engine = Engine(settings, builtin())
    ignores = _per_file_ignores(settings)
    for path in found.files:
        display = display_path(path, cwd)
        try:
            data = path.read_bytes()
        except OSError as exc:
            result.errors.append(f"cannot read {display}: {exc.strerror or exc}")
            continue
        try:
            relative = path.relative_to(settings.root).as_posix()
        except ValueError:
            relative = display
        ignored = frozenset().union(*(codes for spec, codes in ignores if spec.match_file(relative)))
        task = FileTask(display=display, module=module_name(path, settings.root), ignored=ignored)
        result.files += 1
        result.diagnostics.extend(engine.check(task, data))
    result.diagnostics.sort(key=lambda d: d.sort_key)
    return result
