"""``--format json``: the stable document of SPEC section 7."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from ailint import __version__

if TYPE_CHECKING:
    from ailint.api import RunResult


def render(result: RunResult) -> str:
    """The JSON document, with a trailing newline."""
    document = {
        "version": __version__,
        "files": result.files,
        "diagnostics": [d.to_json() for d in result.diagnostics],
    }
    return json.dumps(document, indent=2) + "\n"
