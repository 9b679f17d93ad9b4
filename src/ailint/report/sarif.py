"""``--format sarif``: SARIF 2.1.0, the format code-scanning services ingest.

Every rule's metadata goes into ``tool.driver.rules`` (from the rule classes,
like the rule pages), so a viewer can show the rule's page next to a result.
Locations are relative to the root of the Git repository (``%SRCROOT%``, the
checkout in CI), never ``../``; a file outside it is an absolute URI. The
rules whose failure is a security risk carry ``security-severity``. In a
notebook, a region's lines are those of its code cells joined (as Ruff's);
the region's properties and the message name the cell and the line in it.
``partialFingerprints`` reuse the diagnostics' line-independent fingerprints,
numbered when one function holds several identical findings, so an alert
keeps its identity when code moves.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from ailint import __version__
from ailint.docs import page, section
from ailint.report.paths import absolute, from_root
from ailint.rules import registry

if TYPE_CHECKING:
    from ailint.api import RunResult
    from ailint.diagnostics import Diagnostic
    from ailint.rules.base import Rule

SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
FINGERPRINT_KEY = "ailint/v1"


SECURITY_SEVERITY = {"AIL601": "9.0", "AIL502": "7.5"}
"""CVSS-like scores of the rules whose failure is a security risk, by which code scanning ranks alerts
(9.0 and above is critical, 7.0 high): model output reaching ``eval`` or a shell runs what the model
wrote; an action beyond the declared authority acts on the world unapproved."""


def rule_descriptor(rule: type[Rule]) -> dict[str, Any]:
    """One ``reportingDescriptor``: what SARIF viewers show about a rule, its page as ``help.markdown``."""
    properties: dict[str, Any] = {"tags": ["ailint", rule.concern.value]}
    if rule.code in SECURITY_SEVERITY:
        if "security" not in properties["tags"]:  # code scanning reads security-severity only with this tag
            properties["tags"].append("security")
        properties["security-severity"] = SECURITY_SEVERITY[rule.code]
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": section(rule, "What it does") or rule.summary},
        "help": {"text": rule.doc(), "markdown": page(rule)},
        "defaultConfiguration": {"level": rule.severity.value, "enabled": rule.enabled_by_default},
        "properties": properties,
    }


def artifact_location(display: str) -> dict[str, str]:
    """Where a file is: relative to the repository root (``%SRCROOT%``), or an absolute URI outside it."""
    relative = from_root(display)
    if relative is None:
        return {"uri": absolute(display).as_uri()}
    return {"uri": quote(relative), "uriBaseId": "%SRCROOT%"}


def _result(diagnostic: Diagnostic, index: int, occurrence: int) -> dict[str, Any]:
    span = diagnostic.span
    region: dict[str, Any] = {
        "startLine": span.line,
        "startColumn": span.column,
        "endLine": span.end_line,
        "endColumn": span.end_column,
    }
    if diagnostic.cell:  # lines of the notebook's code cells joined; the cell, and the lines in it, beside
        in_cell = diagnostic.in_cell
        region["properties"] = {"cell": diagnostic.cell, "cellLine": in_cell.line, "cellEndLine": in_cell.end_line}
    result: dict[str, Any] = {
        "ruleId": diagnostic.code,
        "ruleIndex": index,
        "level": diagnostic.severity.value,
        "message": {"text": diagnostic.cell_prefix + diagnostic.message},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": artifact_location(diagnostic.path),
                    "region": region,
                }
            }
        ],
        "partialFingerprints": {FINGERPRINT_KEY: f"{diagnostic.fingerprint}:{occurrence}"},
    }
    if diagnostic.provider is not None:
        result["properties"] = {"provider": diagnostic.provider, "api": diagnostic.api}
    return result


def document(result: RunResult) -> dict[str, Any]:
    """The SARIF log as plain data."""
    rules = sorted(registry.ALL_RULES, key=lambda r: r.code)
    indices = {rule.code: index for index, rule in enumerate(rules)}
    seen: Counter[tuple[str, str, str]] = Counter()
    results = []
    for diagnostic in result.diagnostics:
        key = (diagnostic.path, diagnostic.code, diagnostic.fingerprint)
        seen[key] += 1
        results.append(_result(diagnostic, indices[diagnostic.code], seen[key]))
    notifications = [{"level": "warning", "message": {"text": line}} for line in result.errors]
    notifications += [
        {"level": "error", "message": {"text": f"{path}: no such file or directory"}} for path in result.missing
    ]
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "ailint",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "rules": [rule_descriptor(rule) for rule in rules],
                    }
                },
                "invocations": [
                    {"executionSuccessful": not result.missing, "toolExecutionNotifications": notifications}
                ],
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }


def render(result: RunResult) -> str:
    """The SARIF document, with a trailing newline."""
    return json.dumps(document(result), indent=2) + "\n"
