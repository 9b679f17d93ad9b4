"""Which files a run checks.

Directories are walked without following symbolic links to directories, so a
symlink loop cannot hang a run; ``.gitignore`` files (at every level, with
git's semantics, through pathspec), the configured ``exclude`` globs and the
usual tool and environment folders are honoured. A file named explicitly on
the command line is always checked.
"""

from __future__ import annotations

import errno
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pathspec

DEFAULT_EXCLUDES = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".bzr",
        ".venv",
        "venv",
        ".env",
        "env",
        "__pycache__",
        "build",
        "dist",
        ".tox",
        ".nox",
        "node_modules",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        ".ailint_cache",
        ".eggs",
        "site-packages",
        "__pypackages__",
        ".ipynb_checkpoints",
        ".direnv",
    }
)
PYTHON_SUFFIXES = (".py", ".ipynb")
"""The files a directory is searched for: Python modules and Jupyter notebooks (as Ruff since 0.6)."""


@dataclass
class Discovery:
    """The files to check, and the paths that could not be read (one line each)."""

    files: list[Path] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    walked: list[Stamp] = field(default_factory=list)
    """Every directory listed or whose ``.gitignore`` was read, as it stood (see :func:`unchanged`)."""
    linked: bool = False
    """A file found is a symbolic link: what it leads to can change with no directory changing."""


Stamp = tuple[str, int, int]
"""A directory, its modification time and its ``.gitignore``'s (-1 if it has none), in nanoseconds."""


def stamp(directory: str) -> Stamp:
    """How ``directory`` stands now; a directory that cannot be read stands at -1."""
    try:
        listed = os.stat(directory).st_mtime_ns
    except OSError:
        listed = -1
    try:
        ignored = os.stat(os.path.join(directory, ".gitignore")).st_mtime_ns
    except OSError:
        ignored = -1
    return directory, listed, ignored


def unchanged(walked: Iterable[Stamp]) -> bool:
    """Whether a walk would find the same files again: no directory gained, lost or renamed an entry,
    and no ``.gitignore`` changed (a file's own changes are the caller's to see)."""
    return all(stamp(directory) == (directory, listed, ignored) for directory, listed, ignored in walked)


def display_path(path: Path, cwd: Path) -> str:
    """POSIX path relative to the working directory (or absolute if elsewhere on Windows).

    Bytes of a file name that are not UTF-8 print as U+FFFD, as Rust tools
    print them, so that every report and cache entry can be encoded.
    """
    full, base = str(path), str(cwd)
    if os.sep == "/" and full.startswith(base.rstrip("/") + "/") and "/." not in full:  # the common case, as text
        text = full[len(base.rstrip("/")) + 1 :]
    else:
        try:
            text = Path(os.path.relpath(path, cwd)).as_posix()
        except ValueError:
            text = path.as_posix()
    if text.isascii():
        return text
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def relative_posix(path: Path, base: Path) -> str | None:
    """``path`` relative to ``base`` as a POSIX string, or None when it is not under it."""
    text, prefix = path.as_posix(), base.as_posix().rstrip("/") + "/"
    return text[len(prefix) :] if text.startswith(prefix) else None


def _dangling(link: Path) -> str:
    """Why a symbolic link leads to no file: a loop of links, or a missing target."""
    try:
        os.stat(link)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "symbolic link loop"
    return "broken symbolic link"


_GLOB = frozenset("*?[]\\!")
"""Characters that make a pattern more than a literal name (``!`` and ``\\`` included: leave them to pathspec)."""


