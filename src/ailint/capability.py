"""Declared capabilities: ``[[tool.ailint.capability]]`` tables, validated into frozen records.

A capability is a unit of AI work written down once (SPEC section 4b): its
name, the functions that implement it (globs of qualified names), the task,
its trigger, its ``output`` (a schema type, or an allowed set of values), its
success ``threshold``, its authority ``mode`` and its ``kpi`` (the metric name
or the call that records the business measure it moves). The AIL8xx rules and
the readiness report hold the code to it.
"""

from __future__ import annotations

import difflib
import fnmatch
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

AUTHORITY_MODES = ("recommend", "assist", "act")
_QUALIFIED_GLOB = re.compile(r"^[A-Za-z0-9_*?\[\]!<>-]+(\.[A-Za-z0-9_*?\[\]!<>-]+)*$")
_DOTTED = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")
_KPI = re.compile(r"^[A-Za-z_][A-Za-z0-9_.:/-]*$")

KEYS = ("name", "functions", "task", "trigger", "output", "threshold", "mode", "kpi")
REQUIRED = ("name", "functions")


@dataclass(frozen=True)
class Capability:
    """One declared capability."""

    name: str
    functions: tuple[str, ...]
    """Globs of qualified names (``acme.triage.*``, ``acme.api.classify_ticket``)."""
    task: str = ""
    trigger: str = ""
    output: str | None = None
    """The dotted name of the schema type that validates the output (``acme.triage.Category``)."""
    allowed: tuple[str, ...] = ()
    """Or the allowed set of values (``output = ["billing", "bug", ...]``)."""
    threshold: float | None = None
    mode: str | None = None
    kpi: str | None = None
    """A dotted call (``acme.metrics.record_handling_time``) or a metric name (``handling_time_seconds``)."""

    def matches(self, qualname: str) -> bool:
        """Whether a function's qualified name is one of the capability's own (a glob of ``functions``)."""
        return any(fnmatch.fnmatchcase(qualname, pattern) for pattern in self.functions)

    @property
    def declares_output(self) -> bool:
        return self.output is not None or bool(self.allowed)

    @property
    def output_text(self) -> str:
        """The declared output as messages show it."""
        if self.output is not None:
            return self.output
        return "{" + ", ".join(repr(v) for v in self.allowed) + "}"


Fail = Callable[[str, str], Exception]
"""Makes the configuration error for a key and a problem."""


Unknown = Callable[[str, str, list[str]], Exception]
"""Makes the error for an unknown key of a table: the key, where it is, the valid keys."""


def parse_capabilities(value: Any, fail: Fail, unknown: Unknown) -> tuple[Capability, ...]:
    """The ``capability`` array of tables, each table validated; names must be unique.

    ``fail(key, problem)`` and ``unknown(key, where, valid)`` build the errors, so that
    they name the file the way every other configuration error does.
    """
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise fail("capability", "expected an array of tables ([[tool.ailint.capability]])")
    found: list[Capability] = []
    seen: set[str] = set()
    for index, table in enumerate(value):
        capability = _one(table, index, fail, unknown)
        if capability.name in seen:
            raise fail(f"capability[{index}].name", f"the capability name {capability.name!r} is declared twice")
        seen.add(capability.name)
        found.append(capability)
    return tuple(found)


def _one(table: dict[str, Any], index: int, fail: Fail, unknown: Unknown) -> Capability:
    where = f"capability[{index}]"
    named = table.get("name")
    if isinstance(named, str) and named.strip():
        where = f"capability {named!r}"
    for key in table:
        if key not in KEYS:
            raise unknown(key, where, list(KEYS))
    for key in REQUIRED:
        if key not in table:
            raise fail(f"{where}", f"missing required key '{key}'")
    name = table["name"]
    if not isinstance(name, str) or not name.strip():
        raise fail(f"{where}.name", f"expected a non-empty string, got {name!r}")
    functions = table["functions"]
    if isinstance(functions, str):
        functions = [functions]
    if not isinstance(functions, list) or not functions or not all(isinstance(f, str) for f in functions):
        raise fail(f"{where}.functions", "expected a non-empty list of qualified-name globs such as 'acme.triage.*'")
    for pattern in functions:
        if not _QUALIFIED_GLOB.match(pattern):
            raise fail(f"{where}.functions", f"{pattern!r} is not a glob of qualified names such as 'acme.triage.*'")
    texts = {}
    for key in ("task", "trigger"):
        text = table.get(key, "")
        if not isinstance(text, str):
            raise fail(f"{where}.{key}", f"expected a string, got {text!r}")
        texts[key] = text
    output, allowed = _output(table.get("output"), f"{where}.output", fail)
    threshold = table.get("threshold")
    if threshold is not None:
        if isinstance(threshold, bool) or not isinstance(threshold, (int, float)) or not math.isfinite(threshold):
            raise fail(f"{where}.threshold", f"expected a number such as 0.8, got {threshold!r}")
        threshold = float(threshold)
    mode = table.get("mode")
    if mode is not None and mode not in AUTHORITY_MODES:
        close = difflib.get_close_matches(str(mode), AUTHORITY_MODES, n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        raise fail(f"{where}.mode", f"unknown authority mode {mode!r} (valid: {', '.join(AUTHORITY_MODES)}){hint}")
    kpi = table.get("kpi")
    if kpi is not None and (not isinstance(kpi, str) or not _KPI.match(kpi)):
        raise fail(
            f"{where}.kpi",
            f"expected a metric name or a dotted call such as 'acme.metrics.record_handling_time', got {kpi!r}",
        )
    return Capability(
        name=name.strip(),
        functions=tuple(functions),
        task=texts["task"],
        trigger=texts["trigger"],
        output=output,
        allowed=allowed,
        threshold=threshold,
        mode=mode,
        kpi=kpi,
    )


def _output(value: Any, key: str, fail: Fail) -> tuple[str | None, tuple[str, ...]]:
    if value is None:
        return None, ()
    if isinstance(value, str):
        if not _DOTTED.match(value):
            raise fail(key, f"{value!r} is not a dotted type name such as 'acme.triage.Category'")
        return value, ()
    if isinstance(value, list) and value and all(isinstance(v, (str, int)) and not isinstance(v, bool) for v in value):
        return None, tuple(str(v) for v in value)
    raise fail(key, "expected a schema type ('acme.triage.Category') or a non-empty list of allowed values")


def owning(capabilities: Iterable[Capability], qualname: str) -> list[Capability]:
    """The capabilities whose ``functions`` globs match ``qualname`` itself."""
    return [c for c in capabilities if c.matches(qualname)]
