"""``ailint report``: the readiness report, as a Markdown document or a self-contained HTML page.

Both formats are pure functions of the inventory (``ailint.api.list_calls``)
and say the same things in the same order: a summary, the coverage of each
concern across the call sites where it applies, the files ranked worst
first, and the inventory with each concern's status. The output is
deterministic: sorted, and without a timestamp, so two runs on the same code
give the same bytes and a report can be committed or diffed.

The HTML page loads nothing: its CSS is inline and its chart an inline SVG,
so it opens from a CI artifact with no network, and prints.
"""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ailint import __version__
from ailint.engine import CHECK_HEADINGS, CHECKS
from ailint.report import capabilities

if TYPE_CHECKING:
    from ailint.api import CallRecord, CallsResult

TITLE = "AI readiness report"

LABELS = {
    "validation": "Output validation",
    "confidence": "Confidence handling",
    "logging": "Logging",
    "errors": "Error handling",
    "timeout": "Timeout",
    "authority": "Declared authority",
    "exec": "Exec safety",
    "usage": "Usage tracking",
}
"""Each concern's name in the report, in ``CHECKS`` order."""

SHORT = CHECK_HEADINGS
"""Column headings of the inventory, as in ``ailint calls``."""

MEANINGS = {
    "validation": "a generation's output is validated against a schema before use (AIL101)",
    "confidence": "a generation's output passes a confidence threshold before use (AIL201)",
    "logging": "the call is recorded by a structured log call or a trace (AIL301, AIL302)",
    "errors": "the provider's errors are caught and handled, not swallowed (AIL401, AIL402)",
    "timeout": "the call has a timeout, on the call or on its client (AIL403)",
    "authority": "a generation has a declared authority mode that its output respects (AIL501, AIL502)",
    "exec": "the output never reaches code execution, a shell, deserialisation or SQL text (AIL601)",
    "usage": "the call's token usage is read or recorded (AIL701)",
}


@dataclass(frozen=True)
class Coverage:
    """One concern across the call sites: how many pass among those where it applies."""

    check: str
    passing: int
    applicable: int

    @property
    def label(self) -> str:
        return LABELS[self.check]

    @property
    def ratio(self) -> float | None:
        return self.passing / self.applicable if self.applicable else None

    @property
    def percent(self) -> str:
        return _percent(self.passing, self.applicable)


@dataclass
class FileSummary:
    """One file's call sites and failing checks, for the worst-files ranking."""

    path: str
    sites: int = 0
    failing: Counter[str] = field(default_factory=Counter)
    applicable: Counter[str] = field(default_factory=Counter)

    @property
    def failures(self) -> int:
        return sum(self.failing.values())


@dataclass(frozen=True)
class Readiness:
    """Everything the report says, computed once for both formats."""

    files: int
    calls: list[CallRecord]
    coverage: list[Coverage]
    worst: list[FileSummary]
    providers: list[tuple[str, int, int]]
    """``(provider, direct, wrapper)``, most call sites first."""
    ready: int
    """Call sites where every applicable check passes."""
    passing: int
    applicable: int
    errors: list[str]

    @property
    def direct(self) -> int:
        return sum(1 for c in self.calls if c.kind == "direct")

    @property
    def wrapper(self) -> int:
        return len(self.calls) - self.direct


