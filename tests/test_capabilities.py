"""Declared capabilities: the configuration tables, and what the AIL8xx rules and the report make of them."""

from __future__ import annotations

from pathlib import Path

import pytest

from ailint.api import list_calls
from ailint.settings import ConfigError, load_settings
from tests.conftest import FIXTURES

TRIAGE = """
[[tool.ailint.capability]]
name = "ticket-triage"
functions = ["acme.triage.*"]
task = "Classify inbound support emails into 8 categories"
trigger = "new email in the support inbox"
output = "acme.triage.Category"
threshold = 0.8
mode = "act"
kpi = "acme.metrics.record_handling_time"
"""


def _load(tmp_path: Path, text: str):  # type: ignore[no-untyped-def]
    (tmp_path / "pyproject.toml").write_text("[tool.ailint]\n" + text, encoding="utf-8")
    return load_settings(tmp_path / "pyproject.toml")


def test_a_capability_table_is_read(tmp_path: Path) -> None:
    (capability,) = _load(tmp_path, TRIAGE).capabilities
    assert capability.name == "ticket-triage"
    assert capability.functions == ("acme.triage.*",)
    assert capability.output == "acme.triage.Category" and capability.allowed == ()
    assert capability.threshold == 0.8 and capability.mode == "act"
    assert capability.kpi == "acme.metrics.record_handling_time"
    assert capability.matches("acme.triage.Classifier.classify") and not capability.matches("acme.api.triage")


