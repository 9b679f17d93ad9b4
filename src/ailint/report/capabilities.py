"""The readiness checklist per declared capability, for ``ailint report``.

For each ``[[tool.ailint.capability]]`` the five questions of execution
readiness are answered from the inventory (``CallRecord.capabilities`` and
each call's checks), with the evidence found in the code (``file:line``) and
the call sites behind each answer. Call sites no capability owns are listed
apart. Pure functions of the inventory; deterministic.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ailint.capability import Capability

if TYPE_CHECKING:
    from ailint.api import CallRecord, CallsResult

QUESTIONS = (
    ("work", "Work unit defined?"),
    ("contracts", "Inputs and outputs contracted?"),
    ("authority", "Authority agreed?"),
    ("kpi", "KPI tied?"),
    ("integration", "Integrated into logging, error handling and monitoring?"),
)
VERDICTS = {"yes": "yes", "no": "no", "partly": "partly", "unknown": "not known"}


@dataclass
class Item:
    """One question answered for one capability."""

    key: str
    question: str
    verdict: str = "unknown"
    """``yes``, ``no``, ``partly`` or ``unknown``."""
    findings: list[str] = field(default_factory=list)
    """What was found, one line each (``validated as acme.Category (acme/triage.py:7)``)."""
    sites: list[str] = field(default_factory=list)
    """The call sites behind the answer (``path:line``)."""


@dataclass
class Checklist:
    capability: Capability
    calls: list[CallRecord]
    items: list[Item]

    @property
    def ready(self) -> bool:
        return all(item.verdict == "yes" for item in self.items)


def _where(call: CallRecord) -> str:
    return f"{call.path}:{call.span.line}"


def _verdict(statuses: Sequence[str]) -> str:
    judged = [s for s in statuses if s in ("pass", "fail")]
    if not judged:
        return "unknown"
    if all(s == "pass" for s in judged):
        return "yes"
    return "no" if all(s == "fail" for s in judged) else "partly"


def _combine(*verdicts: str) -> str:
    known = [v for v in verdicts if v != "unknown"]
    if not known:
        return "unknown"
    if all(v == "yes" for v in known):
        return "yes"
    return "no" if all(v == "no" for v in known) else "partly"


def _answers(item: Item, calls: list[CallRecord], name: str, question: str, label: str) -> str:
    statuses = []
    for call in calls:
        for record in call.capabilities:
            if record.name != name:
                continue
            status, detail, evidence = record.answers.get(question, ("n/a", "", ()))
            statuses.append(status)
            if status == "n/a":
                continue
            if status == "fail":
                item.findings.append(f"{label}: {_where(call)} {detail}")
            else:
                shown = "; ".join(evidence) if evidence else detail
                item.findings.append(f"{label}: {shown}")
            item.sites.append(_where(call))
    return _verdict(statuses)


def _checks(item: Item, calls: list[CallRecord], checks: Sequence[str], label: str, more: bool = False) -> str:
    statuses = []
    for call in calls:
        found = call.more if more else call.checks
        for check in checks:
            status = found.get(check, "n/a")
            statuses.append(status)
            if status == "fail":
                item.findings.append(f"{label}: {check} fails at {_where(call)} ({call.provider} {call.api})")
            if status != "n/a":
                item.sites.append(_where(call))
    return _verdict(statuses)


def checklist(capability: Capability, calls: list[CallRecord]) -> Checklist:
    """The five questions for one capability, from the call sites it owns."""
    name = capability.name
    items = {key: Item(key, text) for key, text in QUESTIONS}

    work = items["work"]
    missing = [
        key
        for key, value in (
            ("task", capability.task),
            ("trigger", capability.trigger),
            ("output", capability.declares_output),
            ("threshold", capability.threshold is not None),
            ("mode", capability.mode),
            ("kpi", capability.kpi),
        )
        if not value
    ]
    if capability.task:
        work.findings.append(f"task: {capability.task}")
    if capability.trigger:
        work.findings.append(f"trigger: {capability.trigger}")
    work.findings.append(f"functions: {', '.join(capability.functions)}")
    if not calls:
        work.findings.append("no model call is reached from these functions")
    if missing:
        work.findings.append(f"not declared: {', '.join(missing)}")
    work.sites = [_where(c) for c in calls]
    work.verdict = "yes" if not missing and calls else "no" if not calls else "partly"

    contracts = items["contracts"]
    outputs = _answers(contracts, calls, name, "output", "output")
    inputs = _checks(contracts, calls, ["input"], "input", more=True)
    if inputs == "yes":
        contracts.findings.append("input: no request data reaches a prompt unvalidated")
    contracts.verdict = _combine(outputs, inputs) if capability.declares_output else _combine(inputs, "no")
    if not capability.declares_output:
        contracts.findings.append("output: no schema or allowed set declared")

    authority = items["authority"]
    if capability.mode:  # the capability declares the mode: its calls are held to it (AIL803)
        authority.findings.append(f"declared: {capability.mode}")
        authority.verdict = _answers(authority, calls, name, "mode", "mode")
    else:
        authority.findings.append("no mode declared for the capability")
        declared = _checks(authority, calls, ["authority"], "declared at the call")
        authority.verdict = _combine(declared, "no")

    kpi = items["kpi"]
    kpi.verdict = _answers(kpi, calls, name, "kpi", "kpi") if capability.kpi else "no"
    if not capability.kpi:
        kpi.findings.append("no KPI declared")
    threshold = _answers(kpi, calls, name, "threshold", "threshold")
    if capability.threshold is not None:
        kpi.verdict = _combine(kpi.verdict, threshold)

    integration = items["integration"]
    integration.verdict = _checks(integration, calls, ["logging", "errors", "timeout", "usage"], "")
    integration.findings = [f.removeprefix(": ") for f in integration.findings]
    if integration.verdict == "yes":
        integration.findings.append("logged, errors handled, timeouts set and usage recorded at every call")

    for item in items.values():
        item.sites = sorted(set(item.sites), key=_site_key)
        item.findings = list(dict.fromkeys(item.findings))
    return Checklist(capability, calls, list(items.values()))


def _site_key(where: str) -> tuple[str, int]:
    path, _, line = where.rpartition(":")
    return path, int(line) if line.isdigit() else 0


def checklists(result: CallsResult) -> tuple[list[Checklist], list[CallRecord]]:
    """One checklist per declared capability, and the call sites (outside tests) no capability owns."""
    owned: dict[str, list[CallRecord]] = {c.name: [] for c in result.capabilities}
    undeclared = []
    for call in sorted(result.calls, key=lambda c: (c.path, c.span.line, c.span.column)):
        if call.test:
            continue
        if not call.capabilities:
            undeclared.append(call)
        for record in call.capabilities:
            owned.setdefault(record.name, []).append(call)
    return [checklist(c, owned.get(c.name, [])) for c in result.capabilities], undeclared


# Markdown ----------------------------------------------------------------------------------------


def markdown(result: CallsResult) -> list[str]:
    """The ``## Capabilities`` section (nothing when no capability is declared)."""
    if not result.capabilities:
        return []
    lists, undeclared = checklists(result)
    lines = ["## Capabilities", ""]
    lines.append("Each declared capability against the five questions of execution readiness, with the evidence.")
    lines.append("")
    for found in lists:
        capability = found.capability
        state = "ready" if found.ready else "not ready"
        lines += [f"### {_cell(capability.name)} ({state})", ""]
        if capability.task:  # escaped as the page escapes it: ``<customer>`` is text, not a tag GitHub drops
            lines += [f"_{_cell(capability.task)}_", ""]
        lines += ["| question | answer | evidence | call sites |", "|---|---|---|---|"]
        for item in found.items:
            evidence = "<br>".join(_cell(f) for f in item.findings) or "none found"
            sites = ", ".join(f"`{s}`" for s in item.sites) or "none"
            lines.append(f"| {item.question} | **{VERDICTS[item.verdict]}** | {evidence} | {sites} |")
        lines.append("")
    lines += ["### Call sites of no declared capability", ""]
    if undeclared:
        lines += [f"- `{_where(c)}` {c.provider} {c.api} in `{c.function}`" for c in undeclared]
    else:
        lines.append("None: every call site belongs to a declared capability.")
    lines.append("")
    return lines


