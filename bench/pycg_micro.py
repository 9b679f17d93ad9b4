#!/usr/bin/env python3
"""Score ``ailint callgraph`` and PyCG, side by side, on PyCG's call-graph micro-benchmark.

What it measures
----------------
PyCG (https://github.com/vitsalis/PyCG, ICSE 2021) ships a micro-benchmark of 119 small
programs: ``micro-benchmark/snippets/<category>/<name>/`` holds ``main.py`` (sometimes with
other modules and packages) and the expected call graph ``callgraph.json``, a JSON object
that maps each function's qualified name to the qualified names it calls.  Module-level code
is named by its module (``main``), functions ``main.func``, methods ``main.A.m``, nested
functions ``main.f.g``, functions of other modules of the snippet ``to_import.func`` or
``nested.to_import.func``, and lambdas ``main.<lambda1>``: the lambdas of one scope, numbered
from 1 in source order.

In one run this script runs both tools on every snippet, each on a fresh copy of the snippet:

* PyCG from its source: ``python -m pycg --package SNIPPET SNIPPET/main.py -o OUT`` with
  ``PYTHONPATH`` set to ``--pycg-src``;
* ailint: ``ailint callgraph --format pycg --no-cache .`` with the snippet as the working
  directory.  It must print a JSON object in the same shape as ``callgraph.json``.

Both graphs and the expected one are filtered in the same way before they are compared:
only the snippet's own code is kept, that is names equal to a module of the snippet (found
from its ``.py`` files: ``main``, ``nested`` for ``nested/__init__.py``, ``nested.to_import``)
or under one (``main.A.__init__``).  Builtins (``<builtin>.print``, ``<**PyStr**>.join``) and
external modules (``os.path.join``, ``ext.Cls``) are dropped, as callers and as callees.  A
node left with no callees stays; no node is added.

For each tool, per category and in total, it reports:

* exact: snippets whose filtered graph equals the expected one, both in its nodes (the keys
  and the callees) and in its edges;
* edge precision and recall over all (caller, callee) edges of the filtered graphs.

A snippet where a tool crashes, times out (``--timeout``, 10 s) or prints no JSON object
counts as not exact, with all its expected edges missed and no edge reported.  The summary
also gives the number of snippets whose edges are right when the listing of edge-less nodes
is ignored ("edges right").

Lambdas: if ailint names a lambda otherwise than ``<lambdaN>`` (for instance ``<lambda:12>``
or ``<lambda@12:8>``), the first number in the name is taken as its line (a second one as its
column) and the name is mapped to PyCG's numbering of that scope.  The benchmark's names are
positional, so this is the only leniency.

Setup
-----
PyCG's PyPI release is not usable; run it from source (it needs only the standard library
and works on Python 3.11)::

    # the fetch tool gives a bare git directory DIR for github:vitsalis/PyCG, or clone it
    mkdir -p /work/pycg && git --git-dir=DIR archive HEAD | tar -x -C /work/pycg
    python3 -m venv /work/pycg-venv      # any Python 3.11 would do; this keeps it apart

ailint must provide ``ailint callgraph``.  If it does not, the script says so and reports
PyCG alone.

Examples::

    python bench/pycg_micro.py                                    # both tools
    python bench/pycg_micro.py --ailint .venv/bin/ailint -v       # list each failing snippet
    python bench/pycg_micro.py --only ailint -k dicts/ -v         # one category, ailint only
    python bench/pycg_micro.py --json > /tmp/pycg_micro.json      # machine-readable summary
    python bench/pycg_micro.py --save /tmp/cg                     # keep each tool's raw output

Only the standard library is used.  Exit status: 0 when scoring ran (whatever the scores),
2 on a usage or setup error (no snippets, or no tool that can run).
"""

from __future__ import annotations

import argparse
import ast
import concurrent.futures
import contextlib
import fnmatch
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO_ROOT: Path = Path(__file__).resolve().parent.parent
DEFAULT_SNIPPETS: Path = Path("/work/pycg/micro-benchmark/snippets")
DEFAULT_PYCG_SRC: Path = Path("/work/pycg")
DEFAULT_PYCG_PYTHON: Path = Path("/work/pycg-venv/bin/python")
TOOLS: tuple[str, ...] = ("pycg", "ailint")
LABELS: dict[str, str] = {"pycg": "PyCG", "ailint": "ailint"}

