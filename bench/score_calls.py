#!/usr/bin/env python3
"""Score ``ailint calls`` against the hand-labelled call sites in ``bench/labels``.

Each CSV under ``bench/labels/`` holds the labels of one public repository, with the
header ``repo,commit,path,line,kind,provider,api,note``.  ``kind`` is ``direct`` (a call
of a model API), ``wrapper`` (a call of a project function or method that returns a
model's output) or ``negative`` (a look-alike that must not be reported).  ``line`` is
the 1-based line of the first token of the callee, which is the line ``ailint calls``
reports.  A note starting with ``HARD:`` marks a site whose resolution needs more than
the common forms (it is still a true label and still counts).

The corpus is the repositories exported at the labelled commits, one directory per
repository named ``<owner>+<name>`` under ``--corpus`` (see ``bench/README.md``).  For
each repository this script runs ``ailint calls --format json .`` with the repository
directory as the working directory, keeps only the calls in files that carry at least
one label (unlabelled files were not reviewed) and reports:

* direct recall: labelled ``direct`` sites with a reported call at that path and line;
* wrapper recall: the same for labelled ``wrapper`` sites;
* precision: reported call lines that are labelled ``direct``/``wrapper`` against those
  that hit a ``negative`` label.  Reported lines that carry no label are listed apart as
  "to review" (the labeller may have missed them); a pessimistic precision that counts
  them as false positives is printed too.

Several calls reported on one line count once.  A labelled site is found whatever kind
ailint gives it; kind and provider disagreements are listed for information.

Examples::

    python bench/score_calls.py --corpus /tmp/corpus
    python bench/score_calls.py --corpus /tmp/corpus --repo openai/openai-python -v
    python bench/score_calls.py --corpus /tmp/corpus --save-json /tmp/calls   # keep outputs
    python bench/score_calls.py --corpus /tmp/corpus --load-json /tmp/calls   # rescore them
    python bench/score_calls.py --fetch-help                                  # how to build the corpus

Only the standard library is used.  Exit status: 0 when scoring ran (whatever the
scores), 2 on a usage or setup error, 3 when ``--fail-under`` thresholds are not met.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import os
import shlex
import subprocess
import sys
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

HEADER: tuple[str, ...] = ("repo", "commit", "path", "line", "kind", "provider", "api", "note")
KINDS: frozenset[str] = frozenset({"direct", "wrapper", "negative"})
POSITIVE_KINDS: frozenset[str] = frozenset({"direct", "wrapper"})
DEFAULT_LABELS: Path = Path(__file__).resolve().parent / "labels"


class BenchError(Exception):
    """A problem with the labels, the corpus or the ailint output that stops scoring."""


@dataclass(frozen=True)
class Label:
    """One hand-labelled site."""

    repo: str
    commit: str
    path: str
    line: int
    kind: str
    provider: str
    api: str
    note: str

    @property
    def hard(self) -> bool:
        """Whether the labeller marked the site as needing more than the common forms."""
        return self.note.startswith("HARD:")


@dataclass(frozen=True)
class Call:
    """One call site as reported by ``ailint calls --format json``."""

    path: str
    line: int
    kind: str
    provider: str
    api: str
    function: str


@dataclass
class RepoScore:
    """The comparison of one repository's labels with ailint's calls."""

    repo: str
    commit: str
    labels: list[Label]
    calls: list[Call] = field(default_factory=list)
    skipped: str = ""
    found: list[Label] = field(default_factory=list)
    missed: list[Label] = field(default_factory=list)
    true_positives: list[tuple[tuple[str, int], list[Call]]] = field(default_factory=list)
    false_positives: list[tuple[Label, list[Call]]] = field(default_factory=list)
    to_review: list[tuple[tuple[str, int], list[Call]]] = field(default_factory=list)
    kind_mismatches: list[tuple[Label, list[Call]]] = field(default_factory=list)
    provider_mismatches: list[tuple[Label, list[Call]]] = field(default_factory=list)
    calls_outside: int = 0

    def counts(self) -> dict[str, int]:
        """Counts needed for recall and precision."""
        return {
            "direct_labels": sum(1 for lab in self.labels if lab.kind == "direct"),
            "direct_found": sum(1 for lab in self.found if lab.kind == "direct"),
            "wrapper_labels": sum(1 for lab in self.labels if lab.kind == "wrapper"),
            "wrapper_found": sum(1 for lab in self.found if lab.kind == "wrapper"),
            "negative_labels": sum(1 for lab in self.labels if lab.kind == "negative"),
            "true_positive_lines": len(self.true_positives),
            "false_positive_lines": len(self.false_positives),
            "to_review_lines": len(self.to_review),
            "hard_labels": sum(1 for lab in self.labels if lab.hard and lab.kind in POSITIVE_KINDS),
            "hard_missed": sum(1 for lab in self.missed if lab.hard),
        }


def norm_path(raw: str, base: Path | None = None) -> str:
    """A repository-relative POSIX path: no ``./``, forward slashes, relative to ``base``."""
    text = raw.replace("\\", "/").strip()
    if base is not None and os.path.isabs(text):
        with contextlib.suppress(ValueError):  # outside the repository: keep it absolute
            text = Path(text).resolve().relative_to(base.resolve()).as_posix()
    while text.startswith("./"):
        text = text[2:]
    return PurePosixPath(text).as_posix() if text else text


def norm_provider(name: str) -> str:
    """Provider names compared case-insensitively, with ``_`` and ``-`` equal."""
    return name.strip().lower().replace("_", "-")


def read_labels(directory: Path, only: Sequence[str] = ()) -> dict[str, list[Label]]:
    """All labels under ``directory``, by repository, optionally restricted to ``only``."""
    files = sorted(directory.glob("*.csv"))
    if not files:
        raise BenchError(f"no label files (*.csv) in {directory}")
    by_repo: dict[str, list[Label]] = {}
    for file in files:
        with file.open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            if tuple(reader.fieldnames or ()) != HEADER:
                raise BenchError(f"{file}: header must be {','.join(HEADER)}, got {reader.fieldnames}")
            for number, row in enumerate(reader, start=2):
                try:
                    label = Label(
                        repo=row["repo"].strip(),
                        commit=row["commit"].strip(),
                        path=norm_path(row["path"]),
                        line=int(row["line"]),
                        kind=row["kind"].strip(),
                        provider=row["provider"].strip(),
                        api=row["api"].strip(),
                        note=(row["note"] or "").strip(),
                    )
                except (TypeError, ValueError, AttributeError) as exc:
                    raise BenchError(f"{file}:{number}: malformed row {row!r}: {exc}") from exc
                if label.kind not in KINDS:
                    raise BenchError(f"{file}:{number}: kind must be one of {sorted(KINDS)}, got {label.kind!r}")
                if label.line < 1 or not label.path or "/" not in label.repo:
                    raise BenchError(f"{file}:{number}: bad repo, path or line in {row!r}")
                by_repo.setdefault(label.repo, []).append(label)
    for repo, labels in by_repo.items():
        commits = {lab.commit for lab in labels}
        if len(commits) != 1:
            raise BenchError(f"{repo}: labels name several commits {sorted(commits)}")
        seen: dict[tuple[str, int], Label] = {}
        for lab in labels:
            key = (lab.path, lab.line)
            if key in seen:
                raise BenchError(f"{repo}: {lab.path}:{lab.line} is labelled twice")
            seen[key] = lab
    if only:
        unknown = sorted(set(only) - set(by_repo))
        if unknown:
            raise BenchError(f"no labels for {', '.join(unknown)}; known: {', '.join(sorted(by_repo))}")
        by_repo = {repo: by_repo[repo] for repo in only}
    return by_repo


def repo_dir_name(repo: str) -> str:
    """``owner/name`` -> ``owner+name``, the corpus directory of a repository."""
    owner, _, name = repo.partition("/")
    return f"{owner}+{name}"


def extract_json(text: str) -> Any:
    """The JSON document in ``text``, tolerating log lines printed before or after it."""
    stripped = text.strip()
    if not stripped:
        raise BenchError("ailint printed nothing on stdout")
    try:
        return json.loads(stripped)
    except json.JSONDecodeError:
        pass
    decoder = json.JSONDecoder()
    for index, char in enumerate(text):
        if char == "{":
            try:
                document, _ = decoder.raw_decode(text, index)
            except json.JSONDecodeError:
                continue
            if isinstance(document, dict) and "calls" in document:
                return document
    raise BenchError(f"no JSON object with 'calls' in ailint output (starts {stripped[:200]!r})")


def parse_calls(document: Any, base: Path | None = None) -> list[Call]:
    """The calls of an ``ailint calls --format json`` document."""
    if not isinstance(document, dict) or not isinstance(document.get("calls"), list):
        raise BenchError("ailint JSON must be an object with a 'calls' list")
    calls: list[Call] = []
    for index, item in enumerate(document["calls"]):
        if not isinstance(item, dict):
            raise BenchError(f"calls[{index}] is not an object: {item!r}")
        try:
            path = norm_path(str(item["path"]), base)
            line = int(item["line"])
        except (KeyError, TypeError, ValueError) as exc:
            raise BenchError(f"calls[{index}] lacks a usable path/line: {item!r}") from exc
        calls.append(
            Call(
                path=path,
                line=line,
                kind=str(item.get("kind") or ""),
                provider=str(item.get("provider") or ""),
                api=str(item.get("api") or ""),
                function=str(item.get("function") or ""),
            )
        )
    return calls


def run_ailint(command: Sequence[str], repo_dir: Path, targets: Sequence[str], timeout: float) -> str:
    """Run ``ailint calls --format json TARGETS`` in ``repo_dir`` and return its stdout."""
    argv = [*command, "calls", "--format", "json", *targets]
    try:
        done = subprocess.run(argv, cwd=repo_dir, capture_output=True, text=True, timeout=timeout, check=False)
    except FileNotFoundError as exc:
        raise BenchError(f"cannot run {argv[0]!r}: {exc}; pass --ailint") from exc
    except subprocess.TimeoutExpired as exc:
        raise BenchError(f"ailint timed out after {timeout:.0f}s in {repo_dir}") from exc
    if done.returncode not in (0, 1) and not done.stdout.strip():
        tail = done.stderr.strip()[-2000:]
        raise BenchError(f"ailint exited {done.returncode} in {repo_dir}: {tail}")
    return done.stdout


def score(repo: str, labels: list[Label], calls: list[Call]) -> RepoScore:
    """Compare one repository's labels with the calls ailint reported there."""
    result = RepoScore(repo=repo, commit=labels[0].commit, labels=labels, calls=calls)
    labelled_files = {lab.path for lab in labels}
    by_position: dict[tuple[str, int], Label] = {(lab.path, lab.line): lab for lab in labels}
    reported: dict[tuple[str, int], list[Call]] = {}
    for call in calls:
        if call.path in labelled_files:
            reported.setdefault((call.path, call.line), []).append(call)
        else:
            result.calls_outside += 1
    for lab in sorted(labels, key=lambda item: (item.path, item.line)):
        if lab.kind not in POSITIVE_KINDS:
            continue
        hits = reported.get((lab.path, lab.line))
        if not hits:
            result.missed.append(lab)
            continue
        result.found.append(lab)
        if all(hit.kind and hit.kind != lab.kind for hit in hits):
            result.kind_mismatches.append((lab, hits))
        if lab.kind == "direct" and lab.provider:
            wanted = norm_provider(lab.provider)
            if all(hit.provider and norm_provider(hit.provider) != wanted for hit in hits):
                result.provider_mismatches.append((lab, hits))
    for position in sorted(reported):
        hits = reported[position]
        labelled = by_position.get(position)
        if labelled is None:
            result.to_review.append((position, hits))
        elif labelled.kind == "negative":
            result.false_positives.append((labelled, hits))
        else:
            result.true_positives.append((position, hits))
    return result