def _cell(text: str) -> str:
    for char in "\\`*_[]<>|":
        text = text.replace(char, "\\" + char)
    return text.replace("\n", " ")


# HTML --------------------------------------------------------------------------------------------

CSS = """
section.capability { border: 1px solid var(--line); border-radius: 8px; padding: 4px 18px 12px; margin: 16px 0; }
section.capability h3 { font-size: 17px; margin: 12px 0 2px; }
section.capability .task { color: var(--muted); margin: 0 0 8px; }
.state { font-size: 12px; font-weight: 600; border-radius: 10px; padding: 1px 8px; margin-left: 8px; }
.state.ready { color: var(--pass); background: var(--pass-bg); }
.state.not-ready { color: var(--fail); background: var(--fail-bg); }
table.checklist { table-layout: fixed; }
table.checklist col.question { width: 18%; } table.checklist col.answer { width: 8%; }
table.checklist col.sites { width: 21%; }
table.checklist td { overflow-wrap: anywhere; }
table.checklist td.verdict { font-weight: 700; white-space: nowrap; overflow-wrap: normal; }
td.verdict.yes { color: var(--pass); } td.verdict.no { color: var(--fail); }
td.verdict.partly { color: var(--warn); } td.verdict.unknown { color: var(--muted); }
table.checklist ul { margin: 0; padding-left: 18px; }
table.checklist td.sites { font-family: var(--mono); font-size: 12.5px; color: var(--muted); }
table.checklist td.sites .site + .site { margin-top: 3px; }
"""


