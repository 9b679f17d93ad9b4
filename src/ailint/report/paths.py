"""Paths as code-scanning services want them: relative to the repository root, never ``../``.

Diagnostics carry paths relative to the working directory. A service that
ingests a report (GitHub code scanning, GitLab) matches them against the
repository's files, so a report written from a sub-folder, or over
``../other``, must name each file from the root of the repository that holds
it: the nearest folder above the working directory with a ``.git`` entry, or
the working directory when there is none.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

from ailint.baseline import under_root


@cache
def repository_root(cwd: Path) -> Path:
    """The root of the Git repository holding ``cwd`` (a ``.git`` folder or file), else ``cwd``."""
    for directory in (cwd, *cwd.parents):
        if os.path.lexists(directory / ".git"):
            return directory
    return cwd


def from_root(display: str, cwd: Path | None = None) -> str | None:
    """``display`` (relative to ``cwd``) as a POSIX path relative to the repository root; None when outside it."""
    cwd = (cwd or Path.cwd()).resolve()
    return under_root(display, repository_root(cwd), cwd)


def absolute(display: str, cwd: Path | None = None) -> Path:
    """``display`` as an absolute path."""
    return Path(os.path.normpath(os.path.join((cwd or Path.cwd()).resolve(), display)))