def ratio(numerator: int, denominator: int) -> str:
    """``n/d = 0.xxx`` or ``n/a`` when nothing was counted."""
    if denominator == 0:
        return "n/a"
    return f"{numerator}/{denominator} = {numerator / denominator:.3f}"


def describe(calls: Iterable[Call]) -> str:
    """A short description of the calls reported at one position."""
    parts = []
    for call in calls:
        text = "/".join(bit for bit in (call.kind, call.provider, call.api) if bit) or "?"
        if call.function:
            text += f" in {call.function}"
        parts.append(text)
    return "; ".join(parts)


def summary_lines(title: str, counts: Counter[str]) -> list[str]:
    """The score block of one repository or of the total."""
    tp = counts["true_positive_lines"]
    fp = counts["false_positive_lines"]
    review = counts["to_review_lines"]
    return [
        title,
        f"  direct recall      {ratio(counts['direct_found'], counts['direct_labels'])}",
        f"  wrapper recall     {ratio(counts['wrapper_found'], counts['wrapper_labels'])}",
        f"  precision          {ratio(tp, tp + fp)}  (labelled lines only)",
        f"  precision, strict  {ratio(tp, tp + fp + review)}  (unlabelled hits counted as false)",
        f"  to review          {review} reported line(s) without a label",
        f"  HARD labels missed {counts['hard_missed']} of {counts['hard_labels']}",
    ]


