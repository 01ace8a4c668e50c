"""A background round repeated every few seconds until closed, each failure told as FailedRounds tells it.

The fix snapshots' refresh, the daily roll-ups, the held answers' redaction sweep and the shared rate limits'
expiry each repeat one piece of work; a failed round (a database outage, most often) must not end the loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from gateway.store.availability import FailedRounds


class RepeatingRound:
    """Runs `work` in a background task every `interval` seconds, from `start` until `close`."""

    def __init__(
        self,
        work: Callable[[], Awaitable[object]],
        interval: float,
        failures: FailedRounds,
        *,
        name: str,
        first_at_start: bool,
    ) -> None:
        self._work = work
        self._interval = interval
        self._failures = failures
        self._name = name
        # A round at start (a sweep of what was left undone) or only after one interval (what reads rebuild anyway).
        self._first_at_start = first_at_start
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Begin the rounds (once; a second call does nothing)."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name=self._name)

    async def close(self) -> None:
        """Stop the rounds, waiting for the one under way to be cancelled."""
        if self._task is not None:
            task, self._task = self._task, None
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    async def _run(self) -> None:
        if not self._first_at_start:
            await asyncio.sleep(self._interval)
        while True:
            try:
                await self._work()
            except Exception as exc:  # noqa: BLE001 - logged (FailedRounds); the next round retries
                self._failures.failed(exc)
            else:
                self._failures.succeeded()
            await asyncio.sleep(self._interval)