def summarise(result: CallsResult) -> Readiness:
    """The figures of the report, sorted so that the output is deterministic."""
    calls = sorted(result.calls, key=lambda c: (c.path, c.span.line, c.span.column, c.provider, c.api))
    coverage = [
        Coverage(
            check,
            passing=sum(1 for c in calls if c.checks.get(check) == "pass"),
            applicable=sum(1 for c in calls if c.checks.get(check) in ("pass", "fail")),
        )
        for check in CHECKS
    ]
    files: dict[str, FileSummary] = {}
    for call in calls:
        summary = files.setdefault(call.path, FileSummary(call.path))
        summary.sites += 1
        summary.failing.update(check for check in CHECKS if call.checks.get(check) == "fail")
        summary.applicable.update(check for check in CHECKS if call.checks.get(check) in ("pass", "fail"))
    worst = sorted(files.values(), key=lambda f: (-f.failures, -f.sites, f.path))
    kinds: dict[str, Counter[str]] = {}
    for call in calls:
        kinds.setdefault(call.provider, Counter())[call.kind] += 1
    providers = sorted(
        ((name, count["direct"], sum(count.values()) - count["direct"]) for name, count in kinds.items()),
        key=lambda p: (-(p[1] + p[2]), p[0]),
    )
    return Readiness(
        files=result.files,
        calls=calls,
        coverage=coverage,
        worst=worst,
        providers=providers,
        ready=sum(1 for c in calls if all(c.checks.get(check) != "fail" for check in CHECKS)),
        passing=sum(c.passing for c in coverage),
        applicable=sum(c.applicable for c in coverage),
        errors=sorted(result.errors),
    )


def _percent(part: int, whole: int) -> str:
    """A whole percentage that reads 100% only when all pass and 0% only when none does."""
    if not whole:
        return "n/a"
    value = round(100 * part / whole)
    if part < whole:
        value = min(value, 99)
    if part > 0:
        value = max(value, 1)
    return f"{value}%"


def _plural(count: int, word: str, plural: str | None = None) -> str:
    return f"{count} {word if count == 1 else plural or word + 's'}"


def _function(call: CallRecord) -> str:
    """The enclosing function's qualified name; ``<module>`` for module-level code."""
    return call.function.rpartition(".")[2] if call.function.endswith("<module>") else call.function


def _failing_concerns(summary: FileSummary) -> list[tuple[str, int]]:
    return [(check, summary.failing[check]) for check in CHECKS if summary.failing[check]]


# Markdown ----------------------------------------------------------------------------------------

_MD_MARKS = {"pass": "pass", "fail": "**fail**", "n/a": "n/a"}


def _md_text(text: str) -> str:
    """Plain text for a table cell: pipes escaped, line breaks and Markdown punctuation neutralised."""
    text = text.replace("\r", " ").replace("\n", " ")
    for char in "\\`*_[]<>|":
        text = text.replace(char, "\\" + char)
    return text


def _md_code(text: str) -> str:
    """``text`` as a code span safe inside a table cell (GFM: ``\\|`` is a pipe even in code)."""
    text = text.replace("\r", " ").replace("\n", " ").replace("|", "\\|")
    run = longest = 0
    for char in text:
        run = run + 1 if char == "`" else 0
        longest = max(longest, run)
    fence = "`" * (longest + 1)
    pad = " " if longest or text.startswith(("`", " ")) or text.endswith(("`", " ")) else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _md_table(headers: Sequence[str], aligns: str, rows: Sequence[Sequence[str]]) -> list[str]:
    """A GFM table; ``aligns`` has one of ``l``, ``r``, ``c`` per column."""
    rule = {"l": "---", "r": "---:", "c": ":---:"}
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join(rule[a] for a in aligns) + "|"]
    lines.extend("| " + " | ".join(row) + " |" for row in rows)
    return lines


