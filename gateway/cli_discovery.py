"""The `feedgate cluster`, `worker` and `import` commands: issue discovery and bulk import from the shell."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import math
import os
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from gateway.cli_database import not_started, on_database
from gateway.cli_help import described, settings_runner
from gateway.cli_signals import run_service, run_stoppable
from gateway.config import Settings
from gateway.config_checks import ConfigError, check_port, short_secrets
from gateway.counted import counted
from gateway.discovery.job import AppRunSummary, RunSummary
from gateway.discovery.summary import pass_log_fields, pass_log_message, why_no_issue
from gateway.domain.quoting import quoted
from gateway.imports.jsonl import MAX_LINE_BYTES, ImportReport
from gateway.imports.lines import LINE_FIELDS
from gateway.observability.logs import resolved_format

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine

T = TypeVar("T")
console = Console(stderr=True)
logger = logging.getLogger("feedgate.discovery")


def summary_table(summary: RunSummary) -> Table:
    """One row per app: items, issues found, new, ongoing, reopened and gone ones, noise; time below."""
    table = Table(title="Clustering pass")
    for heading in ("app", "items", "issues", "new", "ongoing", "reopened", "gone", "noise"):
        table.add_column(heading, justify="left" if heading == "app" else "right")
    for app in summary.apps:
        table.add_row(
            app.app,
            str(app.items),
            str(app.clusters),
            str(app.new_issues),
            str(app.continued_issues),
            str(app.reopened_issues),
            str(app.retired_issues),
            str(app.noise),
        )
    reductions = {"fitted": "UMAP fitted", "reused": "kept UMAP fit reused", "none": "too few items for UMAP"}
    table.caption = "; ".join(f"{app.app}: {app.seconds:.1f} s, {_how(app, reductions)}" for app in summary.apps)
    return table


def _how(app: AppRunSummary, reductions: dict[str, str]) -> str:
    if app.kind == "incremental":
        how = f"incremental: {app.assigned_items} of {app.new_items} new complaints joined an issue"
    else:
        how = reductions[app.reduction]
    why = why_no_issue(app)
    return how if why is None else f"{how}; {why}"


def logs_are_json(settings: Settings) -> bool:
    """Whether the command's log handler (on stderr, as configure_logging sets it up) writes JSON lines."""
    return resolved_format(settings.log_format, sys.stderr) == "json"


def report_pass(summary: RunSummary, as_json: bool) -> None:
    """What a pass found: one JSON log line when logs are JSON, else the table on stdout.

    A log collector reading JSON lines cannot parse a table, so with JSON logs the figures go into
    the line's fields. A pass with nothing to cluster is one line either way, not an empty table.
    """
    if as_json:
        logger.info(pass_log_message(summary), extra=pass_log_fields(summary))
    elif not summary.apps:
        # Flushed: the worker's stdout may be a file or pipe, read while the worker keeps running.
        print(pass_log_message(summary), flush=True)
    else:
        Console().print(summary_table(summary))


def _progress_bar(shown: bool = True) -> Progress:
    columns = (TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(), TimeElapsedColumn())
    return Progress(*columns, console=console, disable=not shown)


async def _refuse_unknown_app(engine: AsyncEngine, app: str) -> None:
    """ConfigError for an --app with neither complaints nor issues: a typo ran an empty pass and said nothing."""
    from gateway.store.issues import IssueStore
    from gateway.store.negative_feedback import NegativeFeedbackStore

    known = set(await NegativeFeedbackStore(engine).apps()) | set(await IssueStore(engine).live_apps())
    if app not in known:
        listed = ", ".join(sorted(known)[:20]) or "none yet"
        raise ConfigError(f"--app {quoted(app)} has no negative feedback and no issues; apps that have: {listed}")


