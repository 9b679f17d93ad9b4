"""The command line: options to settings, settings to a run, a run to output and an exit code.

Heavy modules (LibCST, rich, the engine) are imported inside the commands, so
``ailint --version`` stays instant.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import click

from ailint import __version__

if TYPE_CHECKING:
    from collections import Counter

    from rich.console import Console

    from ailint.api import CallsResult, Progress, RunResult
    from ailint.cache import Cache
    from ailint.flow.program import Program
    from ailint.projects import Part
    from ailint.propose import Proposal
    from ailint.settings import Settings
    from ailint.since import Revision

EXIT_CLEAN, EXIT_DIAGNOSTICS, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


class DefaultGroup(click.Group):
    """A group that runs ``check`` when the first argument is not a command.

    So ``ailint src/``, ``ailint --format json src/`` and plain ``ailint``
    all mean ``ailint check ...``.
    """

    default_command = "check"
    group_options = frozenset({"--version", "--help", "-h"})

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args or (args[0] not in self.commands and args[0] not in self.group_options):
            if args:
                self._refuse_a_mistyped_command(args[0])
            args = [self.default_command, *args]
        return super().parse_args(ctx, args)

    def _refuse_a_mistyped_command(self, word: str) -> None:
        """A word close to a subcommand that is no path (``ailint chek .``) is a usage error; nothing is linted."""
        import difflib

        if word.startswith("-") or word == "-" or os.path.lexists(word):
            return
        close = difflib.get_close_matches(word, sorted(self.commands), n=1)
        if close:
            _fail(f"unknown command '{word}'; did you mean '{close[0]}'? (a path to lint must exist)")

    def invoke(self, ctx: click.Context) -> object:
        """Ctrl-C ends the run with exit code 130 (128 + SIGINT), as shells report it, and no traceback."""
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            click.echo("ailint: interrupted", err=True)
            raise click.exceptions.Exit(EXIT_INTERRUPTED) from None


def _fail(message: str) -> NoReturn:
    click.echo(f"ailint: error: {message}", err=True)
    sys.exit(EXIT_USAGE)


def _split(values: tuple[str, ...]) -> list[str]:
    """``--select AIL4,AIL5 --select AIL101`` as a flat list."""
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and a rename, creating missing folders."""
    directory = path.parent if str(path.parent) else Path(".")
    directory.mkdir(parents=True, exist_ok=True)
    import tempfile

    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            stream.write(text)
        os.chmod(temporary, 0o666 & ~_umask())  # mkstemp makes it private; a report is an ordinary file
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def _write_output(path: Path, text: str) -> None:
    """``--output-file``: written atomically; a path that cannot be written is one clear line and exit 2."""
    try:
        write_atomically(path, text)
    except OSError as exc:
        _fail(f"cannot write {path.as_posix()}: {exc.strerror or exc}")


