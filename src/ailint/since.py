"""``--since REF``: report only the diagnostics that are new relative to a git revision.

The project as it stood at ``REF`` is read from git into a temporary folder
(only what a run reads: Python files and ``.gitignore`` files, written from
their blobs, so ``export-ignore`` attributes and filters change nothing) and
checked with the same settings and the same paths as the working tree. Its
diagnostics are subtracted from the working tree's by path, code and
fingerprint, the identity a baseline uses (``ailint.fingerprint``): a finding
that only moved is not new, while a change to a wrapper that creates a finding
in an unchanged caller is, since the caller is judged with the whole project
on both sides.

The copy is checked with the cache of the project it copies: its entries are
keyed by content, module name and project-relative path, which a copy shares
with the working tree where files are unchanged, so only what changed since
``REF`` (and what depends on it) is analysed again. A copy looks up and
records no facts, runs or walks, which are keyed by absolute path.

REF is judged with the working tree's configuration: a change to the
configuration alone reports nothing new, and a rule enabled since ``REF``
reports only the findings that are new in the code.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from ailint.baseline import absorbed
from ailint.diagnostics import Diagnostic
from ailint.discovery import PYTHON_SUFFIXES, asked

if TYPE_CHECKING:
    from ailint.api import Progress
    from ailint.projects import Part

READ_SUFFIXES = (*PYTHON_SUFFIXES, ".pyi", ".ipynb")
"""What a run may read of a revision's tree, besides ``.gitignore`` files."""
READ_NAMES = frozenset({".gitignore"})

_GIT_TIMEOUT = 600

Key = tuple[str, str, str]


class SinceError(Exception):
    """``--since`` cannot be honoured (no git, not a repository, unknown revision); the CLI exits 2 with this."""


@dataclass(frozen=True)
class Revision:
    """A revision of the git repository that holds the paths a run checks."""

    ref: str
    """As given on the command line."""
    toplevel: Path
    """The repository's work tree, resolved."""
    tree: str | None
    """The id of the revision's tree; None when ``ref`` is the HEAD of a repository without commits (nothing at it)."""


