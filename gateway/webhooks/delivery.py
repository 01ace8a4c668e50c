"""Delivering a signed notice to a webhook URL: each try signed when sent, retried with backoff, stoppable.

A try that fails in a way worth trying again (no answer, a timeout, 408, 425, 429 or 5xx) is sent
again, the same body under the same ``webhook-id`` signed at the time of the try, after 1, 2, 4 and
8 s (`RETRY_DELAYS`), then given up and logged; a success, or another answer from the receiver (a
4xx: it refused it), ends it. Once the sender is closed (shutdown), a retry still waiting is given up
at once. The held-decision and retrain webhooks both deliver through here.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass

import httpx

from gateway.url_text import shown_webhook_url, without_webhook_secret
from gateway.webhooks.signing import notice_headers

WEBHOOK_TIMEOUT_SECONDS = 10.0
# The waits before each retry of a failed delivery (the first try is at once): 5 tries over about 15 s.
RETRY_DELAYS = (1.0, 2.0, 4.0, 8.0)
# Statuses that say "later" rather than "no": retried.
_RETRIED = frozenset({408, 425, 429})

# Sends `body` to `url` with `headers`; returns the HTTP status (raises when nothing came back).
Poster = Callable[[str, bytes, Mapping[str, str]], Awaitable[int]]


async def post_with_httpx(url: str, body: bytes, headers: Mapping[str, str]) -> int:
    """POST `body` to `url` and return the status code."""
    async with httpx.AsyncClient(timeout=WEBHOOK_TIMEOUT_SECONDS) as client:
        response = await client.post(url, content=body, headers=dict(headers))
    return response.status_code


@dataclass(frozen=True, slots=True)
class Delivery:
    """How a notice's delivery ended: the receiver's last status, or why no answer came; after how many tries."""

    status: int | None
    error: str | None
    tries: int

    @property
    def failure(self) -> str | None:
        """Why the last try did not get the notice taken (None when it was)."""
        if self.error is not None:
            return self.error
        return None if self.status is not None and self.status < 300 else f"status {self.status}"


class WebhookSender:
    """Sends signed notices to one URL, retrying as the module's note says."""

    def __init__(
        self,
        name: str,
        url: str,
        secret: bytes,
        logger: logging.Logger,
        *,
        post: Poster = post_with_httpx,
        retry_delays: Sequence[float] = RETRY_DELAYS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        # What the logs call it ("review webhook").
        self._name = name
        self._url = url
        # What the logs name it by: its origin alone, as its path is often its secret.
        self._shown_url = shown_webhook_url(url)
        self._secret = secret
        self._logger = logger
        self._post = post
        self._retry_delays = tuple(retry_delays)
        # Unix time: each try is signed at the time it is sent.
        self._clock = clock
        # Set on shutdown: a retry still waiting is given up at once.
        self._closing = asyncio.Event()

    @property
    def closing(self) -> bool:
        """Whether `close` was called."""
        return self._closing.is_set()

    async def deliver(self, message_id: str, body: bytes, about: str) -> Delivery:
        """Send `body` as message `message_id` until taken, refused, out of retries or closed; `about` names it in logs."""
        delays = iter(self._retry_delays)
        tries = 0
        while True:
            tries += 1
            delivery = await self._try(message_id, body, tries)
            failure = delivery.failure
            if failure is None:
                return delivery
            if delivery.status is not None and delivery.status < 500 and delivery.status not in _RETRIED:
                self._logger.warning(
                    "%s %s refused the notice for %s with status %s; not sent again",
                    self._name,
                    self._shown_url,
                    about,
                    delivery.status,
                )
                return delivery
            delay = next(delays, None)
            if delay is None or self.closing:
                self._logger.warning(
                    "%s %s for %s failed %d time(s), given up (last: %s)",
                    self._name,
                    self._shown_url,
                    about,
                    tries,
                    failure,
                )
                return delivery
            self._logger.info(
                "%s %s for %s failed (%s); retrying in %g s", self._name, self._shown_url, about, failure, delay
            )
            try:
                await asyncio.wait_for(self._closing.wait(), delay)
            except TimeoutError:
                continue
            self._logger.warning(
                "%s %s for %s given up on shutdown (last: %s)", self._name, self._shown_url, about, failure
            )
            return delivery

    async def _try(self, message_id: str, body: bytes, tries: int) -> Delivery:
        """One POST, signed now."""
        headers = notice_headers(self._secret, message_id, body, int(self._clock()))
        try:
            status = await self._post(self._url, body, headers)
        except Exception as exc:  # noqa: BLE001 - the receiver being down must not touch what the notice is about
            # Kept in the database and logged: an error quoting the URL must not carry its secret there.
            return Delivery(None, without_webhook_secret(f"{type(exc).__name__}: {exc}", self._url), tries)
        return Delivery(status, None, tries)

    def close(self) -> None:
        """Give up the retries still waiting (a try under way still ends, bounded by the POST's timeout)."""
        self._closing.set()