@click.group(cls=DefaultGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="ailint", message="%(prog)s %(version)s")
def main() -> None:
    """ailint: find AI model calls that are not execution-ready.

    Run `ailint PATHS...` (the same as `ailint check PATHS...`).
    """


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json", "sarif", "github", "junit", "gitlab"]),
    default="text",
    show_default=True,
    help="Output format.",
)
@click.option(
    "--output-file", "-o", type=click.Path(path_type=Path, dir_okay=False), help="Write the report to a file."
)
@click.option(
    "--baseline",
    type=click.Path(path_type=Path),
    help="Report only diagnostics that this baseline file does not record.",
)
@click.option(
    "--write-baseline",
    type=click.Path(path_type=Path),
    help="Record the current diagnostics in this baseline file and exit 0.",
)
@click.option(
    "--since",
    metavar="REF",
    help="Report only diagnostics that are new since the git revision REF (a branch, tag or commit): "
    "the project at REF is checked too and its diagnostics subtracted.",
)
@click.option(
    "--select",
    multiple=True,
    help="Rules to enable (codes, prefixes such as AIL4, or names); replaces the configured selection.",
)
@click.option(
    "--ignore", multiple=True, help="Rules to disable (codes, prefixes or names), added to the configured ones."
)
@click.option(
    "--extend-select", multiple=True, help="Rules to enable (codes, prefixes or names), added to the configured ones."
)
@click.option(
    "--config",
    type=click.Path(path_type=Path),
    help="Use this configuration file for every file, instead of the closest one to each.",
)
@click.option("--isolated", is_flag=True, help="Ignore every configuration file: the defaults for every file.")
@click.option(
    "--show-settings", is_flag=True, help="Print the configuration file and settings governing the first path."
)
@click.option("--show-files", is_flag=True, help="Print the files a run would check, and exit.")
@click.option(
    "--force-exclude", is_flag=True, help="Leave out files named on the command line that the configuration excludes."
)
@click.option(
    "--stdin-filename",
    type=click.Path(path_type=Path),
    help="Check the source read from standard input (`-`) as the file at this path: its settings, its project.",
)
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when diagnostics are reported.")
@click.option("--statistics", "show_statistics", is_flag=True, help="Print the number of diagnostics per code.")
@click.option("--quiet", "-q", is_flag=True, help="Print diagnostics only, without the summary.")
@click.option("--no-cache", is_flag=True, help="Do not read or write the cache in .ailint_cache/.")
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    default=None,
    help="Processes for files without model calls (default: all cores).",
)
def check(
    paths: tuple[Path, ...],
    output_format: str,
    output_file: Path | None,
    baseline: Path | None,
    write_baseline: Path | None,
    since: str | None,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    extend_select: tuple[str, ...],
    config: Path | None,
    isolated: bool,
    show_settings: bool,
    show_files: bool,
    force_exclude: bool,
    stdin_filename: Path | None,
    exit_zero: bool,
    show_statistics: bool,
    quiet: bool,
    no_cache: bool,
    jobs: int | None,
) -> None:
    """Lint PATHS (default: the current directory; `-`: the source on standard input)."""
    from ailint.api import check_paths
    from ailint.progress import progress_bar
    from ailint.projects import merge

    targets = list(paths) or [Path(".")]
    overrides = (_split(select) or None, _split(ignore), _split(extend_select))
    sources: dict[Path, bytes] | None = None
    if stdin_filename is not None or STDIN in targets:
        if since is not None:
            _fail("--since cannot be used with standard input: it compares the project's files with a revision")
        targets, sources = _standard_input(list(paths), stdin_filename, show_settings or show_files)
    parts, home = _parts(targets, config, isolated, overrides, force_exclude=force_exclude)
    if sources is not None and force_exclude:
        parts = _unless_excluded(parts)
    if show_settings:
        _show_settings(targets[0], config, isolated, overrides)
    if show_files and sources is not None:
        click.echo("".join(f"{_shown(path)}\n" for part in parts for path in part.paths), nl=False)
        sys.exit(EXIT_CLEAN)
    if show_files:
        from ailint.projects import files

        click.echo("".join(f"{shown}\n" for shown in files(parts, Path.cwd())), nl=False)
        sys.exit(EXIT_CLEAN)
    settings = home
    if since is not None and write_baseline is not None:
        _fail("--since and --write-baseline cannot be used together: a baseline records every diagnostic")
    revision = _revision(since, targets) if since is not None else None
    known = _load_baseline(baseline) if baseline is not None and write_baseline is None else None
    results = []
    earlier: Counter[tuple[str, str, str]] | None = None
    earlier_errors: list[str] = []
    with progress_bar() as progress:
        for part in parts:
            cache = _cache(part.settings, no_cache)
            results.append(
                check_paths(
                    part.paths,
                    part.settings,
                    progress=progress,
                    cache=cache,
                    jobs=jobs or None,
                    release=False,
                    sources=sources,
                )
            )
        if revision is not None:
            earlier, earlier_errors = _diagnostics_at(
                revision, parts, no_cache=no_cache, jobs=jobs or None, progress=progress
            )
    result = merge(results)
    for line in [*result.errors, *earlier_errors]:
        click.echo(f"ailint: warning: {line}", err=True)
    for missing in result.missing:
        click.echo(f"ailint: error: {missing}: no such file or directory", err=True)
    if write_baseline is not None:
        _write_baseline(write_baseline, result, settings.root)
    hidden, hidden_by = 0, []
    if known is not None:
        from ailint.baseline import new_diagnostics

        result.diagnostics, by_baseline = new_diagnostics(
            result.diagnostics, known, settings.root.resolve(), Path.cwd()
        )
        hidden += by_baseline
        hidden_by.append("the baseline")
    if revision is not None and earlier is not None:
        from ailint.since import subtract

        result.diagnostics, by_revision = subtract(result.diagnostics, earlier, Path.cwd(), revision.toplevel)
        hidden += by_revision
        hidden_by.append(f"--since {revision.ref}")
    _report(
        result,
        output_format,
        output_file,
        quiet=quiet,
        show_statistics=show_statistics,
        hidden=hidden,
        hidden_by=" and ".join(hidden_by) or "the baseline",
    )
    if result.missing:
        sys.exit(EXIT_USAGE)
    if result.diagnostics and not exit_zero:
        sys.exit(EXIT_DIAGNOSTICS)
    sys.exit(EXIT_CLEAN)


