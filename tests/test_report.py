"""``ailint report``: the readiness report in Markdown and in self-contained HTML."""

from __future__ import annotations

import random
import re
import textwrap
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner

from ailint.api import CallRecord, CallsResult
from ailint.cli import main
from ailint.diagnostics import Span
from ailint.engine import CHECKS
from ailint.report import readiness

CHAT = textwrap.dedent(
    """\
    import openai

    client = openai.OpenAI(timeout=30)


    class ServiceError(Exception):
        pass


    def ask(prompt):
        try:
            return client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": prompt}])
        except openai.APIError as exc:
            raise ServiceError("the model is unavailable") from exc
    """
)
EMBED = textwrap.dedent(
    """\
    from openai import OpenAI

    from app.chat import ask

    client = OpenAI()


    def embed(text):
        vector = client.embeddings.create(model="text-embedding-3-small", input=text)
        return vector.data[0].embedding


    def describe(text):
        return {"yes": True, "no": False}[ask(f"Is this a question? {text}")]
    """
)

EXPECTED = """\
# AI readiness report

Scope: `app` · ailint {version}

## Summary

- **3** files scanned, **2** with model call sites
- **3** call sites: **2** direct, **1** through project wrappers
- **0** of 3 pass every check that applies to them
- **5** of 11 applicable checks pass (45%)

| provider | call sites | direct | through wrappers |
|---|---:|---:|---:|
| `openai` | 3 | 2 | 1 |

## Coverage by concern

For each concern, the call sites where it applies and how many of them pass; \
call sites where it does not apply (n/a) are left out.

| concern | passing | applicable | coverage |
|---|---:|---:|---:|
| Output validation | 0 | 1 | 0% |
| Confidence handling | 0 | 1 | 0% |
| Logging | 0 | 1 | 0% |
| Error handling | 3 | 3 | 100% |
| Timeout | 1 | 2 | 50% |
| Declared authority | 0 | 1 | 0% |
| Exec safety | 1 | 1 | 100% |
| Usage tracking | 0 | 1 | 0% |

## Files, worst first

| file | call sites | failing checks | failing concerns |
|---|---:|---:|---|
| `app/embed.py` | 2 | 4 | output validation (1), confidence handling (1), timeout (1), \
declared authority (1) |
| `app/chat.py` | 1 | 2 | logging (1), usage tracking (1) |

## Call sites

`pass`: handled; **fail**: not handled (see the diagnostics of `ailint check`); `n/a`: does not apply.

| location | call | kind | function | valid | conf | log | errors | timeout | auth | exec | usage |
|---|---|---|---|:---:|:---:|:---:|:---:|:---:|:---:|:---:|:---:|
| `app/chat.py:12:16` | `openai chat.completions.create` | direct | `app.chat.ask` \
| n/a | n/a | **fail** | pass | pass | n/a | n/a | **fail** |
| `app/embed.py:9:14` | `openai embeddings.create` | direct | `app.embed.embed` \
| n/a | n/a | n/a | pass | **fail** | n/a | n/a | n/a |
| `app/embed.py:14:39` | `openai chat.completions.create` | wrapper | `app.embed.describe` \
| **fail** | **fail** | n/a | pass | n/a | **fail** | pass | n/a |
"""


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def app(project: Path) -> Path:
    """Two modules that call OpenAI: one handles errors and has a client timeout, one does neither."""
    (project / "pyproject.toml").write_text("[tool.ailint]\n")
    (project / "app").mkdir()
    (project / "app" / "__init__.py").write_text("")
    (project / "app" / "chat.py").write_text(CHAT)
    (project / "app" / "embed.py").write_text(EMBED)
    return project


def _call(
    path: str,
    line: int,
    checks: dict[str, str],
    *,
    function: str = "mod.handler",
    kind: str = "direct",
    provider: str = "openai",
    api: str = "chat.completions.create",
) -> CallRecord:
    return CallRecord(
        path=path,
        span=Span(line, 5, line, 40),
        provider=provider,
        api=api,
        operation="generate",
        kind=kind,
        function=function,
        authority=None,
        checks={check: checks.get(check, "n/a") for check in CHECKS},
    )


HOSTILE = CallsResult(
    files=2,
    calls=[
        _call(
            'src/<script>alert("x")</script>&co|pipe.py',
            3,
            {"validation": "fail", "errors": "pass", "timeout": "fail"},
            function="mod.Handler.<lambda>",
        ),
        _call(
            "src/tick`name.py",
            7,
            {"logging": "pass", "usage": "fail"},
            function="mod.__init__",
            kind="wrapper",
            provider="anthropic",
            api="messages.create",
        ),
    ],
)