def cluster(args: argparse.Namespace, settings: Settings) -> None:
    """Run one clustering pass and print what it found."""
    from gateway.discovery.job import run_clustering_pass
    from gateway.discovery.schedule import embedder_for, merge_judging_for, titler_for
    from gateway.observability.logs import configure_logging

    # Logs as `log_format` and `log_level` say, through serve's handler; a one-off pass exports no metrics.
    configure_logging(settings.log_format, settings.log_level)
    as_json = logs_are_json(settings)
    # Among JSON log lines a progress bar is one more line a log collector cannot parse.
    with _progress_bar(shown=not as_json) as bar:
        task = bar.add_task("starting", total=None)

        def progress(step: str, done: int, total: int) -> None:
            bar.update(task, description=step, completed=done, total=total)

        async def run(engine: AsyncEngine) -> RunSummary:
            if args.app is not None:
                await _refuse_unknown_app(engine, args.app)
            return await run_clustering_pass(
                engine,
                settings,
                embedder_for(settings, os.environ),
                app=args.app,
                progress=progress,
                titler=titler_for(settings, os.environ),
                merge_judging=merge_judging_for(settings, os.environ),
            )

        summary = run_stoppable(
            lambda: on_database(settings, run, creates=False),
            "the clustering pass was cut short: what it had not stored is rolled back (apps it had finished keep "
            "their issues) and its lock is released; run `feedgate cluster` again",
        )
    if summary.already_running:
        raise ConfigError(
            "another clustering pass is running (or a prune or an erasure, which passes wait for); "
            "try again when it has finished"
        )
    report_pass(summary, as_json)


# The shortest `--interval` taken, the least `cluster_interval` may be when it is not 0.
MIN_WORKER_INTERVAL = 1.0
# What a line of an imported file holds, for `feedgate import --help` (docs/discovery.md says it all).
IMPORT_LINE = (
    'Each line is one interaction: {"id": "…", "app": "…", "created_at": "2025-06-01T09:30:00Z", "end_user": "…", '
    '"request": {an OpenAI chat request}, "response": {its chat completion}, "feedback": [{"thumbs": "down", '
    f'"comment": "…"}}]}}. Only "request" is needed; no field but {", ".join(LINE_FIELDS)}. A line without "id" gets '
    'a new one each time it is imported; "app" left out is "imported"; "created_at" is ISO 8601 (UTC without an '
    "offset) or Unix seconds, now when left out. docs/discovery.md says the rest."
)