def html(result: CallsResult, escape: object) -> list[str]:
    """The capabilities section of the HTML page; ``escape`` is the page's escaping function."""
    if not result.capabilities:
        return []
    e = escape  # html.escape with quote=True, as the page uses it
    assert callable(e)
    lists, undeclared = checklists(result)
    out = ['<section id="capabilities">', "<h2>Capabilities</h2>"]
    out.append(
        '<p class="note">Each declared capability against the five questions of execution readiness, '
        "with the evidence found in the code and the call sites behind each answer.</p>"
    )
    for found in lists:
        capability = found.capability
        state = "ready" if found.ready else "not-ready"
        out.append(f'<section class="capability" data-capability="{e(capability.name)}">')
        out.append(
            f'<h3>{e(capability.name)}<span class="state {state}">{"ready" if found.ready else "not ready"}</span></h3>'
        )
        if capability.task:
            out.append(f'<p class="task">{e(capability.task)}</p>')
        # Fixed columns: every capability's table lines up with the others, and a long path wraps in its cell
        # instead of pushing the table out of its box.
        out.append(
            '<table class="checklist"><colgroup><col class="question"><col class="answer"><col class="evidence">'
        )
        out.append('<col class="sites"></colgroup><thead><tr><th>Question</th><th>Answer</th><th>Evidence</th>')
        out.append("<th>Call sites</th></tr></thead><tbody>")
        for item in found.items:
            evidence = "".join(f"<li>{e(f)}</li>" for f in item.findings) or "<li>none found</li>"
            sites = "".join(f'<div class="site">{e(s).replace("/", "/<wbr>")}</div>' for s in item.sites) or "none"
            out.append(
                f'<tr data-question="{e(item.key)}"><td>{e(item.question)}</td>'
                f'<td class="verdict {e(item.verdict)}">{e(VERDICTS[item.verdict])}</td>'
                f'<td><ul>{evidence}</ul></td><td class="sites">{sites}</td></tr>'
            )
        out.append("</tbody></table>")
        out.append("</section>")
    out.append('<section class="capability undeclared" data-capability="">')
    out.append("<h3>Call sites of no declared capability</h3>")
    if undeclared:
        out.append("<ul>")
        out += [
            f'<li><span class="path">{e(_where(c))}</span> {e(c.provider)} {e(c.api)} in '
            f'<span class="mono">{e(c.function)}</span></li>'
            for c in undeclared
        ]
        out.append("</ul>")
    else:
        out.append("<p>None: every call site belongs to a declared capability.</p>")
    out.append("</section>")
    out.append("</section>")
    return out