def _revision(ref: str, targets: list[Path]) -> Revision:
    """``--since REF`` in the repository holding the paths asked for; a problem is one line and exit 2."""
    from ailint.discovery import asked
    from ailint.since import SinceError, inside, resolve

    cwd = Path.cwd()
    first = asked(targets[0], cwd)
    where = first if first.is_dir() else first.parent if first.parent.is_dir() else cwd
    try:
        revision = resolve(ref, where)
        inside(revision, targets, cwd)
    except SinceError as exc:
        _fail(str(exc))
    return revision


def _diagnostics_at(
    revision: Revision, parts: list[Part], *, no_cache: bool, jobs: int | None, progress: Progress | None
) -> tuple[Counter[tuple[str, str, str]], list[str]]:
    """The diagnostics the run's paths had at ``revision`` (see ``ailint.since``), and that run's problems."""
    from ailint.since import SinceError, diagnostics_at

    try:
        return diagnostics_at(revision, parts, Path.cwd(), cache=not no_cache, jobs=jobs, progress=progress)
    except SinceError as exc:
        _fail(str(exc))


STDIN = Path("-")
"""The path that names standard input."""


def _standard_input(paths: list[Path], name: Path | None, showing: bool) -> tuple[list[Path], dict[Path, bytes]]:
    """The run's one target and its content, read from standard input (as Ruff's ``-`` and ``--stdin-filename``).

    The source is checked as the file ``name`` (``-`` without one): that
    file's configuration, project and per-file ignores apply, whether or not
    it exists. Other paths are ignored with a warning, as Ruff does; input that
    is empty or not text is a usage error. Nothing is read to show settings or files.
    """
    others = [path for path in paths if path != STDIN]
    if others and name is None:
        _fail("'-' (standard input) cannot be checked with other paths; name it with --stdin-filename")
    for path in others:
        click.echo(f"ailint: warning: ignoring {path.as_posix()} in favour of standard input", err=True)
    target = name if name is not None else STDIN
    if name is not None and name.is_dir():
        _fail(f"--stdin-filename names a folder: {name.as_posix()} (name the file the source is)")
    if showing:
        return [target], {}
    try:
        data = sys.stdin.buffer.read()
    except OSError as exc:
        _fail(f"cannot read standard input: {exc.strerror or exc}")
    _text_or_fail(data, target.name.endswith(".ipynb"))
    return [target], {target: data}


