"""Language-server latency: a one-line change to published diagnostics, against a cold ``ailint check``.

    python bench/server_latency.py [--files 2000] [--wrappers 40] [--features 160] [--edits 10]
                                   [--project PATH --file REL ...] [--keep DIR]

On a generated project (``--files`` Python files: wrappers that call a
model, features that call the wrappers, and plain modules that import each
other) or on a given one (``--project``, with the files to open as
``--file``, the first being the one edited), it measures, in one run:

1. a cold ``ailint check --no-cache`` of the project (wall seconds);
2. ``ailint server``, with its default settings: the time to the first
   diagnostics of the opened files (loading the project), then,
   ``--edits`` times, the time from a one-line ``didChange`` of the edited
   file to the ``publishDiagnostics`` of that version; the edits are a
   pause apart (longer than the server's debounce), as a one-line change
   typed or pasted is;
3. the server's resident memory (current and peak, from ``/proc``).

It prints the median latency and its ratio to the cold check. The
generated project has callers of the edited wrapper open too, so each edit
also republishes them. A benchmark, not a test: CI does not run it.
Needs the ``lsp`` extra (pygls).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

from lsprotocol import types as lsp
from pygls.lsp.client import LanguageClient
from pygls.uris import from_fs_path

WRAPPERS = 40
FEATURES = 160

FILLER = textwrap.dedent(
    '''\


    class Record{n}:
        """A plain record."""

        def __init__(self, name, values):
            self.name = name
            self.values = list(values)

        def total(self):
            return sum(v for v in self.values if v is not None)

        def describe(self):
            parts = [f"{{self.name}}:"]
            for index, value in enumerate(self.values):
                parts.append(f"{{index}}={{value!r}}")
            return " ".join(parts)


    def normalise_{n}(text):
        text = text.strip().lower()
        while "  " in text:
            text = text.replace("  ", " ")
        return text


    def score_{n}(items, weight=1.0):
        best = None
        for item in items:
            value = len(normalise_{n}(str(item))) * weight
            if best is None or value > best:
                best = value
        return best or 0.0
    '''
)


def generate(root: Path, files: int, wrappers: int = WRAPPERS, features: int = FEATURES) -> tuple[list[str], str]:
    """Write a project of ``files`` files; return the files to open and the one to edit."""
    (root / "pyproject.toml").write_text('[project]\nname = "bench"\n\n[tool.ailint]\n')
    package = root / "acme"
    for folder in ("", "llm", "features", "util"):
        (package / folder).mkdir(parents=True, exist_ok=True)
        (package / folder / "__init__.py").write_text("")
    plain = max(files - wrappers - features - 4, 1)
    for n in range(plain):
        imports = f"from acme.util.u{n - 1} import normalise_{n - 1}\n" if n else ""
        (package / "util" / f"u{n}.py").write_text(f'"""Utility module {n}."""\n\n{imports}' + FILLER.format(n=n))
    for n in range(wrappers):
        (package / "llm" / f"w{n}.py").write_text(
            f'"""Model wrapper {n}."""\n\nfrom openai import OpenAI\n\n'
            f"from acme.util.u{n % plain} import normalise_{n % plain}\n\n"
            "client = OpenAI()\n\n\n"
            f"def ask_{n}(question):\n"
            f"    prompt = normalise_{n % plain}(question)\n"
            '    messages = [{"role": "user", "content": prompt}]\n'
            '    return client.chat.completions.create(model="gpt-4o", messages=messages)\n' + FILLER.format(n=f"w{n}")
        )
    for n in range(features):
        w = n % wrappers
        (package / "features" / f"f{n}.py").write_text(
            f'"""Feature {n}."""\n\nfrom acme.llm.w{w} import ask_{w}\n\n\n'
            f"def handle_{n}(ticket):\n"
            f"    reply = ask_{w}(ticket)\n"
            "    return reply.choices[0].message.content\n" + FILLER.format(n=f"f{n}")
        )
    opened = ["acme/llm/w0.py", *(f"acme/features/f{n}.py" for n in range(0, min(features, 4 * wrappers), wrappers))]
    return opened, opened[0]


def cold_check(root: Path) -> float:
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "ailint", "check", "--no-cache", "--exit-zero", "-q", "."],
        cwd=root,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - start


def memory(pid: int) -> tuple[float, float]:
    """Resident and peak resident memory of a process, in MiB."""
    found = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            found[key] = int(value.split()[0]) / 1024
    return found.get("VmRSS", 0.0), found.get("VmHWM", 0.0)


PAUSE = 0.35
"""Seconds between two edits: more than the server's default debounce (250 ms)."""