class _Patterns:
    """A gitignore spec, with a quick test that rules most paths out at once.

    ``pathspec`` tries every pattern in turn; a path that no including pattern
    can match is not ignored whatever the negations say, so a quick test of
    whether any including pattern may match answers for most paths, and the
    spec decides the rest. Most patterns of a ``.gitignore`` are a name
    (``build/``), a suffix (``*.egg``) or a prefix (``venv*``) of one part of
    the path: those are looked up by part; the others are joined in one
    expression.
    """

    def __init__(self, spec: pathspec.GitIgnoreSpec) -> None:
        self.spec = spec
        self.empty = not spec.patterns
        names: set[str] = set()
        suffixes: list[str] = []
        prefixes: list[str] = []
        sources: list[str] = []
        self.exact = False
        """True when every path must be asked of the spec (a pattern of a form not understood)."""
        for pattern in spec.patterns:
            if not pattern.include:
                continue
            kind, text = _part_pattern(getattr(pattern, "pattern", None))
            if kind == "name":
                names.add(text)
            elif kind == "suffix":
                suffixes.append(text)
            elif kind == "prefix":
                prefixes.append(text)
            elif isinstance(pattern.regex, re.Pattern) and isinstance(pattern.regex.pattern, str):
                sources.append(pattern.regex.pattern.replace("(?P<ps_d>", "(?:"))
            else:
                self.exact = True
        self.names = frozenset(names)
        self.suffixes = tuple(suffixes)
        self.prefixes = tuple(prefixes)
        self.by_part = bool(names or suffixes or prefixes)
        self.quick: re.Pattern[str] | None = None
        if sources and not self.exact:
            try:
                self.quick = re.compile("|".join(f"(?:{source})" for source in sources))
            except re.error:
                self.exact = True

    def match(self, path: str) -> bool:
        if self.empty:
            return False
        if not self.exact and not self._may_match(path):
            return False  # no pattern that ignores can match: the negations do not matter
        return self.spec.match_file(path)

    def _may_match(self, path: str) -> bool:
        if self.quick is not None and self.quick.match(path) is not None:
            return True
        if self.by_part:
            names, suffixes, prefixes = self.names, self.suffixes, self.prefixes
            for part in path.split("/"):
                if part in names or part.endswith(suffixes) or part.startswith(prefixes):
                    return True
        return False


def _part_pattern(text: object) -> tuple[str, str]:
    """``("name" | "suffix" | "prefix", text)`` for a pattern that matches one part of a path by it, else ``("", "")``.

    Only patterns with no slash but a trailing one (which matches folders only:
    looking it up for files too only sends more paths to the spec), no
    wildcard but one ``*`` at an end, and no surrounding spaces.
    """
    if not isinstance(text, str):
        return "", ""
    body = text.removesuffix("/")
    if not body or body != body.strip() or "/" in body:
        return "", ""
    if body.startswith("*") and not _GLOB & set(body[1:]):
        return "suffix", body[1:]
    if body.endswith("*") and not _GLOB & set(body[:-1]):
        return "prefix", body[:-1]
    if not _GLOB & set(body):
        return "name", body
    return "", ""


def _gitignore(directory: str) -> _Patterns | None:
    candidate = os.path.join(directory, ".gitignore")
    try:
        with open(candidate, encoding="utf-8", errors="replace") as handle:
            return _Patterns(pathspec.GitIgnoreSpec.from_lines(handle.read().splitlines()))
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError:
        return None


