"""``ailint init``: capability tables proposed from the call graph, for the team to fill in.

A capability (SPEC section 4b) is written down by people: its task, trigger,
output, threshold, mode and KPI say what the work is for. What the code can
tell is where the work starts and which model calls it makes, so ``ailint
init`` proposes one ``[[tool.ailint.capability]]`` table per entry point that
reaches a model (``flow.entries``) and no declared capability names, with the
call sites behind it.

Nothing here analyses code. The entry points come from the inventory's own
run (:func:`ailint.api.entry_points`); then the inventory is listed
(:func:`ailint.api.list_calls`) with each entry point declared as a
provisional capability whose output and threshold nothing can match, so that

- the call sites behind a table are those the readiness report shows once it
  is declared (the same ownership over the call graph), and
- what the engine finds on their paths while answering those questions (the
  schema that validates the output, the numbers it is compared with) comes
  back as evidence.

A key is filled in only where the code shows it for certain: ``output`` when
every call site where the output is judged validates it with one and the same
schema type (or checks it against one and the same literal set), ``mode``
when every such call site declares one and the same authority mode. Anything
else is an empty string or a commented placeholder, with what was found in
its comment. The text is deterministic: entry points in the order of their
files and lines.
"""

from __future__ import annotations

import ast
import math
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from ailint.capability import Capability

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]

if TYPE_CHECKING:
    from ailint.api import CallRecord, EntryPoint, Progress
    from ailint.cache import Cache
    from ailint.settings import Settings

UNMATCHABLE_OUTPUT = "ailint.<proposed>"
"""A provisional capability's output: no schema is this type, so every validator found is reported as evidence."""
UNMATCHABLE_THRESHOLD = math.nan
"""A provisional capability's threshold: no comparison is with it, so every comparison found is reported."""


@dataclass(frozen=True)
class Proposal:
    """One proposed capability: the entry point, the name, the call sites, and what the code shows of each key."""

    entry: EntryPoint
    name: str
    functions: tuple[str, ...]
    sites: tuple[CallRecord, ...]
    output: str | tuple[str, ...] | None
    """A schema type or an allowed set, when the code shows it for certain."""
    output_found: tuple[str, ...]
    """What validates the output where it does not show one for certain (for the comments)."""
    mode: str | None
    mode_found: tuple[str, ...]
    threshold: str | None
    """The one number the output is compared with on its paths, if there is one (only ever suggested)."""
    threshold_found: tuple[str, ...]


@dataclass
class Proposals:
    """What ``ailint init`` found under one configuration."""

    proposals: list[Proposal]
    declared: list[tuple[EntryPoint, str]]
    """Entry points a declared capability's ``functions`` name already, with the capability's name."""
    errors: list[str]
    missing: list[str]


def propose(
    paths: Iterable[Path],
    settings: Settings,
    cwd: Path | None = None,
    *,
    progress: Progress | None = None,
    cache: Cache | None = None,
) -> Proposals:
    """The capabilities to propose for the entry points under ``paths`` (see the module docstring).

    ``cache``: the project's cache (``Cache(settings.root, settings)``); the inventory listed with the
    provisional capabilities is cached apart, under its own settings.
    """
    from ailint.api import entry_points, list_calls

    paths = list(paths)
    found = entry_points(paths, settings, cwd, progress=progress, cache=cache)
    result = Proposals([], [], list(found.errors), list(found.missing))
    taken = {c.name for c in settings.capabilities}
    fresh: list[tuple[EntryPoint, str, tuple[str, ...]]] = []
    for entry in found.entries:
        functions = _functions(entry)
        owner = next((c for c in settings.capabilities if any(c.matches(f) for f in functions)), None)
        if owner is not None:
            result.declared.append((entry, owner.name))
            continue
        name = _unique_name(entry, taken)
        taken.add(name)
        fresh.append((entry, name, functions))
    if not fresh:
        return result
    provisional = tuple(
        Capability(name=name, functions=functions, output=UNMATCHABLE_OUTPUT, threshold=UNMATCHABLE_THRESHOLD)
        for _, name, functions in fresh
    )
    listed = replace(settings, capabilities=provisional)
    if cache is not None:  # keyed by the provisional settings: what others read under the project's stays theirs
        from ailint.cache import Cache

        cache = Cache(settings.root, listed)
    inventory = list_calls(paths, listed, cwd, release=False, progress=progress, cache=cache)
    result.errors += [line for line in inventory.errors if line not in result.errors]
    owned: dict[str, list[CallRecord]] = {name: [] for _, name, _ in fresh}
    reaches = {name: entry.reaches for entry, name, _ in fresh}
    for call in inventory.calls:
        if call.test:
            continue
        for record in call.capabilities:
            # A wrapper another entry point shares is the capability's too, and so is every call of it;
            # the call sites behind this entry point are those in the functions it runs.
            if record.name in owned and call.function in reaches[record.name]:
                owned[record.name].append(call)
    for entry, name, functions in fresh:
        calls = owned[name]
        if calls:  # reaches a model only in ways no call site shows (a callable it is never given): nothing to declare
            result.proposals.append(_proposal(entry, name, functions, calls))
    return result