def render_markdown(result: CallsResult, scope: Sequence[str] = ()) -> str:
    """The report as a GitHub-flavoured Markdown document, with a trailing newline.

    ``scope`` is the paths the run was given, shown under the title.
    """
    report = summarise(result)
    lines = [f"# {TITLE}", ""]
    where = ", ".join(_md_code(p) for p in scope)
    lines += [f"{'Scope: ' + where + ' · ' if where else ''}ailint {__version__}", ""]
    lines += ["## Summary", ""]
    sites = len(report.calls)
    with_sites = len(report.worst)
    lines.append(
        f"- **{report.files}** {'file' if report.files == 1 else 'files'} scanned, "
        f"**{with_sites}** with model call sites"
    )
    if not sites:
        lines += ["", "No model call sites were found.", ""]
        lines += _md_errors(report)
        return "\n".join(lines).rstrip("\n") + "\n"
    lines.append(
        f"- **{sites}** call {'site' if sites == 1 else 'sites'}: **{report.direct}** direct, "
        f"**{report.wrapper}** through project wrappers"
    )
    lines.append(f"- **{report.ready}** of {sites} pass every check that applies to them")
    lines.append(
        f"- **{report.passing}** of {report.applicable} applicable checks pass "
        f"({_percent(report.passing, report.applicable)})"
    )
    lines.append("")
    lines += _md_table(
        ["provider", "call sites", "direct", "through wrappers"],
        "lrrr",
        [[_md_code(name), str(d + w), str(d), str(w)] for name, d, w in report.providers],
    )
    if result.capabilities:
        lines += ["", *capabilities.markdown(result)][:-1]
    lines += ["", "## Coverage by concern", ""]
    lines.append(
        "For each concern, the call sites where it applies and how many of them pass; "
        "call sites where it does not apply (n/a) are left out."
    )
    lines.append("")
    lines += _md_table(
        ["concern", "passing", "applicable", "coverage"],
        "lrrr",
        [[c.label, str(c.passing), str(c.applicable), c.percent] for c in report.coverage],
    )
    lines += ["", "## Files, worst first", ""]
    lines += _md_table(
        ["file", "call sites", "failing checks", "failing concerns"],
        "lrrl",
        [
            [
                _md_code(f.path),
                str(f.sites),
                str(f.failures),
                ", ".join(f"{LABELS[check].lower()} ({count})" for check, count in _failing_concerns(f)) or "none",
            ]
            for f in report.worst
        ],
    )
    lines += ["", "## Call sites", ""]
    lines.append(
        "`pass`: handled; **fail**: not handled (see the diagnostics of `ailint check`); `n/a`: does not apply."
    )
    lines.append("")
    lines += _md_table(
        ["location", "call", "kind", "function", *(SHORT[c] for c in CHECKS)],
        "llll" + "c" * len(CHECKS),
        [
            [
                _md_code(f"{c.path}:{c.place}"),
                _md_code(f"{c.provider} {c.api}"),
                c.kind,
                _md_code(_function(c)),
                *(_MD_MARKS.get(c.checks.get(check, "n/a"), "n/a") for check in CHECKS),
            ]
            for c in report.calls
        ],
    )
    lines.append("")
    lines += _md_errors(report)
    return "\n".join(lines).rstrip("\n") + "\n"


def _md_errors(report: Readiness) -> list[str]:
    if not report.errors:
        return []
    lines = ["## Not analysed", ""]
    lines += [f"- {_md_text(error)}" for error in report.errors]
    return [*lines, ""]


# HTML --------------------------------------------------------------------------------------------

