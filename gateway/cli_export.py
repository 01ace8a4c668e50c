"""The `feedgate export` command: labelled examples as fine-tuning JSONL, streamed to a file or stdout."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import IO

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.cli_database import on_database, refuse_missing_sqlite_file
from gateway.config import Settings
from gateway.config_checks import ConfigError
from gateway.domain.errors import InvalidQuery
from gateway.export.examples import ExampleSource
from gateway.export.formats import ExportFormat
from gateway.export.options import ExportOptions, cli_option, export_options

console = Console(stderr=True)


def _options_of(args: argparse.Namespace) -> ExportOptions:
    """The export the command line asks for, by the rule GET /api/export follows too; a refused option exits 2."""
    try:
        return export_options(
            args.format, app=args.app, since=args.since, until=args.until, source=args.source, name=cli_option
        )
    except InvalidQuery as exc:
        raise ConfigError(exc.message) from None


def _output(path: Path | None) -> tuple[IO[str], Path | None]:
    """Where lines go: stdout, or a temporary file next to `path`, renamed over it once complete."""
    if path is None:
        return sys.stdout, None
    if not path.parent.is_dir():
        raise ConfigError(f"--output: no such directory: {path.parent}")
    if path.is_dir():
        raise ConfigError(f"--output: {path} is a directory; name a file")
    partial = path.with_name(f".{path.name}.partial")
    try:
        return partial.open("w", encoding="utf-8"), partial
    except OSError as exc:
        raise ConfigError(f"--output: cannot write {path}: {exc.strerror}") from None


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so the interpreter's last flush of a closed pipe raises nothing more."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


def export(args: argparse.Namespace, settings: Settings) -> None:
    """Write the labelled examples matching --app/--since/--until/--source in --format, with a progress bar on stderr."""
    from gateway.export.stream import ExportTally, TrainingExport
    from gateway.store.training_examples import TrainingExampleStore

    options = _options_of(args)
    fmt, where = options.format, options.where
    # Before the progress bar and the output file: a mistyped path is one line, and leaves nothing behind.
    refuse_missing_sqlite_file(settings.database_url)
    out, partial = _output(args.output)
    tally = ExportTally()
    columns = (TextColumn("exporting {task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    try:
        with Progress(*columns, console=console) as bar:
            task = bar.add_task(fmt.value, total=None)

            def progress(read: int) -> None:
                bar.update(task, completed=read)

            async def run(engine: AsyncEngine) -> None:
                exporter = TrainingExport(TrainingExampleStore(engine))
                bar.update(task, total=await exporter.count(where))
                async for line in exporter.lines(where, fmt, tally, progress):
                    out.write(line)

            asyncio.run(on_database(settings, run, creates=False))
        out.flush()
    except BrokenPipeError:
        if partial is not None:
            raise
        # The reader went away (`feedgate export … | head`): say so in one line, not a traceback.
        _silence_stdout()
        console.print("export stopped: the reader closed the output", markup=False, highlight=False)
        raise SystemExit(1) from None
    except BaseException:
        if partial is not None:
            out.close()
            partial.unlink(missing_ok=True)
        raise
    if partial is not None:
        out.close()
        os.replace(partial, args.output)
    console.print(tally.summary(), markup=False, highlight=False)


def add_export_command(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    common: argparse.ArgumentParser,
    settings_of: Callable[[argparse.Namespace], Settings],
) -> None:
    """Register `export` on the `feedgate` parser."""
    parser = commands.add_parser(
        "export", parents=[common], help="labelled examples as fine-tuning JSONL (chat, preference or jsonl)"
    )
    # The values are checked by export_options, as GET /api/export checks them, not by argparse.
    parser.add_argument(
        "--format",
        required=True,
        metavar="|".join(ExportFormat),
        help="chat: OpenAI chat fine-tuning; preference: OpenAI preference pairs; jsonl: every field",
    )
    parser.add_argument("--app", help="only this app's examples")
    parser.add_argument(
        "--since", help="only examples labelled at or after this ISO 8601 date or time (UTC if no offset)"
    )
    parser.add_argument("--until", help="only examples labelled before this ISO 8601 date or time (UTC if no offset)")
    parser.add_argument(
        "--source",
        metavar="|".join(ExampleSource),
        help="only examples of this source: end users' corrections or reviewers' decisions (default: both)",
    )
    parser.add_argument("--output", type=Path, help="write to this file (default: stdout)")
    parser.set_defaults(run=lambda args: export(args, settings_of(args)))