# The Markdown document ---------------------------------------------------------------------------


def test_markdown_report_of_a_small_project(app: Path) -> None:
    code, out, err = run("report", "app")
    assert (code, err) == (0, "")
    assert out == EXPECTED.format(version=readiness.__version__)


def test_markdown_is_the_default_format_and_is_deterministic(app: Path) -> None:
    first = run("report", "--format", "markdown", "app")
    assert first == run("report", "app")
    assert first[0] == 0


def test_markdown_cells_escape_pipes_and_code_spans() -> None:
    text = readiness.render_markdown(HOSTILE)
    # A pipe inside a cell is escaped, so every table row keeps its column count.
    for line in text.splitlines():
        if line.startswith("| `src/"):
            assert len(re.split(r"(?<!\\)\|", line)) - 2 in (4, 12), line
    assert r"&co\|pipe.py:3:5`" in text
    # A backtick in a path gets a longer fence; dunder names stay in code, not bold.
    assert "`` src/tick`name.py:7:5 ``" in text
    assert "`mod.__init__`" in text
    assert "`mod.Handler.<lambda>`" in text


def test_markdown_without_call_sites(project: Path) -> None:
    (project / "pyproject.toml").write_text("[tool.ailint]\n")
    (project / "plain.py").write_text("print('hello')\n")
    code, out, _ = run("report")
    assert code == 0
    assert out == (
        "# AI readiness report\n\nScope: `.` · ailint "
        f"{readiness.__version__}\n\n## Summary\n\n- **1** file scanned, **0** with model call sites\n\n"
        "No model call sites were found.\n"
    )


# Figures -----------------------------------------------------------------------------------------


def test_coverage_leaves_not_applicable_out_of_the_denominator() -> None:
    result = CallsResult(
        files=1,
        calls=[
            _call("a.py", 1, {"validation": "pass", "timeout": "fail"}),
            _call("a.py", 2, {"validation": "fail", "timeout": "fail"}),
            _call("a.py", 3, {"timeout": "pass"}),
        ],
    )
    coverage = {c.check: c for c in readiness.summarise(result).coverage}
    assert (coverage["validation"].passing, coverage["validation"].applicable) == (1, 2)
    assert (coverage["timeout"].passing, coverage["timeout"].applicable) == (1, 3)
    assert coverage["timeout"].percent == "33%"
    assert (coverage["usage"].applicable, coverage["usage"].percent) == (0, "n/a")


@pytest.mark.parametrize(
    ("part", "whole", "expected"),
    [(0, 0, "n/a"), (0, 5, "0%"), (5, 5, "100%"), (1, 3, "33%"), (2, 3, "67%"), (199, 200, "99%"), (1, 300, "1%")],
)
def test_percentages_never_round_to_all_or_nothing(part: int, whole: int, expected: str) -> None:
    assert readiness._percent(part, whole) == expected


def test_files_rank_by_failing_checks_then_call_sites_then_path() -> None:
    two_fails = {"validation": "fail", "errors": "fail"}
    result = CallsResult(
        files=4,
        calls=[
            _call("b.py", 1, two_fails),
            _call("a.py", 1, two_fails),
            _call("c.py", 1, {"validation": "fail"}),
            _call("c.py", 2, {"errors": "fail"}),
            _call("d.py", 1, {**two_fails, "timeout": "fail"}),
            _call("e.py", 1, {"validation": "pass"}),
        ],
    )
    worst = readiness.summarise(result).worst
    assert [(f.path, f.failures, f.sites) for f in worst] == [
        ("d.py", 3, 1),
        ("c.py", 2, 2),
        ("a.py", 2, 1),
        ("b.py", 2, 1),
        ("e.py", 0, 1),
    ]


def test_output_does_not_depend_on_the_order_of_the_inventory() -> None:
    calls = list(HOSTILE.calls) + [_call(f"m{i}.py", i, {"errors": "fail"}) for i in range(1, 8)]
    shuffled = calls[:]
    random.Random(4).shuffle(shuffled)
    for render in (readiness.render_markdown, readiness.render_html):
        assert render(CallsResult(files=9, calls=calls)) == render(CallsResult(files=9, calls=shuffled))


# The HTML page -----------------------------------------------------------------------------------


