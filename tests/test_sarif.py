"""``--format sarif``: valid SARIF 2.1.0, rule metadata from the rule classes, stable fingerprints."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner

from ailint import __version__
from ailint.cli import main
from ailint.docs import page, section
from ailint.report.sarif import rule_descriptor
from ailint.rules import registry
from tests.conftest import REPO

SCHEMA = json.loads((REPO / "tests" / "data" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))

SOURCE = textwrap.dedent(
    """\
    from openai import OpenAI

    client = OpenAI()


    def ask(prompt):
        first = client.chat.completions.create(model="gpt-4o", messages=[])
        second = client.chat.completions.create(model="gpt-4o", messages=[])
        return first, second
    """
)
MESSAGE = "openai chat.completions.create is not inside a try that catches openai.APIError"


def sarif(*args: str) -> tuple[int, dict[str, Any]]:
    result = CliRunner().invoke(main, ["--format", "sarif", *args], catch_exceptions=False)
    assert result.stderr == ""
    return result.exit_code, json.loads(result.stdout)


@pytest.fixture
def tree(project: Path) -> Path:
    (project / "pyproject.toml").write_text('[tool.ailint]\nselect = ["AIL401", "AIL003"]\n')
    (project / "src dir").mkdir()
    (project / "src dir" / "app.py").write_text(SOURCE)
    (project / "clean.py").write_text("x = 1  # noqa: AIL401\n")
    return project


def validate(document: dict[str, Any]) -> None:
    validator = jsonschema.validators.validator_for(SCHEMA)(SCHEMA)
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors)


def test_document_validates_against_the_sarif_schema(tree: Path) -> None:
    code, document = sarif(".")
    assert code == 1
    validate(document)


def test_clean_run_validates_and_has_no_results(tree: Path) -> None:
    (tree / "clean.py").write_text("x = 1\n")
    code, document = sarif("clean.py")
    assert code == 0
    validate(document)
    assert document["runs"][0]["results"] == []


def test_exact_run(tree: Path) -> None:
    _, document = sarif(".")
    assert document["$schema"] == (
        "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
    )
    assert document["version"] == "2.1.0"
    (run,) = document["runs"]
    driver = run["tool"]["driver"]
    assert {k: v for k, v in driver.items() if k != "rules"} == {
        "name": "ailint",
        "version": __version__,
        "semanticVersion": __version__,
    }
    assert run["columnKind"] == "unicodeCodePoints"
    assert run["invocations"] == [{"executionSuccessful": True, "toolExecutionNotifications": []}]
    index = {rule["id"]: i for i, rule in enumerate(driver["rules"])}
    results = run["results"]
    fingerprints = [r.pop("partialFingerprints")["ailint/v1"] for r in results]

    def call(line: int, column: int, end_column: int) -> dict[str, Any]:
        return {
            "ruleId": "AIL401",
            "ruleIndex": index["AIL401"],
            "level": "error",
            "message": {"text": MESSAGE},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": "src%20dir/app.py", "uriBaseId": "%SRCROOT%"},
                        "region": {"startLine": line, "startColumn": column, "endLine": line, "endColumn": end_column},
                    }
                }
            ],
            "properties": {"provider": "openai", "api": "chat.completions.create"},
        }

    assert results == [
        {
            "ruleId": "AIL003",
            "ruleIndex": index["AIL003"],
            "level": "warning",
            "message": {"text": "unused suppression: no AIL401 diagnostic on this line"},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": "clean.py", "uriBaseId": "%SRCROOT%"},
                        "region": {"startLine": 1, "startColumn": 8, "endLine": 1, "endColumn": 22},
                    }
                }
            ],
        },
        call(7, 13, 72),
        call(8, 14, 73),
    ]
    # Two identical findings in one function: one fingerprint, numbered occurrences.
    base = fingerprints[1].rsplit(":", 1)[0]
    assert fingerprints[1:] == [f"{base}:1", f"{base}:2"]
    assert len(base) == 16


def test_rules_come_from_the_rule_classes(tree: Path) -> None:
    _, document = sarif(".")
    rules = document["runs"][0]["tool"]["driver"]["rules"]
    assert [rule["id"] for rule in rules] == sorted(registry.ALL_CODES)
    assert rules == [rule_descriptor(registry.BY_CODE[rule["id"]]) for rule in rules]


def test_rule_descriptor() -> None:
    rule = registry.BY_CODE["AIL401"]
    assert rule_descriptor(rule) == {
        "id": "AIL401",
        "name": "unhandled-error",
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": section(rule, "What it does")},
        "help": {"text": rule.doc(), "markdown": page(rule)},
        "defaultConfiguration": {"level": "error", "enabled": True},
        "properties": {"tags": ["ailint", "error states"]},
    }
    assert (REPO / "docs" / "rules" / "AIL401.md").read_text(encoding="utf-8").endswith(page(rule))
    assert rule_descriptor(registry.BY_CODE["AIL003"])["defaultConfiguration"] == {
        "level": "warning",
        "enabled": False,
    }


def test_fingerprints_survive_inserted_lines(tree: Path) -> None:
    _, before = sarif(".")
    app = tree / "src dir" / "app.py"
    app.write_text('"""Docs."""\n\nimport os\n\n' + SOURCE)
    _, after = sarif(".")

    def located(document: dict[str, Any]) -> list[tuple[int, str]]:
        return [
            (
                r["locations"][0]["physicalLocation"]["region"]["startLine"],
                r["partialFingerprints"]["ailint/v1"],
            )
            for r in document["runs"][0]["results"]
        ]

    assert [line for line, _ in located(after)] == [line + 4 if line > 1 else line for line, _ in located(before)]
    assert [fp for _, fp in located(after)] == [fp for _, fp in located(before)]


def test_severity_override_sets_the_level(tree: Path) -> None:
    (tree / "pyproject.toml").write_text('[tool.ailint]\nselect = ["AIL401"]\nseverity = { AIL401 = "warning" }\n')
    _, document = sarif(".")
    assert {r["level"] for r in document["runs"][0]["results"]} == {"warning"}


def test_missing_path_is_a_notification(tree: Path) -> None:
    result = CliRunner().invoke(main, ["--format", "sarif", "clean.py", "nowhere.py"])
    assert result.exit_code == 2
    document = json.loads(result.stdout)
    validate(document)
    assert document["runs"][0]["invocations"] == [
        {
            "executionSuccessful": False,
            "toolExecutionNotifications": [
                {"level": "error", "message": {"text": "nowhere.py: no such file or directory"}}
            ],
        }
    ]


def test_output_file(tree: Path) -> None:
    result = CliRunner().invoke(main, ["--format", "sarif", "-o", "out.sarif", "."])
    assert result.exit_code == 1 and result.stdout == ""
    validate(json.loads((tree / "out.sarif").read_text(encoding="utf-8")))


def test_security_rules_carry_a_security_severity() -> None:
    properties = {code: rule_descriptor(registry.BY_CODE[code])["properties"] for code in registry.ALL_CODES}
    assert properties["AIL601"] == {"tags": ["ailint", "security"], "security-severity": "9.0"}
    assert properties["AIL502"]["security-severity"] == "7.5" and "security" in properties["AIL502"]["tags"]
    assert [code for code, p in properties.items() if "security-severity" in p] == ["AIL502", "AIL601"]


def test_uris_are_relative_to_the_repository_root(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tree / ".git").mkdir()  # the root of a repository, for ailint's purpose
    monkeypatch.chdir(tree / "src dir")
    _, document = sarif("--select", "AIL401", "app.py", "../clean.py")
    validate(document)
    uris = [r["locations"][0]["physicalLocation"]["artifactLocation"] for r in document["runs"][0]["results"]]
    assert uris == [{"uri": "src%20dir/app.py", "uriBaseId": "%SRCROOT%"}] * 2


def test_a_file_outside_the_repository_is_an_absolute_uri(
    tree: Path, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tree / ".git").mkdir()
    outside = tmp_path_factory.mktemp("outside")
    (outside / "app.py").write_text(SOURCE)
    _, document = sarif("--select", "AIL401", str(outside / "app.py"))
    validate(document)
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in document["runs"][0]["results"]}
    assert uris == {(outside / "app.py").as_uri()}