class _Walker:
    """Walks directories on strings (``os.scandir``): a ``Path`` is made only for a file that is checked."""

    def __init__(
        self, root: Path, exclude: Iterable[str], cwd: Path, found: Callable[[int], None] | None = None
    ) -> None:
        self.root = root
        self.found = found
        self.base = _prefix(str(root))
        self.cwd = cwd
        self.exclude = _Patterns(pathspec.GitIgnoreSpec.from_lines(list(exclude)))
        self.result = Discovery()
        self.seen: set[str] = set()

    def _excluded(self, path: str, name: str, is_dir: bool, ignores: list[tuple[str, _Patterns]]) -> bool:
        """Whether ``path`` (named ``name``) is excluded by ``ignores`` (the settings, the ``.gitignore`` above)."""
        if is_dir and name in DEFAULT_EXCLUDES:
            return True
        suffix = "/" if is_dir else ""
        if os.sep != "/":
            path = path.replace(os.sep, "/")  # the bases too: patterns see POSIX paths
        return any(path.startswith(base) and spec.match(path[len(base) :] + suffix) for base, spec in ignores)

    def _inherited_ignores(self, directory: Path) -> list[tuple[str, _Patterns]]:
        """The excludes of the settings, then the ``.gitignore`` files above ``directory`` up to the project root."""
        ignores = [] if self.exclude.empty else [(self.base, self.exclude)]
        chain = [directory, *directory.parents]
        for parent in chain[1:]:
            if self.root != parent and self.root not in parent.parents:
                break
            self.result.walked.append(stamp(str(parent)))
            spec = _gitignore(str(parent))
            if spec is not None:
                ignores.append((_prefix(str(parent)), spec))
        return ignores

    def walk(self, directory: str, ignores: list[tuple[str, _Patterns]], real: str | None = None) -> None:
        """Walk ``directory``; ``real``: its path with links resolved, when the caller knows it."""
        real = os.path.realpath(directory) if real is None else real
        if real in self.seen:
            return
        self.seen.add(real)
        self.result.walked.append(stamp(directory))
        if self.found is not None:
            self.found(len(self.result.files))
        own = _gitignore(directory)
        if own is not None:
            ignores = [*ignores, (_prefix(directory), own)]
        try:
            entries = sorted(os.scandir(directory), key=lambda e: e.name)
        except OSError as exc:
            shown = display_path(Path(directory), self.cwd)
            self.result.errors.append(f"cannot read directory {shown}: {exc.strerror or exc}")
            return
        for entry in entries:
            try:
                is_dir = entry.is_dir(follow_symlinks=False)
                is_link = entry.is_symlink()
            except OSError:
                continue
            if is_dir:
                if not self._excluded(entry.path, entry.name, True, ignores):
                    self.walk(entry.path, ignores, os.path.join(real, entry.name))  # not a link: no resolving
                continue
            if not entry.name.endswith(PYTHON_SUFFIXES) or self._excluded(entry.path, entry.name, False, ignores):
                continue
            path = Path(entry.path)
            if is_link:
                self.result.linked = True
                if not path.exists():
                    self.result.errors.append(f"cannot read {display_path(path, self.cwd)}: {_dangling(path)}")
                    continue
                if path.is_dir():  # a symlink to a directory named like a module: not followed
                    continue
                regular = path.is_file()
            else:
                regular = entry.is_file(follow_symlinks=False)  # known from the directory listing: no stat
            if not regular:  # reading a named pipe or a device could block forever
                self.result.errors.append(f"cannot read {display_path(path, self.cwd)}: not a regular file")
                continue
            self.result.files.append(path)


def _prefix(directory: str) -> str:
    """``directory`` as the start of the paths under it, in POSIX form (``/`` ends it)."""
    directory = directory.replace(os.sep, "/") if os.sep != "/" else directory
    return directory if directory.endswith("/") else directory + "/"


def asked(raw: Path, cwd: Path) -> Path:
    """A command-line path as discovery reads it: absolute, normalised (links are not resolved)."""
    return Path(os.path.normpath(raw if raw.is_absolute() else cwd / raw))


def discover(
    paths: Iterable[Path], root: Path, exclude: Iterable[str], cwd: Path, found: Callable[[int], None] | None = None
) -> Discovery:
    """Expand command-line paths into the files to check, in a stable order.

    ``found`` is told how many files have been found so far, as each directory is walked.
    """
    walker = _Walker(root, exclude, cwd, found)
    for raw in paths:
        path = asked(raw, cwd)
        if path.is_dir():
            walker.walk(str(path), walker._inherited_ignores(path))
        elif path.is_file():
            walker.result.files.append(path)
        elif path.exists():
            walker.result.errors.append(f"cannot read {display_path(path, cwd)}: not a regular file")
        elif path.is_symlink():
            walker.result.errors.append(f"cannot read {display_path(path, cwd)}: {_dangling(path)}")
        else:
            walker.result.missing.append(display_path(path, cwd))
    unique = dict.fromkeys(walker.result.files)
    walker.result.files = sorted(unique, key=lambda p: display_path(p, cwd))
    return walker.result


