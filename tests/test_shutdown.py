"""Shutting the gateway down: every part is closed, and a part that holds shutdown up is named while it still runs."""

from __future__ import annotations

import asyncio
import logging
import re

from gateway.services import open_services


class SlowToStop:
    """A background part whose close takes `seconds`."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.closed = False

    async def close(self) -> None:
        await asyncio.sleep(self.seconds)
        self.closed = True


async def test_a_slow_part_is_named_in_the_log_while_shutdown_waits_for_it(settings, caplog):
    services = await open_services(settings, environ={})
    slow = SlowToStop(0.3)
    services.stats_refresher = slow  # type: ignore[assignment]

    with caplog.at_level(logging.WARNING, logger="feedgate"):
        await services.close(slow_after=0.1)

    assert slow.closed
    warnings = [record.getMessage() for record in caplog.records if record.name == "feedgate"]
    assert warnings[0] == "shutdown: closing the daily stats refresher is taking more than 0.1 s"
    assert re.fullmatch(r"shutdown: closing the daily stats refresher took \d+\.\d s", warnings[1])
    assert len(warnings) == 2


async def test_a_quick_shutdown_logs_nothing(settings, caplog):
    services = await open_services(settings, environ={})

    with caplog.at_level(logging.WARNING, logger="feedgate"):
        # Generous: on a loaded machine a step may take a second; what matters is no word when all is well.
        await services.close(slow_after=10)

    assert [record for record in caplog.records if record.name == "feedgate"] == []


async def test_a_cancelled_shutdown_cancels_the_step_it_was_waiting_for(settings):
    services = await open_services(settings, environ={})
    slow = SlowToStop(30)
    services.stats_refresher = slow  # type: ignore[assignment]
    closing = asyncio.create_task(services.close(slow_after=0.05))
    await asyncio.sleep(0.1)

    closing.cancel()
    await asyncio.gather(closing, return_exceptions=True)

    assert not slow.closed
    assert [task for task in asyncio.all_tasks() if "SlowToStop" in repr(task)] == []
    services.stats_refresher = None
    await services.close()