_CSS = """
:root {
  --ink: #1f2328; --muted: #59636e; --line: #d1d9e0; --soft: #f6f8fa;
  --pass: #1a7f37; --pass-bg: #dafbe1; --fail: #cf222e; --fail-bg: #ffebe9;
  --warn: #9a6700; --accent: #0969da;
  --sans: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", "Noto Sans", "DejaVu Sans",
    "Liberation Sans", Arial, sans-serif;
  --mono: ui-monospace, SFMono-Regular, Menlo, Consolas, "DejaVu Sans Mono", "Liberation Mono", monospace;
}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; background: #fff; color: var(--ink); font: 15px/1.5 var(--sans); }
main { max-width: 1180px; margin: 0 auto; padding: 40px 32px 56px; }
header { border-bottom: 1px solid var(--line); padding-bottom: 20px; margin-bottom: 28px; }
h1 { font-size: 28px; line-height: 1.2; margin: 0 0 6px; letter-spacing: -0.01em; }
h2 { font-size: 19px; margin: 40px 0 6px; padding-bottom: 6px; border-bottom: 1px solid var(--line); }
p { margin: 6px 0 12px; }
.meta, .note { color: var(--muted); font-size: 14px; }
code, .mono { font-family: var(--mono); font-size: 0.86em; }
.cards { display: grid; grid-template-columns: repeat(4, minmax(0, 1fr)); gap: 14px; margin: 8px 0 20px; }
.card { border: 1px solid var(--line); border-radius: 8px; padding: 14px 16px; background: var(--soft); }
.card .value { font-size: 26px; font-weight: 650; line-height: 1.2; font-variant-numeric: tabular-nums; }
.card .value small { font-size: 15px; font-weight: 500; color: var(--muted); }
.card .label { color: var(--muted); font-size: 13.5px; }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
th, td { text-align: left; padding: 6px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
thead th { font-size: 12.5px; text-transform: uppercase; letter-spacing: 0.04em; color: var(--muted);
  font-weight: 600; border-bottom: 2px solid var(--line); }
td.num, th.num { text-align: right; }
td.mark, th.mark { text-align: center; width: 4.1em; padding-left: 2px; padding-right: 2px; }
thead th.mark { letter-spacing: 0; font-size: 11px; white-space: nowrap; padding-left: 5px;
  padding-right: 5px; }
table.files td.path { min-width: 16em; }
td.heat { font-weight: 600; font-size: 13px; }
td.heat.hot { background: #ffd8d3; color: #a40e26; }
td.heat.warm { background: #fff1e5; color: #953800; }
td.heat.cool { color: var(--pass); }
td.heat.none { color: #8c959f; font-weight: 400; }
table.files td.heat { border-left: 2px solid #fff; }
table.compact { width: auto; min-width: 50%; }
.providers { margin-top: 4px; }
.chart { margin: 10px 0 4px; }
.chart svg { display: block; width: 100%; height: auto; max-width: 1060px; }
.chart text { font-family: var(--sans); }
.path { font-family: var(--mono); font-size: 13px; overflow-wrap: anywhere; }
.call { font-family: var(--mono); font-size: 13px; font-weight: 600; overflow-wrap: anywhere; }
.call .provider { color: var(--muted); font-weight: 400; }
.fn { font-family: var(--mono); font-size: 12px; color: var(--muted); overflow-wrap: anywhere; margin-top: 1px; }
.kind { font-family: var(--sans); font-size: 11.5px; font-weight: 400; border: 1px solid var(--line);
  border-radius: 10px; padding: 0 7px; margin-left: 8px; white-space: nowrap; color: var(--muted); }
.kind.mode { border-color: #b6d4fb; color: var(--accent); }
td.loc { width: 4.5em; }
.m { display: inline-block; min-width: 1.9em; border-radius: 4px; font-weight: 700; font-size: 13px;
  line-height: 1.55; }
.m.pass { color: var(--pass); background: var(--pass-bg); }
.m.fail { color: var(--fail); background: var(--fail-bg); }
.m.na { color: #8c959f; font-weight: 400; }
.legend { display: flex; gap: 18px; flex-wrap: wrap; margin: 6px 0 12px; color: var(--muted); font-size: 14px; }
.legend .m { text-align: center; margin-right: 4px; }
tbody.file tr.head th { background: var(--soft); font-weight: 600; border-top: 1px solid var(--line);
  padding-top: 8px; padding-bottom: 8px; }
tbody.file tr.head .count { color: var(--muted); font-weight: 400; font-size: 13px; margin-left: 8px; }
td.loc { font-family: var(--mono); font-size: 12.5px; color: var(--muted); white-space: nowrap; }
.bad { color: var(--fail); font-weight: 600; }
.ok { color: var(--pass); font-weight: 600; }
dl.concerns { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; font-size: 14px;
  margin: 10px 0 0; color: var(--muted); }
dl.concerns dt { font-weight: 600; color: var(--ink); }
dl.concerns dd { margin: 0; }
footer { margin-top: 44px; padding-top: 12px; border-top: 1px solid var(--line); color: var(--muted);
  font-size: 13px; }
@media screen and (max-width: 800px) {
  .cards { grid-template-columns: repeat(2, minmax(0, 1fr)); }
  main { padding: 24px 16px; }
}
@media print {
  @page { size: A4 landscape; margin: 12mm; }
  body { font-size: 10pt; }
  td.mark, th.mark { width: 3.6em; }
  .chart svg { max-width: 210mm; }
  main { max-width: none; padding: 0; }
  h2 { break-after: avoid; }
  tr, .card, .keep, dl.concerns { break-inside: avoid; }
  thead { display: table-header-group; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"""