def worker(args: argparse.Namespace, settings: Settings) -> None:
    """Run clustering passes every `--interval` seconds until interrupted."""
    from gateway.discovery.schedule import embedder_for, merge_judging_for, run_periodically, titler_for
    from gateway.domain.late_numbering import number_late_rows_periodically
    from gateway.observability.startup import prepare_observability
    from gateway.observability.worker_endpoint import worker_endpoint
    from gateway.privacy.retention import prune_periodically
    from gateway.prompts.setup import guard_canaries

    if args.interval is not None and not (math.isfinite(args.interval) and args.interval >= MIN_WORKER_INTERVAL):
        # As `cluster_interval` is bounded: a tiny interval ran passes back to back, holding the clustering lock.
        # One wording for 0, 0.5 and nan alike, the help's and the docs' ("at least 1").
        raise ConfigError(
            f"--interval must be a number of seconds, at least {MIN_WORKER_INTERVAL:g}, got {args.interval:g}"
        )
    interval = args.interval or settings.cluster_interval or 3600
    metrics_port = settings.worker_metrics_port
    if args.metrics_port is not None:
        metrics_port = check_port("--metrics-port", args.metrics_port)
    # As `serve` does: logs as `log_format` and `log_level` say; with `metrics_dir`, its passes'
    # metrics go to files there beside the gateway processes' (and its endpoint adds them all up).
    prepare_observability(settings)
    as_json = logs_are_json(settings)

    def on_pass(summary: RunSummary) -> None:
        # A pass skipped for another one's lock was logged in one line already (run_periodically).
        if not summary.already_running:
            report_pass(summary, as_json)

    async def work(engine: AsyncEngine, started: Callable[[], None]) -> object:
        # The database is ready: from here a stop is the service's own, status 0 (run_service).
        started()
        # Its passes' metrics for a scraper (gateway.observability.worker_endpoint), bound before a word
        # is said: a worker refused for a taken port or an old schema had announced itself first.
        endpoint = (
            worker_endpoint(settings, settings.worker_metrics_host, metrics_port)
            if metrics_port is not None
            else contextlib.nullcontext()
        )
        async with endpoint:
            # Start-up lines go through the log handler too, so with JSON logs every line of output is JSON.
            logger.info("clustering every %g s; Ctrl-C to stop", interval, extra={"interval_seconds": interval})
            if metrics_port is not None:
                metrics_url = f"http://{settings.worker_metrics_host}:{metrics_port}/metrics"
                logger.info("metrics on %s", metrics_url, extra={"metrics_url": metrics_url})
                # The endpoint asks for the same token as serve's, so it gets serve's warning too.
                for warning in short_secrets(settings, fields=("metrics_token",)):
                    logging.getLogger("feedgate.config").warning(warning)
            return await _every_one_of(jobs(engine))

    def jobs(engine: AsyncEngine) -> list[Awaitable[object]]:
        return [
            run_periodically(
                engine,
                settings,
                embedder_for(settings, os.environ),
                interval,
                on_pass=on_pass,
                titler=titler_for(settings, os.environ),
                merge_judging=merge_judging_for(settings, os.environ),
            ),
            # The prompt canaries' guarded rollout rides along (gateway.prompts.guard).
            guard_canaries(settings, engine),
            # So does pruning past retention_days, when set, else dropping old idempotency keys (gateway.privacy.retention).
            prune_periodically(engine, settings),
            # And numbering rows an older gateway stored with no place in the stored order (gateway.domain.late_numbering).
            number_late_rows_periodically(engine, settings.late_numbering_interval),
        ]

    # Ctrl-C, or SIGTERM (gateway.cli_signals): the passes are cancelled and let go of their locks; a stop while the
    # database is still checked or upgraded says so in one line, as serve's.
    run_service(
        lambda started: on_database(settings, lambda engine: work(engine, started)),
        not_started("the worker"),
        on_stop=lambda received: logger.info("stopping: %s received", received.name),
    )


async def _every_one_of(jobs: list[Awaitable[object]]) -> list[object]:
    """Run `jobs` together; when one fails or they are cancelled, stop the others and wait until each has ended.

    A bare gather ended at its first cancelled job, so the command went on to dispose of the database engine,
    and asyncio cancelled a pass still letting go of its lock a second time: the lock stayed held.
    """
    tasks = [asyncio.ensure_future(job) for job in jobs]
    try:
        return await asyncio.gather(*tasks)
    finally:
        for task in tasks:
            # Once: a job already cancelled is letting go of what it holds, which a second cancel would cut short.
            if not task.done() and not task.cancelling():
                task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


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
    with _progress_bar(shown=not as_json) as bar:
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


def add_commands(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    common: argparse.ArgumentParser,
    settings_of: Callable[[argparse.Namespace], Settings],
) -> None:
    """Register `cluster`, `worker` and `import` on the `feedgate` parser."""

    runner = settings_runner(settings_of)

    cluster_parser = commands.add_parser(
        "cluster",
        parents=[common],
        **described("find issues in negative feedback, once", "feedgate cluster", "feedgate cluster --app support-bot"),
    )
    cluster_parser.add_argument("--app", help="only this app (default: every app, each on its own)")
    cluster_parser.set_defaults(run=runner(cluster))

    worker_parser = commands.add_parser(
        "worker",
        parents=[common],
        **described("find issues again and again", "feedgate worker --interval 3600 --metrics-port 9101"),
    )
    worker_parser.add_argument(
        "--interval", type=float, help="seconds between passes, at least 1 (default: cluster_interval, else 3600)"
    )
    worker_parser.add_argument(
        "--metrics-port",
        type=int,
        help="serve /metrics and /healthz on this port (default: worker_metrics_port, else none)",
    )
    worker_parser.set_defaults(run=runner(worker))

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
