"""The command line: options to settings, settings to a run, a run to output and an exit code.

Heavy modules (LibCST, rich, the engine) are imported inside the commands, so
``ailint --version`` stays instant.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
import tempfile
from pathlib import Path
from typing import NoReturn

import click

from ailint import __version__

EXIT_CLEAN, EXIT_DIAGNOSTICS, EXIT_USAGE = 0, 1, 2


class DefaultGroup(click.Group):
    """A group that runs ``check`` when the first argument is not a command.

    So ``ailint src/``, ``ailint --format json src/`` and plain ``ailint``
    all mean ``ailint check ...``.
    """

    default_command = "check"
    group_options = frozenset({"--version", "--help", "-h"})

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args or (args[0] not in self.commands and args[0] not in self.group_options):
            args = [self.default_command, *args]
        return super().parse_args(ctx, args)


def _fail(message: str) -> NoReturn:
    click.echo(f"ailint: error: {message}", err=True)
    sys.exit(EXIT_USAGE)


def _split(values: tuple[str, ...]) -> list[str]:
    """``--select AIL4,AIL5 --select AIL101`` as a flat list."""
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and a rename."""
    directory = path.parent if str(path.parent) else Path(".")
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            stream.write(text)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


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
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Output format.",
)
@click.option(
    "--output-file", "-o", type=click.Path(path_type=Path, dir_okay=False), help="Write the report to a file."
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
    "--config",
    type=click.Path(path_type=Path),
    help="Read [tool.ailint] from this file instead of the nearest pyproject.toml.",
)
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when diagnostics are reported.")
@click.option("--statistics", "show_statistics", is_flag=True, help="Print the number of diagnostics per code.")
@click.option("--quiet", "-q", is_flag=True, help="Print diagnostics only, without the summary.")
def check(
    paths: tuple[Path, ...],
    output_format: str,
    output_file: Path | None,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    config: Path | None,
    exit_zero: bool,
    show_statistics: bool,
    quiet: bool,
) -> None:
    """Lint PATHS (default: the current directory)."""
    from ailint.api import check_paths
    from ailint.settings import ConfigError, load_settings

    try:
        settings = load_settings(config)
        selected = _split(select)
        settings = settings.with_selection(selected or None, _split(ignore))
    except ConfigError as exc:
        _fail(str(exc))
    result = check_paths(list(paths) or [Path(".")], settings)
    for line in result.errors:
        click.echo(f"ailint: warning: {line}", err=True)
    for missing in result.missing:
        click.echo(f"ailint: error: {missing}: no such file or directory", err=True)

    if output_format == "json":
        from ailint.report import json as json_report

        text = json_report.render(result)
        if output_file is not None:
            write_atomically(output_file, text)
        else:
            click.echo(text, nl=False)
    else:
        from ailint.report import text as text_report

        if output_file is not None:
            buffer = io.StringIO()
            text_report.render(result, buffer, color=False, quiet=quiet, show_statistics=show_statistics)
            write_atomically(output_file, buffer.getvalue())
        else:
            # NO_COLOR (https://no-color.org) turns off every escape code, bold included.
            color = False if os.environ.get("NO_COLOR") else None
            text_report.render(result, sys.stdout, color=color, quiet=quiet, show_statistics=show_statistics)

    if result.missing:
        sys.exit(EXIT_USAGE)
    if result.diagnostics and not exit_zero:
        sys.exit(EXIT_DIAGNOSTICS)
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
@click.option("--config", type=click.Path(path_type=Path), help="Read [tool.ailint] from this file.")
def calls(paths: tuple[Path, ...], output_format: str, output_file: Path | None, config: Path | None) -> None:
    """List every model call site under PATHS with each concern's status."""
    from ailint.api import list_calls
    from ailint.report import calls as calls_report
    from ailint.settings import ConfigError, load_settings

    try:
        settings = load_settings(config)
    except ConfigError as exc:
        _fail(str(exc))
    result = list_calls(list(paths) or [Path(".")], settings)
    for line in result.errors:
        click.echo(f"ailint: warning: {line}", err=True)
    for missing in result.missing:
        click.echo(f"ailint: error: {missing}: no such file or directory", err=True)
    if output_format == "json":
        text = calls_report.render_json(result)
    else:
        buffer = io.StringIO()
        use_color = False if output_file is not None or os.environ.get("NO_COLOR") else None
        calls_report.render_table(result, buffer if output_file is not None else sys.stdout, color=use_color)
        text = buffer.getvalue()
    if output_file is not None:
        write_atomically(output_file, text)
    elif output_format == "json":
        click.echo(text, nl=False)
    sys.exit(EXIT_USAGE if result.missing else EXIT_CLEAN)