def report(results: list[RepoScore], verbose: bool) -> tuple[str, Counter[str]]:
    """The human-readable report and the total counts."""
    out: list[str] = []
    total: Counter[str] = Counter()
    for res in results:
        out.append("")
        if res.skipped:
            out.append(f"== {res.repo} @ {res.commit[:12]}: SKIPPED ({res.skipped})")
            continue
        counts = Counter(res.counts())
        total.update(counts)
        files = len({lab.path for lab in res.labels})
        out.extend(summary_lines(f"== {res.repo} @ {res.commit[:12]} ({files} labelled files)", counts))
        for lab in res.missed:
            hard = " [HARD]" if lab.hard else ""
            out.append(f"  MISS {lab.kind:8} {lab.path}:{lab.line} {lab.provider} {lab.api}{hard} -- {lab.note}")
        for lab, hits in res.false_positives:
            out.append(f"  FALSE POSITIVE {lab.path}:{lab.line} reported as {describe(hits)} -- {lab.note}")
        for (path, line), hits in res.to_review:
            out.append(f"  TO REVIEW {path}:{line} reported as {describe(hits)}")
        if verbose:
            for lab, hits in res.kind_mismatches:
                out.append(f"  kind differs {lab.path}:{lab.line} labelled {lab.kind}, reported {describe(hits)}")
            for lab, hits in res.provider_mismatches:
                out.append(
                    f"  provider differs {lab.path}:{lab.line} labelled {lab.provider}, reported {describe(hits)}"
                )
            out.append(f"  ({res.calls_outside} call(s) reported in unlabelled files, not scored)")
    out.append("")
    out.extend(summary_lines("== TOTAL", total))
    return "\n".join(out).lstrip("\n"), total


