"""A signed webhook telling an app that a reviewer decided one of its held answers.

Sent by a decision listener once a task holding an answer is resolved, in the background (the
reviewer's request is not kept waiting for the app's server). The body is JSON, signed as Standard
Webhooks sign (gateway.review.webhook_signing) under ``review_webhook_secret``: ``webhook-id`` (the
task's id), ``webhook-timestamp`` (when this try was sent) and ``webhook-signature`` over both and the
body, so the app can check that the gateway sent it, and recently: a notice captured on the way
cannot be replayed past the receiver's tolerance. ``x-feedgate-signature``, the hex HMAC-SHA256 of
the body alone (replayable), is still sent alongside for one release (deprecated), so a receiver
that checks it keeps working while it moves to the new headers. A delivery that fails in a way worth
trying again (no answer, a timeout, 408, 429 or 5xx) is sent again, the same body signed at the
time of the try, after 1, 2, 4 and 8 s
(`RETRY_DELAYS`), then given up and logged; a success, or another answer from the app (a 4xx: it
refused it), ends it. At most `MAX_PENDING` notices are being delivered at once: beyond that a notice is
dropped with a warning rather than queued without end (the app can always poll
``GET /v1/reviews/{task_id}``, which stays the source of truth). On shutdown the retries still
waiting are given up at once.

Only the decision that settles the held answer is announced: the one that first closed the task,
before the hold's deadline (gateway.review.held_poll). A decision after the deadline, or after a
reopen, is stored but announced to nobody: the app's answer (what its poll says) is already final,
and a notice naming another outcome would contradict it.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable, Sequence
from datetime import UTC

from gateway.config import Settings
from gateway.config_checks import ConfigError
from gateway.export.retrain import SIGNATURE_HEADER, Poster, post_with_httpx, signature
from gateway.review.decision_listeners import DecisionMade
from gateway.review.held_answer import held_answer_of, hold_deadline
from gateway.review.held_poll import settling_event
from gateway.review.records import Decision, TaskEvent
from gateway.review.webhook_signing import signed_headers

logger = logging.getLogger("feedgate.review")

EVENT = "feedgate.review.decided"
# The waits before each retry of a failed delivery (the first try is at once): 5 tries over about 15 s.
RETRY_DELAYS = (1.0, 2.0, 4.0, 8.0)
# Notices being delivered (or waiting to be retried) at once, at most: a receiver that is down for long
# must not pile up tasks in the gateway's memory.
MAX_PENDING = 1_000
# Statuses that say "later" rather than "no": retried.
_RETRIED = frozenset({408, 425, 429})


class HeldDecisionWebhook:
    """POSTs a signed notice to the app's URL when a held answer's task is resolved."""

    def __init__(
        self,
        url: str,
        secret: bytes,
        post: Poster = post_with_httpx,
        root_path: str = "",
        retry_delays: Sequence[float] = RETRY_DELAYS,
        max_pending: int = MAX_PENDING,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._url = url
        # The public path prefix (settings' root_path): "poll" is the held answer's public poll path.
        self._root_path = root_path
        self._secret = secret
        self._post = post
        self._retry_delays = tuple(retry_delays)
        self._max_pending = max_pending
        # Unix time: each try is signed at the time it is sent.
        self._clock = clock
        self._sending: set[asyncio.Task[None]] = set()
        # Set on shutdown: a retry still waiting is given up at once.
        self._closing = asyncio.Event()

    @property
    def pending(self) -> int:
        """How many notices are being delivered or wait to be retried."""
        return len(self._sending)

    async def on_decision(self, made: DecisionMade) -> None:
        """A review decision listener: notify when a decision settles a held answer (see the module's note)."""
        task = made.task.task
        held = held_answer_of(task.evidence, made.task.events) if made.resolved else None
        deadline = hold_deadline(held) if held is not None else None
        if deadline is None:
            return
        if not _is_decision(settling_event(deadline, made.task.events), made.decision):
            logger.info("review task %s: a decision after its held answer was settled is not announced", task.id)
            return
        body = json.dumps(
            {
                "event": EVENT,
                "task_id": task.id,
                "app": task.app,
                "interaction_id": made.task.interaction_ids[0] if made.task.interaction_ids else None,
                "outcome": made.decision.outcome.value,
                "decided_at": made.decision.at.astimezone(UTC).isoformat(),
                "poll": f"{self._root_path}/v1/reviews/{task.id}",
            },
            separators=(",", ":"),
        ).encode()
        self.send(task.id, body)

    def send(self, task_id: str, body: bytes) -> None:
        """Deliver `body` in the background, retried as the module's note says; dropped beyond the bound."""
        if self._closing.is_set():
            return
        if len(self._sending) >= self._max_pending:
            logger.warning(
                "review webhook %s: %d notices are still being delivered; the one for task %s is dropped "
                "(the app can poll for it)",
                self._url,
                len(self._sending),
                task_id,
            )
            return
        sending = asyncio.create_task(self._deliver(task_id, body))
        self._sending.add(sending)
        sending.add_done_callback(self._sending.discard)

    async def _deliver(self, task_id: str, body: bytes) -> None:
        # Deprecated (replayable: no time in it), kept one release for receivers that check it.
        legacy = {"content-type": "application/json", SIGNATURE_HEADER: signature(self._secret, body)}
        for attempt, delay in enumerate((*self._retry_delays, None), start=1):
            headers = {**legacy, **signed_headers(self._secret, task_id, body, int(self._clock()))}
            failure = await self._try(body, headers)
            if failure is None:
                return
            if delay is None or self._closing.is_set():
                logger.warning(
                    "review webhook %s for task %s failed %d time(s), given up (last: %s)",
                    self._url,
                    task_id,
                    attempt,
                    failure,
                )
                return
            logger.info(
                "review webhook %s for task %s failed (%s); retrying in %g s", self._url, task_id, failure, delay
            )
            try:
                await asyncio.wait_for(self._closing.wait(), delay)
            except TimeoutError:
                continue
            logger.warning("review webhook %s for task %s given up on shutdown (last: %s)", self._url, task_id, failure)
            return

    async def _try(self, body: bytes, headers: dict[str, str]) -> str | None:
        """One delivery: None when it is over (taken, or refused for good), else why it is worth another try."""
        try:
            status = await self._post(self._url, body, headers)
        except Exception as exc:  # noqa: BLE001 - the app's server being down must not touch the stored decision
            return f"{type(exc).__name__}: {exc}"
        if status < 300:
            return None
        if status >= 500 or status in _RETRIED:
            return f"status {status}"
        logger.warning("review webhook %s refused a notice with status %s; not sent again", self._url, status)
        return None

    async def settled(self) -> None:
        """Wait until every notice is delivered or given up (tests; `close` also stops the retries)."""
        while self._sending:
            await asyncio.gather(*self._sending, return_exceptions=True)

    async def close(self) -> None:
        """Give up the retries still waiting and wait for the deliveries under way (bounded by the POST's timeout)."""
        self._closing.set()
        await self.settled()


def _is_decision(event: TaskEvent | None, decision: Decision) -> bool:
    """Whether `event` is the "decided" event `decision` was stored with."""
    if event is None or event.kind != "decided" or not isinstance(event.detail, dict):
        return False
    return event.actor == decision.reviewer and event.at == decision.at and event.detail.get("round") == decision.round


def held_decision_webhook(settings: Settings) -> HeldDecisionWebhook | None:
    """The webhook `settings` ask for: None without `review_webhook_url`; refuses one it cannot sign."""
    if not settings.review_webhook_url:
        return None
    if not settings.review_webhook_secret:
        raise ConfigError("review_webhook_url is set but review_webhook_secret (FEEDGATE_REVIEW_WEBHOOK_SECRET) is not")
    return HeldDecisionWebhook(
        settings.review_webhook_url, settings.review_webhook_secret.encode(), root_path=settings.root_path
    )
