#!/usr/bin/env python3
"""Agreement of ``ailint calls`` with a careful reader's verdict on each concern, per labelled call site.

``bench/labels/blind/concerns/<owner>+<name>.csv`` (header
``repo,commit,path,line,validation,logging,errors,timeout,note``) holds, for labelled call
sites, the reader's ``pass``, ``fail`` or ``n/a`` per concern, judged as SPEC section 2 says
(a concern handled anywhere on the path counts). The script reads saved ``ailint calls
--format json`` outputs (``bench/score_calls.py --save-json DIR``) and reports, per concern,
the share of labelled sites that ailint lists where its status equals the reader's. A site
ailint does not list is left out (its recall is ``score_calls.py``'s business).

    python bench/score_concerns.py --load-json /tmp/calls [--labels bench/labels/blind/concerns]

Only the standard library is used.
"""

from __future__ import annotations

import argparse
import csv
import json
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
CONCERNS = {"validation": "validation", "logging": "logging", "errors": "errors", "timeout": "timeout"}
ROOTS = (HERE / "judged" / "roots.txt", HERE / "judged" / "blind" / "roots.txt")


def _roots() -> dict[str, str]:
    found: dict[str, str] = {}
    for roots in ROOTS:
        if not roots.exists():
            continue
        for line in roots.read_text(encoding="utf-8").splitlines():
            parts = line.split("#", 1)[0].split()
            if len(parts) == 2:
                found[parts[0]] = "" if parts[1] == "." else parts[1]
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--labels", type=Path, default=HERE / "labels" / "blind" / "concerns")
    parser.add_argument("--load-json", type=Path, required=True, help="saved ailint calls outputs, <owner>+<name>.json")
    parser.add_argument("--root-relative", action="store_true", help="outputs were made at the repository root")
    args = parser.parse_args()
    roots = {} if args.root_relative else _roots()
    agree: Counter[str] = Counter()
    seen: Counter[str] = Counter()
    for path in sorted(args.labels.glob("*.csv")):
        rows = list(csv.DictReader(path.open(newline="", encoding="utf-8")))
        if not rows:
            continue
        repo = rows[0]["repo"]
        try:
            output = json.loads((args.load_json / f"{repo.replace('/', '+')}.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            print(f"== {repo}: no saved output")
            continue
        prefix = f"{roots[repo]}/" if repo in roots else ""
        listed: dict[tuple[str, int], dict[str, str]] = {}
        for call in output["calls"]:
            listed.setdefault((prefix + call["path"], call["line"]), call["checks"])
        mine: Counter[str] = Counter()
        mine_seen: Counter[str] = Counter()
        for row in rows:
            checks = listed.get((row["path"], int(row["line"])))
            if checks is None:
                continue
            for label, check in CONCERNS.items():
                expected = row[label].strip()
                if expected not in ("pass", "fail", "n/a"):
                    continue
                mine_seen[label] += 1
                mine[label] += checks.get(check) == expected
        agree.update(mine)
        seen.update(mine_seen)
        shown = ", ".join(f"{c} {mine[c]}/{mine_seen[c]}" for c in CONCERNS if mine_seen[c])
        print(f"== {repo}: {shown}")
    print("== TOTAL")
    for concern in CONCERNS:
        if seen[concern]:
            print(f"  {concern:11} {agree[concern]}/{seen[concern]} = {agree[concern] / seen[concern]:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
