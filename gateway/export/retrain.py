"""The retrain trigger: once enough new labelled examples have accumulated, a signed webhook says so, once.

Checked after each resolving review decision and each feedback with a correction (in the
background, never on the request's path; checks asked for while one runs collapse into one
more), and once at start-up for examples that arrived while the gateway was down. The store
decides and records the trigger in one serialized transaction, so it fires once per threshold
across processes; the webhook is sent after that commit and its last answer recorded. The notice is
signed and delivered as every webhook of the gateway is (gateway.webhooks): Standard Webhooks
headers with the trigger's id as ``webhook-id``, each try signed when sent (so a captured notice
cannot be replayed), the deprecated body-only ``x-feedgate-signature`` alongside for one release, and
a failure worth another try retried with backoff; given up, it is logged and recorded, and the next
trigger fires after the next N examples.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from gateway.config import Settings
from gateway.config_checks import ConfigError
from gateway.store.availability import log_failed_round
from gateway.store.retrain_triggers import RetrainTriggerStore
from gateway.url_text import url_origin
from gateway.webhooks.delivery import RETRY_DELAYS, Poster, WebhookSender, post_with_httpx

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine

    from gateway.feedback.service import Recorded
    from gateway.review.decision_listeners import DecisionMade

logger = logging.getLogger("feedgate.export")

EVENT = "feedgate.retrain"


@dataclass(frozen=True, slots=True)
class RetrainFired:
    """A trigger that fired: its record, and what the webhook answered."""

    trigger: dict[str, Any]
    status: int | None
    error: str | None


class RetrainTrigger:
    """Fires the retrain webhook each time `threshold` new labelled examples have accumulated."""

    def __init__(
        self,
        store: RetrainTriggerStore,
        *,
        threshold: int,
        webhook_url: str,
        secret: bytes,
        post: Poster = post_with_httpx,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        retry_delays: Sequence[float] = RETRY_DELAYS,
    ) -> None:
        self._store = store
        self._threshold = threshold
        # Only the origin is recorded: the path and query are often the receiver's secret.
        self._origin = url_origin(webhook_url)
        self._clock = clock
        self._sender = WebhookSender(
            "retrain webhook",
            webhook_url,
            secret,
            logger,
            post=post,
            retry_delays=retry_delays,
            clock=lambda: self._clock().timestamp(),
        )
        self._running: asyncio.Task[None] | None = None
        self._again = False

    async def check(self) -> RetrainFired | None:
        """Fire now if due: record the trigger, send the webhook (retried), record its last answer."""
        trigger = await self._store.fire_if_due(self._threshold, self._origin, self._clock())
        if trigger is None:
            return None
        body = json.dumps(
            {
                "event": EVENT,
                "trigger_id": trigger["id"],
                "triggered_at": trigger["created_at"].isoformat(),
                "new_examples": trigger["new_examples"],
                "total_examples": trigger["total_examples"],
                "threshold": trigger["threshold"],
            },
            separators=(",", ":"),
        ).encode()
        # The sender logs a delivery it gives up, and never raises: the decision or feedback behind it stands.
        delivery = await self._sender.deliver(trigger["id"], body, f"trigger {trigger['id']}")
        await self._store.record_delivery(trigger["id"], delivery.status, delivery.error, self._clock())
        return RetrainFired(trigger, delivery.status, delivery.error)

    def poke(self) -> None:
        """Check in the background; a check asked for while one runs makes it run once more."""
        if self._running is not None and not self._running.done():
            self._again = True
            return
        self._running = asyncio.get_running_loop().create_task(self._checks(), name="feedgate-retrain-check")

    async def _checks(self) -> None:
        while True:
            self._again = False
            try:
                await self.check()
            except Exception as exc:  # noqa: BLE001 - logged, with its traceback unless the database is away
                log_failed_round(
                    logger, exc, "retrain check", "checked again at the next resolved review or correction"
                )
            if not self._again:
                return

    async def on_decision(self, made: DecisionMade) -> None:
        """A review decision listener: a resolved task may have labelled an example."""
        if made.resolved:
            self.poke()

    def on_feedback(self, recorded: Recorded) -> None:
        """A feedback listener: a correction labels an example."""
        if recorded.event.correction is not None:
            self.poke()

    async def idle(self) -> None:
        """Wait for the running check (and the one it owes), if any."""
        while self._running is not None and not self._running.done():
            await asyncio.gather(self._running, return_exceptions=True)

    async def close(self) -> None:
        """Let a running check finish, so a trigger it recorded also gets its webhook (its retries given up)."""
        self._sender.close()
        await self.idle()


def retrain_trigger(settings: Settings, engine: AsyncEngine, environ: Mapping[str, str]) -> RetrainTrigger | None:
    """The trigger `settings` ask for: None without `retrain_webhook_url`; refuses a webhook it cannot sign."""
    if not settings.retrain_webhook_url:
        return None
    name = settings.retrain_webhook_secret_env
    secret = environ.get(name) if name else None
    if not secret:
        raise ConfigError(
            f"retrain_webhook_url is set but the signing secret is missing: set the environment variable "
            f"{name or '(none named)'} (named by retrain_webhook_secret_env)"
        )
    return RetrainTrigger(
        RetrainTriggerStore(engine),
        threshold=settings.retrain_threshold,
        webhook_url=settings.retrain_webhook_url,
        secret=secret.encode(),
    )