def json_summary(results: list[RepoScore], total: Counter[str]) -> dict[str, Any]:
    """A machine-readable summary of the run."""

    def rate(num: int, den: int) -> float | None:
        return None if den == 0 else num / den

    def block(counts: Counter[str] | dict[str, int]) -> dict[str, Any]:
        c = Counter(counts)
        tp, fp, rv = c["true_positive_lines"], c["false_positive_lines"], c["to_review_lines"]
        return {
            **dict(c),
            "direct_recall": rate(c["direct_found"], c["direct_labels"]),
            "wrapper_recall": rate(c["wrapper_found"], c["wrapper_labels"]),
            "precision": rate(tp, tp + fp),
            "precision_strict": rate(tp, tp + fp + rv),
        }

    repos = []
    for res in results:
        entry: dict[str, Any] = {"repo": res.repo, "commit": res.commit}
        if res.skipped:
            entry["skipped"] = res.skipped
        else:
            entry.update(block(res.counts()))
            entry["missed"] = [f"{lab.path}:{lab.line}" for lab in res.missed]
            entry["false_positives"] = [f"{lab.path}:{lab.line}" for lab, _ in res.false_positives]
            entry["to_review"] = [f"{path}:{line}" for (path, line), _ in res.to_review]
        repos.append(entry)
    return {"repos": repos, "total": block(total)}


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--corpus", type=Path, help="directory holding <owner>+<name>/ exports (required to score)")
    parser.add_argument("--labels", type=Path, default=DEFAULT_LABELS, help="directory of label CSVs")
    parser.add_argument("--repo", action="append", default=[], help="score only this owner/name (repeatable)")
    parser.add_argument(
        "--ailint", default="ailint", help="command that runs ailint, e.g. 'python -m ailint' (default: ailint)"
    )
    parser.add_argument(
        "--scope",
        choices=("repo", "files"),
        default="repo",
        help="run ailint on the whole repository (default) or only on the labelled files",
    )
    parser.add_argument("--timeout", type=float, default=1800.0, help="seconds allowed per repository")
    parser.add_argument("--save-json", type=Path, help="also write each ailint JSON output to DIR/<owner>+<name>.json")
    parser.add_argument("--load-json", type=Path, help="score saved outputs DIR/<owner>+<name>.json instead of running")
    parser.add_argument("--json", action="store_true", help="print a JSON summary instead of the text report")
    parser.add_argument("-v", "--verbose", action="store_true", help="also list kind/provider disagreements")
    parser.add_argument(
        "--fetch-help", action="store_true", help="print shell commands that recreate the corpus, then exit"
    )
    parser.add_argument(
        "--fail-under",
        nargs=3,
        type=float,
        metavar=("PRECISION", "DIRECT_RECALL", "WRAPPER_RECALL"),
        help="exit 3 when the total scores are below these thresholds",
    )
    return parser.parse_args(argv)