def _root_relative(path: Path, root: Path) -> list[str]:
    inside = relative_posix(path, root)
    if inside is None:
        parts = [path.stem]
    else:
        parts = inside.split("/")
        parts[-1] = os.path.splitext(parts[-1])[0]
    if len(parts) > 1 and parts[0] == "src":
        parts = parts[1:]
    if parts and parts[-1] == "__init__":
        parts = parts[:-1]
    return parts


def _package_relative(path: Path, root: Path, packages: dict[str, bool]) -> list[str]:
    """The name Python gives the file when its outermost ``__init__.py`` package is importable."""
    parts = [] if path.name == "__init__.py" else [path.stem]
    directory, stop = os.path.dirname(str(path)), os.path.dirname(str(root))
    while directory != stop and _is_package(directory, packages):
        directory, name = os.path.split(directory)
        parts.insert(0, name)
    return parts


def _is_package(directory: str, packages: dict[str, bool]) -> bool:
    found = packages.get(directory)
    if found is None:
        found = packages[directory] = os.path.isfile(os.path.join(directory, "__init__.py"))
    return found


def module_names(path: Path, root: Path, packages: dict[str, bool] | None = None) -> list[str]:
    """Dotted names the file may be imported by, the most likely first.

    ``__init__.py`` packages decide first (``examples/app/helpdesk/llm.py`` is
    ``helpdesk.llm`` when ``helpdesk/`` is a package and ``examples/app/`` is
    not), then the path relative to the project root, with a ``src/`` layout
    understood. Outside packages the root-relative name comes first, then the
    bare name a script's sibling would import it by. ``packages`` remembers
    which folders are packages across the files of one run.
    """
    packages = {} if packages is None else packages
    names: list[str] = []
    candidates = [_package_relative(path, root, packages), _root_relative(path, root)]
    if not _is_package(os.path.dirname(str(path)), packages):
        candidates.reverse()  # not in a package: a namespace path first, then a script's sibling name
    for parts in candidates:
        name = ".".join(parts)
        if name and name not in names:
            names.append(name)
    names = names or [path.stem]
    if path.name.endswith(".ipynb"):  # never imported: named apart from a module of the same name
        return [f"{name}.ipynb" for name in names]
    return names


def module_name(path: Path, root: Path) -> str:
    """The most likely dotted module name of ``path``."""
    return module_names(path, root)[0]


DEFAULT_TESTS = ("**/tests/**", "**/test/**", "**/test_*.py", "**/*_test.py", "**/conftest.py")
"""Files that are tests by default: read (they may call wrappers) but not judged (SPEC section 2)."""


@lru_cache(maxsize=8)
def _tests_spec(patterns: tuple[str, ...]) -> pathspec.GitIgnoreSpec:
    return pathspec.GitIgnoreSpec.from_lines(patterns)


def is_test_path(relative: str, patterns: tuple[str, ...] = DEFAULT_TESTS) -> bool:
    """Whether a file, by its path from the project root, is a test (``tests`` globs, gitignore style)."""
    return _tests_spec(tuple(patterns)).match_file(relative)


DEFAULT_SCRIPTS = (
    "**/scripts/**",
    "**/examples/**",
    "**/example/**",
    "**/demo/**",
    "**/demos/**",
    "**/cookbook/**",
    "**/cookbooks/**",
    "**/samples/**",
    "**/tutorials/**",
    "**/profiling/**",
)
"""Files that are scripts, examples and demos by default: judged for the output and its authority, not for how
the request is run (logging, errors, timeouts, usage), which a one-off script or a demo does not need."""


def is_script_path(relative: str, patterns: tuple[str, ...] = DEFAULT_SCRIPTS) -> bool:
    """Whether a file, by its path from the project root, is a script, an example or a demo (``scripts`` globs)."""
    return _tests_spec(tuple(patterns)).match_file(relative)
