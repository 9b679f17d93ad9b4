"""``--format gitlab``: GitLab Code Quality, a JSON array of issues shown on merge requests.

Each issue has the fields GitLab requires (``description``, ``check_name``,
``fingerprint``, ``severity``, ``location.path``, ``location.lines.begin``),
paths relative to the repository root. The fingerprint is unique per issue
and stable when code moves: the diagnostic's line-independent fingerprint,
its path and code, numbered when one function holds identical findings.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from typing import TYPE_CHECKING, Any

from ailint.diagnostics import Severity
from ailint.report.paths import from_root
from ailint.report.sarif import SECURITY_SEVERITY

if TYPE_CHECKING:
    from ailint.api import RunResult
    from ailint.diagnostics import Diagnostic


def severity(diagnostic: Diagnostic) -> str:
    """GitLab's scale (info, minor, major, critical, blocker): security risks are critical."""
    if diagnostic.code in SECURITY_SEVERITY and diagnostic.severity is Severity.ERROR:
        return "critical"
    return "major" if diagnostic.severity is Severity.ERROR else "minor"


def issues(result: RunResult) -> list[dict[str, Any]]:
    """The Code Quality issues of a run, in report order."""
    seen: Counter[tuple[str, str, str]] = Counter()
    found = []
    for d in result.diagnostics:
        path = from_root(d.path) or d.path
        key = (path, d.code, d.fingerprint)
        seen[key] += 1
        unique = hashlib.sha256("\0".join([*key, str(seen[key])]).encode("utf-8", "surrogatepass")).hexdigest()
        found.append(
            {
                "description": f"{d.cell_prefix}{d.code} [{d.name}] {d.message}",
                "check_name": d.code,
                "fingerprint": unique[:32],
                "severity": severity(d),
                "location": {"path": path, "lines": {"begin": d.span.line, "end": d.span.end_line}},
            }
        )
    return found


def render(result: RunResult) -> str:
    """The Code Quality report, with a trailing newline."""
    return json.dumps(issues(result), indent=2) + "\n"