def test_an_allowed_set_is_an_output(tmp_path: Path) -> None:
    text = '[[tool.ailint.capability]]\nname = "r"\nfunctions = ["a.*"]\noutput = ["billing", "bug"]\nthreshold = 1\n'
    (capability,) = _load(tmp_path, text).capabilities
    assert capability.allowed == ("billing", "bug") and capability.output is None and capability.threshold == 1.0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (TRIAGE.replace('mode = "act"', 'mode = "acts"'), "unknown authority mode 'acts'"),
        (TRIAGE.replace('mode = "act"', 'mode = "acts"'), "did you mean 'act'?"),
        (
            TRIAGE.replace("threshold = 0.8", "threshhold = 0.8"),
            "unknown key 'threshhold' in capability 'ticket-triage'",
        ),
        (TRIAGE.replace("threshold = 0.8", "threshhold = 0.8"), "did you mean 'threshold'?"),
        (TRIAGE.replace("threshold = 0.8", 'threshold = "high"'), "expected a number such as 0.8"),
        (TRIAGE.replace("threshold = 0.8", "threshold = true"), "expected a number such as 0.8"),
        (TRIAGE.replace('functions = ["acme.triage.*"]', "functions = []"), "non-empty list of qualified-name globs"),
        (TRIAGE.replace('functions = ["acme.triage.*"]', 'functions = ["acme/triage.py"]'), "is not a glob of"),
        (TRIAGE.replace('functions = ["acme.triage.*"]\n', ""), "missing required key 'functions'"),
        (TRIAGE.replace('output = "acme.triage.Category"', 'output = "a category"'), "not a dotted type name"),
        (TRIAGE.replace('output = "acme.triage.Category"', "output = []"), "non-empty list of allowed values"),
        (TRIAGE.replace('kpi = "acme.metrics.record_handling_time"', "kpi = 3"), "expected a metric name"),
        (TRIAGE + TRIAGE, "the capability name 'ticket-triage' is declared twice"),
        ('capability = "triage"\n', "expected an array of tables"),
    ],
)
def test_bad_capabilities_are_configuration_errors(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        _load(tmp_path, text)
    assert message in str(caught.value)
    assert "pyproject.toml" in str(caught.value)


def test_a_capability_owns_the_calls_its_functions_reach_across_modules() -> None:
    root = FIXTURES / "ail8xx" / "cross_module"
    settings = load_settings(root / "pyproject.toml")
    calls = list_calls([root], settings, cwd=root).calls
    owners = {(c.path, c.span.line): [r.name for r in c.capabilities] for c in calls}
    assert owners[("acme/llm.py", 7)] == ["ticket-triage"]  # reached from acme.api.triage_ticket through two modules
    assert owners[("acme/drafts.py", 13)] == ["reply-drafts"]
    (triage,) = next(c for c in calls if c.path == "acme/api.py").capabilities
    assert triage.answers["output"][0] == "pass"
    assert triage.answers["output"][2] == ("acme.models.Category (acme/triage.py:7)",)
    assert triage.answers["threshold"][:2] == ("pass", "gated at 0.8")
    assert triage.answers["threshold"][2] == ("compared with 0.8 (acme/api.py:12)",)
    (direct,) = next(c for c in calls if c.path == "acme/llm.py").capabilities
    assert direct.answers["kpi"][:2] == ("pass", "records acme.metrics.record_handling_time")
    assert direct.answers["output"][0] == "n/a"  # judged where the wrapper's output is received


def _report(fmt: str) -> str:
    from ailint.report import readiness

    root = FIXTURES / "ail8xx" / "cross_module"
    result = list_calls([root], load_settings(root / "pyproject.toml"), cwd=root)
    return readiness.render_html(result) if fmt == "html" else readiness.render_markdown(result)


def test_the_report_answers_the_checklist_per_capability_in_markdown() -> None:
    page = _report("markdown")
    assert "## Capabilities" in page and "### ticket-triage (not ready)" in page
    assert "| KPI tied? | **yes** | kpi: records acme.metrics.record\\_handling\\_time (acme/api.py:14)" in page
    assert "output: acme/drafts.py:20 not validated against acme.models.Draft on its path" in page
    assert "mode: acme/drafts.py:20 acts as act: its output reaches sendmail() at line 23" in page
    assert "None: every call site belongs to a declared capability." in page


def test_the_html_report_shows_one_checklist_per_capability() -> None:
    from tests.test_report import _parse

    page = _report("html")
    tags = _parse(page)  # well formed: every element closed in order
    sections = [a["data-capability"] for t, a in tags.starts if t == "section" and "data-capability" in a]
    assert sections == ["ticket-triage", "reply-drafts", ""]  # the last: call sites of no capability
    rows = [a["data-question"] for t, a in tags.starts if t == "tr" and "data-question" in a]
    assert rows == ["work", "contracts", "authority", "kpi", "integration"] * 2
    verdicts = [a["class"] for t, a in tags.starts if t == "td" and "verdict" in (a.get("class") or "")]
    assert verdicts[:5] == ["verdict yes", "verdict yes", "verdict yes", "verdict yes", "verdict no"]
    assert verdicts[5:] == ["verdict partly", "verdict partly", "verdict partly", "verdict yes", "verdict no"]
    text = "".join(tags.text)
    assert "records acme.metrics.record_handling_time (acme/api.py:14)" in text
    assert "http://" not in page and "<script" not in page


def _declared(name: str, task: str, sites: list[str]):  # type: ignore[no-untyped-def]
    """An inventory with one capability whose one call site is at each of ``sites`` (``path:line``)."""
    from ailint.api import CallRecord, CallsResult, CapabilityRecord
    from ailint.capability import Capability
    from ailint.diagnostics import Span

    capability = Capability(name=name, functions=("acme.api.*",), task=task)
    calls = [
        CallRecord(
            path=where.rpartition(":")[0],
            span=Span(int(where.rpartition(":")[2]), 5, int(where.rpartition(":")[2]), 40),
            provider="openai",
            api="chat.completions.create",
            operation="generate",
            kind="direct",
            function="acme.api.handle",
            authority=None,
            checks={"logging": "pass", "errors": "pass", "timeout": "pass", "usage": "pass"},
            capabilities=(CapabilityRecord(name, {}),),
        )
        for where in sites
    ]
    return CallsResult(files=1, calls=calls, capabilities=(capability,))


def test_the_markdown_checklist_escapes_the_name_and_the_task_as_the_page_does() -> None:
    """``<customer>`` is text in the HTML page; unescaped in Markdown, GitHub would drop it as a tag."""
    from ailint.report import capabilities

    lines = capabilities.markdown(_declared("reply <v2>", "Reply to <customer> with *care* and `tone`", []))
    assert lines[4:8] == [
        "### reply \\<v2\\> (not ready)",
        "",
        "_Reply to \\<customer\\> with \\*care\\* and \\`tone\\`_",
        "",
    ]


def test_the_html_checklist_has_fixed_columns_and_call_sites_that_wrap_in_their_cell() -> None:
    """Every capability's table lines up with the others, and a long path breaks at its slashes instead of
    pushing the table out of its box (seen in a browser, with paths of a nested service)."""
    import html

    from ailint.report import capabilities

    result = _declared("triage", "", ["services/support/acme/api.py:10", "services/support/acme/llm.py:7"])
    page = "\n".join(capabilities.html(result, lambda text: html.escape(str(text), quote=True)))
    assert (
        '<table class="checklist"><colgroup><col class="question"><col class="answer"><col class="evidence">\n'
        '<col class="sites"></colgroup><thead><tr><th>Question</th><th>Answer</th><th>Evidence</th>\n'
        "<th>Call sites</th></tr></thead><tbody>\n"
    ) in page
    assert (
        '<td class="sites"><div class="site">services/<wbr>support/<wbr>acme/<wbr>api.py:10</div>'
        '<div class="site">services/<wbr>support/<wbr>acme/<wbr>llm.py:7</div></td></tr>'
    ) in page
    assert "table.checklist { table-layout: fixed; }" in capabilities.CSS
    assert "table.checklist td { overflow-wrap: anywhere; }" in capabilities.CSS


def test_the_checklist_asks_about_the_output_at_the_capabilitys_own_calls_not_in_shared_code(tmp_path: Path) -> None:
    from ailint.report import readiness

    (tmp_path / "pyproject.toml").write_text(
        '[tool.ailint]\n\n[[tool.ailint.capability]]\nname = "triage"\nfunctions = ["acme.triage.triage"]\n'
        'task = "Label a ticket"\noutput = "acme.triage.Label"\nmode = "recommend"\n'
    )
    (tmp_path / "acme").mkdir()
    (tmp_path / "acme" / "__init__.py").write_text("")
    (tmp_path / "acme" / "llm.py").write_text(  # shared by the capability and by code outside it
        "from openai import OpenAI\n\nclient = OpenAI(timeout=10)\n\n\ndef complete(prompt):\n"
        '    reply = client.chat.completions.create(model="m", messages=[{"role": "user", "content": prompt}])\n'
        "    return reply.choices[0].message.content\n"
    )
    (tmp_path / "acme" / "triage.py").write_text(
        "from pydantic import BaseModel\n\nfrom acme.llm import complete\n\n\nclass Label(BaseModel):\n"
        "    name: str\n\n\ndef triage(text):\n    return Label.model_validate_json(complete(text))\n"
    )
    (tmp_path / "acme" / "other.py").write_text(
        "from acme.llm import complete\n\n\ndef summarize(text):\n    return complete(text)\n"
    )
    result = list_calls([tmp_path], load_settings(tmp_path / "pyproject.toml"), cwd=tmp_path)
    page = readiness.render_markdown(result)
    assert "| Inputs and outputs contracted? | **yes** | output: acme.triage.Label (acme/triage.py:11)<br>" in page
    assert "not validated against" not in page


def test_output_validated_where_it_leaves_the_capability_is_answered_there() -> None:
    """``scan`` validates with the declared validator and returns a domain value to code outside the capability:
    the capability's questions are asked at ``scan``'s call, not left to callers that are not the capability's."""
    root = FIXTURES / "ail8xx" / "validator_function"
    calls = list_calls([root], load_settings(root / "pyproject.toml"), cwd=root).calls
    (judge,) = next(c for c in calls if (c.path, c.span.line) == ("guards/judge.py", 17)).capabilities
    assert judge.answers["output"] == ("pass", "validated as guards.judge.parse_verdict",
                                       ("guards.judge.parse_verdict() (guards/judge.py:18)",))  # fmt: skip
    # Its model call is the shared client's: the declared KPI is asked at the capability's own call too.
    assert judge.answers["kpi"][0] == "fail"
    shared = next(c for c in calls if c.path == "guards/llm.py").capabilities
    assert sorted(r.name for r in shared) == ["labels", "policy-judge", "titles"]  # listed under each, judged for none
    assert {status for r in shared for status, _, _ in r.answers.values()} == {"n/a"}
    (title,) = next(c for c in calls if (c.path, c.span.line) == ("guards/titles.py", 13)).capabilities
    assert title.answers["output"][0] == "fail"  # another validator than the declared one


def test_the_declared_schema_is_found_inside_the_helper_the_output_is_given_to() -> None:
    """``scan`` gives the output to ``_parse_verdict``, which validates it as ``Verdict``: that is the contract,
    asked at ``scan``'s call (its caller is outside the capability), and not asked again at that caller."""
    root = FIXTURES / "ail8xx" / "shared_client"
    calls = list_calls([root], load_settings(root / "pyproject.toml"), cwd=root).calls
    answers = {c.span.line: c.capabilities[0].answers["output"] for c in calls if c.path == "docs/guard.py"}
    assert answers == {
        27: ("pass", "validated as docs.guard.Verdict", ("docs.guard.Verdict (docs/guard.py:16)",)),
        34: ("n/a", "", ()),
    }


def test_raw_output_handed_on_is_judged_where_it_is_received() -> None:
    """``label`` returns the raw text to ``route`` (outside the capability), which validates it as the declared
    ``Label``: the question is asked at ``route``'s call, and passes."""
    root = FIXTURES / "ail8xx" / "validator_function"
    calls = list_calls([root], load_settings(root / "pyproject.toml"), cwd=root).calls
    answers = {c.span.line: c.capabilities[0].answers["output"] for c in calls if c.path == "guards/labels.py"}
    assert answers == {
        14: ("n/a", "", ()),
        18: ("pass", "validated as guards.labels.Label", ("guards.labels.Label (guards/labels.py:18)",)),
    }
