"""Which settings govern which paths: a run split by the closest configuration (SPEC section 5).

Like Ruff, each file is governed by the closest configuration at or above it,
whatever the working directory. A run over paths that one configuration
governs entirely is one call of ``api.check_paths``, handed the paths as
given; where a directory holds sub-projects with configurations of their
own, each configuration's files are checked as a part of their own, with its
settings and its project root, and the parts' results are merged.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pathspec

from ailint.discovery import DEFAULT_EXCLUDES, asked, discover, relative_posix

if TYPE_CHECKING:
    from ailint.api import CallsResult, RunResult
    from ailint.settings import Resolver, Settings


@dataclass
class Part:
    """Paths to check with one configuration's settings."""

    settings: Settings
    paths: list[Path] = field(default_factory=list)


def plan(
    paths: Iterable[Path],
    cwd: Path,
    resolver: Resolver | None,
    fixed: Settings | None,
    adjust: Callable[[Settings], Settings] = lambda settings: settings,
    *,
    force_exclude: bool = False,
) -> list[Part]:
    """The parts of a run over ``paths``: ``fixed`` settings for all (``--config``, ``--isolated``), else per file.

    ``adjust`` applies the command line's selection to each configuration's
    settings. With ``force_exclude``, a file named on the command line that
    its settings exclude is left out, as a file found in a directory would be.
    """
    parts: dict[int, Part] = {}
    adjusted: dict[int, Settings] = {}

    def part(settings: Settings) -> Part:
        key = id(settings)
        if key not in adjusted:
            adjusted[key] = adjust(settings)
        return parts.setdefault(key, Part(adjusted[key]))

    for raw in paths:
        full = asked(raw, cwd)
        if fixed is not None:
            settings = fixed
        else:
            assert resolver is not None
            settings = resolver.settings_of(full if full.is_dir() else full.parent)
        if full.is_dir():
            if fixed is not None:
                part(settings).paths.append(raw)
                continue
            assert resolver is not None
            _split_directory(raw, full, settings, resolver, cwd, part)
        elif force_exclude and full.is_file() and excluded(full, adjust(settings)):
            continue
        else:
            part(settings).paths.append(raw)
    return [p for p in parts.values() if p.paths] or [Part(adjust(fixed if fixed is not None else _here(resolver)))]


def _here(resolver: Resolver | None) -> Settings:
    assert resolver is not None
    return resolver.settings_of(resolver.cwd)


def _split_directory(
    raw: Path, full: Path, settings: Settings, resolver: Resolver, cwd: Path, part: Callable[[Settings], Part]
) -> None:
    """Hand ``raw`` whole to its settings, unless a folder under it has a configuration of its own."""
    found = discover([full], settings.root, settings.exclude, cwd)
    governed: dict[str, Settings] = {}
    inside = str(full).rstrip("/") + "/"
    for directory, _, _ in found.walked:
        if directory == str(full) or directory.startswith(inside):
            governed[directory] = resolver.settings_of(Path(directory))
    if all(other is settings for other in governed.values()):
        part(settings).paths.append(raw)
        return
    for file in found.files:
        own = governed.get(str(file.parent)) or resolver.settings_of(file.parent)
        if own is settings or not excluded(file, own):
            part(own).paths.append(file)


def excluded(file: Path, settings: Settings) -> bool:
    """Whether ``settings`` exclude ``file`` (absolute): its ``exclude`` globs, or a usual tool folder."""
    relative = relative_posix(file, settings.root)
    if relative is None:
        return False
    if any(name in DEFAULT_EXCLUDES for name in relative.split("/")[:-1]):
        return True
    if not settings.exclude:
        return False
    return pathspec.GitIgnoreSpec.from_lines(list(settings.exclude)).match_file(relative)


def merge(results: list[RunResult]) -> RunResult:
    """One result from the results of a run's parts."""
    if len(results) == 1:
        return results[0]
    from ailint.api import RunResult

    merged = RunResult()
    for result in results:
        merged.files += result.files
        merged.diagnostics.extend(result.diagnostics)
        merged.errors.extend(result.errors)
        merged.missing.extend(result.missing)
    merged.diagnostics.sort(key=lambda d: d.sort_key)
    return merged


def merge_calls(results: list[CallsResult]) -> CallsResult:
    """One inventory from the inventories of a run's parts."""
    if len(results) == 1:
        return results[0]
    from ailint.api import CallsResult

    merged = CallsResult()
    for result in results:
        merged.files += result.files
        merged.calls.extend(result.calls)
        merged.errors.extend(result.errors)
        merged.missing.extend(result.missing)
    merged.calls.sort(key=lambda c: (c.path, c.span.line, c.span.column))
    return merged


def describe(settings: Settings, cwd: Path) -> str:
    """``--show-settings``: the configuration file in use and every resolved setting, one per line."""
    from ailint.discovery import display_path

    def shown(value: object) -> str:
        if isinstance(value, (frozenset, set)):
            return "[" + ", ".join(sorted(map(str, value))) + "]"
        if isinstance(value, tuple):
            return "[" + ", ".join(shown(v) for v in value) + "]"
        if isinstance(value, dict):
            return "{" + ", ".join(f"{k} = {shown(v)}" for k, v in sorted(value.items())) + "}"
        return str(value)

    config = display_path(settings.config_path, cwd) if settings.config_path is not None else "(none: defaults)"
    lines = [
        f"config file: {config}",
        f"project root: {display_path(settings.root, cwd) if settings.root != cwd else '.'}",
        f"select: {shown(settings.enabled)}",
        f"exclude: {shown(settings.exclude)}",
        "per-file-ignores: " + shown({glob: codes for glob, codes in settings.per_file_ignores}),
        "severity: " + shown({code: level.value for code, level in settings.severity.items()}),
        f"tests: {shown(settings.tests)}",
        f"scripts: {shown(settings.scripts)}",
        f"call-sites.extra: {shown(settings.call_site_extra)}",
        f"validation.validators: {shown(settings.validators)}",
        f"confidence.pattern: {settings.confidence_pattern}",
        f"confidence.gates: {shown(settings.gates)}",
        f"logging.loggers: {shown(settings.loggers)}",
        f"errors.handlers: {shown(settings.error_handlers)}",
        f"errors.boundaries: {shown(settings.error_boundaries)}",
        f"authority.decorators: {shown(settings.authority_decorators)}",
        f"authority.approvals: {shown(settings.approvals)}",
        "authority.paths: " + shown(dict(settings.authority_paths)),
        f"sinks.extra: {shown(settings.sink_extra)}",
    ]
    for capability in settings.capabilities:
        fields = {
            "functions": shown(capability.functions),
            "output": capability.output_text if capability.declares_output else None,
            "threshold": capability.threshold,
            "mode": capability.mode,
            "kpi": capability.kpi,
        }
        described = ", ".join(f"{key} = {value}" for key, value in fields.items() if value is not None)
        lines.append(f"capability {capability.name}: {described}")
    return "".join(f"{line}\n" for line in lines)


def files(parts: list[Part], cwd: Path) -> list[str]:
    """``--show-files``: the files a run of ``parts`` would check, as it prints them, sorted."""
    from ailint.discovery import display_path

    shown: set[str] = set()
    for part in parts:
        found = discover(part.paths, part.settings.root, part.settings.exclude, cwd)
        shown.update(display_path(f, cwd) for f in found.files)
    return sorted(shown)


def directory_of(path: Path, cwd: Path) -> Path:
    """The folder whose configuration governs ``path``: itself for a folder, else its parent."""
    full = asked(path, cwd)
    return full if full.is_dir() else full.parent