async def serve(root: Path, opened: list[str], edited: str, edits: int) -> dict[str, object]:
    client = LanguageClient("server-latency", "1")
    published: dict[str, asyncio.Queue[lsp.PublishDiagnosticsParams]] = {}

    @client.feature(lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def on_publish(params: lsp.PublishDiagnosticsParams) -> None:
        published.setdefault(params.uri, asyncio.Queue()).put_nowait(params)

    await client.start_io(sys.executable, "-m", "ailint", "server")
    server = client._server  # the subprocess, for its memory
    assert server is not None
    uri = from_fs_path(str(root)) or ""
    await client.initialize_async(
        lsp.InitializeParams(
            capabilities=lsp.ClientCapabilities(),
            root_uri=uri,
            workspace_folders=[lsp.WorkspaceFolder(uri=uri, name="bench")],
        )
    )
    client.initialized(lsp.InitializedParams())

    async def next_publish(target: str, version: int | None = None) -> lsp.PublishDiagnosticsParams:
        queue = published.setdefault(target, asyncio.Queue())
        while True:
            params = await asyncio.wait_for(queue.get(), timeout=600)
            if version is None or params.version == version:
                return params

    texts = {name: (root / name).read_text() for name in opened}
    uris = {name: from_fs_path(str(root / name)) or "" for name in opened}
    start = time.perf_counter()
    for name in opened:
        client.text_document_did_open(
            lsp.DidOpenTextDocumentParams(
                text_document=lsp.TextDocumentItem(uri=uris[name], language_id="python", version=1, text=texts[name])
            )
        )
    for name in opened:
        await next_publish(uris[name], 1)
    loaded = time.perf_counter() - start
    latencies = []
    lines = texts[edited].splitlines(keepends=True)
    target = next(i for i, line in enumerate(lines) if "return client." in line or "(" in line)
    for version in range(2, edits + 2):
        await asyncio.sleep(PAUSE)
        # One line changed: a comment added to, then taken from, the line of the call.
        text = lines[target].rstrip("\n") + ("  # edited\n" if version % 2 == 0 else "\n")
        change = lsp.TextDocumentContentChangePartial(
            range=lsp.Range(
                start=lsp.Position(line=target, character=0), end=lsp.Position(line=target + 1, character=0)
            ),
            text=text,
        )
        begin = time.perf_counter()
        client.text_document_did_change(
            lsp.DidChangeTextDocumentParams(
                text_document=lsp.VersionedTextDocumentIdentifier(uri=uris[edited], version=version),
                content_changes=[change],
            )
        )
        await next_publish(uris[edited], version)
        latencies.append(time.perf_counter() - begin)
    rss, peak = memory(server.pid)
    await client.shutdown_async(None)
    client.exit(None)
    await client.stop()
    return {"loaded": loaded, "latencies": latencies, "rss": rss, "peak": peak}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=2000, help="files of the generated project")
    parser.add_argument("--wrappers", type=int, default=WRAPPERS, help="generated files that call a model")
    parser.add_argument("--features", type=int, default=FEATURES, help="generated files that call the wrappers")
    parser.add_argument("--edits", type=int, default=10, help="one-line changes to time")
    parser.add_argument("--project", type=Path, help="a project to measure instead of a generated one")
    parser.add_argument("--file", action="append", default=[], help="with --project: a file to open (first: edited)")
    parser.add_argument("--keep", type=Path, help="generate the project here and keep it")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        if args.project is not None:
            if not args.file:
                parser.error("--project needs at least one --file")
            root, opened, edited = args.project.resolve(), args.file, args.file[0]
        else:
            root = (args.keep or Path(scratch)).resolve()
            root.mkdir(parents=True, exist_ok=True)
            opened, edited = generate(root, args.files, args.wrappers, args.features)
        files = sum(1 for _ in root.rglob("*.py"))
        cold = cold_check(root)
        found = asyncio.run(serve(root, opened, edited, args.edits))
    latencies = found["latencies"]
    assert isinstance(latencies, list)
    median = statistics.median(latencies)
    print(f"project: {root} ({files} Python files), {len(opened)} open, editing {edited}")
    print(f"cold `ailint check --no-cache`: {cold:.2f} s")
    print(f"server: first diagnostics after {found['loaded']:.2f} s (loading the project)")
    print(
        f"one-line change to diagnostics: median {median * 1000:.0f} ms "
        f"(min {min(latencies) * 1000:.0f}, max {max(latencies) * 1000:.0f}, "
        f"{len(latencies)} edits, {PAUSE:.2f} s apart)"
    )
    print(f"ratio to the cold check: {median / cold:.4f} (target <= 0.05)")
    print(f"server memory: {found['rss']:.0f} MiB resident, {found['peak']:.0f} MiB peak (target <= 300 MiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