FETCH_TEMPLATE = """\
# {repo} @ {commit}
git clone --filter=blob:none https://github.com/{repo}.git "$SRC/{dirname}"
git -C "$SRC/{dirname}" checkout --quiet {commit}
mkdir -p "$CORPUS/{dirname}"
git -C "$SRC/{dirname}" archive {commit} | tar -x -C "$CORPUS/{dirname}"
"""


def fetch_help(by_repo: dict[str, list[Label]], corpus: Path | None) -> str:
    """Shell commands that recreate the corpus at the labelled commits."""
    lines = [
        "# Recreate the corpus used by bench/labels (see bench/README.md).",
        f'CORPUS="{corpus or "/tmp/corpus"}"   # pass the same directory as --corpus',
        'SRC="${SRC:-/tmp/corpus-src}"       # scratch clones',
        'mkdir -p "$CORPUS" "$SRC"',
        "",
    ]
    for repo in sorted(by_repo):
        commit = by_repo[repo][0].commit
        lines.append(FETCH_TEMPLATE.format(repo=repo, commit=commit, dirname=repo_dir_name(repo)))
    return "\n".join(lines)


def collect(args: argparse.Namespace, repo: str, labels: list[Label]) -> RepoScore:
    """Obtain ailint's calls for one repository (run or load) and score them."""
    name = repo_dir_name(repo)
    repo_dir = args.corpus / name
    if args.load_json is not None:
        saved = args.load_json / f"{name}.json"
        if not saved.is_file():
            return RepoScore(repo=repo, commit=labels[0].commit, labels=labels, skipped=f"no {saved}")
        text = saved.read_text(encoding="utf-8")
    else:
        if not repo_dir.is_dir():
            return RepoScore(repo=repo, commit=labels[0].commit, labels=labels, skipped=f"no directory {repo_dir}")
        missing = sorted({lab.path for lab in labels if not (repo_dir / lab.path).is_file()})
        if missing:
            note = f"{len(missing)} labelled file(s) absent, e.g. {missing[0]}; wrong commit?"
            return RepoScore(repo=repo, commit=labels[0].commit, labels=labels, skipped=note)
        targets = ["."] if args.scope == "repo" else sorted({lab.path for lab in labels})
        text = run_ailint(shlex.split(args.ailint), repo_dir, targets, args.timeout)
        if args.save_json is not None:
            args.save_json.mkdir(parents=True, exist_ok=True)
            (args.save_json / f"{name}.json").write_text(text, encoding="utf-8")
    calls = parse_calls(extract_json(text), repo_dir if repo_dir.is_dir() else None)
    return score(repo, labels, calls)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point."""
    args = parse_args(argv)
    try:
        by_repo = read_labels(args.labels, args.repo)
        if args.fetch_help:
            print(fetch_help(by_repo, args.corpus))
            return 0
        if args.corpus is None:
            raise BenchError("--corpus is required (or use --fetch-help to see how to build it)")
        if args.load_json is None and not args.corpus.is_dir():
            raise BenchError(f"corpus directory {args.corpus} does not exist (see bench/README.md)")
        results: list[RepoScore] = []
        for repo in sorted(by_repo):
            try:
                results.append(collect(args, repo, by_repo[repo]))
            except BenchError as exc:
                results.append(
                    RepoScore(repo=repo, commit=by_repo[repo][0].commit, labels=by_repo[repo], skipped=str(exc))
                )
    except BenchError as exc:
        print(f"score_calls: {exc}", file=sys.stderr)
        return 2
    text, total = report(results, args.verbose)
    if args.json:
        print(json.dumps(json_summary(results, total), indent=2))
    else:
        print(text)
    if any(res.skipped for res in results):
        print("score_calls: some repositories were skipped; totals cover the rest", file=sys.stderr)
    if args.fail_under:
        summary = json_summary(results, total)["total"]
        wanted = dict(zip(("precision", "direct_recall", "wrapper_recall"), args.fail_under, strict=True))
        low = [key for key, floor in wanted.items() if summary[key] is None or summary[key] < floor]
        if low:
            print(f"score_calls: below threshold: {', '.join(low)}", file=sys.stderr)
            return 3
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BrokenPipeError:  # output piped into head & co.
        sys.stderr.close()
        sys.exit(0)
