"""Which project, with which settings, judges an open file; no LSP types here.

A file's configuration is found as the CLI finds it when run from the file's
folder: the nearest ``pyproject.toml`` with a ``[tool.ailint]`` table (else
the nearest ``pyproject.toml``) above it, whose folder is the project root.
A file with no ``pyproject.toml`` above it belongs to the workspace folder
that holds it, judged with the default settings. Each project is loaded once
(:class:`ailint.api.LoadedProject`) and kept until its configuration changes.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from ailint.api import LoadedProject
from ailint.settings import Settings, load_settings


class Projects:
    """The loaded projects of a workspace, by root and configuration file."""

    def __init__(self, folders: list[Path] | None = None, cache: bool = True) -> None:
        self.folders = [Path(os.path.realpath(f)) for f in folders or []]
        self.cache = cache
        self.loaded: dict[tuple[Path, Path | None], LoadedProject] = {}
        self._settings: dict[Path, Settings] = {}

    def settings(self, path: Path) -> Settings:
        """The settings ``path`` is judged with (raises ``ConfigError`` for a bad configuration)."""
        directory = Path(os.path.realpath(path)).parent
        known = self._settings.get(directory)
        if known is None:
            known = load_settings(cwd=directory)
            if known.config_path is None:
                folder = self._folder(directory)
                if folder is not None:
                    known = load_settings(cwd=folder)
            self._settings[directory] = known
        return known

    def _folder(self, directory: Path) -> Path | None:
        """The innermost workspace folder holding ``directory``."""
        holding = [f for f in self.folders if f == directory or f in directory.parents]
        return max(holding, key=lambda f: len(f.parts)) if holding else None

    def project(self, path: Path) -> LoadedProject:
        """The loaded project that judges ``path``, loading it on first use."""
        settings = self.settings(path)
        key = (settings.root, settings.config_path)
        project = self.loaded.get(key)
        if project is None:
            cache = None
            if self.cache:
                from ailint.cache import Cache

                cache = Cache(settings.root, settings)
            project = self.loaded[key] = LoadedProject(settings.root, settings, cache)
        return project

    def __iter__(self) -> Iterator[LoadedProject]:
        return iter(list(self.loaded.values()))

    def forget(self) -> None:
        """A configuration file changed: every project is loaded again when next needed."""
        self.loaded.clear()
        self._settings.clear()
