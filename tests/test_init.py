"""``ailint init``: capability tables proposed for the entry points that reach a model."""

from __future__ import annotations

import shutil
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from ailint.api import entry_points
from ailint.cli import main
from ailint.propose import appended, kebab
from ailint.settings import load_settings
from tests.conftest import FIXTURES

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

SHOP = {
    "pyproject.toml": """\
        [project]
        name = "shop"
        version = "0.1.0"
        """,
    "shop/__init__.py": "",
    "shop/llm.py": """\
        from openai import OpenAI

        client = OpenAI(timeout=20)


        def ask(prompt: str) -> str:
            reply = client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": prompt}])
            return reply.choices[0].message.content or ""
        """,
    "shop/models.py": """\
        from pydantic import BaseModel


        class Ticket(BaseModel):
            category: str
            urgent: bool
        """,
    "shop/api.py": """\
        from fastapi import FastAPI

        from shop.llm import ask
        from shop.models import Ticket

        app = FastAPI()


        @app.post("/tickets")
        def create_ticket(body: str) -> Ticket:
            reply = ask(f"Classify this ticket as JSON: {body}")  # ailint: authority=act
            return Ticket.model_validate_json(reply)
        """,
    "scripts/nightly.py": """\
        from shop.llm import ask


        def main() -> None:
            print(ask("Summarise yesterday's tickets"))


        if __name__ == "__main__":
            main()
        """,
    "tests/test_api.py": """\
        from shop.api import create_ticket


        def test_create_ticket():
            create_ticket("the printer is on fire")
        """,
}

HEADER = """\
# Capabilities proposed by `ailint init`: one per entry point that reaches a model.
# Fill in what is empty, uncomment what applies, and delete the tables that are not
# a unit of AI work. A capability owns every function its `functions` reach.

"""

MAIN = """\
# scripts.nightly.main (scripts/nightly.py:4) reaches 2 model call sites:
#   scripts/nightly.py:5 openai chat.completions.create, through a wrapper
#   shop/llm.py:7 openai chat.completions.create
[[tool.ailint.capability]]
name = "main"
functions = ["scripts.nightly.main"]
task = ""  # what the model does here, in words
trigger = ""  # what starts it: a request, a command, a schedule, an event
# output = ""  # a schema type (a dotted name) or a list of allowed values
#   found: not validated at scripts/nightly.py:5
# threshold = 0.0  # the confidence the output must reach to be used
# mode = ""  # "recommend", "assist" or "act"
# kpi = ""  # the metric, or the dotted call that records the business measure it moves
"""

CREATE_TICKET = """\
# shop.api.create_ticket (shop/api.py:10) reaches 2 model call sites:
#   shop/api.py:11 openai chat.completions.create, through a wrapper
#   shop/llm.py:7 openai chat.completions.create
[[tool.ailint.capability]]
name = "create-ticket"
functions = ["shop.api.create_ticket"]
task = ""  # what the model does here, in words
trigger = ""  # what starts it: a request, a command, a schedule, an event
output = "shop.models.Ticket"  # validated as this type at every call site
# threshold = 0.0  # the confidence the output must reach to be used
mode = "act"  # declared at every call site
# kpi = ""  # the metric, or the dotted call that records the business measure it moves
"""


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")


@pytest.fixture
def shop(project: Path) -> Path:
    """An HTTP handler and a script's ``main``, both reaching a wrapper that calls OpenAI; and a test calling the
    handler (which does not make it any less an entry point)."""
    write(project, SHOP)
    return project


def test_init_proposes_one_table_per_entry_point_and_writes_nothing(shop: Path) -> None:
    before = (shop / "pyproject.toml").read_bytes()
    code, out, err = run("init", "--no-cache")
    assert (code, err) == (0, "")
    assert out == HEADER + MAIN + "\n" + CREATE_TICKET
    assert (shop / "pyproject.toml").read_bytes() == before
    assert tomllib.loads(out)["tool"]["ailint"]["capability"][1] == {
        "name": "create-ticket",
        "functions": ["shop.api.create_ticket"],
        "task": "",
        "trigger": "",
        "output": "shop.models.Ticket",
        "mode": "act",
    }


