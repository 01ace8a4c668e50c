"""Per-app snapshots of one kind of fix, kept in memory for the proxy and refreshed when they change.

The proxy must never wait on the database for a fix: it reads the snapshot in memory. Every
gateway process polls the small `fix_revisions` table (one row per kind and app) every few
seconds and reloads only the apps whose revision moved. When the store is down, the snapshots
it last loaded stay in force and the failure is logged; a call never fails because of a fix.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.store.availability import FailedRounds
from gateway.store.fix_revisions import revisions
from gateway.store.repeating_round import RepeatingRound

logger = logging.getLogger("feedgate.fixes")

Snapshot = TypeVar("Snapshot")


class FixSnapshots(Generic[Snapshot]):
    """The latest snapshot of every app that has fixes of one kind (e.g. "knowledge", "prompts")."""

    def __init__(
        self,
        engine: AsyncEngine,
        kind: str,
        load: Callable[[str], Awaitable[Snapshot | None]],
        interval: float,
    ) -> None:
        self._engine = engine
        self._kind = kind
        self._load = load
        self._snapshots: dict[str, Snapshot] = {}
        self._seen: dict[str, int] = {}
        # A store outage keeps the last snapshots in force.
        failures = FailedRounds(logger, f"refreshing {kind} fixes", "keeping the ones last loaded")
        self._rounds = RepeatingRound(
            self.refresh, interval, failures, name=f"feedgate-fixes-{kind}", first_at_start=True
        )

    def get(self, app: str) -> Snapshot | None:
        """`app`'s snapshot, from memory (None: the app has no fixes of this kind)."""
        return self._snapshots.get(app)

    def apps(self) -> frozenset[str]:
        """The apps that have a snapshot now."""
        return frozenset(self._snapshots)

    async def refresh(self) -> None:
        """Reload every app whose revision changed since the last refresh; keep the rest as they are.

        An app that fails to load keeps its last snapshot and is tried again next time; the other apps
        are still reloaded, and the first failure is raised once the round is over.
        """
        current = await revisions(self._engine, self._kind)
        failure: Exception | None = None
        for app, revision in current.items():
            if self._seen.get(app) == revision:
                continue
            try:
                snapshot = await self._load(app)
            except Exception as exc:  # noqa: BLE001 - raised below, after the other apps had their turn
                failure = failure or exc
                continue
            if snapshot is None:
                self._snapshots.pop(app, None)
            else:
                self._snapshots[app] = snapshot
            self._seen[app] = revision
        if failure is not None:
            raise failure

    def start(self) -> None:
        """Refresh in the background, every `interval` seconds, until closed."""
        self._rounds.start()

    async def close(self) -> None:
        """Stop refreshing."""
        await self._rounds.close()
