"""The background runner of the embedding rules: similar-negative on each negative feedback, anomalous on new traffic.

The feedback POST only enqueues (a bounded queue that drops its oldest entry, with a log line,
when full); one task evaluates, off the request and off the proxy's path. Every `refresh_interval`
seconds it also brings each loaded app's traffic index up to date, judging the new interactions
for the anomalous rule, and every `discover_interval` seconds it loads the apps busy enough for
the anomalous rule to judge. The heavy work (embedding, kNN) runs in worker threads; an app's
first load embeds its whole window (cached afterwards), and checks wait meanwhile.

Several gateway processes each run a runner. The similar-negative rule runs where the feedback
arrived; the anomalous rule's standing work (loading busy apps, judging new traffic) runs only
in the process holding the `lease`, so N processes embed and judge new traffic once, not N times.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from gateway.feedback.service import Recorded
from gateway.review.anomalous import AnomalousRule
from gateway.review.findings import RuleFinding
from gateway.review.opening import Opened
from gateway.review.similar_negative import SimilarNegativeRule
from gateway.review.traffic_index import TrafficIndex
from gateway.store.availability import database_unavailable, outage_reason
from gateway.store.leases import Lease

logger = logging.getLogger("feedgate.review")

OpenFinding = Callable[[RuleFinding], Awaitable[Opened | None]]
# How long shutdown waits to hand the anomalous rule's lease back.
LEASE_RELEASE_SECONDS = 2.0
# How long shutdown waits for the rules' task to end once cancelled: its checks are hints, not records.
STOP_SECONDS = 2.0
# Apps busy enough for the anomalous rule (the store's query).
BusyApps = Callable[[], Awaitable[list[str]]]


@dataclass(frozen=True, slots=True)
class NegativeNotice:
    """A new negative feedback on one interaction: what the POST hands to the runner."""

    app: str
    interaction_id: str


class ReviewRuleRunner:
    """Owns the traffic index and runs the similar-negative and anomalous rules over it, one thing at a time."""

    def __init__(
        self,
        index: TrafficIndex,
        open_finding: OpenFinding,
        *,
        similar: SimilarNegativeRule | None,
        anomalous: AnomalousRule | None,
        busy_apps: BusyApps | None = None,
        # Elects the one process that judges new traffic; None: this process always does.
        lease: Lease | None = None,
        queue_size: int = 10_000,
        refresh_interval: float = 10.0,
        discover_interval: float = 300.0,
        # An evaluation first refreshes the app's index when older than this: neighbours include the latest traffic.
        freshness: timedelta = timedelta(seconds=1),
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.index = index
        self._open_finding = open_finding
        self.similar = similar
        self.anomalous = anomalous
        self._busy_apps = busy_apps
        self._lease = lease
        self._queue: asyncio.Queue[NegativeNotice] = asyncio.Queue(maxsize=queue_size)
        self._refresh_interval = refresh_interval
        self._discover_interval = discover_interval
        self._freshness = freshness
        self._clock = clock
        self._task: asyncio.Task[None] | None = None
        self._doing: str | None = None
        self.dropped = 0

    # -- the feedback side: enqueue only ------------------------------------------------

    def feedback_recorded(self, recorded: Recorded) -> None:
        """FeedbackService's `on_recorded` hook: a new negative event is queued for the similar-negative rule."""
        if self.similar is None or not recorded.created or not recorded.event.negative:
            return
        self.notify_negative(recorded.event.app, recorded.event.interaction_id)

    def notify_negative(self, app: str, interaction_id: str) -> None:
        """Queue one evaluation; when the queue is full the oldest waiting one is dropped (and logged)."""
        if self._queue.full():
            dropped = self._queue.get_nowait()
            self._queue.task_done()
            self.dropped += 1
            logger.warning(
                "review rule queue full (%d waiting): dropped the similar-negative check of interaction %s (app %s)",
                self._queue.maxsize,
                dropped.interaction_id,
                dropped.app,
            )
        self._queue.put_nowait(NegativeNotice(app, interaction_id))

    # -- running ------------------------------------------------------------------------

    def start(self) -> None:
        """Start the background task (idempotent)."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="feedgate-review-rules")

    async def close(self) -> None:
        """Stop the background task; queued checks are abandoned (they are hints, not records)."""
        if self._task is not None:
            task, self._task = self._task, None
            task.cancel()
            done, _ = await asyncio.wait({task}, timeout=STOP_SECONDS)
            if not done:
                # Left to end by itself: naming where it waits is what the next look at a slow shutdown needs.
                logger.warning(
                    "shutdown: the review rules did not stop within %.0f s of being cancelled (%s; waiting at %s)",
                    STOP_SECONDS,
                    self._doing or "idle",
                    _suspended_at(task),
                )
        if self._lease is not None and self._lease.held:
            # Bounded: a database that does not answer must not hold up shutdown (on SQLite the
            # row expires by itself; on PostgreSQL the lock goes with the connection).
            release = asyncio.wait_for(self._lease.release(), LEASE_RELEASE_SECONDS)
            await self._guarded(release, "releasing the anomalous rule's lease")

    async def drained(self) -> None:
        """Wait until every queued check has been evaluated (for tests and orderly shutdowns)."""
        await self._queue.join()

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        next_refresh = loop.time() + self._refresh_interval
        next_discovery = loop.time()
        while True:
            try:
                # asyncio.timeout, not wait_for: on Python 3.11, wait_for returns the item instead of
                # raising when it is cancelled just as the item arrives, so shutdown's cancel was lost
                # and the runner went back to waiting (seen in the suite: closing took the full 2 s).
                async with asyncio.timeout(max(0.0, next_refresh - loop.time())):
                    notice = await self._queue.get()
            except TimeoutError:
                discover = loop.time() >= next_discovery
                await self._guarded(self.refresh_all(discover), "refreshing the traffic index")
                next_refresh = loop.time() + self._refresh_interval
                if discover:
                    next_discovery = loop.time() + self._discover_interval
                continue
            try:
                what = f"the similar-negative check of {notice.interaction_id}"
                await self._guarded(self.check_feedback(notice), what)
            finally:
                self._queue.task_done()

    async def _guarded(self, work: Awaitable[object], what: str) -> None:
        self._doing = what
        try:
            await work
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            # One bad evaluation (database hiccup, odd request) must not stop the rules. An outage the
            # gateway rides out is one line, as every other part says it: an ERROR with a traceback
            # every few seconds paged whoever alerts on errors.
            if database_unavailable(exc):
                logger.warning("review rules: %s failed (database unavailable: %s)", what, outage_reason(exc))
            else:
                logger.exception("review rules: %s failed", what)
        finally:
            self._doing = None

    # -- the work -----------------------------------------------------------------------

    @property
    def judges_traffic(self) -> bool:
        """Whether this process runs the anomalous rule's standing work (it holds the lease, or there is none)."""
        return self.anomalous is not None and (self._lease is None or self._lease.held)

    async def check_feedback(self, notice: NegativeNotice) -> None:
        """Run the similar-negative rule for one negative feedback, opening or updating a task when it fires."""
        if self.similar is None:
            return
        # Too little traffic to have 10 neighbours: skip before embedding anything.
        if (
            self.index.refreshed_at(notice.app) is None
            and await self.index.recent_count(notice.app) <= self.similar.rule.neighbours
        ):
            return
        refreshed = self.index.refreshed_at(notice.app)
        if refreshed is None or self._clock() - refreshed >= self._freshness:
            await self.refresh(notice.app)
        finding = await self.similar.evaluate(notice.app, notice.interaction_id)
        if finding is not None:
            await self._open(finding)

    async def refresh(self, app: str) -> None:
        """Bring `app`'s index up to date and judge what it took in for the anomalous rule."""
        new = await self.index.refresh(app)
        if self.anomalous is None or not self.judges_traffic:
            return
        for finding in await self.anomalous.check(new):
            # One task that cannot be opened must not keep the others of this refresh from theirs.
            await self._guarded(self._open(finding), f"opening an anomalous task for {finding.interaction_ids[0]}")

    async def refresh_all(self, discover: bool = False) -> None:
        """One round: renew or take the lease, then refresh each loaded app (with `discover`, as holder, busy apps too)."""
        if self.anomalous is not None and self._lease is not None:
            await self._lease.hold()
        apps = self.index.loaded_apps()
        if discover and self.judges_traffic and self._busy_apps is not None:
            apps = list(dict.fromkeys([*apps, *await self._busy_apps()]))
        for app in apps:
            await self._guarded(self.refresh(app), f"refreshing app {app!r}")

    async def _open(self, finding: RuleFinding) -> None:
        opened = await self._open_finding(finding)
        if opened is None:
            return
        # A busy issue's every later vote updates its one open task: news once, detail after.
        level = logging.INFO if opened.created else logging.DEBUG
        verb = "opened" if opened.created else "updated"
        logger.log(
            level,
            "review rule %s: %s task %s: %s (app %s)",
            finding.source.value,
            verb,
            opened.task.task.id,
            finding.reason,
            finding.app,
        )


def _suspended_at(task: asyncio.Task[None]) -> str:
    """Where a task waits: its innermost three coroutines (function, file, line), and what the last awaits."""
    # Task.get_stack gives only the outermost frame of a suspended coroutine: follow the awaits inward.
    places = []
    awaited: Any = task.get_coro()
    while (frame := getattr(awaited, "cr_frame", None) or getattr(awaited, "gi_frame", None)) is not None:
        places.append(f"{frame.f_code.co_name} ({frame.f_code.co_filename}:{frame.f_lineno})")
        awaited = getattr(awaited, "cr_await", None) or getattr(awaited, "gi_yieldfrom", None)
    return " > ".join(places[-3:]) + f", awaiting {type(awaited).__name__}"
