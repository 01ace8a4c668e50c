"""Shutting the review rules down: their checks are hints, so shutdown never waits long for one."""

from __future__ import annotations

import asyncio
import logging
import time

from gateway.review.rule_runner import STOP_SECONDS, NegativeNotice, ReviewRuleRunner


async def open_nothing(finding: object) -> None:
    return None


def runner_with_check(check) -> ReviewRuleRunner:
    """A runner whose similar-negative check is `check` (no index or rules are needed to queue one)."""
    runner = ReviewRuleRunner(None, open_nothing, similar=None, anomalous=None)  # type: ignore[arg-type]
    runner.check_feedback = check  # type: ignore[method-assign]
    return runner


async def test_a_check_that_ends_when_cancelled_lets_shutdown_finish_at_once(caplog):
    started = asyncio.Event()

    async def check(notice: NegativeNotice) -> None:
        started.set()
        await asyncio.sleep(30)

    runner = runner_with_check(check)
    runner.start()
    runner.notify_negative("support-bot", "interaction-1")
    await started.wait()
    began = time.monotonic()

    with caplog.at_level(logging.WARNING, logger="feedgate.review"):
        await runner.close()

    assert time.monotonic() - began < 1
    assert caplog.records == []


async def test_a_check_slow_to_stop_is_left_behind_and_named_in_the_log(caplog):
    started = asyncio.Event()

    async def stubborn_check(notice: NegativeNotice) -> None:
        started.set()
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            await asyncio.sleep(30)  # a clean-up that takes its time

    runner = runner_with_check(stubborn_check)
    runner.start()
    runner.notify_negative("support-bot", "interaction-1")
    await started.wait()
    began = time.monotonic()

    with caplog.at_level(logging.WARNING, logger="feedgate.review"):
        await runner.close()

    assert time.monotonic() - began < STOP_SECONDS + 1
    [record] = caplog.records
    message = record.getMessage()
    assert message.startswith(f"shutdown: the review rules did not stop within {STOP_SECONDS:.0f} s")
    assert "the similar-negative check of interaction-1" in message
    assert "> stubborn_check (" in message