def test_init_reads_the_cache_and_gives_the_same_text(shop: Path) -> None:
    first = run("init")
    assert first[0] == 0 and (shop / ".ailint_cache").is_dir()
    assert run("init") == first


def test_entry_points_leave_out_tests_decorator_wrappers_and_callers_at_module_level(project: Path) -> None:
    write(
        project,
        {
            **SHOP,
            "shop/tracing.py": """\
                import functools


                def traced(function):
                    @functools.wraps(function)
                    def wrapper(*args, **kwargs):
                        return function(*args, **kwargs)

                    return wrapper
                """,
            "shop/jobs.py": """\
                from shop.llm import ask
                from shop.tracing import traced


                @traced
                def digest(day: str) -> str:
                    return ask(f"Digest of {day}")


                def retry(day: str, attempts: int) -> str:
                    return digest(day) if attempts <= 1 else retry(day, attempts - 1)
                """,
        },
    )
    found = entry_points([project], load_settings(cwd=project), project)
    assert [(e.function, e.path, e.line) for e in found.entries] == [
        ("scripts.nightly.main", "scripts/nightly.py", 4),
        ("shop.api.create_ticket", "shop/api.py", 10),
        ("shop.jobs.retry", "shop/jobs.py", 10),
    ]
    assert "shop.llm.ask" in found.entries[0].reaches


def test_a_script_without_functions_is_an_entry_point_by_its_module(project: Path) -> None:
    write(
        project,
        {
            "pyproject.toml": "[project]\nname = 'tools'\n",
            "tools/oneshot.py": """\
                from openai import OpenAI

                client = OpenAI(timeout=5)
                reply = client.chat.completions.create(model="gpt-4o", messages=[])
                print(reply.choices[0].message.content)
                """,
        },
    )
    code, out, _ = run("init", "--no-cache")
    assert code == 0
    assert 'name = "oneshot"\nfunctions = ["tools.oneshot", "tools.oneshot.<module>"]\n' in out
    assert "#   tools/oneshot.py:4 openai chat.completions.create\n" in out


CROSS_MODULE = """\
# acme.api.triage_ticket (acme/api.py:9) reaches 3 model call sites:
#   acme/api.py:11 openai chat.completions.create, through a wrapper
#   acme/llm.py:7 openai chat.completions.create
#   acme/triage.py:6 openai chat.completions.create, through a wrapper
[[capability]]
name = "triage-ticket"
functions = ["acme.api.triage_ticket"]
task = ""  # what the model does here, in words
trigger = ""  # what starts it: a request, a command, a schedule, an event
output = "acme.models.Category"  # validated as this type at every call site
# threshold = 0.8  # the confidence the output must reach to be used
#   found: compared with 0.8 at acme/api.py:12
# mode = ""  # "recommend", "assist" or "act"
# kpi = ""  # the metric, or the dotted call that records the business measure it moves

# acme.drafts.draft_reply (acme/drafts.py:12) reaches 1 model call site:
#   acme/drafts.py:13 openai chat.completions.create
[[capability]]
name = "draft-reply"
functions = ["acme.drafts.draft_reply"]
task = ""  # what the model does here, in words
trigger = ""  # what starts it: a request, a command, a schedule, an event
output = "acme.models.Summary"  # validated as this type at every call site
# threshold = 0.0  # the confidence the output must reach to be used
# mode = ""  # "recommend", "assist" or "act"
# kpi = ""  # the metric, or the dotted call that records the business measure it moves

# acme.drafts.send_reply (acme/drafts.py:19) reaches 1 model call site:
#   acme/drafts.py:20 openai chat.completions.create
[[capability]]
name = "send-reply"
functions = ["acme.drafts.send_reply"]
task = ""  # what the model does here, in words
trigger = ""  # what starts it: a request, a command, a schedule, an event
# output = ""  # a schema type (a dotted name) or a list of allowed values
#   found: not validated at acme/drafts.py:20
# threshold = 0.0  # the confidence the output must reach to be used
# mode = ""  # "recommend", "assist" or "act"
# kpi = ""  # the metric, or the dotted call that records the business measure it moves
"""