_HTML_MARKS = {
    "pass": '<span class="m pass" title="pass">&#10003;</span>',
    "fail": '<span class="m fail" title="fail">&#10007;</span>',
    "n/a": '<span class="m na" title="not applicable">&#8211;</span>',
}

_BAR_COLORS = ((0.8, "#2da44e"), (0.5, "#d4a72c"), (0.0, "#e5534b"))


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _breakable(text: str, separator: str) -> str:
    """``text`` escaped, with a line-break opportunity after each ``separator``."""
    return (_e(separator) + "<wbr>").join(_e(part) for part in text.split(separator))


def _path(path: str) -> str:
    return _breakable(path, "/")


def _bar_color(ratio: float) -> str:
    return next(color for floor, color in _BAR_COLORS if ratio >= floor)


def _chart(coverage: Sequence[Coverage]) -> str:
    """A horizontal bar chart of coverage per concern, as inline SVG (one ``<g class="bar">`` per concern)."""
    label_width, bar_width, value_width, row, top = 180, 690, 150, 34, 8
    width = label_width + bar_width + value_width
    height = top * 2 + row * len(coverage) + 22
    summary = "; ".join(f"{c.label}: {c.percent}" for c in coverage)
    parts = [
        f'<svg viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
        f'aria-label="{_e("Coverage per concern: " + summary)}">'
    ]
    for index, c in enumerate(coverage):
        y = top + index * row
        middle = y + row / 2
        parts.append(f'<g class="bar" data-concern="{_e(c.check)}">')
        parts.append(f"<title>{_e(f'{c.label}: {c.passing} of {c.applicable} applicable call sites pass')}</title>")
        parts.append(
            f'<text x="{label_width - 12}" y="{middle + 5:g}" text-anchor="end" font-size="14" '
            f'fill="#1f2328">{_e(c.label)}</text>'
        )
        parts.append(
            f'<rect x="{label_width}" y="{y + 7}" width="{bar_width}" height="{row - 14}" rx="4" fill="#eef1f4"/>'
        )
        if c.ratio is None:
            parts.append(
                f'<text x="{label_width + 10}" y="{middle + 4.5:g}" font-size="12.5" fill="#8c959f">'
                "does not apply to any call site</text>"
            )
            value = "n/a"
        else:
            filled = round(bar_width * c.ratio, 1)
            if filled:
                parts.append(
                    f'<rect x="{label_width}" y="{y + 7}" width="{filled:g}" height="{row - 14}" rx="4" '
                    f'fill="{_bar_color(c.ratio)}"/>'
                )
            value = f'<tspan font-weight="600">{_e(c.percent)}</tspan> ({c.passing}/{c.applicable})'
        parts.append(
            f'<text x="{label_width + bar_width + 12}" y="{middle + 5:g}" font-size="14" fill="#1f2328">{value}</text>'
        )
        parts.append("</g>")
    axis = top + row * len(coverage) + 4
    for tick in (0, 25, 50, 75, 100):
        x = label_width + bar_width * tick / 100
        parts.append(
            f'<line x1="{x:g}" y1="{top}" x2="{x:g}" y2="{axis}" stroke="#d1d9e0" stroke-dasharray="2 3"/>'
            f'<text x="{x:g}" y="{axis + 15}" font-size="11.5" text-anchor="middle" fill="#59636e">{tick}%</text>'
        )
    parts.append("</svg>")
    return "\n".join(parts)


