"""``--format junit``: JUnit XML, as Ruff writes it, for CI systems that show test reports.

One ``testsuite`` per file with diagnostics, one failing ``testcase`` per
diagnostic (named ``ailint.CODE``, the file as its class name); a clean run
is one suite with one passing case, so a report is never empty.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING
from xml.etree import ElementTree

if TYPE_CHECKING:
    from ailint.api import RunResult
    from ailint.diagnostics import Diagnostic


def render(result: RunResult) -> str:
    """The JUnit XML document, with a trailing newline."""
    count = str(len(result.diagnostics))
    suites = ElementTree.Element("testsuites", name="ailint", tests=count, failures=count, errors="0")
    by_file: dict[str, list[Diagnostic]] = defaultdict(list)
    for diagnostic in result.diagnostics:
        by_file[diagnostic.path].append(diagnostic)
    if not by_file:
        suite = ElementTree.SubElement(
            suites, "testsuite", name="ailint", tests="1", disabled="0", errors="0", failures="0", package="ailint"
        )
        ElementTree.SubElement(suite, "testcase", name="No errors found")
    for path, found in by_file.items():
        size = str(len(found))
        suite = ElementTree.SubElement(
            suites, "testsuite", name=path, tests=size, disabled="0", errors="0", failures=size, package="ailint"
        )
        for d in found:
            span = d.span
            case = ElementTree.SubElement(
                suite,
                "testcase",
                name=f"ailint.{d.code}",
                classname=path,
                line=str(span.line),
                column=str(span.column),
            )
            failure = ElementTree.SubElement(case, "failure", message=d.message, type=d.severity.value)
            where = f"cell {d.cell}, line {d.in_cell.line}" if d.cell else f"line {span.line}"
            failure.text = f"{where}, col {span.column}, {d.code} [{d.name}] {d.message}"
    ElementTree.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ElementTree.tostring(suites, encoding="unicode") + "\n"