def _git(args: list[str], cwd: Path, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    """Run git, with no prompts, pagers or localised messages; ``SinceError`` when git is missing."""
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_PAGER": "cat", "LC_ALL": "C", "LANGUAGE": "C"}
    for name in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE"):
        # A hook runs with these set for the repository it was called from; the paths decide here.
        env.pop(name, None)
    try:
        return subprocess.run(
            ["git", *args], cwd=cwd, env=env, input=stdin, capture_output=True, timeout=_GIT_TIMEOUT, check=False
        )
    except FileNotFoundError:
        raise SinceError("--since needs git, which is not installed (or not on PATH)") from None
    except subprocess.TimeoutExpired:
        raise SinceError(f"--since: git {args[0]} took longer than {_GIT_TIMEOUT} s") from None
    except OSError as exc:
        raise SinceError(f"--since: cannot run git: {exc.strerror or exc}") from None


def _first_line(output: bytes) -> str:
    lines = [line.strip() for line in output.decode("utf-8", "replace").splitlines() if line.strip()]
    return lines[0].removeprefix("fatal: ").removeprefix("error: ") if lines else "git failed"


def resolve(ref: str, where: Path) -> Revision:
    """The revision ``ref`` of the repository holding the folder ``where``; ``SinceError`` if there is none."""
    if not ref or ref.startswith("-") or any(c in ref for c in "\0\n"):
        raise SinceError(f"--since {ref!r}: not a git revision")
    found = _git(["rev-parse", "--show-toplevel"], where)
    if found.returncode != 0:
        reason = _first_line(found.stderr)
        if "not a git repository" in reason:
            raise SinceError(f"--since {ref}: {_shown(where)} is not in a git repository")
        raise SinceError(f"--since {ref}: {reason}")
    toplevel = Path(os.fsdecode(found.stdout.rstrip(b"\n"))).resolve()
    tree = _git(["rev-parse", "--verify", "--quiet", f"{ref}^{{tree}}"], toplevel)
    if tree.returncode == 0:
        return Revision(ref, toplevel, tree.stdout.decode("ascii").strip())
    if ref in ("HEAD", "@") and _git(["rev-parse", "--verify", "--quiet", "HEAD"], toplevel).returncode != 0:
        # The first commit of a repository: everything in it is new.
        return Revision(ref, toplevel, None)
    hint = ""
    shallow = _git(["rev-parse", "--is-shallow-repository"], toplevel)
    if shallow.returncode == 0 and shallow.stdout.strip() == b"true":
        hint = "; the clone is shallow: fetch the revision first (git fetch --unshallow, or fetch-depth: 0)"
    raise SinceError(f"--since {ref}: unknown revision in the git repository at {_shown(toplevel)}{hint}")


def _shown(path: Path) -> str:
    try:
        relative = os.path.relpath(path)
    except ValueError:
        return path.as_posix()
    return Path(relative).as_posix() if relative != "." and not relative.startswith("..") else path.as_posix()


def _wanted(name: str) -> bool:
    base = name.rsplit("/", 1)[-1]
    return base in READ_NAMES or base.endswith(READ_SUFFIXES)


def materialise(revision: Revision, into: Path) -> int:
    """Write the files of ``revision`` that a run reads under ``into`` (the repository's top folder there).

    Returns how many were written. Symbolic links are made as links;
    submodules are left out (their files are not in this repository's tree).
    """
    if revision.tree is None:
        return 0
    listed = _git(["ls-tree", "-r", "-z", "--full-tree", revision.tree], revision.toplevel)
    if listed.returncode != 0:
        raise SinceError(f"--since {revision.ref}: cannot list its files: {_first_line(listed.stderr)}")
    entries: list[tuple[str, str, str]] = []
    for record in listed.stdout.split(b"\0"):
        meta, _, raw = record.partition(b"\t")
        fields = meta.decode("ascii", "replace").split(" ")
        name = os.fsdecode(raw)
        if len(fields) != 3 or fields[1] != "blob" or not _wanted(name):
            continue  # a submodule, a file no run reads, or the empty end of the list
        if any(part in ("", ".", "..") for part in name.split("/")):
            continue
        entries.append((fields[0], fields[2], name))
    if not entries:
        return 0
    request = b"".join(blob.encode("ascii") + b"\n" for _, blob, _ in entries)
    read = _git(["cat-file", "--batch"], revision.toplevel, stdin=request)
    if read.returncode != 0:
        raise SinceError(f"--since {revision.ref}: cannot read its files: {_first_line(read.stderr)}")
    output, at = read.stdout, 0
    made: set[Path] = set()
    written = 0
    for mode, blob, name in entries:
        try:
            end = output.index(b"\n", at)
            header = output[at:end].split(b" ")
            size = int(header[2]) if len(header) == 3 and header[1] == b"blob" else -1
        except ValueError:
            size = -1
        if size < 0 or len(output) < end + 1 + size:
            raise SinceError(f"--since {revision.ref}: git did not give the content of {name} ({blob})")
        data = output[end + 1 : end + 1 + size]
        at = end + 1 + size + 1
        target = into.joinpath(*name.split("/"))
        if target.parent not in made:
            target.parent.mkdir(parents=True, exist_ok=True)
            made.add(target.parent)
        if mode == "120000":
            with contextlib.suppress(OSError):  # a link this system cannot make is left out
                os.symlink(os.fsdecode(data), target)
                written += 1
            continue
        target.write_bytes(data)
        written += 1
    return written


@contextlib.contextmanager
def checkout(revision: Revision, base: Path) -> Iterator[Path]:
    """A temporary folder standing for ``base`` (a folder at or above the repository) as it was at ``revision``."""
    try:
        directory = Path(tempfile.mkdtemp(prefix="ailint-since-")).resolve()
    except OSError as exc:
        raise SinceError(f"--since {revision.ref}: cannot make a temporary folder: {exc.strerror or exc}") from None
    try:
        try:
            top = directory.joinpath(*revision.toplevel.relative_to(base).parts)
            top.mkdir(parents=True, exist_ok=True)
            materialise(revision, top)
        except OSError as exc:
            reason = f"{exc.filename or directory}: {exc.strerror or exc}"
            raise SinceError(f"--since {revision.ref}: cannot write a copy of its files: {reason}") from None
        yield directory
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def _under(path: str, base: Path) -> str | None:
    """``path`` (absolute) relative to ``base`` as POSIX text; None when it is not under it."""
    try:
        relative = os.path.relpath(path, base)
    except ValueError:  # another drive on Windows
        return None
    if relative == ".." or relative.startswith(".." + os.sep) or os.path.isabs(relative):
        return None
    return Path(relative).as_posix()


def located(path: str, base: Path) -> str | None:
    """``path`` (absolute, normalised) relative to ``base``, through symbolic links if it must."""
    found = _under(path, base)
    if found is None:
        found = _under(os.path.realpath(path), base)
    return found


class Copy:
    """Where each path of the working tree is in a copy of it: the folder ``base`` stands at ``copy``."""

    def __init__(self, base: Path, copy: Path) -> None:
        self.base, self.copy = base, copy

    def __call__(self, path: Path) -> Path:
        relative = located(str(path), self.base)
        if relative is None:
            raise SinceError(f"--since: {path.as_posix()} is not under {self.base.as_posix()}")
        return self.copy if relative == "." else self.copy.joinpath(*relative.split("/"))


def key(diagnostic: Diagnostic, cwd: Path, top: Path) -> Key:
    """A diagnostic's path from the repository's ``top`` (its path is relative to ``cwd``), code and fingerprint."""
    full = os.path.normpath(os.path.join(cwd, diagnostic.path))
    return (located(full, top) or Path(full).as_posix(), diagnostic.code, diagnostic.fingerprint)


def subtract(
    diagnostics: Iterable[Diagnostic], earlier: Counter[Key], cwd: Path, top: Path
) -> tuple[list[Diagnostic], int]:
    """The diagnostics ``earlier`` does not account for, and how many it did.

    As with a baseline, each entry absorbs as many findings as it counts, in report order.
    """
    return absorbed(diagnostics, earlier, lambda diagnostic: key(diagnostic, cwd, top))


def inside(revision: Revision, targets: Iterable[Path], cwd: Path) -> None:
    """Check that every path asked for is in the repository; ``SinceError`` names the first that is not."""
    for raw in targets:
        full = asked(raw, cwd)
        if os.path.lexists(full) and located(str(full), revision.toplevel) is None:  # (a missing path is reported)
            where = _shown(revision.toplevel)
            raise SinceError(f"--since {revision.ref}: {raw.as_posix()} is not in the git repository at {where}")


def diagnostics_at(
    revision: Revision,
    parts: list[Part],
    cwd: Path,
    *,
    cache: bool,
    jobs: int | None,
    progress: Progress | None = None,
) -> tuple[Counter[Key], list[str]]:
    """The diagnostics of ``parts`` (a run planned on the working tree) at ``revision``, and the run's error lines.

    Each part's paths are checked where they are in a copy of the revision,
    with the part's settings moved there; a path that did not exist then has
    nothing to report.
    """
    from ailint.api import check_paths
    from ailint.cache import Cache

    cwd = cwd.resolve()
    try:
        base = Path(os.path.commonpath([str(revision.toplevel), str(cwd), *(str(p.settings.root) for p in parts)]))
    except ValueError:  # several drives on Windows
        raise SinceError(f"--since {revision.ref}: the project is on more than one drive") from None
    counted: Counter[Key] = Counter()
    errors: list[str] = []
    if revision.tree is None:
        return counted, errors
    with checkout(revision, base) as copy:
        where = Copy(base, copy)
        copy_cwd, copy_top = where(cwd), where(revision.toplevel)
        for part in parts:
            # (A path missing from the working tree is reported by its run.)
            found = [asked(raw, cwd) for raw in part.paths]
            paths = [path for path in map(where, filter(os.path.lexists, found)) if os.path.lexists(path)]
            if not paths:
                continue
            settings = part.settings
            # (``config_path`` is not read by a run: it stays where the configuration is.)
            moved = replace(settings, root=where(settings.root))
            # Keyed by the working tree's settings: a copy's entries are those of the same content there.
            shared = Cache(settings.root, settings, copy=True) if cache else None
            result = check_paths(paths, moved, copy_cwd, progress=progress, cache=shared, jobs=jobs, release=False)
            for diagnostic in result.diagnostics:
                counted[key(diagnostic, copy_cwd, copy_top)] += 1
            errors.extend(f"at {revision.ref}: {line}" for line in result.errors)
    return counted, errors
