"""A signed webhook telling an app that a reviewer decided one of its held answers.

Sent by a decision listener once a task holding an answer is resolved, in the background (the
reviewer's request is not kept waiting for the app's server). The body is JSON; the header
``x-feedgate-signature`` is the hex HMAC-SHA256 of the body under ``review_webhook_secret``, so the
app can check that the gateway sent it. A failed delivery is logged, not retried: the app can
always poll ``GET /v1/reviews/{task_id}``.

Only the decision that settles the held answer is announced: the one that first closed the task,
before the hold's deadline (gateway.review.held_poll). A decision after the deadline, or after a
reopen, is stored but announced to nobody: the app's answer (what its poll says) is already final,
and a notice naming another outcome would contradict it.
"""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import UTC

from gateway.config import Settings
from gateway.config_checks import ConfigError
from gateway.export.retrain import SIGNATURE_HEADER, Poster, post_with_httpx, signature
from gateway.review.decision_listeners import DecisionMade
from gateway.review.held_answer import held_answer_of, hold_deadline
from gateway.review.held_poll import settling_event
from gateway.review.records import Decision, TaskEvent

logger = logging.getLogger("feedgate.review")

EVENT = "feedgate.review.decided"


class HeldDecisionWebhook:
    """POSTs a signed notice to the app's URL when a held answer's task is resolved."""

    def __init__(self, url: str, secret: bytes, post: Poster = post_with_httpx, root_path: str = "") -> None:
        self._url = url
        # The public path prefix (settings' root_path): "poll" is the held answer's public poll path.
        self._root_path = root_path
        self._secret = secret
        self._post = post
        self._sending: set[asyncio.Task[None]] = set()

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
        sending = asyncio.create_task(self._send(task.id, body))
        self._sending.add(sending)
        sending.add_done_callback(self._sending.discard)

    async def _send(self, task_id: str, body: bytes) -> None:
        headers = {"content-type": "application/json", SIGNATURE_HEADER: signature(self._secret, body)}
        try:
            status = await self._post(self._url, body, headers)
        except Exception:  # the app's server being down must not touch the stored decision
            logger.exception("review webhook %s for task %s failed", self._url, task_id)
            return
        if status >= 300:
            logger.warning("review webhook %s for task %s answered %s", self._url, task_id, status)

    async def close(self) -> None:
        """Wait for the notices still being sent."""
        while self._sending:
            await asyncio.gather(*self._sending, return_exceptions=True)


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
