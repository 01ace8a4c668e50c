"""The `feedgate import` command: interactions and their feedback from a JSON Lines file, from the shell."""

from __future__ import annotations

import argparse
import logging
from collections.abc import Callable
from pathlib import Path

from rich.console import Console

from gateway.cli_database import on_database
from gateway.cli_discovery import logs_are_json, progress_bar
from gateway.cli_help import described, settings_runner
from gateway.cli_signals import run_stoppable
from gateway.config import Settings
from gateway.config_checks import ConfigError
from gateway.counted import counted
from gateway.imports.jsonl import MAX_LINE_BYTES, ImportReport
from gateway.imports.lines import LINE_FIELDS

console = Console(stderr=True)
# The import's lines in JSON logs are discovery's, as they were before this command had its own module.
logger = logging.getLogger("feedgate.discovery")

# What a line of an imported file holds, for `feedgate import --help` (docs/discovery.md says it all).
IMPORT_LINE = (
    'Each line is one interaction: {"id": "…", "app": "…", "created_at": "2025-06-01T09:30:00Z", "end_user": "…", '
    '"request": {an OpenAI chat request}, "response": {its chat completion}, "feedback": [{"thumbs": "down", '
    f'"comment": "…"}}]}}. Only "request" is needed; no field but {", ".join(LINE_FIELDS)}. A line without "id" gets '
    'a new one each time it is imported; "app" left out is "imported"; "created_at" is ISO 8601 (UTC without an '
    "offset) or Unix seconds, now when left out. docs/discovery.md says the rest."
)


def import_file(args: argparse.Namespace, settings: Settings) -> None:
    """Import interactions and their feedback from a JSON Lines file."""
    from gateway.imports.jsonl import import_jsonl
    from gateway.privacy.redaction import redactor_for

    if args.batch_size < 1:
        raise ConfigError(f"--batch-size must be at least 1, got {args.batch_size}")
    if args.max_line_mib < 1:
        raise ConfigError(f"--max-line-mib must be at least 1, got {args.max_line_mib}")
    _check_readable_file(args.file)
    as_json = logs_are_json(settings)
    # Among JSON log lines a progress bar is one more line a log collector cannot parse.
    # Filled as the import goes: a stopped import says from it what it stored.
    report = ImportReport()
    with progress_bar(shown=not as_json) as bar:
        task = bar.add_task(f"importing {args.file.name}", total=args.file.stat().st_size)
        run_stoppable(
            lambda: on_database(
                settings,
                lambda engine: import_jsonl(
                    engine,
                    args.file,
                    max_text_chars=settings.feedback_max_text_chars,
                    batch_size=args.batch_size,
                    progress=lambda read: bar.update(task, completed=read),
                    redactor=redactor_for(settings),
                    max_line_bytes=args.max_line_mib * 1024 * 1024,
                    report=report,
                ),
            ),
            lambda: import_stopped(report, args.file),
        )
    for number, reason in sorted(report.repeated + report.errors):
        if as_json:
            # One JSON log line each, its line number a field, beside the command's other log lines.
            logger.warning("line %d: %s", number, reason, extra={"file": str(args.file), "line": number})
        else:
            console.print(f"line {number}: {reason}", markup=False, highlight=False, soft_wrap=True)
    print(
        f"imported {counted(report.interactions, 'interaction')} and "
        f"{counted(report.feedback, 'feedback event')}; skipped {counted(len(report.errors), 'bad line')}, "
        f"{counted(len(report.repeated), 'line')} repeating an earlier line's id, "
        f"and {counted(report.already_stored_interactions, 'interaction')} and "
        f"{counted(report.already_stored_feedback, 'feedback event')} already stored"
        + (
            f"; left out {counted(report.erased_interactions, 'interaction')} and "
            f"{counted(report.erased_feedback, 'feedback event')} of end users erased since"
            if report.erased_interactions or report.erased_feedback
            else ""
        )
    )
    if report.errors and not (report.interactions or report.already_stored_interactions or report.repeated):
        # Not one line could be read (the wrong file, the wrong format): a script must not take it for success.
        raise SystemExit(1)


def import_stopped(report: ImportReport, path: Path) -> str:
    """What an import stopped partway stored, and how to go on without storing a line twice."""
    done = report.done_through_line
    if not done:
        return f"the import was cut short: no line is stored (the batch under way is rolled back); run `feedgate import {path}` again"
    return (
        f"the import was cut short: lines 1-{done} are stored ({counted(report.interactions, 'interaction')}, "
        f"{counted(report.feedback, 'feedback event')}), the batch under way is rolled back and the lines after it "
        f"are not stored. To go on, import the lines after line {done} (`tail -n +{done + 1} {path} > rest.jsonl`), "
        "or the whole file again: a line whose id is stored already is skipped, but one without an id is stored twice"
    )


def _check_readable_file(path: Path) -> None:
    """A ConfigError unless `path` is a regular file this process may read."""
    if not path.exists():
        raise ConfigError(f"no such file: {path}")
    if path.is_dir():
        raise ConfigError(f"{path} is a directory; name a JSON Lines file")
    if not path.is_file():
        raise ConfigError(f"{path} is not a regular file; name a JSON Lines file")
    try:
        path.open("rb").close()
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}") from None


def add_import_command(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    common: argparse.ArgumentParser,
    settings_of: Callable[[argparse.Namespace], Settings],
) -> None:
    """Register `import` on the `feedgate` parser."""
    runner = settings_runner(settings_of)
    import_parser = commands.add_parser(
        "import",
        parents=[common],
        **described(
            "import interactions from a JSONL file",
            "feedgate import history.jsonl",
            "feedgate import history.jsonl --batch-size 2000",
            epilog=IMPORT_LINE,
        ),
    )
    import_parser.add_argument(
        "file",
        type=Path,
        metavar="FILE",
        help="a JSONL file: UTF-8 text, one JSON object a line, as below; bad lines are reported and skipped",
    )
    import_parser.add_argument(
        "--batch-size",
        dest="batch_size",
        type=int,
        default=500,
        help="interactions stored per transaction (default: 500)",
    )
    import_parser.add_argument(
        "--max-line-mib",
        dest="max_line_mib",
        type=int,
        default=MAX_LINE_BYTES // (1024 * 1024),
        help="the longest line read, in MiB; a longer line is a bad line, skipped (default: 16)",
    )
    import_parser.set_defaults(run=runner(import_file))