def _functions(entry: EntryPoint) -> tuple[str, ...]:
    """The globs naming the entry point: a module's own code by its record name and by its name in the call graph."""
    if entry.function.endswith(".<module>"):
        return (entry.module, entry.function)
    return (entry.function,)


# -- names -----------------------------------------------------------------------


def kebab(text: str) -> str:
    """``TicketView.handle_post`` as ``ticket-view-handle-post``."""
    text = re.sub(r"([a-z0-9])([A-Z])", r"\1-\2", text)
    text = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1-\2", text)
    return "-".join(part for part in re.split(r"[^A-Za-z0-9]+", text.lower()) if part)


def _unique_name(entry: EntryPoint, taken: set[str]) -> str:
    """The entry point's name in kebab case, with as much of its module as makes it unique."""
    module = entry.module.removesuffix(".ipynb")  # a notebook is named after its file
    module_parts = [p for p in module.split(".") if p not in ("__init__", "__main__")]
    local = entry.function.removeprefix(entry.module + ".")
    own = [] if local == "<module>" else [p for p in local.split(".") if p != "<locals>"]
    if not own:  # a module's own code: named after the module
        own, module_parts = module_parts[-1:], module_parts[:-1]
    for extra in range(len(module_parts) + 1):
        name = kebab(".".join(module_parts[len(module_parts) - extra :] + own)) or "capability"
        if name not in taken:
            return name
    base, number = name, 2
    while f"{base}-{number}" in taken:
        number += 1
    return f"{base}-{number}"


# -- what the call sites show ------------------------------------------------------


def _proposal(entry: EntryPoint, name: str, functions: tuple[str, ...], calls: list[CallRecord]) -> Proposal:
    calls = sorted(calls, key=lambda c: (c.path, c.span.line, c.span.column, c.provider, c.api))
    judged = []  # (call, evidence of the output answer) where the output is judged
    comparisons: dict[str, list[str]] = {}
    for call in calls:
        record = next(r for r in call.capabilities if r.name == name)
        status, _, evidence = record.answers.get("output", ("n/a", "", ()))
        if status != "n/a":
            judged.append((call, evidence))
        for shown in record.answers.get("threshold", ("n/a", "", ()))[2]:
            text, where = _split_evidence(shown)
            if text.startswith("compared with "):
                comparisons.setdefault(text.removeprefix("compared with "), []).append(where)
    output, output_found = _output(judged)
    mode, mode_found = _mode([call for call, _ in judged])
    threshold_found = tuple(
        f"compared with {value} at {', '.join(dict.fromkeys(wheres))}" for value, wheres in sorted(comparisons.items())
    )
    numbers = [value for value in comparisons if _number(value)]
    threshold = numbers[0] if len(comparisons) == 1 and numbers else None
    return Proposal(
        entry, name, functions, tuple(calls), output, output_found, mode, mode_found, threshold, threshold_found
    )


def _number(text: str) -> bool:
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False


def _where(call: CallRecord) -> str:
    """``shop/api.py:11``, or ``explore.ipynb:cell 2:3`` in a notebook (as Ruff names a cell's line)."""
    return f"{call.path}:{call.place.rpartition(':')[0]}"


def _split_evidence(shown: str) -> tuple[str, str]:
    """``acme.Ticket (acme/api.py:12)`` as its text and its place."""
    if shown.endswith(")") and " (" in shown:
        text, _, where = shown[:-1].rpartition(" (")
        return text, where
    return shown, ""


def _schema(text: str) -> str | tuple[str, ...] | None:
    """The schema type or the literal allowed set a validator's evidence names; None for anything else."""
    if text.startswith("in "):
        try:
            values = ast.literal_eval(text[3:])
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            return None
        if isinstance(values, (set, frozenset)) and values and all(isinstance(v, str) for v in values):
            return tuple(sorted(values))
        return None
    if text.endswith("()"):  # a validator function: what it checks is not a type
        return None
    name = text.split("=", 1)[-1]
    if name.startswith("with_structured_output(") and name.endswith(")"):
        name = name[len("with_structured_output(") : -1]
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)+", name):
        return name
    return None


