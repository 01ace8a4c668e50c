"""The `feedgate export` command: labelled examples as fine-tuning JSONL, streamed to a file or stdout."""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import stat
import sys
from collections.abc import Callable
from pathlib import Path
from typing import IO

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.cli_database import on_database, refuse_missing_sqlite_file
from gateway.cli_discovery import logs_are_json
from gateway.cli_help import described
from gateway.cli_signals import CommandStopped, interruptible, run_stoppable
from gateway.config import Settings
from gateway.config_checks import ConfigError
from gateway.domain.errors import InvalidQuery
from gateway.export.examples import ExampleSource, FixFilter
from gateway.export.formats import ExportFormat
from gateway.export.options import ExportOptions, cli_option, export_filter, export_options
from gateway.export.stream import ExportTally

console = Console(stderr=True)
# How much the export writes at a time (characters): each write ends on SIGTERM (cli_signals.interruptible).
WRITE_CHUNK_CHARACTERS = 64 * 1024
logger = logging.getLogger("feedgate.export")
# What makes an example, for someone whose export found none (their first, often) and for --help: the one
# thing a first export most likely lacks is a label that says what the right answer was.
WHAT_MAKES_AN_EXAMPLE = (
    "an example is an end user's correction (feedback with a 'correction'), or a reviewer's approve or correct"
    " decision on a task about one chat interaction; a thumbs-down alone makes none"
)


def _say(message: str, as_json: bool, level: int = logging.INFO, fields: dict[str, object] | None = None) -> None:
    """One line on stderr for the person who ran the export: a log line with `fields` when logs are JSON.

    stderr is then the log stream a collector parses, line by line, as for `feedgate cluster`.
    """
    if as_json:
        logger.log(level, "%s", message, extra=fields or {})
    else:
        prefix = "warning: " if level == logging.WARNING else ""
        console.print(f"{prefix}{message}", markup=False, highlight=False, soft_wrap=True)


def _summary_fields(tally: ExportTally) -> dict[str, object]:
    """The summary's figures, as a JSON log line carries them."""
    return {
        "lines": tally.lines,
        "examples": tally.examples,
        "duplicates": tally.duplicates,
        "no_example": tally.no_example,
        "said_nothing": tally.said_nothing,
        "cut_short": tally.cut_short,
        "blank_corrections": tally.blank_corrections,
        "redacted_corrections": tally.redacted_corrections,
        "unknown_choice_corrections": tally.unknown_choice_corrections,
        "sources": dict(tally.by_source),
    }


def _options_of(args: argparse.Namespace) -> ExportOptions:
    """The export the command line asks for, by the rule GET /api/export follows too; a refused option exits 2."""
    try:
        return export_options(
            args.format,
            app=args.app,
            since=args.since,
            until=args.until,
            source=args.source,
            fixes=args.fixes,
            stored_after=args.stored_after,
            name=cli_option,
        )
    except InvalidQuery as exc:
        raise ConfigError(exc.message) from None


def _output(path: Path | None) -> tuple[IO[str], Path | None, Path | None]:
    """Where lines go: stdout; a file's temporary twin, renamed over it once complete; or, for what is not a
    file (a FIFO, a device), the thing itself. (output, the twin if any, the file it replaces)."""
    if path is None:
        return sys.stdout, None, None
    # Through a symlink to the file it names: the link stays a link.
    target = path.resolve() if path.is_symlink() else path
    if not target.parent.is_dir():
        raise ConfigError(f"--output: no such directory: {target.parent}")
    if target.is_dir():
        raise ConfigError(f"--output: {path} is a directory; name a file")
    try:
        if target.exists() and not target.is_file():
            # A rename would replace the FIFO or device (/dev/stdout as root) with a plain file.
            return target.open("w", encoding="utf-8"), None, None
        partial = target.with_name(f".{target.name}.partial")
        # The lines are end users' conversations: a new file is its owner's alone, as the database is; one
        # written over keeps the mode it had (the rename would otherwise give it the twin's).
        mode = stat.S_IMODE(target.stat().st_mode) if target.exists() else 0o600
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
        os.fchmod(descriptor, mode)  # past the umask, and over a twin a killed export left behind
        return os.fdopen(descriptor, "w", encoding="utf-8"), partial, target
    except OSError as exc:
        raise ConfigError(f"--output: cannot write {path}: {exc.strerror}") from None


