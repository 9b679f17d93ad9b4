"""``--format json``: the stable document of SPEC section 7."""

from __future__ import annotations

import json
from collections import Counter
from typing import TYPE_CHECKING

from ailint import __version__

if TYPE_CHECKING:
    from ailint.api import RunResult


def render(result: RunResult, *, statistics: bool = False) -> str:
    """The JSON document, with a trailing newline; ``statistics`` adds the count of each code, most frequent first."""
    document: dict[str, object] = {
        "version": __version__,
        "files": result.files,
        "diagnostics": [d.to_json() for d in result.diagnostics],
    }
    if statistics:
        counts = Counter((d.code, d.name) for d in result.diagnostics)
        ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0][0]))
        document["statistics"] = [{"code": code, "name": name, "count": count} for (code, name), count in ordered]
    return json.dumps(document, indent=2) + "\n"
