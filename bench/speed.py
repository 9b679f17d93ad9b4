"""Speed benchmark: ailint against the LibCST parse floor, on the same tree, in one run.

    python bench/speed.py [--jobs N] [--work DIR] [--corpus stdlib|langchain|PATH ...]

Builds the corpora on a fresh machine (nothing is committed):

* ``stdlib``: a copy of the running interpreter's standard library, tests
  included (it contains no model calls);
* ``langchain``: released sdists of langchain-core, langchain,
  langchain-openai, langchain-anthropic and langchain-community, fetched
  with ``pip download --no-deps --no-binary :all:`` (an LLM-dense tree).

For each corpus it measures, in this order and in the same run:

1. the floor: a bare ``libcst.parse_module`` of every ``.py`` file with
   ``--jobs`` processes;
2. ``ailint check --no-cache`` (cold);
3. ``ailint check`` twice (the first fills the cache, the second is warm);

and prints wall and CPU seconds, the peak RSS of the largest process (the
main one; workers are smaller), and each time as a ratio to the floor.
Benchmarks are not tests: CI does not run this.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import resource
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

SDISTS = ["langchain-core", "langchain", "langchain-openai", "langchain-anthropic", "langchain-community"]


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--work", type=Path, default=Path("/tmp/ailint-bench"))
    parser.add_argument("--corpus", action="append", default=[])
    options = parser.parse_args()
    options.work.mkdir(parents=True, exist_ok=True)
    builders = {"stdlib": build_stdlib, "langchain": build_langchain}
    for name in options.corpus or ["stdlib", "langchain"]:
        tree = builders[name](options.work) if name in builders else Path(name)
        files = sum(1 for _ in tree.rglob("*.py"))
        shutil.rmtree(tree / ".ailint_cache", ignore_errors=True)
        base_wall, base_cpu = floor(tree, options.jobs)
        jobs = ("--jobs", str(options.jobs))
        cold = ailint(tree, "--no-cache", *jobs)
        ailint(tree, *jobs)
        warm = ailint(tree, *jobs)
        print(f"\n{name}: {files} files, {options.jobs} processes")
        print(f"  {'':14}{'wall s':>9}{'cpu s':>9}{'ratio':>8}{'peak MiB':>10}  (peak: the largest process)")
        print(f"  {'parse floor':14}{base_wall:9.2f}{base_cpu:9.2f}{1:8.2f}")
        for label, (wall, cpu, peak) in (("ailint cold", cold), ("ailint warm", warm)):
            print(f"  {label:14}{wall:9.2f}{cpu:9.2f}{wall / base_wall:8.2f}{peak:10.0f}")


if __name__ == "__main__":
    main()
