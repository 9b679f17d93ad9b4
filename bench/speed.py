"""Speed benchmark: ailint against the LibCST parse floor, on the same tree, in one run.

    python bench/speed.py [--jobs N] [--repeat N] [--work DIR] [--corpus stdlib|langchain|PATH ...]

Builds the corpora on a fresh machine (nothing is committed):

* ``stdlib``: a copy of the running interpreter's standard library, tests
  included (it contains no model calls);
* ``langchain``: released sdists of langchain-core, langchain,
  langchain-openai, langchain-anthropic and langchain-community (pinned in
  ``SDISTS``), fetched with ``pip download --no-deps --no-binary :all:``
  (an LLM-dense tree).

For each corpus it measures, in the same run:

1. the floor: a bare ``libcst.parse_module`` of every ``.py`` file with
   ``--jobs`` processes;
2. ``ailint check --no-cache`` (cold);
3. ``ailint check`` twice (the first fills the cache, the second is warm);
4. one edited file: a line added to a file that calls a model (the first such
   file in path order, or ``--edit FILE``), then ``ailint check`` with the
   cache the warm run left; reported as a ratio to the cold run;

``--repeat`` times (3 by default), floor and cold in alternating order, and
prints the median wall and CPU seconds, the median peak RSS of the largest
process, and the median and range of each round's ratio to that round's
floor.
Benchmarks are not tests: CI does not run this.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import resource
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tarfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

SDISTS = [
    "langchain-core==1.8.4",
    "langchain==1.5.2",
    "langchain-openai==1.8.1",
    "langchain-anthropic==1.7.10",
    "langchain-community==0.4.2",
]
"""Pinned releases: runs on other days, or machines, read the same 2,722 files."""


def build_stdlib(work: Path) -> Path:
    target = work / "stdlib"
    if not target.exists():
        source = Path(sysconfig.get_paths()["stdlib"])
        shutil.copytree(source, target, ignore=shutil.ignore_patterns("site-packages", "__pycache__", "*.pyc"))
    return target


def build_langchain(work: Path) -> Path:
    target = work / "langchain"
    if target.exists():
        return target
    downloads = work / "sdists"
    downloads.mkdir(parents=True, exist_ok=True)
    pip = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", ":all:"]
    subprocess.run([*pip, "-d", str(downloads), *SDISTS], check=True)
    target.mkdir()
    for archive in sorted(downloads.glob("*.tar.gz")):
        with tarfile.open(archive) as tar:
            tar.extractall(target, filter="data") if sys.version_info >= (3, 12) else tar.extractall(target)
    return target


def _parse(path: str) -> None:
    import libcst

    with contextlib.suppress(Exception):  # a file that does not parse still costs its parse
        libcst.parse_module(Path(path).read_bytes())


def floor(tree: Path, jobs: int) -> tuple[float, float]:
    """Wall and CPU seconds of a bare LibCST parse of every file, with ``jobs`` processes."""
    files = [str(p) for p in tree.rglob("*.py") if p.is_file()]
    start, cpu = time.perf_counter(), _children_cpu()
    with ProcessPoolExecutor(jobs) as pool:
        list(pool.map(_parse, files, chunksize=16))
    return time.perf_counter() - start, _children_cpu() - cpu


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def ailint(tree: Path, *args: str) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds and peak RSS (MiB) of one ``ailint check`` run in ``tree``.

    CPU and peak come from ``wait4`` on that run alone: the CPU of the run and
    of its worker processes, and the largest resident set among them.
    """
    start = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "ailint", "check", "--quiet", "--exit-zero", *args, "."],
        cwd=tree,
        stdout=subprocess.DEVNULL,
    )
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"ailint failed in {tree} (exit {process.returncode})")
    return time.perf_counter() - start, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


Runs = dict[str, list[tuple[float, float, float]]]


