"""``[tool.ailint]`` configuration: found once, validated strictly, frozen.

Every key of the specification is type-checked here, and an unknown key or a
bad value is a ``ConfigError`` naming the key, the file and, when one is
close, a suggestion. Dotted names from configuration are only ever compared
as strings: configuration never imports anything.
"""

from __future__ import annotations

import difflib
import os
import re
import reprlib
import sys
import warnings
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pathspec

from ailint.capability import Capability, parse_capabilities
from ailint.diagnostics import Severity
from ailint.discovery import DEFAULT_SCRIPTS, DEFAULT_TESTS

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]

AUTHORITY_MODES = ("recommend", "assist", "act")
CONFIG_NAMES = (".ailint.toml", "ailint.toml", "pyproject.toml")
"""The files a folder's configuration may be in, the first that holds ailint settings winning (as Ruff's)."""
_DOTTED = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")
_QUALIFIED_GLOB = re.compile(r"^[A-Za-z0-9_*?\[\]!<>-]+(\.[A-Za-z0-9_*?\[\]!<>-]+)*$")


class ConfigError(Exception):
    """Bad configuration or command-line selection; the CLI exits 2 with this message."""


@dataclass(frozen=True)
class Settings:
    """The effective configuration of one run, resolved once."""

    root: Path
    """The project root: the directory of the pyproject in use (or the working directory)."""
    config_path: Path | None = None
    enabled: frozenset[str] = frozenset()
    exclude: tuple[str, ...] = ()
    per_file_ignores: tuple[tuple[str, frozenset[str]], ...] = ()
    severity: Mapping[str, Severity] = field(default_factory=dict)
    call_site_extra: tuple[str, ...] = ()
    validators: tuple[str, ...] = ()
    confidence_pattern: str = "confidence|score|prob|logprob|certainty"
    gates: tuple[str, ...] = ()
    loggers: tuple[str, ...] = ()
    tracers: tuple[str, ...] = ()
    error_handlers: frozenset[str] = frozenset()
    error_boundaries: tuple[str, ...] = ()
    """Globs of qualified names of functions whose errors are their callers' to handle (public API)."""
    authority_decorators: tuple[str, ...] = ("authority",)
    approvals: tuple[str, ...] = ()
    authority_paths: tuple[tuple[str, str], ...] = ()
    sink_extra: tuple[str, ...] = ()
    tests: tuple[str, ...] = DEFAULT_TESTS
    """Globs of test files (relative to the root): read for the project's facts, not judged."""
    scripts: tuple[str, ...] = DEFAULT_SCRIPTS
    """Globs of scripts, examples and demos: not judged for the operational rules (``CallRule.operational``)."""
    capabilities: tuple[Capability, ...] = ()
    """The declared capabilities (``[[tool.ailint.capability]]``, SPEC section 4b)."""

    def with_selection(
        self, select: Iterable[str] | None, ignore: Iterable[str], extend_select: Iterable[str] = ()
    ) -> Settings:
        """Apply ``--select`` (replaces the configured selection), ``--extend-select`` and ``--ignore`` (add to it)."""
        from ailint.rules import registry

        enabled = set(self.enabled)
        try:
            if select is not None:
                enabled = set(registry.resolve_selectors(select))
            enabled |= registry.resolve_selectors(extend_select)
            enabled -= registry.resolve_selectors(ignore)
        except registry.UnknownSelector as exc:
            raise ConfigError(_unknown_selector_message(exc, "on the command line")) from None
        return replace(self, enabled=frozenset(enabled))


# -- discovery -------------------------------------------------------------


