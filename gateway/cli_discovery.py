"""The `feedgate cluster` and `worker` commands: issue discovery from the shell."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import math
import os
import sys
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar

from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from gateway.cli_database import not_started, on_database
from gateway.cli_help import described, settings_runner
from gateway.cli_signals import run_service, run_stoppable
from gateway.config import Settings
from gateway.config_checks import ConfigError, check_port, short_secrets
from gateway.discovery.job import AppRunSummary, RunSummary
from gateway.discovery.summary import pass_log_fields, pass_log_message, why_no_issue
from gateway.domain.quoting import quoted
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


def progress_bar(shown: bool = True) -> Progress:
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
    with progress_bar(shown=not as_json) as bar:
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


def add_commands(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    common: argparse.ArgumentParser,
    settings_of: Callable[[argparse.Namespace], Settings],
) -> None:
    """Register `cluster` and `worker` on the `feedgate` parser."""

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