def _card(value: str, label: str) -> str:
    return f'<div class="card"><div class="value">{value}</div><div class="label">{label}</div></div>'


def render_html(result: CallsResult, scope: Sequence[str] = ()) -> str:
    """The report as one self-contained HTML page (inline CSS and SVG, nothing loaded), with a trailing newline."""
    report = summarise(result)
    sites = len(report.calls)
    out = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="generator" content="' + _e(f"ailint {__version__}") + '">',
        f"<title>{_e(TITLE + (' · ' + ', '.join(scope) if scope else ''))}</title>",
        f"<style>{_CSS}{capabilities.CSS if result.capabilities else ''}</style>",
        "</head>",
        "<body>",
        "<main>",
        "<header>",
        f"<h1>{_e(TITLE)}</h1>",
    ]
    where = ", ".join(f'<span class="mono">{_e(p)}</span>' for p in scope)
    out.append(f'<div class="meta">{"Scope: " + where + " · " if where else ""}ailint {_e(__version__)}</div>')
    out.append("</header>")

    out.append('<section id="summary">')
    out.append("<h2>Summary</h2>")
    out.append('<div class="cards">')
    out.append(_card(f"{sites}", f"model call sites in {_plural(len(report.worst), 'file')} of {report.files} scanned"))
    out.append(_card(f"{report.direct} <small>/ {report.wrapper}</small>", "direct / through project wrappers"))
    out.append(_card(f"{report.ready} <small>of {sites}</small>", "call sites pass every check that applies"))
    out.append(
        _card(
            f"{_percent(report.passing, report.applicable)}",
            f"of applicable checks pass ({report.passing} of {report.applicable})",
        )
    )
    out.append("</div>")
    if report.providers:
        out.append('<table class="compact providers">')
        out.append(
            '<thead><tr><th>Provider</th><th class="num">Call sites</th><th class="num">Direct</th>'
            '<th class="num">Through wrappers</th></tr></thead><tbody>'
        )
        for name, direct, wrapper in report.providers:
            out.append(
                f'<tr><td class="mono">{_e(name)}</td><td class="num">{direct + wrapper}</td>'
                f'<td class="num">{direct}</td><td class="num">{wrapper}</td></tr>'
            )
        out.append("</tbody></table>")
    else:
        out.append("<p>No model call sites were found.</p>")
    out.append("</section>")

    out += capabilities.html(result, _e)
    if sites:
        out += _html_coverage(report)
        out += _html_worst(report)
        out += _html_inventory(report)
    out += _html_errors(report)
    out.append(
        "<footer>Generated by ailint "
        + _e(__version__)
        + " from a static reading of the code: nothing was imported, executed or sent anywhere. "
        "Run <code>ailint check</code> for the diagnostics behind each failing check.</footer>"
    )
    out += ["</main>", "</body>", "</html>"]
    return "\n".join(out) + "\n"


def _html_coverage(report: Readiness) -> list[str]:
    out = ['<section id="coverage">', '<div class="keep">', "<h2>Coverage by concern</h2>"]
    out.append(
        '<p class="note">The share of call sites that pass each concern, among those where it applies '
        "(an embedding has no output to validate, for instance).</p>"
    )
    out.append(f'<div class="chart">{_chart(report.coverage)}</div>')
    out.append("</div>")
    out.append('<dl class="concerns">')
    for c in report.coverage:
        out.append(f"<dt>{_e(c.label)}</dt><dd>{_e(MEANINGS[c.check])}</dd>")
    out.append("</dl>")
    out.append("</section>")
    return out


