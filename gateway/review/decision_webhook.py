"""A signed webhook telling an app that a reviewer decided one of its held answers.

Sent by a decision listener once a task holding an answer is resolved, in the background (the
reviewer's request is not kept waiting for the app's server). The body is JSON, signed as every
webhook of the gateway is (gateway.webhooks.signing) under ``review_webhook_secret``: ``webhook-id``
(the task's id), ``webhook-timestamp`` (when this try was sent) and ``webhook-signature`` over both
and the body, so the app can check that the gateway sent it, and recently: a notice captured on the
way cannot be replayed past the receiver's tolerance. ``x-feedgate-signature``, the hex HMAC-SHA256 of
the body alone (replayable), is still sent alongside for one release (deprecated). A failed delivery
is retried with backoff, then given up and logged (gateway.webhooks.delivery). At most `MAX_PENDING`
notices are being delivered at once: beyond that a notice is dropped with a warning rather than
queued without end (the app can always poll ``GET /v1/reviews/{task_id}``, which stays the source of
truth). On shutdown the retries still waiting are given up at once.

Only what settles the held answer is announced: the task's first closing, before the hold's deadline
(gateway.review.held_poll): a decision (`feedgate.review.decided`; on a task drawn for a second opinion, the
first reviewer's, as the task still waits for the second), or a dismissal (`feedgate.review.dismissed`, its
`outcome` the fallback the poll then gives). One notice per task at most, so `webhook-id` is the task's id. A
decision or dismissal after the deadline, or after a reopen, is stored but announced to nobody: the app's
answer (what its poll says) is already final, and a notice naming another outcome would contradict it. The
deadline passing is not announced: nothing is written then (the poll works the fallback out when asked).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from gateway.config import Settings
from gateway.config_checks import ConfigError
from gateway.public_prefix import public_path
from gateway.review.decision_listeners import DecisionMade, DismissalMade
from gateway.review.held_answer import Fallback, held_answer_of, held_fallback, hold_deadline
from gateway.review.held_poll import FALLBACK_OUTCOMES, settling_event
from gateway.review.records import Decision, ReviewTaskDetail, TaskEvent
from gateway.url_text import shown_webhook_url
from gateway.webhooks.delivery import RETRY_DELAYS, Delivery, Poster, WebhookSender, post_with_httpx

logger = logging.getLogger("feedgate.review")

EVENT = "feedgate.review.decided"
DISMISSED_EVENT = "feedgate.review.dismissed"
# Notices being delivered (or waiting to be retried) at once, at most: a receiver that is down for long
# must not pile up tasks in the gateway's memory.
MAX_PENDING = 1_000


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
        fallback: Fallback = "refuse",
    ) -> None:
        self._url = url
        # The public path prefix (settings' root_path): "poll" is the held answer's public poll path.
        self._root_path = root_path
        # review_hold_fallback: a dismissal's outcome for a held answer that kept none (held before it was kept).
        self._fallback = fallback
        self._sender = WebhookSender(
            "review webhook", url, secret, logger, post=post, retry_delays=retry_delays, clock=clock
        )
        self._max_pending = max_pending
        self._sending: set[asyncio.Task[Delivery]] = set()

    @property
    def pending(self) -> int:
        """How many notices are being delivered or wait to be retried."""
        return len(self._sending)

    async def on_decision(self, made: DecisionMade) -> None:
        """A review decision listener: notify when a decision settles a held answer (see the module's note)."""
        deadline = _hold_deadline(made.task)
        if deadline is None:
            return
        if not _is_decision(settling_event(deadline, made.task.events), made.decision):
            logger.info(
                "review task %s: a decision after its held answer was settled is not announced", made.task.task.id
            )
            return
        self._announce(made.task, EVENT, made.decision.outcome.value, made.decision.at)

    async def on_dismissal(self, made: DismissalMade) -> None:
        """A review dismissal listener: notify when a dismissal settles a held answer, with the fallback it gives."""
        held = held_answer_of(made.task.task.evidence, made.task.events)
        deadline = _hold_deadline(made.task)
        if held is None or deadline is None:
            return
        settling = settling_event(deadline, made.task.events)
        # The dismissal just stored is the task's last; an earlier closing (or none in time) settled the answer.
        dismissals = [event for event in made.task.events if event.kind == "dismissed"]
        if settling is None or settling != dismissals[-1]:
            logger.info(
                "review task %s: a dismissal after its held answer was settled is not announced", made.task.task.id
            )
            return
        self._announce(made.task, DISMISSED_EVENT, FALLBACK_OUTCOMES[held_fallback(held, self._fallback)], settling.at)

    def _announce(self, detail: ReviewTaskDetail, event: str, outcome: str, at: datetime) -> None:
        """Send the notice of the held answer of `detail` settled at `at` by `outcome`: one shape for every event."""
        task = detail.task
        body = json.dumps(
            {
                "event": event,
                "task_id": task.id,
                "app": task.app,
                "interaction_id": detail.interaction_ids[0] if detail.interaction_ids else None,
                "outcome": outcome,
                "decided_at": at.astimezone(UTC).isoformat(),
                "poll": public_path(self._root_path, f"/v1/reviews/{task.id}"),
            },
            separators=(",", ":"),
        ).encode()
        self.send(task.id, body)

    def send(self, task_id: str, body: bytes) -> None:
        """Deliver `body` in the background, retried as gateway.webhooks.delivery says; dropped beyond the bound."""
        if self._sender.closing:
            return
        if len(self._sending) >= self._max_pending:
            logger.warning(
                "review webhook %s: notices still being delivered: %d; the one for task %s is dropped "
                "(the app can poll for it)",
                shown_webhook_url(self._url),
                len(self._sending),
                task_id,
            )
            return
        sending = asyncio.create_task(self._sender.deliver(task_id, body, f"task {task_id}"))
        self._sending.add(sending)
        sending.add_done_callback(self._sending.discard)

    async def settled(self) -> None:
        """Wait until every notice is delivered or given up (tests; `close` also stops the retries)."""
        while self._sending:
            await asyncio.gather(*self._sending, return_exceptions=True)

    async def close(self) -> None:
        """Give up the retries still waiting and wait for the deliveries under way (bounded by the POST's timeout)."""
        self._sender.close()
        await self.settled()


def _hold_deadline(detail: ReviewTaskDetail) -> datetime | None:
    """When the app stops waiting on the answer the task holds; None when it holds none."""
    held = held_answer_of(detail.task.evidence, detail.events)
    return hold_deadline(held) if held is not None else None


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
        settings.review_webhook_url,
        settings.review_webhook_secret.encode(),
        root_path=settings.root_path,
        fallback=settings.review_hold_fallback,
    )
