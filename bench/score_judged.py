#!/usr/bin/env python3
"""Score ``ailint check`` against diagnostics a careful reader judged in their source context.

Each CSV under ``bench/judged/`` holds the judged diagnostics of one public application, with
the header ``repo,commit,path,line,code,verdict,reason``: ``verdict`` is ``TRUE`` (right and
worth acting on), ``FALSE`` (wrong) or ``NOISE`` (true, but nobody would want it). Paths are
from the repository root. ``bench/judged/roots.txt`` names the folder of a repository that is
its Python project (``reworkd/AgentGPT platform``); ailint runs there, as a user would.

For each repository the script runs ``ailint check --format json --no-cache .`` in that folder
and matches diagnostics to judged items by path, line and code. It reports:

* precision: TRUE / (TRUE + FALSE) among the judged items ailint still reports;
* noise: NOISE / (TRUE + FALSE + NOISE) among them;
* judged items that disappeared (per verdict: a FALSE or NOISE gone is a gain, a TRUE gone a loss);
* new diagnostics nobody judged yet (to judge, then add to the CSV).

Examples::

    python bench/score_judged.py --corpus /work/corpus
    python bench/score_judged.py --corpus /work/corpus --ailint /path/to/other/ailint -v
    python bench/score_judged.py --corpus /work/corpus --load-json /tmp/checks   # rescore saved outputs

Only the standard library is used. Exit status: 0 when scoring ran, 2 on a usage or setup error.
"""

from __future__ import annotations

import argparse
import csv
import json
import shlex
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DEFAULT_JUDGED = HERE / "judged"
VERDICTS = ("TRUE", "FALSE", "NOISE")


