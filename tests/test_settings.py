"""Configuration: every key of [tool.ailint] is accepted and type-checked."""

from __future__ import annotations

from pathlib import Path

import pytest

from ailint.diagnostics import Severity
from ailint.rules import registry
from ailint.settings import ConfigError, load_settings

FULL = """\
[tool.ailint]
select = ["AIL"]
ignore = ["AIL002"]
exclude = ["migrations/", "**/generated_*.py"]
per-file-ignores = { "tests/**" = ["AIL4", "unhandled-error"] }
severity = { AIL401 = "warning" }

[tool.ailint.call-sites]
extra = ["acme.llm.complete", "acme.llm.Client.ask"]

[tool.ailint.validation]
validators = ["acme.contracts.check_reply"]

[tool.ailint.confidence]
pattern = "confidence|score|prob"
gates = ["acme.gates.require_confidence"]

[tool.ailint.logging]
loggers = ["acme.obs.log_event"]

[tool.ailint.errors]
handlers = ["acme.resilience.guarded"]
boundaries = ["acme.sdk.*", "acme.api.Client.*"]

[tool.ailint.authority]
decorators = ["authority"]
approvals = ["acme.review.await_approval"]
paths = { "src/triage/**" = "act", "src/drafts/**::draft" = "recommend" }

[tool.ailint.sinks]
extra = ["acme.crm.update_ticket"]
"""


def write(project: Path, text: str) -> Path:
    path = project / "pyproject.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_full_configuration(project: Path) -> None:
    write(project, FULL)
    settings = load_settings()
    assert settings.root == project.resolve()
    assert settings.enabled == frozenset(registry.ALL_CODES) - {"AIL002"}
    assert settings.exclude == ("migrations/", "**/generated_*.py")
    assert settings.per_file_ignores == (("tests/**", frozenset({"AIL401", "AIL402", "AIL403"})),)
    assert settings.severity == {"AIL401": Severity.WARNING}
    assert settings.call_site_extra == ("acme.llm.complete", "acme.llm.Client.ask")
    assert settings.validators == ("acme.contracts.check_reply",)
    assert settings.confidence_pattern == "confidence|score|prob"
    assert settings.gates == ("acme.gates.require_confidence",)
    assert settings.loggers == ("acme.obs.log_event",)
    assert settings.error_handlers == frozenset({"acme.resilience.guarded"})
    assert settings.error_boundaries == ("acme.sdk.*", "acme.api.Client.*")
    assert settings.authority_decorators == ("authority",)
    assert settings.approvals == ("acme.review.await_approval",)
    assert settings.authority_paths == (("src/triage/**", "act"), ("src/drafts/**::draft", "recommend"))
    assert settings.sink_extra == ("acme.crm.update_ticket",)


def test_defaults_without_a_table(project: Path) -> None:
    write(project, '[project]\nname = "x"\n')
    settings = load_settings()
    assert settings.root == project.resolve()
    assert "AIL401" in settings.enabled
    assert settings.confidence_pattern == "confidence|score|prob|logprob|certainty"