class _Tags(HTMLParser):
    """Collects start tags and checks that non-void elements are closed in order."""

    VOID = frozenset({"meta", "br", "wbr", "hr", "img", "input", "link", "rect", "line", "col"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.starts: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.starts.append((tag, dict(attrs)))
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.starts.append((tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        if tag in self.VOID:
            return
        assert self.stack and self.stack[-1] == tag, f"</{tag}> closes <{self.stack[-1] if self.stack else None}>"
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _parse(page: str) -> _Tags:
    parser = _Tags()
    parser.feed(page)
    parser.close()
    assert parser.stack == []
    return parser


def test_html_is_one_self_contained_well_formed_page(app: Path) -> None:
    code, page, err = run("report", "--format", "html", "app")
    assert (code, err) == (0, "")
    assert page.startswith('<!DOCTYPE html>\n<html lang="en">')
    assert page.endswith("</html>\n")
    tags = _parse(page)
    names = [tag for tag, _ in tags.starts]
    # Nothing is loaded: no scripts, stylesheets, images, fonts or any address at all.
    for absent in ("script", "link", "img", "iframe", "object", "embed"):
        assert absent not in names
    assert "http://" not in page and "https://" not in page
    assert "@import" not in page and "url(" not in page and "src=" not in page
    assert names.count("style") == 1 and names.count("svg") == 1
    # One bar per concern, in the inventory's order, each labelled with its coverage.
    bars = [attrs["data-concern"] for tag, attrs in tags.starts if tag == "g" and attrs.get("class") == "bar"]
    assert bars == list(CHECKS)
    text = "".join(tags.text)
    assert "Error handling: 3 of 3 applicable call sites pass" in text
    assert "Exec safety: 1 of 1 applicable call sites pass" in text
    # The inventory: one row per call site with a mark per concern, grouped by file.
    marks = [
        attrs["title"] for tag, attrs in tags.starts if tag == "span" and "m" in (attrs.get("class") or "").split()
    ]
    assert len(marks) == 3 + 3 * len(CHECKS)  # the legend, then the rows
    errors_at_the_direct_call = ["fail", "pass", "pass"]
    assert marks[3 : 3 + len(CHECKS)] == ["not applicable"] * 2 + errors_at_the_direct_call + ["not applicable"] * 2 + [
        "fail"
    ]
    assert "app.embed.describe" in text and "app/embed.py" in text


def test_html_escapes_text_from_the_code() -> None:
    page = readiness.render_html(HOSTILE, scope=['src/<b>"scope"'])
    tags = _parse(page)
    assert "<script" not in page and "<lambda>" not in page and "<b>" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/<wbr>script&gt;&amp;co|pipe.py" in page
    assert "&lt;lambda&gt;" in page
    assert "src/&lt;b&gt;&quot;scope&quot;" in page
    # What a reader sees is the text from the code, verbatim.
    text = "".join(tags.text)
    assert 'src/<script>alert("x")</script>&co|pipe.py' in text
    assert "mod.Handler.<lambda>" in text


def test_html_without_call_sites_has_no_chart() -> None:
    page = readiness.render_html(CallsResult(files=3))
    _parse(page)
    assert "No model call sites were found." in page
    assert "<svg" not in page


# The command line --------------------------------------------------------------------------------


def test_output_file_is_written_and_stdout_stays_empty(app: Path) -> None:
    assert run("report", "app", "--output-file", "report.md") == (0, "", "")
    assert (app / "report.md").read_text(encoding="utf-8") == EXPECTED.format(version=readiness.__version__)
    assert run("report", "--format", "html", "-o", "report.html", "app") == (0, "", "")
    page = (app / "report.html").read_text(encoding="utf-8")
    assert page == run("report", "--format", "html", "app")[1]
    assert [p.name for p in app.iterdir() if p.name.startswith(".report")] == []  # no temporary file left


def test_an_unwritable_output_file_is_a_usage_error(app: Path) -> None:
    (app / "taken").write_text("a file, not a folder\n")
    code, out, err = run("report", "app", "-o", "taken/report.md")
    assert (code, out) == (2, "")
    assert err.startswith("ailint: error: cannot write taken/report.md")


def test_configuration_errors_exit_2(app: Path) -> None:
    (app / "pyproject.toml").write_text("[tool.ailint]\nselct = ['AIL4']\n")
    code, out, err = run("report", "app")
    assert (code, out) == (2, "")
    assert err.startswith("ailint: error:") and "selct" in err
    code, _, err = run("report", "--config", "missing.toml", "app")
    assert code == 2 and "missing.toml" in err


def test_a_missing_path_exits_2(app: Path) -> None:
    code, out, err = run("report", "app", "nope")
    assert (code, out) == (2, "")
    assert "nope: no such file or directory" in err


def test_unknown_format_is_a_usage_error(app: Path) -> None:
    assert run("report", "--format", "pdf", "app")[0] == 2
