"""The README's test command is the one CI runs."""

from __future__ import annotations

import re

from tests.conftest import REPO


def _shell_blocks(text: str) -> list[str]:
    return re.findall(r"```sh\n(.*?)```", text, flags=re.DOTALL)


def test_ci_runs_the_readme_test_command() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    commands = [block.strip() for block in _shell_blocks(readme) if "pytest" in block]
    assert len(commands) == 1
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert commands[0] in ci


def test_readme_sample_command_points_at_the_sample_project() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    sample = [block.strip() for block in _shell_blocks(readme) if "examples/" in block]
    assert sample and sample[0].endswith("ailint examples/helpdesk")
    assert (REPO / "examples" / "helpdesk").is_dir()