def test_nearest_table_wins_over_a_bare_pyproject(project: Path) -> None:
    write(project, '[tool.ailint]\nignore = ["AIL401"]\n')
    (project / "pkg").mkdir()
    (project / "pkg" / "pyproject.toml").write_text('[project]\nname = "pkg"\n')
    settings = load_settings(cwd=project / "pkg")
    assert settings.root == project.resolve()
    assert "AIL401" not in settings.enabled


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '[tool.ailint]\nselct = ["AIL"]\n',
            "unknown key 'selct' in pyproject.toml [tool.ailint]; did you mean 'select'?",
        ),
        (
            '[tool.ailint.confidence]\npatern = "x"\n',
            "unknown key 'patern' in pyproject.toml [tool.ailint.confidence]; did you mean 'pattern'?",
        ),
        (
            "[tool.ailint]\nexclude = [1]\n",
            "invalid value for 'exclude' in pyproject.toml [tool.ailint]: expected a list of strings, got [1]",
        ),
        (
            '[tool.ailint]\nselect = ["AIL999"]\n',
            "unknown rule selector 'AIL999' in 'select' in pyproject.toml [tool.ailint]; use a code, a prefix such "
            "as 'AIL4', or a rule name (codes: " + ", ".join(registry.ALL_CODES) + ")",
        ),
        (
            '[tool.ailint]\nseverity = { AIL401 = "fatal" }\n',
            "invalid value for 'severity.AIL401' in pyproject.toml [tool.ailint]: expected 'error' or 'warning', "
            "got 'fatal'",
        ),
        (
            '[tool.ailint.confidence]\npattern = "(unclosed"\n',
            "invalid value for 'confidence.pattern' in pyproject.toml [tool.ailint]: not a valid regular expression "
            "(missing ), unterminated subpattern at position 0)",
        ),
        (
            '[tool.ailint.errors]\nhandlers = ["not a name"]\n',
            "invalid value for 'errors.handlers' in pyproject.toml [tool.ailint]: 'not a name' is not a dotted name "
            "such as 'acme.llm.complete'",
        ),
        (
            '[tool.ailint.errors]\nboundaries = ["acme/sdk/*"]\n',
            "invalid value for 'errors.boundaries' in pyproject.toml [tool.ailint]: 'acme/sdk/*' is not a glob of "
            "qualified names such as 'acme.sdk.*'",
        ),
        (
            '[tool.ailint.authority]\npaths = { "src/**" = "acts" }\n',
            "invalid value for 'authority.paths.src/**' in pyproject.toml [tool.ailint]: unknown authority mode "
            "'acts' (valid: recommend, assist, act); did you mean 'act'?",
        ),
        ('[tool.ailint]\nerrors = "x"\n', "[tool.ailint.errors] in pyproject.toml must be a table"),
        (
            '[tool.ailint]\nper-file-ignores = { "tests/**" = "AIL4" }\n',
            "invalid value for 'per-file-ignores.tests/**' in pyproject.toml [tool.ailint]: "
            "expected a list of strings, got 'AIL4'",
        ),
    ],
)
def test_bad_configuration(project: Path, text: str, message: str) -> None:
    write(project, text)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert str(caught.value) == message


def test_config_option_reads_that_file(project: Path) -> None:
    (project / "conf").mkdir()
    path = project / "conf" / "ailint.toml"
    path.write_text('[tool.ailint]\nignore = ["AIL4"]\n')
    settings = load_settings(path)
    assert settings.root == project.resolve()  # the file is kept apart; the project is still where the run is
    assert "AIL401" not in settings.enabled
    (project / "pyproject.toml").write_text("[project]\nname = 'p'\n")
    (project / "pkg").mkdir()
    assert load_settings(path, project / "pkg").root == project.resolve()  # the nearest project file above
    assert load_settings(path, project / "conf").root == (project / "conf").resolve()


def test_config_kept_apart_names_modules_from_the_project(project: Path) -> None:
    import json

    from click.testing import CliRunner

    from ailint.cli import main

    (project / "pkg").mkdir()
    (project / "pkg" / "agent.py").write_text(
        "from openai import OpenAI\n\n\ndef ask(q):\n"
        "    return OpenAI().chat.completions.create(model='m', messages=[]).choices[0].message.content\n"
    )
    (project / "pkg" / "app.py").write_text("from pkg.agent import ask\n\n\ndef handle(q):\n    return ask(q)\n")
    shared = project.parent / f"{project.name}-shared"
    shared.mkdir()
    (shared / "ailint.toml").write_text('select = ["AIL4"]\n')
    result = CliRunner().invoke(
        main, ["calls", "--no-cache", "--format", "json", "--config", str(shared / "ailint.toml"), "."]
    )
    calls = json.loads(result.output)["calls"]
    assert [(c["path"], c["line"], c["kind"], c["function"]) for c in calls] == [
        ("pkg/agent.py", 5, "direct", "pkg.agent.ask"),
        ("pkg/app.py", 5, "wrapper", "pkg.app.handle"),
    ]


def test_with_selection_replaces_select_and_adds_ignore(project: Path) -> None:
    write(project, '[tool.ailint]\nselect = ["AIL0"]\nignore = ["AIL002", "AIL003"]\n')
    settings = load_settings()
    assert settings.enabled == {"AIL001"}
    assert settings.with_selection(["AIL"], ["AIL001"]).enabled == set(registry.ALL_CODES) - {"AIL001"}
    assert settings.with_selection(None, ["AIL001"]).enabled == frozenset()