def _text_or_fail(data: bytes, notebook: bool) -> None:
    """A usage error, in one line, for standard input that is empty or not text in its encoding."""
    import io
    import json
    import tokenize

    if not data:
        _fail("standard input is empty: pipe the source to check into `ailint -`")
    if b"\0" in data:
        line = data.count(b"\n", 0, data.index(b"\0")) + 1
        _fail(f"standard input is not text: a NUL byte at line {line}")
    try:
        encoding = json.detect_encoding(data) if notebook else tokenize.detect_encoding(io.BytesIO(data).readline)[0]
        data.decode(encoding)
    except SyntaxError as exc:  # undecodable first lines, or a contradictory coding declaration
        if "invalid or missing encoding declaration" in str(exc):
            _fail("standard input is not text: not UTF-8, and no coding declaration names another encoding")
        _fail(f"standard input is not text: {exc}")
    except LookupError as exc:  # a coding declaration naming no known encoding
        _fail(f"standard input is not text: {exc}")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        _fail(f"standard input is not text: not {exc.encoding} at line {line} ({exc.reason})")


def _unless_excluded(parts: list[Part]) -> list[Part]:
    """``--force-exclude`` with standard input: a name the configuration excludes is checked as no file at all."""
    from ailint.discovery import asked
    from ailint.projects import Part, excluded

    cwd = Path.cwd()
    kept = [
        Part(part.settings, [p for p in part.paths if not excluded(asked(p, cwd), part.settings)]) for part in parts
    ]
    return kept


def _shown(path: Path) -> str:
    from ailint.discovery import asked, display_path

    return "-" if path == STDIN else display_path(asked(path, Path.cwd()), Path.cwd())


Overrides = tuple[list[str] | None, list[str], list[str]]
"""The command line's ``--select`` (None: as configured), ``--ignore`` and ``--extend-select``."""


def _cache(settings: Settings, no_cache: bool) -> Cache | None:
    """The cache of one project's part of a run (None with ``--no-cache``)."""
    if no_cache:
        return None
    from ailint.cache import Cache

    return Cache(settings.root, settings)


def _parts(
    targets: list[Path], config: Path | None, isolated: bool, overrides: Overrides, *, force_exclude: bool = False
) -> tuple[list[Part], Settings]:
    """The run split by configuration (``projects.plan``), and the settings governing the working directory.

    A configuration error, wherever met, is one line and exit 2.
    """
    from ailint.projects import plan
    from ailint.settings import ConfigError, Resolver, isolated_settings, load_settings

    select, ignore, extend_select = overrides
    cwd = Path.cwd()
    try:
        resolver = None
        if isolated:
            fixed: Settings | None = isolated_settings(cwd)
        elif config is not None:
            fixed = load_settings(config, strict=True)
        else:
            fixed, resolver = None, Resolver(cwd)
        home = fixed if fixed is not None else load_settings(cwd=cwd)

        def adjust(settings: Settings) -> Settings:
            return settings.with_selection(select, ignore, extend_select)

        home = adjust(home)
        return plan(targets, cwd, resolver, fixed, adjust, force_exclude=force_exclude), home
    except ConfigError as exc:
        _fail(str(exc))


def _show_settings(target: Path, config: Path | None, isolated: bool, overrides: Overrides) -> NoReturn:
    """``--show-settings``: the configuration and settings governing ``target``, and exit 0."""
    from ailint.projects import describe, directory_of
    from ailint.settings import ConfigError, Resolver

    cwd = Path.cwd()
    _, home = _parts([], config, isolated, overrides)
    settings = home
    if config is None and not isolated:
        select, ignore, extend_select = overrides
        try:
            governing = Resolver(cwd).settings_of(directory_of(target, cwd))
            settings = governing.with_selection(select, ignore, extend_select)
        except ConfigError as exc:
            _fail(str(exc))
    click.echo(describe(settings, cwd), nl=False)
    sys.exit(EXIT_CLEAN)