def _html_worst(report: Readiness) -> list[str]:
    out = ['<section id="files">', "<h2>Files, worst first</h2>"]
    out.append(
        '<p class="note">Ranked by failing checks, then by call sites. Each concern column counts '
        "the file's call sites that fail it.</p>"
    )
    out.append(
        '<table class="files"><thead><tr><th>File</th><th class="num">Call sites</th>'
        '<th class="num">Failing checks</th>'
        + "".join(f'<th class="mark" title="{_e(LABELS[c])}">{_e(SHORT[c])}</th>' for c in CHECKS)
        + "</tr></thead><tbody>"
    )
    for f in report.worst:
        failures = f'<span class="bad">{f.failures}</span>' if f.failures else '<span class="ok">0</span>'
        cells = []
        for check in CHECKS:
            failing, applicable = f.failing[check], f.applicable[check]
            if not applicable:
                cells.append('<td class="mark heat none" title="does not apply">&#8211;</td>')
                continue
            level = "hot" if failing * 2 > applicable else "warm" if failing else "cool"
            title = f"{LABELS[check]}: {failing} of {applicable} call sites fail"
            cells.append(f'<td class="mark heat {level}" title="{_e(title)}">{failing}</td>')
        out.append(
            f'<tr><td class="path">{_path(f.path)}</td><td class="num">{f.sites}</td><td class="num">{failures}</td>'
            + "".join(cells)
            + "</tr>"
        )
    out.append("</tbody></table>")
    out.append("</section>")
    return out


def _html_inventory(report: Readiness) -> list[str]:
    out = ['<section id="calls">', "<h2>Call sites</h2>"]
    out.append(
        '<div class="legend">'
        f"<span>{_HTML_MARKS['pass']}pass</span>"
        f"<span>{_HTML_MARKS['fail']}fail (see <code>ailint check</code>)</span>"
        f"<span>{_HTML_MARKS['n/a']}does not apply</span>"
        "</div>"
    )
    columns = 2 + len(CHECKS)
    out.append('<table class="calls">')
    out.append(
        "<thead><tr><th>Line</th><th>Call and enclosing function</th>"
        + "".join(f'<th class="mark" title="{_e(LABELS[c])}">{_e(SHORT[c])}</th>' for c in CHECKS)
        + "</tr></thead>"
    )
    by_file: dict[str, list[CallRecord]] = {}
    for call in report.calls:
        by_file.setdefault(call.path, []).append(call)
    for path, calls in by_file.items():
        out.append('<tbody class="file">')
        out.append(
            f'<tr class="head"><th colspan="{columns}"><span class="path">{_path(path)}</span>'
            f'<span class="count">{_plural(len(calls), "call site")}</span></th></tr>'
        )
        for c in calls:
            marks = "".join(f'<td class="mark">{_HTML_MARKS.get(c.checks.get(k, "n/a"), "")}</td>' for k in CHECKS)
            authority = f'<span class="kind mode">authority: {_e(c.authority)}</span>' if c.authority else ""
            out.append(
                f'<tr><td class="loc">{c.place}</td>'
                f'<td><div class="call"><span class="provider">{_e(c.provider)}</span> {_breakable(c.api, ".")}'
                f'<span class="kind">{_e(c.kind)}</span>{authority}</div>'
                f'<div class="fn">{_breakable(_function(c), ".")}</div></td>{marks}</tr>'
            )
        out.append("</tbody>")
    out.append("</table>")
    out.append("</section>")
    return out


def _html_errors(report: Readiness) -> list[str]:
    if not report.errors:
        return []
    out = ['<section id="errors">', "<h2>Not analysed</h2>", "<ul>"]
    out += [f"<li>{_e(error)}</li>" for error in report.errors]
    return [*out, "</ul>", "</section>"]