def measure(tree: Path, jobs: int, repeat: int, edit: Path | None = None) -> Runs:
    """``repeat`` rounds of floor, cold and warm on ``tree``; each round's ratios are taken within it.

    A shared machine drifts over minutes (here the floor of one tree moved
    from 12 s to 15 s within an hour), so the floor is measured afresh in
    every round, and the order of floor and cold alternates between rounds:
    whatever the drift, each cold run has a floor measured beside it.
    """
    runs: dict[str, list[tuple[float, float, float]]] = {"floor": [], "cold": [], "warm": [], "edit": []}
    options = ("--jobs", str(jobs))
    target = edit or _edit_target(tree)
    for number in range(repeat):
        shutil.rmtree(tree / ".ailint_cache", ignore_errors=True)
        steps = [("floor", lambda: (*floor(tree, jobs), 0.0)), ("cold", lambda: ailint(tree, "--no-cache", *options))]
        for name, step in steps if number % 2 == 0 else reversed(steps):
            runs[name].append(step())
        ailint(tree, *options)  # fills the cache
        runs["warm"].append(ailint(tree, *options))
        if target is None:
            continue
        original = target.read_bytes()
        try:
            target.write_bytes(original + f"\n_bench_edit_{number} = {number}\n".encode())
            runs["edit"].append(ailint(tree, *options))
        finally:
            target.write_bytes(original)
    return runs


def _edit_target(tree: Path) -> Path | None:
    """The first file (in path order) that imports a model SDK (an edit there touches the analysed project)."""
    markers = (b"import openai", b"from openai", b"from langchain_core.language_models", b"import anthropic")
    for path in sorted(tree.rglob("*.py")):
        with contextlib.suppress(OSError):
            if any(marker in path.read_bytes() for marker in markers):
                return path
    return None  # a tree without model calls (the standard library): no edit is measured


def report(name: str, files: int, jobs: int, runs: dict[str, list[tuple[float, float, float]]]) -> None:
    """Medians of wall, CPU and peak per kind of run, and the median and range of the per-round ratios."""
    repeat = len(runs["floor"])
    print(f"\n{name}: {files} files, {jobs} processes, {repeat} round{'s' * (repeat > 1)}")
    header = f"{'wall s':>9}{'cpu s':>9}{'ratio':>8}{'range':>13}{'peak MiB':>10}"
    print(f"  {'':14}{header}  (medians; peak: the largest process)")
    floors = [wall for wall, _, _ in runs["floor"]]
    colds = [wall for wall, _, _ in runs["cold"]]
    kinds = (("parse floor", "floor"), ("ailint cold", "cold"), ("ailint warm", "warm"), ("one edit / cold", "edit"))
    for label, kind in kinds:
        walls = [wall for wall, _, _ in runs[kind]]
        if not walls:
            continue
        bases = colds if kind == "edit" else floors
        ratios = [wall / base for wall, base in zip(walls, bases, strict=False)]
        cpu = statistics.median([c for _, c, _ in runs[kind]])
        spread = f"{min(ratios):.2f}-{max(ratios):.2f}" if repeat > 1 else ""
        peak = f"{statistics.median([p for _, _, p in runs[kind]]):10.0f}" if kind != "floor" else ""
        wall, ratio = statistics.median(walls), statistics.median(ratios)
        print(f"  {label:14}{wall:9.2f}{cpu:9.2f}{ratio:8.2f}{spread:>13}{peak}")


def _compiled() -> None:
    """ailint's bytecode written, as ``pip install`` writes it: an editable checkout (or
    ``PYTHONDONTWRITEBYTECODE``) would otherwise compile every module on every run measured."""
    import compileall

    import ailint

    compileall.compile_dir(Path(ailint.__file__).parent, quiet=1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--work", type=Path, default=Path("/tmp/ailint-bench"))
    parser.add_argument("--corpus", action="append", default=[])
    parser.add_argument("--repeat", type=int, default=3, help="rounds of floor, cold and warm (medians are reported)")
    parser.add_argument("--edit", type=Path, help="the file the edit changes (default: the first model file)")
    options = parser.parse_args()
    if options.repeat < 1:
        parser.error("--repeat must be at least 1")
    options.work.mkdir(parents=True, exist_ok=True)
    _compiled()
    builders = {"stdlib": build_stdlib, "langchain": build_langchain}
    for name in options.corpus or ["stdlib", "langchain"]:
        tree = builders[name](options.work) if name in builders else Path(name)
        files = sum(1 for _ in tree.rglob("*.py"))
        edit = options.edit.resolve() if options.edit is not None else None
        report(name, files, options.jobs, measure(tree, options.jobs, options.repeat, edit))


if __name__ == "__main__":
    main()