def test_an_entry_point_reaching_a_model_through_two_modules(project: Path) -> None:
    """The handler calls a validator in another module, which calls a wrapper in a third: one table, with the
    schema the middle module validates with and the number the handler compares the confidence with."""
    shutil.copytree(FIXTURES / "ail8xx" / "cross_module" / "acme", project / "acme")
    (project / "ailint.toml").write_text('select = ["AIL8"]\n', encoding="utf-8")
    code, out, err = run("init", "--no-cache")
    assert (code, err) == (0, "")
    assert out == HEADER + CROSS_MODULE


def test_write_appends_the_tables_and_the_result_is_the_configuration_a_run_reads(shop: Path) -> None:
    before = (shop / "pyproject.toml").read_text(encoding="utf-8")
    _, proposed, _ = run("init", "--no-cache")
    code, out, err = run("init", "--write", "--no-cache")
    assert (code, out) == (0, "")
    assert err == "ailint: appended 2 capability tables to pyproject.toml; fill in what they leave empty\n"
    after = (shop / "pyproject.toml").read_text(encoding="utf-8")
    assert after == before + "\n" + proposed  # the file as it was, the tables after it
    settings = load_settings(cwd=shop)
    assert [(c.name, c.functions, c.output, c.mode) for c in settings.capabilities] == [
        ("main", ("scripts.nightly.main",), None, None),
        ("create-ticket", ("shop.api.create_ticket",), "shop.models.Ticket", "act"),
    ]
    code, out, err = run("init", "--write", "--no-cache")  # a second run finds nothing left to propose
    assert (code, out) == (0, "")
    assert err == (
        "ailint: note: scripts.nightly.main (scripts/nightly.py:4) is in the declared capability 'main': "
        "not proposed\n"
        "ailint: note: shop.api.create_ticket (shop/api.py:10) is in the declared capability 'create-ticket': "
        "not proposed\n"
        "ailint: no entry point reaches a model outside the declared capabilities: nothing to propose\n"
    )
    assert (shop / "pyproject.toml").read_text(encoding="utf-8") == after
    code, report, _ = run("report", "--no-cache")
    assert code == 0 and "### create-ticket (not ready)" in report and "### main (not ready)" in report


def test_an_entry_point_a_declared_capability_names_is_skipped_with_a_note(shop: Path) -> None:
    with (shop / "pyproject.toml").open("a", encoding="utf-8") as config:
        config.write('\n[[tool.ailint.capability]]\nname = "main"\nfunctions = ["shop.api.*"]\n')
    code, out, err = run("init", "--no-cache")
    assert code == 0
    assert err == (
        "ailint: note: shop.api.create_ticket (shop/api.py:10) is in the declared capability 'main': not proposed\n"
    )
    # ``main`` is taken: the script's entry point is named with its module
    assert out == HEADER + MAIN.replace('name = "main"', 'name = "nightly-main"')


def test_write_keeps_the_line_endings_and_the_permissions_of_the_file(shop: Path) -> None:
    config = shop / "pyproject.toml"
    config.write_bytes(b'[project]\r\nname = "shop"')  # no newline at the end
    config.chmod(0o640)
    assert run("init", "--write", "--no-cache")[0] == 0
    data = config.read_bytes()
    assert data.startswith(b'[project]\r\nname = "shop"\r\n\r\n# Capabilities proposed by `ailint init`')
    assert b"\n" not in data.replace(b"\r\n", b"")
    assert config.stat().st_mode & 0o777 == 0o640