def _report(
    result: RunResult,
    output_format: str,
    output_file: Path | None,
    *,
    quiet: bool,
    show_statistics: bool,
    hidden: int = 0,
    hidden_by: str = "the baseline",
) -> None:
    """Write the report in ``output_format`` to ``output_file`` or stdout.

    ``--statistics`` goes with every format: in the text report, as a
    ``statistics`` list in the JSON document, and on stderr beside the
    formats whose consumers read a fixed schema (SARIF, GitHub, JUnit, GitLab).
    How many diagnostics ``hidden_by`` hid is in the text summary, and on
    stderr beside every other format.
    """
    if output_format != "text":
        text = _render(output_format, result, show_statistics)
        if output_file is not None:
            _write_output(output_file, text)
        else:
            click.echo(text, nl=False)
        if show_statistics and output_format != "json" and result.diagnostics:
            from ailint.report.text import statistics

            click.echo("".join(f"{row}\n" for row in statistics(result)), err=True, nl=False)
        if hidden and not quiet:  # what the text summary says, beside a document whose schema has no place for it
            click.echo(f"ailint: {hidden} diagnostic{'' if hidden == 1 else 's'} hidden by {hidden_by}", err=True)
        return
    from ailint.report import text as text_report

    buffer = io.StringIO()
    # NO_COLOR (https://no-color.org) turns off every escape code, bold included.
    color = False if output_file is not None or os.environ.get("NO_COLOR") else None
    text_report.render(
        result,
        buffer if output_file is not None else sys.stdout,
        color=color,
        quiet=quiet,
        show_statistics=show_statistics,
        hidden=hidden,
        hidden_by=hidden_by,
    )
    if output_file is not None:
        _write_output(output_file, buffer.getvalue())


def _render(output_format: str, result: RunResult, show_statistics: bool = False) -> str:
    """A machine-readable report: one ``render`` per format under ``ailint.report``."""
    if output_format == "sarif":
        from ailint.report import sarif

        return sarif.render(result)
    if output_format == "github":
        from ailint.report import github

        return github.render(result)
    if output_format == "junit":
        from ailint.report import junit

        return junit.render(result)
    if output_format == "gitlab":
        from ailint.report import gitlab

        return gitlab.render(result)
    from ailint.report import json as json_report

    return json_report.render(result, statistics=show_statistics)


def _load_baseline(path: Path) -> Counter[tuple[str, str, str]]:
    from ailint.baseline import BaselineError, load

    try:
        return load(path)
    except BaselineError as exc:
        _fail(str(exc))


def _write_baseline(path: Path, result: RunResult, root: Path) -> NoReturn:
    """``--write-baseline``: record every current diagnostic, say so on stderr, exit 0 (2 on a missing path)."""
    from ailint.baseline import dumps

    if result.missing:
        sys.exit(EXIT_USAGE)
    try:
        write_atomically(path, dumps(result.diagnostics, root.resolve(), Path.cwd()))
    except OSError as exc:
        _fail(f"cannot write baseline file {path.as_posix()}: {exc.strerror or exc}")
    count = len(result.diagnostics)
    click.echo(
        f"ailint: recorded {count} diagnostic{'' if count == 1 else 's'} in {path.as_posix()}",
        err=True,
    )
    sys.exit(EXIT_CLEAN)


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="Output format.",
)
@click.option("--output-file", "-o", type=click.Path(path_type=Path, dir_okay=False), help="Write to a file.")
@click.option("--config", type=click.Path(path_type=Path), help="Use this configuration file for every file.")
@click.option("--isolated", is_flag=True, help="Ignore every configuration file.")
@click.option("--no-cache", is_flag=True, help="Do not read or write the cache in .ailint_cache/.")
@click.option(
    "--explain",
    metavar="PATH:LINE",
    help="Print how the callee of each call at PATH:LINE was resolved (or why it was not), and exit.",
)
def calls(
    paths: tuple[Path, ...],
    output_format: str,
    output_file: Path | None,
    config: Path | None,
    isolated: bool,
    no_cache: bool,
    explain: str | None,
) -> None:
    """List every model call site under PATHS with each concern's status."""
    from ailint.report import calls as calls_report

    if explain is not None:
        _explain(list(paths) or [Path(".")], config, isolated, explain)
        return
    result = _inventory(list(paths) or [Path(".")], config, isolated, no_cache=no_cache)
    if output_format == "json":
        text = calls_report.render_json(result)
    else:
        buffer = io.StringIO()
        use_color = False if output_file is not None or os.environ.get("NO_COLOR") else None
        calls_report.render_table(result, buffer if output_file is not None else sys.stdout, color=use_color)
        text = buffer.getvalue()
    if output_file is not None:
        _write_output(output_file, text)
    elif output_format == "json":
        click.echo(text, nl=False)
    sys.exit(EXIT_USAGE if result.missing else EXIT_CLEAN)


