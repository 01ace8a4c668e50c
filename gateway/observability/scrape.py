"""One Prometheus scrape, as the gateway's `/metrics` and the clustering worker's metrics port both answer it.

The metrics token (`metrics_token`), the flush of the proxy's tallies and the choice between this
process's values and every process's files live here once, so the two endpoints cannot drift.
"""

from __future__ import annotations

import asyncio
import hmac
from dataclasses import dataclass

from gateway.config import Settings
from gateway.errors import openai_error_body
from gateway.observability.multiprocess import exposition, metrics_directory
from gateway.observability.request_metrics import request_metrics
from gateway.proxy.credentials import given_bearer

JSON = "application/json"


@dataclass(frozen=True, slots=True)
class Scrape:
    """What a scrape answers: a status, a body and its content type."""

    status: int
    body: bytes
    content_type: str


async def scrape_metrics(
    settings: Settings, authorization: str | bytes | None, feedgate_families: tuple[str, ...] | None = None
) -> Scrape:
    """Every metric in Prometheus' text format, or a 401 when `metrics_token` is set and not sent.

    `feedgate_families` (name prefixes) keeps only those of Feedgate's families (gateway.observability.multiprocess).
    """
    expected = settings.metrics_token
    if expected is not None:
        given = given_bearer(authorization)
        if given is None or not hmac.compare_digest(given.encode(), expected.encode()):
            message = "send the metrics token as 'Authorization: Bearer <FEEDGATE_METRICS_TOKEN>'"
            return Scrape(401, openai_error_body(401, message, "invalid_metrics_token"), JSON)
    # This process's calls tallied since its last flush (other processes flush within a second).
    request_metrics().flush()
    # With a metrics folder, every process's files are read: blocking reads, off the event loop.
    body, content_type = await asyncio.to_thread(exposition, metrics_directory(settings.metrics_dir), feedgate_families)
    return Scrape(200, body, content_type)