Graph = dict[str, set[str]]
Edge = tuple[str, str]


# --------------------------------------------------------------------------- snippets


@dataclass
class Snippet:
    category: str
    name: str
    path: Path
    expected: dict[str, list[str]]
    modules: frozenset[str]
    lambdas: dict[str, list[tuple[int, int, str]]]  # module -> [(line, col, pycg name)]

    @property
    def key(self) -> str:
        return f"{self.category}/{self.name}"


def module_names(root: Path) -> frozenset[str]:
    """Dotted names of the modules of a snippet: ``main``, ``nested``, ``nested.to_import``."""
    names: set[str] = set()
    for path in python_files(root):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        if parts:  # a root __init__.py has no name of its own under --package
            names.add(".".join(parts))
    return frozenset(names)


def python_files(root: Path) -> list[Path]:
    return sorted(
        p for p in root.rglob("*.py") if not any(part.startswith(".") or part == "__pycache__" for part in p.parts)
    )


def lambda_names(root: Path) -> dict[str, list[tuple[int, int, str]]]:
    """PyCG's name of every lambda, by module: the lambdas of a scope numbered from 1 in order."""
    result: dict[str, list[tuple[int, int, str]]] = {}
    for path in python_files(root):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        if not parts:
            continue
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"))
        except (SyntaxError, UnicodeDecodeError):
            continue
        found: list[tuple[int, int, str]] = []
        collect_lambdas(tree, ".".join(parts), {}, found)
        result[".".join(parts)] = found
    return result


def collect_lambdas(node: ast.AST, scope: str, counters: dict[str, int], found: list[tuple[int, int, str]]) -> None:
    for child in ast.iter_child_nodes(node):
        if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            collect_lambdas(child, f"{scope}.{child.name}", counters, found)
        elif isinstance(child, ast.Lambda):
            counters[scope] = counters.get(scope, 0) + 1
            name = f"{scope}.<lambda{counters[scope]}>"
            found.append((child.lineno, child.col_offset, name))
            collect_lambdas(child, name, counters, found)
        else:
            collect_lambdas(child, scope, counters, found)


def load_snippets(root: Path, patterns: Sequence[str]) -> list[Snippet]:
    snippets: list[Snippet] = []
    for expected_path in sorted(root.glob("*/*/callgraph.json")):
        path = expected_path.parent
        category, name = path.parent.name, path.name
        key = f"{category}/{name}"
        if patterns and not any(key.startswith(p) or fnmatch.fnmatchcase(key, p) for p in patterns):
            continue
        expected = json.loads(expected_path.read_text(encoding="utf-8"))
        snippets.append(Snippet(category, name, path, expected, module_names(path), lambda_names(path)))
    return snippets


# --------------------------------------------------------------------------- filtering


def owning_module(name: str, modules: Iterable[str]) -> str | None:
    """The longest module of the snippet that ``name`` is, or is under; None if outside."""
    best: str | None = None
    for module in modules:
        if (name == module or name.startswith(module + ".")) and (best is None or len(module) > len(best)):
            best = module
    return best


LAMBDA_SEGMENT = re.compile(r"<lambda[^>]*>")
PYCG_LAMBDA = re.compile(r"<lambda\d+>")


def normalise_lambda(name: str, snippet: Snippet) -> str:
    """Map a lambda name that carries its position to PyCG's ``<lambdaN>`` name."""
    match = LAMBDA_SEGMENT.search(name)
    if match is None or PYCG_LAMBDA.fullmatch(match.group()):
        return name
    module = owning_module(name, snippet.modules)
    numbers = [int(n) for n in re.findall(r"\d+", match.group())]
    if module is None or not numbers:
        return name
    candidates = [entry for entry in snippet.lambdas.get(module, []) if entry[0] == numbers[0]]
    if len(candidates) > 1 and len(numbers) > 1:
        by_col = [e for e in candidates if e[1] == numbers[1]] or [e for e in candidates if e[1] + 1 == numbers[1]]
        candidates = by_col
    if len(candidates) != 1:
        return name
    rest = name[match.end() :]
    return candidates[0][2] + normalise_lambda(rest, snippet) if rest else candidates[0][2]