def _silence(out: IO[str]) -> None:
    """Point `out` (stdout, a FIFO) at /dev/null, so what its buffers hold, flushed as it closes or the interpreter
    exits, goes nowhere: not into a closed pipe (an error), nor a full one nobody reads (a wait with no end)."""
    with contextlib.suppress(OSError, ValueError):  # no descriptor (an in-process test's capture), or closed
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, out.fileno())
        os.close(devnull)


class OutputFailed(Exception):
    """Writing the export's output failed (a full disk, say): no OSError, so never taken for the database's."""

    def __init__(self, error: OSError) -> None:
        super().__init__(str(error))
        self.error = error


def _written(write: Callable[..., object], *text: str) -> None:
    """`write(*text)`, its OSError (but a closed pipe's, said apart) raised as OutputFailed."""
    try:
        write(*text)
    except BrokenPipeError:
        raise
    except OSError as exc:
        raise OutputFailed(exc) from None


def _discard(out: IO[str], partial: Path | None) -> None:
    """Let go of an output the export could not finish: one written directly (stdout, a FIFO) quietened, a file
    closed, the file's twin removed."""
    if partial is None:
        # The last flush would write into the broken pipe, the full disk or the pipe nobody reads again.
        _silence(out)
    if out is not sys.stdout:
        with contextlib.suppress(OSError):  # closing flushes what is left, into the same failure
            out.close()
    if partial is not None:
        partial.unlink(missing_ok=True)


def _write_through(out: IO[str], text: str) -> None:
    """`text` written and flushed: nothing is left in `out`'s buffers for a later write, out of SIGTERM's reach, to
    block on."""
    _written(out.write, text)
    _written(out.flush)