def _read_toml(path: Path) -> dict[str, Any]:
    shown = _display(path)
    try:
        if path.is_dir():
            raise IsADirectoryError
        if path.exists() and not path.is_file():  # reading a named pipe would block forever
            raise ConfigError(f"config file {shown} is not a regular file")
        with open(path, "rb") as handle:
            data: dict[str, Any] = tomllib.load(handle)
            return data
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"cannot parse {shown}: {exc}") from None
    except RecursionError:
        raise ConfigError(f"cannot parse {shown}: arrays or tables nested too deeply") from None
    except IsADirectoryError:
        raise ConfigError(f"config file {shown} is a directory, not a TOML file") from None
    except FileNotFoundError:
        raise ConfigError(f"config file {shown} does not exist") from None
    except OSError as exc:
        raise ConfigError(f"cannot read {shown}: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"cannot read {shown}: not UTF-8 ({exc.reason} at byte {exc.start})") from None


def _display(path: Path) -> str:
    try:
        return Path(os.path.relpath(path)).as_posix()
    except ValueError:  # another drive on Windows
        return path.as_posix()


def _ailint_table(path: Path, data: dict[str, Any]) -> Any:
    """The ailint settings a file holds: ``[tool.ailint]`` in a ``pyproject.toml``, else its top-level keys.

    None when a ``pyproject.toml`` has no ``[tool.ailint]`` table. Any other
    file holds ailint settings by its name, unless it has only a ``[tool]``
    table: it is then read as a ``pyproject.toml`` is.
    """
    if path.name == "pyproject.toml" or set(data) == {"tool"}:
        tool = data.get("tool")
        return tool.get("ailint") if isinstance(tool, dict) else None
    return data


def find_config(start: Path, lenient_below: Path | None = None) -> tuple[Path | None, Path]:
    """The configuration file in use and the project root, searching upward from ``start``.

    In each folder, ``.ailint.toml``, ``ailint.toml`` and ``pyproject.toml``
    are tried in that order; the nearest file with ailint settings wins.
    Failing that, the nearest ``pyproject.toml`` still marks the project root.
    A ``pyproject.toml`` that cannot be parsed in a folder below ``lenient_below``
    (a project template, a vendored tree) is passed over with one warning.
    """
    nearest: Path | None = None
    for directory in (start, *start.parents):
        for name in CONFIG_NAMES:
            candidate = directory / name
            try:
                present = candidate.exists()
            except OSError as exc:
                raise ConfigError(f"cannot read {_display(candidate)}: {exc.strerror or exc}") from None
            if not present:
                continue
            # A directory or a pipe of that name is an error, not a reason to look further up.
            try:
                data = _read_toml(candidate)
            except ConfigError as exc:
                if name != "pyproject.toml" or lenient_below is None or lenient_below not in directory.parents:
                    raise
                _warn_once(f"{exc}; the folder is governed by the configuration above it")
                continue
            if name == "pyproject.toml":
                nearest = nearest or candidate
            if _ailint_table(candidate, data) is not None:
                return candidate, directory
    if nearest is not None:
        return nearest, nearest.parent
    return None, start


_WARNED: set[str] = set()


def _warn_once(message: str) -> None:
    """One line on stderr per distinct problem in a run (configuration is resolved per folder, many times)."""
    if message not in _WARNED:
        _WARNED.add(message)
        sys.stderr.write(f"ailint: warning: {message}\n")


# -- validation ------------------------------------------------------------

Validator = Callable[[Any, str], Any]

_SHOWN = reprlib.Repr()
_SHOWN.maxstring = _SHOWN.maxother = 60
_SHOWN.maxlist = _SHOWN.maxdict = 5


def _shown(value: Any) -> str:
    """A configured value as a message shows it: its repr, on one line, cut short (a list may be huge)."""
    return _SHOWN.repr(value)


def _short(text: str) -> str:
    """A configured name inside quotes in a message: control characters escaped, cut short."""
    if not text.isprintable():
        text = text.encode("unicode_escape").decode("ascii")
    return text if len(text) <= 60 else text[:57] + "..."


class _Checker:
    """Validates one configuration file, producing precise error messages."""

    def __init__(self, path: Path, nested: bool = True) -> None:
        """``nested``: the settings are the file's ``[tool.ailint]`` table, not its top level."""
        self.file = _display(path)
        self.nested = nested
        self.where = f"{self.file} [tool.ailint]" if nested else self.file

    def section(self, where: str) -> str:
        """How a message names the table ``where`` of the settings (``""``: the settings themselves)."""
        if self.nested:
            return f"[tool.ailint.{where}]" if where else "[tool.ailint]"
        return f"[{where}]" if where else "(top level)"

    def fail(self, key: str, problem: str) -> ConfigError:
        return ConfigError(f"invalid value for '{key}' in {self.where}: {problem}")

    def table(self, value: Any, where: str, schema: Mapping[str, Validator]) -> dict[str, Any]:
        section = self.section(where)
        if not isinstance(value, dict):
            raise ConfigError(f"{section} in {self.file} must be a table")
        result: dict[str, Any] = {}
        for key, item in value.items():
            if key not in schema:
                close = difflib.get_close_matches(key, list(schema), n=1)
                hint = f"; did you mean '{close[0]}'?" if close else f"; valid keys: {', '.join(sorted(schema))}"
                shown = f"{self.file} {section}" if self.nested or where else self.file
                raise ConfigError(f"unknown key '{_short(key)}' in {shown}{hint}")
            full = f"{where}.{key}" if where else key
            result[key] = schema[key](item, full)
        return result

    def strings(self, value: Any, key: str) -> tuple[str, ...]:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(key, f"expected a list of strings, got {_shown(value)}")
        return tuple(value)

    def dotted(self, value: Any, key: str) -> tuple[str, ...]:
        names = self.strings(value, key)
        for name in names:
            if not _DOTTED.match(name):
                raise self.fail(key, f"{_shown(name)} is not a dotted name such as 'acme.llm.complete'")
        return names

    def qualified_globs(self, value: Any, key: str) -> tuple[str, ...]:
        """Globs of qualified names (``acme.sdk.*``): a dotted name whose parts may hold ``*``, ``?`` or ``[...]``."""
        names = self.strings(value, key)
        for name in names:
            if not _QUALIFIED_GLOB.match(name):
                raise self.fail(key, f"{_shown(name)} is not a glob of qualified names such as 'acme.sdk.*'")
        return names

    def selectors(self, value: Any, key: str) -> frozenset[str]:
        from ailint.rules import registry

        try:
            return registry.resolve_selectors(self.strings(value, key))
        except registry.UnknownSelector as exc:
            raise ConfigError(_unknown_selector_message(exc, f"in '{key}' in {self.where}")) from None

    def pattern(self, value: Any, key: str) -> str:
        if not isinstance(value, str):
            raise self.fail(key, f"expected a regular expression string, got {_shown(value)}")
        try:
            re.compile(value)
        except re.error as exc:
            raise self.fail(key, f"not a valid regular expression ({exc})") from None
        except (RecursionError, OverflowError):
            raise self.fail(key, "not a valid regular expression (groups nested too deeply)") from None
        return value

    def globs(self, value: Any, key: str) -> tuple[str, ...]:
        patterns = self.strings(value, key)
        for pattern in dict.fromkeys(patterns):
            self.glob(pattern, key)
        return patterns

    def glob(self, pattern: str, key: str) -> None:
        """A path glob, with git's semantics, that compiles: a bad one would fail in the middle of a run."""
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                pathspec.GitIgnoreSpec.from_lines([pattern]).match_file("x")
        except re.error as exc:
            raise self.fail(key, f"{_shown(pattern)} is not a valid path glob ({exc.msg})") from None
        except (ValueError, RecursionError):
            raise self.fail(key, f"{_shown(pattern)} is not a valid path glob") from None

    def mapping(self, value: Any, key: str, item: Validator, *, globs: bool = False) -> dict[str, Any]:
        """A table of names to values; with ``globs``, each name is a path glob (``glob::function`` allowed)."""
        if not isinstance(value, dict):
            raise self.fail(key, f"expected a table, got {_shown(value)}")
        result = {}
        for name, v in value.items():
            full = f"{key}.{_short(name)}"
            if globs:
                self.glob(name.split("::", 1)[0], full)
            result[name] = item(v, full)
        return result

    def severity(self, value: Any, key: str) -> dict[str, Severity]:
        from ailint.rules import registry

        result: dict[str, Severity] = {}
        for code, level in self.mapping(value, key, lambda v, k: v).items():
            try:
                codes = registry.resolve_selector(code)
            except registry.UnknownSelector as exc:
                raise ConfigError(_unknown_selector_message(exc, f"in '{key}' in {self.where}")) from None
            if level not in ("error", "warning"):
                raise self.fail(f"{key}.{_short(code)}", f"expected 'error' or 'warning', got {_shown(level)}")
            for resolved in codes:
                result[resolved] = Severity(level)
        return result

    def capabilities(self, value: Any, key: str) -> tuple[Capability, ...]:
        def unknown(name: str, where: str, valid: list[str]) -> ConfigError:
            close = difflib.get_close_matches(name, valid, n=1)
            hint = f"; did you mean '{close[0]}'?" if close else f"; valid keys: {', '.join(sorted(valid))}"
            return ConfigError(f"unknown key '{_short(name)}' in {where} in {self.where}{hint}")

        return parse_capabilities(value, self.fail, unknown)

    def mode(self, value: Any, key: str) -> str:
        if value not in AUTHORITY_MODES:
            close = difflib.get_close_matches(str(value), AUTHORITY_MODES, n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            raise self.fail(key, f"unknown authority mode {_shown(value)} (valid: {', '.join(AUTHORITY_MODES)}){hint}")
        return str(value)


def _unknown_selector_message(exc: Any, where: str) -> str:
    from ailint.rules import registry

    if exc.suggestion:
        hint = f"; did you mean '{exc.suggestion}'?"
    else:
        hint = f"; use a code, a prefix such as 'AIL4', or a rule name (codes: {', '.join(registry.ALL_CODES)})"
    return f"unknown rule selector '{_short(exc.selector)}' {where}{hint}"


def load_settings(config: Path | None = None, cwd: Path | None = None, *, strict: bool = False) -> Settings:
    """Find, read and validate the configuration that governs ``cwd`` (or the file named ``config``).

    ``strict`` (``--config`` on the command line): a ``config`` that yields
    no ailint settings is an error, never silently ignored.
    """
    cwd = (cwd or Path.cwd()).resolve()
    if config is not None:
        data = _read_toml(config)
        if strict and (_ailint_table(config, data) is None or not data):
            where = "no [tool.ailint] table" if config.name == "pyproject.toml" or "tool" in data else "no settings"
            raise ConfigError(f"config file {_display(config)} has {where} for ailint")
        config = config.resolve()
        if config.name == "pyproject.toml" or config.parent == cwd or config.parent in cwd.parents:
            return _settings(config, data)  # a project's own file: its folder is the project root
        # A file kept apart from the project (``--config ci/ailint.toml`` run from the project, a shared
        # team file): the project root is still where the project says, or module names would be wrong.
        return _settings(config, data, _project_root(cwd))
    path, root = find_config(cwd)
    if path is None:
        return Settings(root=root, enabled=_default_codes())
    return _settings(path, _read_toml(path), root)


def _project_root(start: Path) -> Path:
    """The nearest folder from ``start`` up holding a configuration file or a ``pyproject.toml``, else ``start``."""
    for directory in (start, *start.parents):
        if any((directory / name).is_file() for name in CONFIG_NAMES):
            return directory
    return start


def settings_from_text(path: Path, text: str, root: Path | None = None) -> Settings:
    """The settings the configuration file ``path`` would give if it held ``text`` (validated, as a run reads it).

    So that an edit of a configuration (``ailint init --write``) is checked
    before the file is written, with the errors a run would give.
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"cannot parse {_display(path)}: {exc}") from None
    except RecursionError:
        raise ConfigError(f"cannot parse {_display(path)}: arrays or tables nested too deeply") from None
    return _settings(path, data, root)


def isolated_settings(cwd: Path | None = None) -> Settings:
    """``--isolated``: the defaults, no configuration file read; the working directory is the root."""
    return Settings(root=(cwd or Path.cwd()).resolve(), enabled=_default_codes())


def _default_codes() -> frozenset[str]:
    from ailint.rules import registry

    return registry.DEFAULT_CODES


class Resolver:
    """The settings of each file: those of the closest configuration at or above it (SPEC section 5).

    Each folder's configuration is looked up once, and each configuration
    file read and validated once, per run.
    """

    def __init__(self, cwd: Path | None = None) -> None:
        self.cwd = (cwd or Path.cwd()).resolve()
        self._by_directory: dict[Path, tuple[Path | None, Path]] = {}
        self._by_config: dict[Path | None, Settings] = {}

    def config_of(self, directory: Path) -> tuple[Path | None, Path]:
        """The configuration governing ``directory`` and its project root (as :func:`find_config`)."""
        found = self._by_directory.get(directory)
        if found is None:
            found = self._by_directory[directory] = find_config(directory, lenient_below=self.cwd)
        return found

    def settings_of(self, directory: Path) -> Settings:
        """The settings governing the files of ``directory`` (absolute)."""
        path, root = self.config_of(directory)
        if path is None:
            path_key = None
            if path_key not in self._by_config:
                self._by_config[path_key] = load_settings(cwd=self.cwd)
            return self._by_config[path_key]
        settings = self._by_config.get(path)
        if settings is None:
            settings = self._by_config[path] = _settings(path, _read_toml(path), root)
        return settings


def _settings(path: Path, data: dict[str, Any], root: Path | None = None) -> Settings:
    """The settings of the configuration file ``path`` (read as ``data``), with what it extends."""
    layers = _layers(path, data, [])
    root = path.parent if root is None else root
    return _combine(layers, root, path)


def _layers(path: Path, data: dict[str, Any], seen: list[Path]) -> list[dict[str, Any]]:
    """The validated settings of ``path`` and of every file it extends, the furthest first."""
    resolved = path.resolve()
    if resolved in seen:
        chain = " -> ".join(_display(p) for p in [*seen, resolved])
        raise ConfigError(f"configuration files extend each other in a cycle: {chain}")
    raw = _ailint_table(path, data)
    if raw is None:
        return []  # a pyproject.toml without [tool.ailint]: the defaults
    parsed = _parse(path, raw, nested=raw is not data)
    base = parsed.pop("extend", None)
    if base is None:
        return [parsed]
    target = (path.parent / base).resolve()
    return [*_layers(target, _read_extended(target, path), [*seen, resolved]), parsed]


def _read_extended(target: Path, by: Path) -> dict[str, Any]:
    try:
        data = _read_toml(target)
    except ConfigError as exc:
        raise ConfigError(f"{exc} (extended by {_display(by)})") from None
    if _ailint_table(target, data) is None:
        raise ConfigError(f"config file {_display(target)} (extended by {_display(by)}) has no [tool.ailint] table")
    return data


def _parse(path: Path, raw: Any, nested: bool) -> dict[str, Any]:
    """The keys of one configuration file, each validated (an unknown key or a bad value is a ``ConfigError``)."""
    c = _Checker(path, nested)

    def sub(schema: Mapping[str, Validator]) -> Validator:
        return lambda value, key: c.table(value, key, schema)

    def extended(value: Any, key: str) -> str:
        if not isinstance(value, str) or not value:
            raise c.fail(key, f"expected the path of another configuration file, got {_shown(value)}")
        return value

    def per_file(value: Any, key: str) -> dict[str, Any]:
        return c.mapping(value, key, c.selectors, globs=True)

    return c.table(
        raw,
        "",
        {
            "extend": extended,
            "select": c.selectors,
            "extend-select": c.selectors,
            "ignore": c.selectors,
            "extend-ignore": c.selectors,
            "exclude": c.globs,
            "extend-exclude": c.globs,
            "per-file-ignores": per_file,
            "extend-per-file-ignores": per_file,
            "severity": c.severity,
            "tests": c.globs,
            "scripts": c.globs,
            "call-sites": sub({"extra": c.dotted}),
            "validation": sub({"validators": c.dotted}),
            "confidence": sub({"pattern": c.pattern, "gates": c.dotted}),
            "logging": sub({"loggers": c.dotted, "tracers": c.dotted}),
            "errors": sub({"handlers": c.dotted, "boundaries": c.qualified_globs}),
            "authority": sub(
                {
                    "decorators": c.dotted,
                    "approvals": c.dotted,
                    "paths": lambda v, k: c.mapping(v, k, c.mode, globs=True),
                }
            ),
            "sinks": sub({"extra": c.dotted}),
            "capability": c.capabilities,
        },
    )


def _combine(layers: list[dict[str, Any]], root: Path, path: Path) -> Settings:
    """One file's settings from its layers, the furthest first, as Ruff combines ``extend``.

    A key replaces what the files it extends said (tables key by key); each
    ``extend-*`` key adds to the value of its key as it stands at that layer.
    """
    from ailint.rules import registry

    enabled = set(registry.DEFAULT_CODES)
    exclude: list[str] = []
    per_file: dict[str, frozenset[str]] = {}
    severity: dict[str, Severity] = {}
    merged: dict[str, Any] = {}
    for layer in layers:
        if "select" in layer:
            enabled = set(layer["select"])
        enabled |= layer.get("extend-select", frozenset())
        enabled -= layer.get("ignore", frozenset()) | layer.get("extend-ignore", frozenset())
        if "exclude" in layer:
            exclude = list(layer["exclude"])
        exclude += layer.get("extend-exclude", ())
        if "per-file-ignores" in layer:
            per_file = dict(layer["per-file-ignores"])
        for glob, codes in layer.get("extend-per-file-ignores", {}).items():
            per_file[glob] = per_file.get(glob, frozenset()) | codes
        severity.update(layer.get("severity", {}))
        for key, value in layer.items():
            if isinstance(value, dict) and key not in ("per-file-ignores", "extend-per-file-ignores", "severity"):
                merged[key] = {**merged.get(key, {}), **value}
            elif key in ("tests", "scripts", "capability"):
                merged[key] = value

    def section(name: str) -> dict[str, Any]:
        found: dict[str, Any] = merged.get(name, {})
        return found

    defaults = Settings(root=root)
    return Settings(
        root=root,
        config_path=path,
        enabled=frozenset(enabled),
        exclude=tuple(exclude),
        per_file_ignores=tuple(per_file.items()),
        severity=severity,
        call_site_extra=section("call-sites").get("extra", ()),
        validators=section("validation").get("validators", ()),
        confidence_pattern=section("confidence").get("pattern", defaults.confidence_pattern),
        gates=section("confidence").get("gates", ()),
        loggers=section("logging").get("loggers", ()),
        tracers=section("logging").get("tracers", ()),
        error_handlers=frozenset(section("errors").get("handlers", ())),
        error_boundaries=section("errors").get("boundaries", ()),
        authority_decorators=section("authority").get("decorators", defaults.authority_decorators),
        approvals=section("authority").get("approvals", ()),
        authority_paths=tuple(section("authority").get("paths", {}).items()),
        sink_extra=section("sinks").get("extra", ()),
        tests=merged.get("tests", DEFAULT_TESTS),
        scripts=merged.get("scripts", DEFAULT_SCRIPTS),
        capabilities=merged.get("capability", ()),
    )