def filtered(raw: dict[str, Any], snippet: Snippet, rename: Callable[[str], str] | None = None) -> Graph:
    """Keep the snippet's own nodes and edges; drop builtins and external modules."""

    def own(name: str) -> bool:
        return owning_module(name, snippet.modules) is not None

    graph: Graph = {}
    for caller, callees in raw.items():
        caller = rename(caller) if rename else caller
        if not own(caller):
            continue
        targets = graph.setdefault(caller, set())
        for callee in callees:
            callee = rename(callee) if rename else callee
            if own(callee):
                targets.add(callee)
    return graph


def edges(graph: Graph) -> set[Edge]:
    return {(caller, callee) for caller, callees in graph.items() for callee in callees}


def nodes(graph: Graph) -> set[str]:
    return set(graph) | {callee for callees in graph.values() for callee in callees}


def check_shape(data: Any) -> dict[str, list[str]]:
    if not isinstance(data, dict):
        raise ValueError(f"expected a JSON object, got {type(data).__name__}")
    for key, value in data.items():
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ValueError(f"the value of {key!r} is not a list of names")
    return data


# --------------------------------------------------------------------------- running


@dataclass
class Run:
    graph: dict[str, list[str]] | None
    error: str | None
    seconds: float


def run_command(
    argv: Sequence[str], cwd: Path, timeout: float, env: dict[str, str] | None = None
) -> tuple[int, str, str]:
    """Run argv in its own process group; on timeout kill the whole group and raise."""
    proc = subprocess.Popen(
        list(argv),
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise
    return proc.returncode, out, err


def tail(text: str, lines: int = 3) -> str:
    kept = [line for line in text.strip().splitlines() if line.strip()][-lines:]
    return " | ".join(kept)


def parse_json_object(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        start = text.find("{")  # tolerate a line of chatter before the object
        if start < 0:
            raise
        return json.loads(text[start:])


def run_pycg(snippet_dir: Path, work: Path, python: str, src: Path, timeout: float) -> Run:
    out_path = work / "pycg-out.json"
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(src), env.get("PYTHONPATH", "")]))
    argv = [python, "-m", "pycg", "--package", str(snippet_dir), str(snippet_dir / "main.py"), "-o", str(out_path)]
    start = time.perf_counter()
    try:
        code, _out, err = run_command(argv, work, timeout, env)
    except subprocess.TimeoutExpired:
        return Run(None, f"timed out after {timeout:g} s", time.perf_counter() - start)
    seconds = time.perf_counter() - start
    if code != 0 or not out_path.exists():
        return Run(None, f"exit {code}: {tail(err)}", seconds)
    try:
        return Run(check_shape(json.loads(out_path.read_text(encoding="utf-8"))), None, seconds)
    except ValueError as exc:  # JSONDecodeError is a ValueError
        return Run(None, f"bad output: {exc}", seconds)


def run_ailint(snippet_dir: Path, command: Sequence[str], timeout: float) -> Run:
    argv = [*command, "callgraph", "--format", "pycg", "--no-cache", "."]
    start = time.perf_counter()
    try:
        code, out, err = run_command(argv, snippet_dir, timeout)
    except subprocess.TimeoutExpired:
        return Run(None, f"timed out after {timeout:g} s", time.perf_counter() - start)
    seconds = time.perf_counter() - start
    try:
        return Run(check_shape(parse_json_object(out)), None, seconds)
    except ValueError as exc:
        detail = tail(err) or tail(out) or str(exc)
        return Run(None, f"exit {code}, no call graph: {detail}", seconds)


