"""The `feedgate prune` and `feedgate erase` commands: retention and erasure on request from the shell."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import TypeVar

from gateway.audit.records import MAX_LENGTHS
from gateway.cli_database import on_database
from gateway.cli_help import described, settings_runner
from gateway.cli_signals import run_stoppable
from gateway.config import Settings
from gateway.config_checks import MAX_DAYS, ConfigError
from gateway.counted import counted
from gateway.domain.blank_text import blank_message, says_nothing
from gateway.domain.errors import InvalidQuery

T = TypeVar("T")
# Who the audit log names for an erasure run from the shell, unless --actor says who.
CLI_ACTOR = "cli"


def _counts_line(counts: dict[str, int]) -> str:
    return ", ".join(f"{name.replace('_', ' ')} {count}" for name, count in counts.items() if count)


def _saying_it_waits(command: str, other: str) -> Callable[[str | None], None]:
    """What `command` calls when a clustering pass holds it up: one line on stderr, so a wait is not taken for a hang.

    It is called with what the lock's holder said it holds it for ("the clustering pass of app 'bank'", "a prune"):
    None when its holder said nothing (one of an older release), where a pass is the usual holder.
    """

    def say(held_for: str | None) -> None:
        waited_for = held_for or f"the clustering pass under way (or {other})"
        print(
            f"waiting for {waited_for} to finish: the two never run at once; the {command} starts when it does",
            file=sys.stderr,
            flush=True,
        )

    return say


def _waited(seconds: float) -> str:
    return f", waited {seconds:.1f} s for the clustering pass" if seconds else ""


def prune(args: argparse.Namespace, settings: Settings) -> None:
    """Remove interactions older than --older-than days (default: retention_days) and everything about them."""
    from gateway.privacy.retention import prune_expired

    days = args.older_than if args.older_than is not None else settings.retention_days
    if days is None:
        raise ConfigError("say how old is too old: --older-than DAYS, or set retention_days")
    if not 0 < days <= MAX_DAYS:  # also refuses nan, which no comparison holds for
        raise ConfigError(
            f"--older-than must be a number of days above 0 and at most {MAX_DAYS} (a century), got {days:g}"
        )
    waiting = _saying_it_waits("prune", "an erasure")
    report = run_stoppable(
        lambda: on_database(settings, lambda engine: prune_expired(engine, settings, days, waiting), creates=False),
        # Each batch goes in its own transaction: whole, or not at all.
        "the prune was cut short: what it removed stays removed, the rest is as it was, and its locks are "
        "released; run `feedgate prune` again to finish",
    )
    if report.already_running:
        raise ConfigError("another prune is running; try again when it has finished")
    removed = (
        _counts_line(
            {
                **report.counts.as_dict(),
                "idempotency_keys": report.idempotency_keys,
                "merge_judgements": report.merge_judgements,
            }
        )
        or "nothing"
    )
    print(
        f"pruned what was created before {report.cutoff.isoformat(timespec='seconds')}: {removed} "
        f"({counted(report.batches, 'batch', 'batches')}, {report.seconds:.1f} s{_waited(report.waited_seconds)}, "
        f"slowest batch {report.slowest_batch_seconds:.2f} s)"
    )


def erase(args: argparse.Namespace, settings: Settings) -> None:
    """Delete every row about one end user and record the erasure in the audit log."""
    from gateway.privacy.erasure import WANTED_USER, erase_end_user
    from gateway.privacy.retention import recipes_of

    # Before the database is opened, named as the command line names it; the erasure refuses it by the same rule.
    if says_nothing(args.user):
        raise ConfigError(blank_message("--user", WANTED_USER))
    if says_nothing(args.actor):  # the one rule: zero-width spaces (which str.strip keeps) name no one either
        raise ConfigError(blank_message("--actor", "name who asked for the erasure, or leave it out for 'cli'"))
    if len(args.actor) > MAX_LENGTHS["actor"]:
        raise ConfigError(f"--actor must be at most {MAX_LENGTHS['actor']} characters, got {len(args.actor)}")
    waiting = _saying_it_waits("erasure", "a prune")
    try:
        report = run_stoppable(
            lambda: on_database(
                settings,
                lambda engine: erase_end_user(
                    engine, args.user, args.actor, recipes_of(settings), via="cli", on_wait=waiting
                ),
                creates=False,
            ),
            # The audit record is written last, once every row is gone: the run that finishes writes it.
            "the erasure was cut short: what it removed stays removed, the rest is as it was, and no audit "
            "record is written yet; run `feedgate erase` again with the same --user to finish it",
        )
    except InvalidQuery as exc:
        raise ConfigError(f"--user: {exc.message}") from None
    removed = _counts_line(report.counts.as_dict()) or "nothing was stored about this user"
    print(f"erased: {removed}; audit record {report.audit_seq}{_waited(report.waited_seconds)}")


def add_privacy_commands(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    common: argparse.ArgumentParser,
    settings_of: Callable[[argparse.Namespace], Settings],
) -> None:
    """Register `prune` and `erase` on the `feedgate` parser."""

    runner = settings_runner(settings_of)

    prune_parser = commands.add_parser(
        "prune",
        parents=[common],
        **described(
            "delete interactions older than the retention age, with their feedback",
            "feedgate prune",
            "feedgate prune --older-than 90",
        ),
    )
    prune_parser.add_argument(
        "--older-than", dest="older_than", type=float, metavar="DAYS", help="age in days (default: retention_days)"
    )
    prune_parser.set_defaults(run=runner(prune))

    erase_parser = commands.add_parser(
        "erase",
        parents=[common],
        **described(
            "delete everything stored about one end user (recorded in the audit log)",
            "feedgate erase --user user-4821",
            'feedgate erase --user user-4821 --actor "dpo@example.com"',
            epilog=(
                "Deletes what is stored when it runs, and records the user (by a keyed hash) so that their calls made "
                "before it and not stored yet (in any gateway process's writer, still running, in a spool during an "
                "outage, in a file being imported) are never stored (docs/privacy.md)."
            ),
        ),
    )
    erase_parser.add_argument(
        "--user", required=True, metavar="END_USER", help="the end user's id, as interactions name it"
    )
    erase_parser.add_argument("--actor", default=CLI_ACTOR, help="who asked, as the audit log should name them")
    erase_parser.set_defaults(run=runner(erase))
