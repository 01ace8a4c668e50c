"""Shutting the review rules down: their checks are hints, so shutdown never waits long for one."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

import pytest

from gateway.review.rule_runner import STOP_SECONDS, NegativeNotice, ReviewRuleRunner

Check = Callable[[NegativeNotice], Awaitable[None]]


async def open_nothing(finding: object) -> None:
    return None


def started_runner(check: Check) -> ReviewRuleRunner:
    """A running runner whose similar-negative check is `check` (no index or rules are needed to queue one)."""
    runner = ReviewRuleRunner(None, open_nothing, similar=None, anomalous=None)  # type: ignore[arg-type]
    runner.check_feedback = check  # type: ignore[method-assign]
    runner.start()
    return runner


async def close_during(check: Check, started: asyncio.Event, caplog: pytest.LogCaptureFixture) -> float:
    """Run `check` on one queued notice and close the runner once it has started; the seconds close took."""
    runner = started_runner(check)
    runner.notify_negative("support-bot", "interaction-1")
    await started.wait()
    began = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="feedgate.review"):
        await runner.close()
    return time.monotonic() - began


async def test_a_check_that_ends_when_cancelled_lets_shutdown_finish_at_once(caplog):
    started = asyncio.Event()

    async def check(notice: NegativeNotice) -> None:
        started.set()
        await asyncio.sleep(30)

    took = await close_during(check, started, caplog)

    assert took < 1
    assert caplog.records == []


async def test_a_check_slow_to_stop_is_left_behind_and_named_in_the_log(caplog):
    started = asyncio.Event()

    async def stubborn_check(notice: NegativeNotice) -> None:
        started.set()
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            await asyncio.sleep(30)  # a clean-up that takes its time

    took = await close_during(stubborn_check, started, caplog)

    assert took < STOP_SECONDS + 1
    [record] = caplog.records
    message = record.getMessage()
    assert message.startswith(f"shutdown: the review rules did not stop within {STOP_SECONDS:.0f} s")
    assert "the similar-negative check of interaction-1" in message
    assert "> stubborn_check (" in message


async def test_a_notice_that_arrives_as_shutdown_cancels_does_not_keep_the_runner_going(caplog):
    checked = []

    async def check(notice: NegativeNotice) -> None:
        checked.append(notice)

    runner = started_runner(check)
    await asyncio.sleep(0.05)  # the runner is waiting for notices
    began = time.monotonic()

    # The notice and the cancel land in the same turn of the loop (as in a busy gateway's shutdown).
    runner.notify_negative("support-bot", "interaction-1")
    with caplog.at_level(logging.WARNING, logger="feedgate.review"):
        await runner.close()

    assert time.monotonic() - began < 1
    assert caplog.records == []


@pytest.mark.parametrize(
    ("failure", "level", "traceback"),
    [(ConnectionRefusedError("connection refused"), logging.WARNING, False), (ValueError("odd"), logging.ERROR, True)],
)
async def test_a_check_failing_for_an_outage_is_one_warning_line_and_another_failure_an_error(
    caplog, failure, level, traceback
):
    done = asyncio.Event()

    async def check(notice: NegativeNotice) -> None:
        done.set()
        raise failure

    runner = started_runner(check)
    with caplog.at_level(logging.WARNING, logger="feedgate.review"):
        runner.notify_negative("support-bot", "interaction-1")
        await done.wait()
        await asyncio.sleep(0.05)
        await runner.close()

    [record] = caplog.records
    assert (record.levelno, record.exc_info is not None) == (level, traceback)
    assert "the similar-negative check of interaction-1 failed" in record.getMessage()
