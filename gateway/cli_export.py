"""The `feedgate export` command: labelled examples as fine-tuning JSONL, streamed to a file or stdout."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.config import Settings
from gateway.config_checks import ConfigError
from gateway.export.formats import ExportFormat

console = Console(stderr=True)


def parse_since(value: str) -> datetime:
    """An ISO 8601 date or time (`2026-06-01`, `2026-06-01T09:00:00Z`, with an offset); naive means UTC."""
    try:
        parsed = datetime.fromisoformat(value.strip())
        return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    except (ValueError, OverflowError):  # OverflowError: year 1 at +08:00 is before year 1 in UTC
        raise ConfigError(
            f"--since must be an ISO 8601 date or time such as 2026-06-01 or 2026-06-01T09:00:00Z, got {value!r}"
        ) from None


async def _on_database(settings: Settings, work: Callable[[AsyncEngine], Awaitable[None]]) -> None:
    """Run `work` on an engine over an up-to-date schema, disposed afterwards."""
    from gateway.services import prepare_database
    from gateway.store.engine import create_engine

    engine = create_engine(settings.database_url)
    try:
        await prepare_database(settings, engine)
        await work(engine)
    finally:
        await engine.dispose()


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
    """Write the labelled examples matching --app/--since in --format, with a progress bar on stderr."""
    from gateway.export.stream import ExportTally, TrainingExport
    from gateway.store.training_examples import ExampleFilter, TrainingExampleStore

    fmt = ExportFormat(args.format)
    where = ExampleFilter(app=args.app, since=parse_since(args.since) if args.since else None)
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

            asyncio.run(_on_database(settings, run))
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
    parser.add_argument(
        "--format",
        required=True,
        choices=[f.value for f in ExportFormat],
        help="chat: OpenAI chat fine-tuning; preference: OpenAI preference pairs; jsonl: every field",
    )
    parser.add_argument("--app", help="only this app's examples")
    parser.add_argument(
        "--since", help="only examples labelled at or after this ISO 8601 date or time (UTC if no offset)"
    )
    parser.add_argument("--output", type=Path, help="write to this file (default: stdout)")
    parser.set_defaults(run=lambda args: export(args, settings_of(args)))