@pytest.mark.parametrize(
    ("config", "message"),
    [
        (
            "[tool.ailint]\ncapability = []\n",
            "ailint: error: pyproject.toml not written: with the proposed tables it would not be a valid "
            "configuration: cannot parse pyproject.toml: ",
        ),
        (
            '[tool.ailint]\nextend = "base.toml"\n',
            "ailint: error: pyproject.toml not written: its own capability tables would replace those it extends "
            "('reports'); add the proposed tables where those are declared\n",
        ),
    ],
    ids=["statically-defined-array", "extended-capabilities"],
)
def test_write_refuses_a_result_that_would_not_be_the_configuration_intended(
    shop: Path, config: str, message: str
) -> None:
    (shop / "base.toml").write_text('[[capability]]\nname = "reports"\nfunctions = ["shop.reports.*"]\n')
    (shop / "pyproject.toml").write_text(config, encoding="utf-8")
    code, out, err = run("init", "--write", "--no-cache")
    assert (code, out) == (2, "")
    assert err.startswith(message) and "Traceback" not in err
    assert (shop / "pyproject.toml").read_text(encoding="utf-8") == config


def test_write_with_no_configuration_anywhere_makes_an_ailint_toml(project: Path) -> None:
    write(project, {k: v for k, v in SHOP.items() if k != "pyproject.toml"})
    (project / "shop" / "__init__.py").unlink()  # with no package and no pyproject, the folder is the project
    (project / "shop").rename(project / "app")
    write(project, {"app/api.py": SHOP["shop/api.py"].replace("shop.", "app."), "scripts/nightly.py": ""})
    code, _, err = run("init", "--write", "--no-cache", "app")
    assert code == 0 and err.endswith("to ailint.toml; fill in what they leave empty\n")
    text = (project / "ailint.toml").read_text(encoding="utf-8")
    assert '[[capability]]\nname = "create-ticket"\nfunctions = ["app.api.create_ticket"]\n' in text
    assert [c.name for c in load_settings(cwd=project).capabilities] == ["create-ticket"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["init", "missing"], "ailint: error: missing: no such file or directory\n"),
        (["init", "--isolated", "--write"], "ailint: error: --write cannot be used with --isolated"),
        (["init", "--config", "nowhere.toml"], "ailint: error: config file nowhere.toml does not exist\n"),
    ],
)
def test_usage_errors_exit_2_with_one_line(shop: Path, args: list[str], message: str) -> None:
    code, out, err = run(*args)
    assert (code, out) == (2, "")
    assert err.startswith(message) and "Traceback" not in err


def test_a_bad_configuration_is_one_line_and_exit_2(shop: Path) -> None:
    (shop / "pyproject.toml").write_text('[tool.ailint]\n[[tool.ailint.capability]]\nname = "x"\n')
    code, out, err = run("init", "--write")
    assert (code, out) == (2, "")
    assert err == (
        "ailint: error: invalid value for 'capability 'x'' in pyproject.toml [tool.ailint]: "
        "missing required key 'functions'\n"
    )


def test_nothing_to_propose_where_no_model_is_called(project: Path) -> None:
    write(project, {"pyproject.toml": "[tool.ailint]\n", "app/main.py": "def main():\n    print('hello')\n"})
    assert run("init", "--no-cache") == (
        0,
        "",
        "ailint: no entry point reaches a model outside the declared capabilities: nothing to propose\n",
    )


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("handle_ticket", "handle-ticket"),
        ("TicketView.post", "ticket-view-post"),
        ("HTTPHandler.__call__", "http-handler-call"),
        ("create_app.<locals>.index", "create-app-locals-index"),
    ],
)
def test_kebab(text: str, name: str) -> None:
    assert kebab(text) == name