def _program(paths: list[Path], config: Path | None, isolated: bool) -> Program:
    """The value-flow engine's program of every file under ``paths`` (one configuration: the first path's)."""
    from ailint.api import follow_values

    parts, _ = _parts(paths, config, isolated, (None, [], []))
    if not parts:
        _fail("no files to read")
    settings = parts[0].settings
    program, errors = follow_values([p for part in parts for p in part.paths], settings)
    for line in errors:
        click.echo(f"ailint: warning: {line}", err=True)
    return program


def _explain(paths: list[Path], config: Path | None, isolated: bool, where: str) -> None:
    """``calls --explain PATH:LINE``."""
    from ailint.discovery import module_names
    from ailint.flow.explain import explain_line

    path_text, _, line_text = where.rpartition(":")
    if not path_text or not line_text.isdigit():
        _fail(f"--explain takes PATH:LINE, not {where!r}")
    target = Path(path_text)
    if not target.is_file():
        _fail(f"--explain: {path_text}: no such file")
    program = _program(paths, config, isolated)
    settings = _parts([target], config, isolated, (None, [], []))[0][0].settings
    names = module_names(target.resolve(), settings.root)
    module = next((name for name in names if name in program.summaries), names[0])
    click.echo("\n".join(explain_line(program, module, int(line_text))))
    sys.exit(EXIT_CLEAN)


@main.command("callgraph")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["pycg", "json", "dot"]),
    default="pycg",
    show_default=True,
    help="pycg: PyCG's JSON (function -> callees); json: with the line of each call; dot: Graphviz.",
)
@click.option("--models", is_flag=True, help="Keep only the functions and calls on a path to a model.")
@click.option("--output-file", "-o", type=click.Path(path_type=Path, dir_okay=False), help="Write to a file.")
@click.option("--config", type=click.Path(path_type=Path), help="Use this configuration file for every file.")
@click.option("--isolated", is_flag=True, help="Ignore every configuration file.")
@click.option("--no-cache", is_flag=True, help="Accepted for symmetry: summaries are cached by content.")
def callgraph(
    paths: tuple[Path, ...],
    output_format: str,
    models: bool,
    output_file: Path | None,
    config: Path | None,
    isolated: bool,
    no_cache: bool,
) -> None:
    """Print the project's call graph as the value-flow engine sees it (dispatch included)."""
    from ailint.flow import explain

    program = _program(list(paths) or [Path(".")], config, isolated)
    render = {"pycg": explain.pycg, "json": explain.graph_json, "dot": explain.dot}[output_format]
    text = render(program, models)
    if not text.endswith("\n"):
        text += "\n"
    if output_file is not None:
        _write_output(output_file, text)
    else:
        click.echo(text, nl=False)
    sys.exit(EXIT_CLEAN)


def _inventory(
    paths: list[Path], config: Path | None, isolated: bool = False, *, no_cache: bool = False
) -> CallsResult:
    """The call-site inventory behind ``calls`` and ``report``; problems go to stderr, bad config exits 2.

    It shares the cache and the progress bar of ``check``: an unchanged tree is listed without parsing.
    """
    from ailint.api import list_calls
    from ailint.progress import progress_bar
    from ailint.projects import merge_calls

    parts, _ = _parts(paths, config, isolated, (None, [], []))
    results = []
    with progress_bar() as progress:
        for part in parts:
            cache = _cache(part.settings, no_cache)
            results.append(list_calls(part.paths, part.settings, release=False, progress=progress, cache=cache))
    result = merge_calls(results)
    for line in result.errors:
        click.echo(f"ailint: warning: {line}", err=True)
    for missing in result.missing:
        click.echo(f"ailint: error: {missing}: no such file or directory", err=True)
    return result