def read_judged(folder: Path) -> dict[str, list[dict[str, str]]]:
    found: dict[str, list[dict[str, str]]] = defaultdict(list)
    for path in sorted(folder.glob("*.csv")):
        with open(path, newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                if row.get("verdict") not in VERDICTS:
                    raise SystemExit(f"score_judged: {path.name}: bad verdict {row.get('verdict')!r}")
                found[row["repo"]].append(row)
    return found


def read_roots(folder: Path) -> dict[str, str]:
    roots: dict[str, str] = {}
    path = folder / "roots.txt"
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            parts = line.split("#", 1)[0].split()
            if len(parts) == 2:
                roots[parts[0]] = "" if parts[1] == "." else parts[1]
    return roots


def run_ailint(command: str, where: Path, timeout: float) -> dict[str, Any] | None:
    try:
        done = subprocess.run(
            [*shlex.split(command), "check", "--format", "json", "--no-cache", "--exit-zero", "."],
            cwd=where,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        print(f"score_judged: {where}: {exc}", file=sys.stderr)
        return None
    if not done.stdout.strip():
        print(f"score_judged: {where}: no output (exit {done.returncode}): {done.stderr[-300:]}", file=sys.stderr)
        return None
    loaded: dict[str, Any] = json.loads(done.stdout)
    return loaded


def score(rows: list[dict[str, str]], reported: set[tuple[str, int, str]]) -> dict[str, Any]:
    kept: Counter[str] = Counter()
    gone: Counter[str] = Counter()
    judged_keys = set()
    gone_items = []
    for row in rows:
        key = (row["path"], int(row["line"]), row["code"])
        judged_keys.add(key)
        if key in reported:
            kept[row["verdict"]] += 1
        else:
            gone[row["verdict"]] += 1
            gone_items.append(row)
    true, false, noise = kept["TRUE"], kept["FALSE"], kept["NOISE"]
    total = true + false + noise
    return {
        "kept": dict(kept),
        "gone": dict(gone),
        "precision": true / (true + false) if true + false else None,
        "noise": noise / total if total else None,
        "unjudged": sorted(reported - judged_keys),
        "gone_items": gone_items,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--corpus", type=Path, required=True, help="directory holding <owner>+<name>/ exports")
    parser.add_argument("--judged", type=Path, default=DEFAULT_JUDGED, help="directory of judged CSVs")
    parser.add_argument("--ailint", default="ailint", help="command that runs ailint (default: ailint)")
    parser.add_argument("--repo", action="append", help="score only this owner/name (repeatable)")
    parser.add_argument("--timeout", type=float, default=900.0)
    parser.add_argument("--save-json", type=Path, help="also write each ailint output to DIR/<owner>+<name>.json")
    parser.add_argument("--load-json", type=Path, help="score saved outputs instead of running ailint")
    parser.add_argument("--json", action="store_true", help="print a JSON summary")
    parser.add_argument("-v", "--verbose", action="store_true", help="list items gone and diagnostics to judge")
    args = parser.parse_args(argv)
    judged = read_judged(args.judged)
    roots = read_roots(args.judged)
    totals: Counter[str] = Counter()
    gone_totals: Counter[str] = Counter()
    unjudged_total = 0
    summary: dict[str, Any] = {}
    for repo, rows in sorted(judged.items()):
        if args.repo and repo not in args.repo:
            continue
        name = repo.replace("/", "+")
        root = roots.get(repo, "")
        if args.load_json is not None:
            try:
                output = json.loads((args.load_json / f"{name}.json").read_text(encoding="utf-8"))
            except (OSError, ValueError):
                output = None
        else:
            where = args.corpus / name / root
            if not where.is_dir():
                print(f"== {repo}: SKIPPED ({where} is missing)")
                continue
            output = run_ailint(args.ailint, where, args.timeout)
            if output is not None and args.save_json is not None:
                args.save_json.mkdir(parents=True, exist_ok=True)
                (args.save_json / f"{name}.json").write_text(json.dumps(output), encoding="utf-8")
        if output is None:
            print(f"== {repo}: SKIPPED (no output)")
            continue
        prefix = f"{root}/" if root else ""
        reported = {(prefix + d["path"], d["line"], d["code"]) for d in output["diagnostics"]}
        result = score(rows, reported)
        totals.update(result["kept"])
        gone_totals.update(result["gone"])
        unjudged_total += len(result["unjudged"])
        summary[repo] = {k: v for k, v in result.items() if k not in ("gone_items", "unjudged")}
        summary[repo]["unjudged"] = len(result["unjudged"])
        if not args.json:
            _print(repo, result, len(output["diagnostics"]), args.verbose)
    true, false, noise = totals["TRUE"], totals["FALSE"], totals["NOISE"]
    kept = true + false + noise
    overall = {
        "kept": dict(totals),
        "gone": dict(gone_totals),
        "precision": true / (true + false) if true + false else None,
        "noise": noise / kept if kept else None,
        "unjudged": unjudged_total,
    }
    if args.json:
        print(json.dumps({"repos": summary, "total": overall}, indent=2))
    else:
        print("== TOTAL")
        print(f"  judged still reported  TRUE {true}  FALSE {false}  NOISE {noise}")
        print(f"  precision              {_ratio(true, true + false)}")
        print(f"  noise                  {_ratio(noise, kept)}")
        print(f"  gone                   {dict(gone_totals)}")
        print(f"  new, to judge          {unjudged_total}")
    return 0


def _ratio(part: int, whole: int) -> str:
    return f"{part}/{whole} = {part / whole:.3f}" if whole else "n/a"


def _print(repo: str, result: dict[str, Any], reported: int, verbose: bool) -> None:
    kept = result["kept"]
    true, false, noise = kept.get("TRUE", 0), kept.get("FALSE", 0), kept.get("NOISE", 0)
    print(f"== {repo} ({reported} diagnostics)")
    print(f"  judged still reported  TRUE {true}  FALSE {false}  NOISE {noise}")
    print(f"  precision              {_ratio(true, true + false)}")
    print(f"  noise                  {_ratio(noise, true + false + noise)}")
    print(f"  gone                   {result['gone']}")
    print(f"  new, to judge          {len(result['unjudged'])}")
    if verbose:
        for row in result["gone_items"]:
            print(f"  GONE {row['verdict']:5} {row['path']}:{row['line']} {row['code']}  {row['reason'][:100]}")
        for path, line, code in result["unjudged"]:
            print(f"  JUDGE {path}:{line} {code}")


if __name__ == "__main__":
    sys.exit(main())