@pytest.mark.parametrize(
    ("existing", "result"),
    [
        ("", "T\n"),
        ("a = 1\n", "a = 1\n\nT\n"),
        ("a = 1", "a = 1\n\nT\n"),
        ("a = 1\r\n", "a = 1\r\n\r\nT\r\n"),
        ("\n", "\nT\n"),
    ],
)
def test_appended_keeps_the_file_and_adds_a_blank_line(existing: str, result: str) -> None:
    assert appended(existing, "T\n") == result


def test_the_configuration_page_shows_what_init_prints(shop: Path) -> None:
    page = (Path(__file__).parent.parent / "docs" / "configuration.md").read_text(encoding="utf-8")
    shown = page.split("$ ailint init shop/\n", 1)[1].split("```\n", 1)[0]
    assert run("init", "--no-cache", "shop/") == (0, shown, "")


def test_the_cache_init_leaves_behind_does_not_change_what_calls_and_report_say(shop: Path) -> None:
    """The provisional capabilities ``init`` lists the inventory with are not the project's: another command
    reading the cache afterwards sees the declared ones only."""
    with (shop / "pyproject.toml").open("a", encoding="utf-8") as config:
        config.write('\n[[tool.ailint.capability]]\nname = "digest"\nfunctions = ["shop.digest.*"]\n')
    fresh = run("report", "--no-cache")
    assert "- `shop/api.py:11` openai chat.completions.create in `shop.api.create_ticket`" in fresh[1]
    assert run("init")[0] == 0
    assert run("report") == fresh
    assert run("calls", "--format", "json") == run("calls", "--format", "json", "--no-cache")


ROUTER = """\
    from shop.llm import ask


    def route(ticket: str) -> str:
        label = ask(f"Route: {ticket}").strip()
        if label not in {"billing", "bug"}:
            raise ValueError(label)
        return label


    def route_confident(ticket: str) -> str:
        label = ask(f"Route: {ticket}")  # ailint: authority=recommend
        other = ask(f"Route again: {ticket}")
        score = float(ask(f"Score: {ticket}"))
        if score < 0.6:
            return "human"
        return label + other
    """

ROUTES = """\
# shop.router.route (shop/router.py:4) reaches 1 model call site:
#   shop/router.py:5 openai chat.completions.create, through a wrapper
[[tool.ailint.capability]]
name = "route"
functions = ["shop.router.route"]
task = ""  # what the model does here, in words
trigger = ""  # what starts it: a request, a command, a schedule, an event
output = ["billing", "bug"]  # checked against these values at every call site
# threshold = 0.0  # the confidence the output must reach to be used
# mode = ""  # "recommend", "assist" or "act"
# kpi = ""  # the metric, or the dotted call that records the business measure it moves

# shop.router.route_confident (shop/router.py:11) reaches 3 model call sites:
#   shop/router.py:12 openai chat.completions.create, through a wrapper
#   shop/router.py:13 openai chat.completions.create, through a wrapper
#   shop/router.py:14 openai chat.completions.create, through a wrapper
[[tool.ailint.capability]]
name = "route-confident"
functions = ["shop.router.route_confident"]
task = ""  # what the model does here, in words
trigger = ""  # what starts it: a request, a command, a schedule, an event
# output = ""  # a schema type (a dotted name) or a list of allowed values
#   found: not validated at shop/router.py:12
#   found: not validated at shop/router.py:13
#   found: not validated at shop/router.py:14
# threshold = 0.6  # the confidence the output must reach to be used
#   found: compared with 0.6 at shop/router.py:15
# mode = ""  # "recommend", "assist" or "act"
#   found: recommend declared at shop/router.py:12
# kpi = ""  # the metric, or the dotted call that records the business measure it moves
"""


def test_an_allowed_set_is_proposed_and_what_is_not_certain_is_shown_under_its_placeholder(shop: Path) -> None:
    write(shop, {"shop/router.py": ROUTER})
    assert run("init", "--no-cache", "shop/router.py") == (0, HEADER + ROUTES, "")
