"""``--format sarif``: SARIF 2.1.0, the format code-scanning services ingest.

Every rule's metadata goes into ``tool.driver.rules`` (from the rule classes,
like the rule pages), so a viewer can show the rule's page next to a result.
Locations are relative to the working directory (``%SRCROOT%``, the checkout
root in CI). ``partialFingerprints`` reuse the diagnostics' line-independent
fingerprints, numbered when one function holds several identical findings,
so an alert keeps its identity when code moves.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from ailint import __version__
from ailint.docs import section
from ailint.rules import registry

if TYPE_CHECKING:
    from ailint.api import RunResult
    from ailint.diagnostics import Diagnostic
    from ailint.rules.base import Rule

SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
FINGERPRINT_KEY = "ailint/v1"


def rule_descriptor(rule: type[Rule]) -> dict[str, Any]:
    """One ``reportingDescriptor``: what SARIF viewers show about a rule."""
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": section(rule, "What it does") or rule.summary},
        "help": {"text": rule.doc(), "markdown": rule.doc()},
        "defaultConfiguration": {"level": rule.severity.value, "enabled": rule.enabled_by_default},
        "properties": {"tags": ["ailint", rule.concern.value]},
    }


def _result(diagnostic: Diagnostic, index: int, occurrence: int) -> dict[str, Any]:
    span = diagnostic.span
    result: dict[str, Any] = {
        "ruleId": diagnostic.code,
        "ruleIndex": index,
        "level": diagnostic.severity.value,
        "message": {"text": diagnostic.message},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": quote(diagnostic.path), "uriBaseId": "%SRCROOT%"},
                    "region": {
                        "startLine": span.line,
                        "startColumn": span.column,
                        "endLine": span.end_line,
                        "endColumn": span.end_column,
                    },
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