def export(args: argparse.Namespace, settings: Settings) -> None:
    """Write the labelled examples matching --app/--since/--until/--source/--fixes in --format, with a progress bar
    on stderr."""
    from gateway.domain.seen_apps import SeenApps
    from gateway.export.stream import TrainingExport
    from gateway.store.seen_apps import SeenAppStore
    from gateway.store.training_examples import TrainingExampleStore

    options = _options_of(args)
    fmt, fixes = options.format, options.fixes
    # Before the progress bar and the output file: a mistyped path is one line, and leaves nothing behind.
    refuse_missing_sqlite_file(settings.database_url, settings.origin_of("database_url"))
    # Opened in `work`, once SIGTERM stops the export rather than the process (which left the twin behind).
    out: IO[str] = sys.stdout
    partial: Path | None = None
    target: Path | None = None
    tally = ExportTally()
    unseen: list[str] = []
    # With --stored-after: the token the next export reads on from, said with the summary.
    next_token: list[str] = []
    as_json = logs_are_json(settings)
    columns = (TextColumn("exporting {task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())

    async def run(engine: AsyncEngine) -> None:
        # The bar starts once the database is open and its schema checked: a database refused (out of date,
        # unreachable) is the error's one line, with no `exporting chat … 0/?` line before it.
        # Among JSON log lines a progress bar is one more line a log collector cannot parse.
        with Progress(*columns, console=console, disable=as_json) as bar:
            task = bar.add_task(fmt.value, total=None)

            def progress(read: int) -> None:
                bar.update(task, completed=read)

            if options.where.app is not None:
                # A mistyped app exports nothing, as an app with no labelled example does: say which it is.
                unseen.extend(await SeenApps(SeenAppStore(engine)).warnings(options.where.app, "export"))
            store = TrainingExampleStore(engine)
            where, token = await export_filter(options, store.stored_horizons)
            next_token.extend([] if token is None else [token])
            exporter = TrainingExport(store)
            bar.update(task, total=await exporter.count(where))
            chunk: list[str] = []
            size = 0
            async for line in exporter.lines(where, fmt, tally, progress, fixes=fixes):
                chunk.append(line)
                size += len(line)
                if size >= WRITE_CHUNK_CHARACTERS:
                    interruptible(_write_through, out, "".join(chunk))
                    chunk, size = [], 0
            interruptible(_write_through, out, "".join(chunk))

    async def work() -> None:
        nonlocal out, partial, target
        # Opening a FIFO waits for its reader.
        out, partial, target = interruptible(_output, args.output)
        await on_database(settings, run, reads_only=True)

    def stopped() -> str:
        if args.output is None:
            return (
                "the export was cut short: what went to stdout is unfinished, discard it; run `feedgate export` again"
            )
        if partial is None:  # a FIFO or a device, written directly
            return (
                f"the export was cut short: what went to {args.output} is unfinished, discard it; "
                "run `feedgate export` again"
            )
        # The twin is removed below; the file it would have replaced is untouched.
        done = "is left as it was" if target is not None and target.exists() else "was not written"
        return f"the export was cut short: {args.output} {done} (its unfinished copy is removed); run `feedgate export` again"

    try:
        run_stoppable(work, stopped)
        _written(out.flush)
        if out is not sys.stdout:
            _written(out.close)
    except BrokenPipeError:
        if partial is not None:
            raise
        # The reader went away (`feedgate export … | head`, or a FIFO's): say so in one line, not a traceback.
        _discard(out, partial)
        _say("export stopped: the reader closed the output", as_json, logging.ERROR)
        raise SystemExit(1) from None
    except OutputFailed as failed:
        _discard(out, partial)
        named = "stdout" if out is sys.stdout else str(args.output)
        raise ConfigError(f"export stopped: cannot write {named}: {failed.error.strerror or failed.error}") from None
    except CommandStopped:
        # A write SIGTERM ended (in a pipe nobody reads) left the rest of its text in the buffers.
        _discard(out, partial)
        raise
    except BaseException:
        if out is not sys.stdout:
            with contextlib.suppress(OSError):  # the error that stopped the export is the one to tell
                out.close()
        if partial is not None:
            partial.unlink(missing_ok=True)
        raise
    if partial is not None and target is not None:
        os.replace(partial, target)
    summary, fields = tally.summary(), _summary_fields(tally)
    if next_token:
        summary += f"; next --stored-after: {next_token[0]}"
        fields["next_stored_after"] = next_token[0]
    _say(summary, as_json, fields=fields)
    # A following export finding nothing new is as it should be; labels left out are told in the summary.
    if tally.rows == 0 and not tally.left_out and not next_token:
        _say(f"no labelled example to export: {WHAT_MAKES_AN_EXAMPLE}", as_json)
    for warning in unseen:
        _say(warning, as_json, logging.WARNING)


def add_export_command(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    common: argparse.ArgumentParser,
    settings_of: Callable[[argparse.Namespace], Settings],
) -> None:
    """Register `export` on the `feedgate` parser."""
    parser = commands.add_parser(
        "export",
        parents=[common],
        **described(
            "labelled examples as fine-tuning JSONL (chat, preference or jsonl)",
            "feedgate export --format chat --output train.jsonl",
            "feedgate export --format preference --app support-bot --since 2025-06-01",
            epilog=f"{WHAT_MAKES_AN_EXAMPLE[:1].upper()}{WHAT_MAKES_AN_EXAMPLE[1:]}. The summary on stderr says how"
            " many lines were written and what was left out.",
        ),
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
        "--stored-after",
        metavar="start|now|TOKEN",
        help="only labels stored after this token, in the order stored: start (all so far), now (none so far) or the"
        " next --stored-after a previous export said (or /api/export's x-feedgate-next-stored-after); not with"
        " --since or --until",
    )
    parser.add_argument(
        "--source",
        metavar="|".join(ExampleSource),
        help="only examples of this source: end users' corrections or reviewers' decisions (default: both)",
    )
    parser.add_argument(
        "--fixes",
        metavar="|".join(FixFilter),
        help="without: only answers given to the request as the app sent it; only: only answers given under a"
        " gateway fix, a knowledge note or prompt version (default: both)",
    )
    parser.add_argument("--output", type=Path, help="write to this file (default: stdout)")
    parser.set_defaults(run=lambda args: export(args, settings_of(args)))