def ailint_status(command: Sequence[str]) -> tuple[bool, str]:
    """Whether ``ailint callgraph`` exists, and why not.

    ``ailint UNKNOWN --help`` falls back to ``ailint check --help``, so a zero exit status
    is not enough: the usage line must name ``callgraph``.
    """
    try:
        code, out, err = run_command([*command, "callgraph", "--help"], Path.cwd(), 30)
    except FileNotFoundError:
        return False, f"{shlex.join(command)!s} was not found"
    except subprocess.TimeoutExpired:
        return False, f"`{shlex.join(command)} callgraph --help` timed out"
    usage = next((line for line in out.splitlines() if line.lower().startswith("usage:")), "")
    if code != 0 or "callgraph" not in usage:
        shown = usage.strip() or tail(err) or f"exit {code}"
        return False, f"`{shlex.join(command)} callgraph` does not exist yet ({shown})"
    if "pycg" not in out:
        return True, "warning: `ailint callgraph --help` does not mention the pycg format"
    return True, ""


def default_ailint() -> str:
    if shutil.which("ailint"):
        return "ailint"
    local = REPO_ROOT / ".venv" / "bin" / "ailint"
    return str(local) if local.exists() else "ailint"


# --------------------------------------------------------------------------- scoring


@dataclass
class Result:
    snippet: Snippet
    error: str | None = None
    exact: bool = False
    edges_right: bool = False
    tp: int = 0
    fp: int = 0
    fn: int = 0
    missing: list[Edge] = field(default_factory=list)
    extra: list[Edge] = field(default_factory=list)
    missing_nodes: list[str] = field(default_factory=list)
    extra_nodes: list[str] = field(default_factory=list)
    seconds: float = 0.0


def score(snippet: Snippet, run: Run, rename: Callable[[str], str] | None = None) -> Result:
    expected = filtered(snippet.expected, snippet)
    want = edges(expected)
    if run.graph is None:
        return Result(snippet, error=run.error, fn=len(want), missing=sorted(want), seconds=run.seconds)
    got_graph = filtered(run.graph, snippet, rename)
    got = edges(got_graph)
    missing_nodes = sorted(nodes(expected) - nodes(got_graph))
    extra_nodes = sorted(nodes(got_graph) - nodes(expected))
    return Result(
        snippet,
        exact=got == want and not missing_nodes and not extra_nodes,
        edges_right=got == want,
        tp=len(got & want),
        fp=len(got - want),
        fn=len(want - got),
        missing=sorted(want - got),
        extra=sorted(got - want),
        missing_nodes=missing_nodes,
        extra_nodes=extra_nodes,
        seconds=run.seconds,
    )


@dataclass
class Tally:
    snippets: int = 0
    exact: int = 0
    edges_right: int = 0
    errors: int = 0
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, result: Result) -> None:
        self.snippets += 1
        self.exact += result.exact
        self.edges_right += result.edges_right
        self.errors += result.error is not None
        self.tp += result.tp
        self.fp += result.fp
        self.fn += result.fn

    @property
    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None

    def as_json(self) -> dict[str, Any]:
        return {
            "snippets": self.snippets,
            "exact": self.exact,
            "edges_right": self.edges_right,
            "errors": self.errors,
            "true_edges": self.tp,
            "extra_edges": self.fp,
            "missed_edges": self.fn,
            "precision": None if self.precision is None else round(self.precision, 4),
            "recall": None if self.recall is None else round(self.recall, 4),
        }


def tallies(results: Sequence[Result]) -> tuple[dict[str, Tally], Tally]:
    per_category: dict[str, Tally] = {}
    total = Tally()
    for result in results:
        per_category.setdefault(result.snippet.category, Tally()).add(result)
        total.add(result)
    return dict(sorted(per_category.items())), total


# --------------------------------------------------------------------------- reporting


def ratio(value: float | None) -> str:
    return "    -" if value is None else f"{value:.3f}"


def render_table(tools: Sequence[str], results: dict[str, list[Result]], categories: Sequence[str]) -> list[str]:
    per_tool = {tool: tallies(results[tool]) for tool in tools}
    width = max([len("category"), len("total"), *(len(c) for c in categories)])
    head = f"{'category':<{width}}   n"
    rule = "-" * (width + 4)
    for tool in tools:
        head += f" | {LABELS[tool] + ' exact':>12} {'prec':>5} {'recall':>6}"
        rule += "-+-" + "-" * 25
    lines = [head, rule]

    def row(label: str, category: str | None) -> str:
        text = f"{label:<{width}}"
        for i, tool in enumerate(tools):
            per_category, total = per_tool[tool]
            t = total if category is None else per_category.get(category, Tally())
            if i == 0:
                text += f" {t.snippets:>3}"
            text += f" | {f'{t.exact}/{t.snippets}':>12} {ratio(t.precision):>5} {ratio(t.recall):>6}"
        return text

    for category in categories:
        lines.append(row(category, category))
    lines.append(rule)
    lines.append(row("total", None))
    return lines


