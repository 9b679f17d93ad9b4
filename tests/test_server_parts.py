"""The language server's parts that need no client: edits, hovers, the loaded project, the missing extra."""

from __future__ import annotations

import shutil
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from ailint.api import LoadedProject, check_paths, list_calls
from ailint.cli import main
from ailint.diagnostics import Span
from ailint.server import INSTALL_HINT, edits, hover, run
from ailint.settings import load_settings

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "helpdesk"


def applied(source: str, edit: edits.Edit | None) -> str:
    assert edit is not None
    lines = source.splitlines(keepends=True)

    def offset(where: tuple[int, int]) -> int:
        return sum(len(line) for line in lines[: where[0] - 1]) + where[1]

    return source[: offset(edit.start)] + edit.text + source[offset(edit.end) :]


SOURCE = textwrap.dedent(
    '''\
    from openai import OpenAI

    client = OpenAI(
        api_key="k",
    )


    @traced
    def ask(q):  # noqa: E501
        return client.chat.completions.create(model="x", messages=[])  # noqa: AIL301


    class Bot:
        def __init__(self):
            self.client = OpenAI(api_key="x")

        def go(self):
            note = """
    text"""; self.client.chat.completions.create(
                model="m")
            return note
    '''
)


def test_noqa_is_appended_or_merged() -> None:
    merged = applied(SOURCE, edits.noqa(SOURCE, 10, "AIL401"))
    assert "# noqa: AIL301, AIL401\n" in merged
    assert edits.noqa(SOURCE, 10, "AIL301") is None  # already silenced
    added = applied(SOURCE, edits.noqa(SOURCE, 3, "AIL403"))
    assert "client = OpenAI(  # noqa: AIL403\n" in added


def test_noqa_never_goes_inside_a_string() -> None:
    # Line 18 ends inside the triple-quoted string: the call's last line takes the comment.
    found = applied(SOURCE, edits.noqa(SOURCE, 18, "AIL401", last_line=20))
    assert 'model="m")  # noqa: AIL401\n' in found
    assert edits.noqa(SOURCE, 18, "AIL401") is None


def test_authority_goes_on_the_def_line_and_replaces_a_mode() -> None:
    declared = applied(SOURCE, edits.authority(SOURCE, 10, "act"))
    assert "def ask(q):  # noqa: E501  # ailint: authority=act\n" in declared
    changed = applied(declared, edits.authority(declared, 10, "recommend"))
    assert "def ask(q):  # noqa: E501  # ailint: authority=recommend\n" in changed
    module = "x = client.chat.completions.create(model='m', messages=[])\n"
    assert applied(module, edits.authority(module, 1, "assist")).endswith("[])  # ailint: authority=assist\n")


def test_timeout_keeps_the_constructors_layout() -> None:
    found = edits.timeout(SOURCE, 10, 11)
    assert found is not None
    edit, line = found
    assert line == 3
    assert 'client = OpenAI(\n    api_key="k",\n    timeout=30,\n)\n' in applied(SOURCE, edit)
    found = edits.timeout(SOURCE, 19, 13)
    assert found is not None
    assert 'self.client = OpenAI(api_key="x", timeout=30)\n' in applied(SOURCE, found[0])
    # Continuation lines keep the indentation of the blocks around the call.
    on_call = applied(SOURCE, edits.call_timeout(SOURCE, 19, 13))
    assert '\n            model="m", timeout=30)\n' in on_call
    assert edits.timeout("def f(client):\n    return client.chat.completions.create()\n", 2, 11) is None


def test_edits_leave_broken_text_alone() -> None:
    broken = "def f(:\n    return client.x.create()\n"
    assert edits.noqa(broken, 2, "AIL401") is None
    assert edits.authority(broken, 2, "act") is None
    assert edits.timeout(broken, 2, 11) is None


def test_hover_names_what_the_inventory_knows(tmp_path: Path) -> None:
    project = tmp_path / "helpdesk"
    shutil.copytree(EXAMPLES, project)
    (project / "pyproject.toml").write_text("[tool.ailint]\n")
    settings = load_settings(cwd=project)
    records = list_calls([project], settings, cwd=project).calls
    wrapper = next(r for r in records if r.kind == "wrapper")
    text = hover.render(wrapper)
    assert f"`{wrapper.provider}` `{wrapper.api}`" in text
    assert f"`{wrapper.function}`" in text
    assert "| errors handled |" in text


def test_loaded_project_agrees_with_check_paths(tmp_path: Path) -> None:
    """Each file judged as `ailint check` judges it, before and after unsaved edits to a wrapper."""
    project = tmp_path / "helpdesk"
    shutil.copytree(EXAMPLES, project)
    (project / "pyproject.toml").write_text("[tool.ailint]\n")
    settings = load_settings(cwd=project)
    loaded = LoadedProject(project, settings)

    def agree() -> None:
        expected = check_paths([project], settings, cwd=project).diagnostics
        found = [d for path in sorted(project.rglob("*.py")) for d in loaded.diagnostics(path)]
        assert sorted(found, key=lambda d: d.sort_key) == expected

    agree()
    service = project / "helpdesk" / "service.py"
    text = service.read_text()
    edited = text.replace("def ", "def unused():\n    pass\n\n\ndef ", 1)
    loaded.replace(service, edited.encode())
    service.write_text(edited)
    agree()
    loaded.replace(service, None)
    agree()
    assert loaded.errors == []


def test_calls_of_a_loaded_project_match_list_calls(tmp_path: Path) -> None:
    project = tmp_path / "helpdesk"
    shutil.copytree(EXAMPLES, project)
    (project / "pyproject.toml").write_text("[tool.ailint]\n")
    settings = load_settings(cwd=project)
    loaded = LoadedProject(project, settings)
    expected = list_calls([project], settings, cwd=project).calls
    found = [c for path in sorted(project.rglob("*.py")) for c in loaded.calls(path)]
    assert sorted(found, key=lambda c: (c.path, c.span.line, c.span.column)) == expected
    assert all(isinstance(c.span, Span) for c in found)


def test_without_pygls_the_server_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pygls", None)  # `import pygls` raises ImportError
    assert run() == 2
    result = CliRunner().invoke(main, ["server"])
    assert result.exit_code == 2
    assert INSTALL_HINT in result.output
    assert "ailint[lsp]" in INSTALL_HINT


def test_noqa_never_follows_a_backslash() -> None:
    source = "x = client.chat.completions.create(model='m', messages=[]) + \\\n    1   \n"
    assert applied(source, edits.noqa(source, 1, "AIL401", last_line=2)).endswith("    1  # noqa: AIL401\n")