def _console() -> Console:
    """A console on the current stdout; on a pipe, wide enough never to wrap a table row."""
    from rich.console import Console

    console = Console(file=sys.stdout, highlight=False, emoji=False)
    if not console.is_terminal:
        console.width = 400  # a pipe or a file: never wrap rows
    return console


@main.command("rules")
def rules_command() -> None:
    """Print the table of rules: code, name, severity, concern and summary."""
    from ailint.docs import print_table

    print_table(_console())


@main.command("rule")
@click.argument("code")
def rule_command(code: str) -> None:
    """Print the documentation page of one rule, by CODE (AIL401) or name (unhandled-error)."""
    from ailint.docs import UnknownRule, find_rule, page, print_page

    try:
        rule = find_rule(code)
    except UnknownRule as exc:
        hint = f"; did you mean {exc.suggestion}?" if exc.suggestion else ""
        _fail(f"unknown rule '{code}'{hint} (`ailint rules` lists them)")
    if sys.stdout.isatty():
        print_page(rule, _console())
    else:  # piped or redirected: the Markdown source, as in docs/rules/
        click.echo(page(rule), nl=False)


@main.command("server")
def server_command() -> None:
    """Run the Language Server over stdio, for editors (needs `pip install 'ailint[lsp]'`)."""
    from ailint.server import run

    sys.exit(run())


@main.command("report")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["markdown", "html"]),
    default="markdown",
    show_default=True,
    help="Output format: a Markdown document or a self-contained HTML page.",
)
@click.option(
    "--output-file", "-o", type=click.Path(path_type=Path, dir_okay=False), help="Write the report to a file."
)
@click.option("--config", type=click.Path(path_type=Path), help="Use this configuration file for every file.")
@click.option("--isolated", is_flag=True, help="Ignore every configuration file.")
@click.option("--no-cache", is_flag=True, help="Do not read or write the cache in .ailint_cache/.")
def report_command(
    paths: tuple[Path, ...],
    output_format: str,
    output_file: Path | None,
    config: Path | None,
    isolated: bool,
    no_cache: bool,
) -> None:
    """Write the readiness report of PATHS: coverage of each concern, worst files, every call site."""
    from ailint.report import readiness

    targets = list(paths) or [Path(".")]
    result = _inventory(targets, config, isolated, no_cache=no_cache)
    if result.missing:
        sys.exit(EXIT_USAGE)
    scope = [p.as_posix() for p in targets]
    render = readiness.render_html if output_format == "html" else readiness.render_markdown
    text = render(result, scope)
    if output_file is None:
        click.echo(text, nl=False)
    else:
        try:
            write_atomically(output_file, text)
        except OSError as exc:
            _fail(f"cannot write {output_file.as_posix()}: {exc.strerror or exc}")
    sys.exit(EXIT_CLEAN)


@main.command("init")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--write",
    is_flag=True,
    help="Append the tables to the configuration file that governs the paths (pyproject.toml, ailint.toml), "
    "once the result is checked to be a valid configuration; without it nothing is written.",
)
@click.option("--config", type=click.Path(path_type=Path), help="Use this configuration file for every file.")
@click.option("--isolated", is_flag=True, help="Ignore every configuration file (no capability is declared).")
@click.option("--no-cache", is_flag=True, help="Do not read or write the cache in .ailint_cache/.")
def init_command(paths: tuple[Path, ...], write: bool, config: Path | None, isolated: bool, no_cache: bool) -> None:
    """Propose a capability table for each entry point under PATHS that reaches a model.

    An entry point is a function no project code calls (tests aside): an
    endpoint, a CLI command, `main`, a worker task. Each table names the
    function and leaves the task, trigger, output, threshold, mode and KPI
    for the team to fill in, except what the code shows for certain (the
    schema every call site validates the output with, the authority mode
    every call site declares); its comments list the call sites behind it.
    The tables are printed as TOML. Entry points that a declared capability
    names already are left out, with a note on stderr.
    """
    from ailint.progress import progress_bar
    from ailint.propose import propose

    if write and isolated:
        _fail("--write cannot be used with --isolated: no configuration file is read, so none would be written")
    targets = list(paths) or [Path(".")]
    parts, _ = _parts(targets, config, isolated, (None, [], []))
    found: list[tuple[Settings, list[Proposal]]] = []
    missing: list[str] = []
    with progress_bar() as progress:
        for part in parts:
            cache = _cache(part.settings, no_cache)
            result = propose(part.paths, part.settings, progress=progress, cache=cache)
            for line in result.errors:
                click.echo(f"ailint: warning: {line}", err=True)
            missing += [m for m in result.missing if m not in missing]
            for entry, name in result.declared:
                click.echo(
                    f"ailint: note: {entry.function} ({entry.path}:{entry.line}) is in the declared capability "
                    f"'{name}': not proposed",
                    err=True,
                )
            if result.proposals:
                found.append((part.settings, result.proposals))
    for line in missing:
        click.echo(f"ailint: error: {line}: no such file or directory", err=True)
    if missing:
        sys.exit(EXIT_USAGE)
    if not found:
        click.echo(
            "ailint: no entry point reaches a model outside the declared capabilities: nothing to propose", err=True
        )
        sys.exit(EXIT_CLEAN)
    if write:
        _write_capabilities(found)
    else:
        _print_capabilities(found)
    sys.exit(EXIT_CLEAN)