def fmt_edges(found: Iterable[Edge]) -> str:
    return ", ".join(f"{a} -> {b}" for a, b in found)


def failure_lines(result: Result) -> list[str]:
    key = result.snippet.key
    if result.error is not None:
        return [f"  ERROR {key}: {result.error}"]
    lines = [f"  FAIL  {key}"]
    if result.missing:
        lines.append(f"        missing: {fmt_edges(result.missing)}")
    if result.extra:
        lines.append(f"        extra:   {fmt_edges(result.extra)}")
    if result.missing_nodes:
        lines.append(f"        missing nodes: {', '.join(result.missing_nodes)}")
    if result.extra_nodes:
        lines.append(f"        extra nodes:   {', '.join(result.extra_nodes)}")
    return lines


def result_json(result: Result) -> dict[str, Any]:
    return {
        "snippet": result.snippet.key,
        "error": result.error,
        "edges_right": result.edges_right,
        "missing": [list(e) for e in result.missing],
        "extra": [list(e) for e in result.extra],
        "missing_nodes": result.missing_nodes,
        "extra_nodes": result.extra_nodes,
    }


# --------------------------------------------------------------------------- main


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Score `ailint callgraph` and PyCG on PyCG's micro-benchmark.",
        epilog="See the module docstring (or bench/README.md) for the setup.",
    )
    parser.add_argument("--snippets", type=Path, default=DEFAULT_SNIPPETS, help="PyCG's micro-benchmark/snippets")
    parser.add_argument(
        "--pycg-python",
        default=str(DEFAULT_PYCG_PYTHON) if DEFAULT_PYCG_PYTHON.exists() else sys.executable,
        help="Python that runs PyCG (default: /work/pycg-venv/bin/python if present, else this Python)",
    )
    parser.add_argument("--pycg-src", type=Path, default=DEFAULT_PYCG_SRC, help="PyCG's source tree (holds pycg/)")
    parser.add_argument(
        "--ailint",
        default=None,
        help="command that runs ailint, split like a shell would (default: `ailint` on PATH, else .venv/bin/ailint)",
    )
    parser.add_argument("--only", choices=TOOLS, help="run one tool only")
    parser.add_argument(
        "-k",
        dest="patterns",
        action="append",
        default=[],
        metavar="PATTERN",
        help="only snippets whose category/name starts with PATTERN or matches it as a glob (repeatable)",
    )
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds per snippet and tool (default 10)")
    parser.add_argument("-j", "--jobs", type=int, default=min(8, os.cpu_count() or 1), help="snippets run at once")
    parser.add_argument("--save", type=Path, metavar="DIR", help="write each tool's raw output to DIR/<tool>/")
    parser.add_argument("-v", "--verbose", action="store_true", help="list each failing snippet and its edges")
    parser.add_argument("--json", action="store_true", help="print a JSON summary instead of the table")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    notes: list[str] = []
    if not args.snippets.is_dir():
        print(f"error: no snippets under {args.snippets} (see the setup in the docstring)", file=sys.stderr)
        return 2
    snippets = load_snippets(args.snippets, args.patterns)
    if not snippets:
        print(f"error: no snippet with a callgraph.json under {args.snippets}", file=sys.stderr)
        return 2

    wanted = [args.only] if args.only else list(TOOLS)
    available: dict[str, str] = {}  # tool -> why not, for those that cannot run
    if "pycg" in wanted and not (args.pycg_src / "pycg" / "__main__.py").exists():
        available["pycg"] = f"PyCG's source is not under {args.pycg_src} (pycg/__main__.py is missing)"
    ailint_command = shlex.split(args.ailint or default_ailint())
    if "ailint" in wanted:
        ok, why = ailint_status(ailint_command)
        if not ok:
            available["ailint"] = why
        elif why:
            notes.append(why)
    tools = [tool for tool in wanted if tool not in available]
    for tool, why in available.items():
        notes.append(f"{LABELS[tool]} not run: {why}")
    if not tools:
        for note in notes:
            print(note, file=sys.stderr)
        return 2

    def one(snippet: Snippet) -> dict[str, tuple[Run, Result]]:
        done: dict[str, tuple[Run, Result]] = {}
        with tempfile.TemporaryDirectory(prefix="pycg-micro-") as tmp:
            work = Path(tmp)
            copy = work / snippet.name
            shutil.copytree(
                snippet.path,
                copy,
                ignore=shutil.ignore_patterns("callgraph.json", "README.md", "__pycache__", ".ailint_cache"),
            )
            for tool in tools:
                if tool == "pycg":
                    run = run_pycg(copy, work, args.pycg_python, args.pycg_src.resolve(), args.timeout)
                    done[tool] = (run, score(snippet, run))
                else:
                    run = run_ailint(copy, ailint_command, args.timeout)
                    done[tool] = (run, score(snippet, run, lambda n: normalise_lambda(n, snippet)))
        return done

    started = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        outcomes = list(pool.map(one, snippets))
    wall = time.perf_counter() - started
    results = {tool: [outcome[tool][1] for outcome in outcomes] for tool in tools}

    if args.save:
        for snippet, outcome in zip(snippets, outcomes, strict=True):
            for tool, (run, _result) in outcome.items():
                target = args.save / tool / f"{snippet.category}+{snippet.name}.json"
                target.parent.mkdir(parents=True, exist_ok=True)
                payload = run.graph if run.graph is not None else {"error": run.error}
                target.write_text(json.dumps(payload, indent=2, sort_keys=True) + "\n", encoding="utf-8")

    categories = sorted({s.category for s in snippets})
    if args.json:
        summary: dict[str, Any] = {
            "snippets_dir": str(args.snippets),
            "snippets": len(snippets),
            "notes": notes,
            "tools": {},
        }
        for tool in wanted:
            if tool not in tools:
                summary["tools"][tool] = {"ran": False, "reason": available[tool]}
                continue
            per_category, total = tallies(results[tool])
            summary["tools"][tool] = {
                "ran": True,
                "command": (
                    shlex.join([*ailint_command, "callgraph", "--format", "pycg", "--no-cache", "."])
                    if tool == "ailint"
                    else f"PYTHONPATH={args.pycg_src} {args.pycg_python} -m pycg --package SNIPPET SNIPPET/main.py"
                ),
                "total": total.as_json(),
                "categories": {c: t.as_json() for c, t in per_category.items()},
                "failures": [result_json(r) for r in results[tool] if not r.exact],
            }
        print(json.dumps(summary, indent=2))
        return 0

    print(f"PyCG micro-benchmark: {len(snippets)} snippets in {len(categories)} categories ({args.snippets})")
    print("Edges between the snippet's own modules and functions; builtins and external modules left out.")
    for note in notes:
        print(f"NOTE: {note}")
    print()
    for line in render_table(tools, results, categories):
        print(line)
    print()
    for tool in tools:
        _per_category, total = tallies(results[tool])
        slowest = max(results[tool], key=lambda r: r.seconds)
        errors = [r for r in results[tool] if r.error]
        timeouts = sum(1 for r in errors if r.error and r.error.startswith("timed out"))
        print(
            f"{LABELS[tool]}: {total.exact}/{total.snippets} exact, {total.edges_right}/{total.snippets} with the "
            f"right edges; {total.tp} edges found, {total.fp} extra, {total.fn} missed; "
            f"{len(errors) - timeouts} failed to run, {timeouts} timed out; slowest snippet "
            f"{slowest.seconds:.1f} s ({slowest.snippet.key})"
        )
    print(f"wall time {wall:.1f} s with {args.jobs} jobs")
    if args.verbose:
        for tool in tools:
            failing = [r for r in results[tool] if not r.exact]
            print(f"\n{LABELS[tool]}: {len(failing)} snippets not exact")
            for result in failing:
                for line in failure_lines(result):
                    print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