def _output(
    judged: list[tuple[CallRecord, tuple[str, ...]]],
) -> tuple[str | tuple[str, ...] | None, tuple[str, ...]]:
    """The one schema every judged call site validates the output with, if there is one; else what was found."""
    per_site: list[set[str | tuple[str, ...]]] = []
    found: list[str] = []
    for call, evidence in judged:
        schemas: set[str | tuple[str, ...]] = set()
        for shown in evidence:
            text, where = _split_evidence(shown)
            schema = _schema(text)
            if schema is not None:
                schemas.add(schema)
            found.append(f"{text} at {where}" if where else text)
        if not evidence:
            found.append(f"not validated at {_where(call)}")
        per_site.append(schemas)
    common = set.intersection(*per_site) if per_site else set()
    if len(common) == 1 and all(len(s) == 1 for s in per_site):
        return common.pop(), ()
    return None, tuple(dict.fromkeys(found))


def _mode(judged: list[CallRecord]) -> tuple[str | None, tuple[str, ...]]:
    """The one authority mode every judged generation declares, if there is one; else what was found."""
    generations = [call for call in judged if call.operation == "generate"]
    modes = {call.authority for call in generations}
    if len(modes) == 1 and None not in modes:
        return modes.pop(), ()
    found = [
        f"{call.authority or 'none'} declared at {_where(call)}" for call in generations if call.authority is not None
    ]
    return None, tuple(found)


# -- TOML ------------------------------------------------------------------------

HEADER = (
    "# Capabilities proposed by `ailint init`: one per entry point that reaches a model.\n"
    "# Fill in what is empty, uncomment what applies, and delete the tables that are not\n"
    "# a unit of AI work. A capability owns every function its `functions` reach.\n"
)


def _string(text: str) -> str:
    """A TOML basic string."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    escaped = re.sub(r"[\x00-\x1f\x7f]", lambda m: f"\\u{ord(m.group()):04x}", escaped)
    return f'"{escaped}"'


def _comment(text: str) -> str:
    """Text safe on one comment line."""
    return re.sub(r"[\x00-\x1f\x7f]", " ", text)


def _found(findings: Iterable[str]) -> list[str]:
    """What the code shows about a key, one comment line each, under its placeholder."""
    return [_comment(f"#   found: {finding}") for finding in findings]


def render(proposals: Iterable[Proposal], nested: bool = True) -> str:
    """The proposals as TOML: ``[[tool.ailint.capability]]`` tables (``[[capability]]`` for an ``ailint.toml``)."""
    header = "[[tool.ailint.capability]]" if nested else "[[capability]]"
    blocks = []
    for p in proposals:
        count = len(p.sites)
        lines = [
            _comment(
                f"# {p.entry.function} ({p.entry.path}:{p.entry.line}) reaches "
                f"{count} model call site{'' if count == 1 else 's'}:"
            ),
        ]
        for call in p.sites:
            through = ", through a wrapper" if call.kind == "wrapper" else ""
            lines.append(_comment(f"#   {_where(call)} {call.provider} {call.api}{through}"))
        lines += [
            header,
            f"name = {_string(p.name)}",
            "functions = [" + ", ".join(_string(f) for f in p.functions) + "]",
            'task = ""  # what the model does here, in words',
            'trigger = ""  # what starts it: a request, a command, a schedule, an event',
        ]
        if isinstance(p.output, str):
            lines.append(f"output = {_string(p.output)}  # validated as this type at every call site")
        elif p.output is not None:
            values = ", ".join(_string(v) for v in p.output)
            lines.append(f"output = [{values}]  # checked against these values at every call site")
        else:
            lines.append('# output = ""  # a schema type (a dotted name) or a list of allowed values')
            lines += _found(p.output_found)
        value = p.threshold if p.threshold is not None else "0.0"
        lines.append(f"# threshold = {value}  # the confidence the output must reach to be used")
        lines += _found(p.threshold_found)
        if p.mode is not None:
            lines.append(f"mode = {_string(p.mode)}  # declared at every call site")
        else:
            lines.append('# mode = ""  # "recommend", "assist" or "act"')
            lines += _found(p.mode_found)
        lines.append('# kpi = ""  # the metric, or the dotted call that records the business measure it moves')
        blocks.append("\n".join(lines) + "\n")
    if not blocks:
        return ""
    return HEADER + "\n" + "\n".join(blocks)


def appended(existing: str, addition: str) -> str:
    """``existing`` with ``addition`` after it, a blank line between, in the file's own line endings.

    The file's text is kept byte for byte: the tables are appended, never
    merged in, so that comments and layout stay as they were.
    """
    if not addition:
        return existing
    newline = "\r\n" if "\r\n" in existing else "\n"
    separator = ""
    if existing:
        separator = ("" if existing.endswith("\n") else newline) + (newline if existing.strip() else "")
    return existing + separator + addition.replace("\n", newline)


def nests_settings(path: Path, text: str) -> bool:
    """Whether ``path`` holds ailint's settings under ``[tool.ailint]``, as the settings read it."""
    if path.name == "pyproject.toml":
        return True
    try:
        return set(tomllib.loads(text)) == {"tool"}
    except (tomllib.TOMLDecodeError, RecursionError):
        return False