def _config_file(settings: Settings) -> tuple[Path, str, bool]:
    """The file ``init`` proposes for (a new ``ailint.toml`` in the root when none governs), its text, and whether
    its settings are under ``[tool.ailint]``."""
    from ailint.propose import nests_settings

    target = settings.config_path
    if target is None:
        return settings.root / "ailint.toml", "", False
    try:
        existing = target.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        _fail(f"cannot read {_shown(target)}: {reason}")
    return target, existing, nests_settings(target, existing)


def _print_capabilities(found: list[tuple[Settings, list[Proposal]]]) -> None:
    """The tables on stdout, as ``--write`` would append them (each file named when there are several).

    Where no configuration file governs, they are tables of a ``pyproject.toml``.
    """
    from ailint.propose import render

    texts = []
    for settings, proposals in found:
        target, _, nested = _config_file(settings)
        if settings.config_path is None:
            nested = True
        text = render(proposals, nested)
        if len(found) > 1:
            text = f"# for {_shown(target) if settings.config_path is not None else 'pyproject.toml'}\n{text}"
        texts.append(text)
    click.echo("\n".join(texts), nl=False)


def _write_capabilities(found: list[tuple[Settings, list[Proposal]]]) -> None:
    """``init --write``: each file's new text is checked as a configuration first (as a run would read it), and
    nothing is written (exit 2) when one would not be valid or would lose a declared capability."""
    from ailint.propose import appended, render
    from ailint.settings import ConfigError, settings_from_text

    edits = []
    for settings, proposals in found:
        target, existing, nested = _config_file(settings)
        text = appended(existing, render(proposals, nested))
        shown = _shown(target)
        try:
            after = settings_from_text(target, text, settings.root)
        except ConfigError as exc:
            _fail(f"{shown} not written: with the proposed tables it would not be a valid configuration: {exc}")
        kept = {c.name for c in after.capabilities}
        lost = [c.name for c in settings.capabilities if c.name not in kept]
        if lost:
            names = ", ".join(f"'{name}'" for name in lost)
            _fail(
                f"{shown} not written: its own capability tables would replace those it extends ({names}); "
                "add the proposed tables where those are declared"
            )
        edits.append((target, settings.config_path is not None, text, len(proposals)))
    for target, existed, text, count in edits:
        try:
            mode = target.stat().st_mode & 0o7777 if existed else None
            write_atomically(target, text)
            if mode is not None:
                os.chmod(target, mode)  # the file keeps its permissions
        except OSError as exc:
            _fail(f"cannot write {_shown(target)}: {exc.strerror or exc}")
        click.echo(
            f"ailint: {'appended' if existed else 'wrote'} {count} capability table{'' if count == 1 else 's'} "
            f"to {_shown(target)}; fill in what they leave empty",
            err=True,
        )
