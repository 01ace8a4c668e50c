"""`/metrics` (Prometheus), `/healthz` (alive) and `/readyz` (ready for traffic), outside `/api/`.

None needs the admin token, so probes and scrapers carry no admin secret; `/metrics` alone may
ask for its own (`metrics_token`).
"""

from __future__ import annotations

from typing import Any, Literal, TypedDict

import orjson
from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency
from litestar.openapi import ResponseSpec

from gateway.observability.health import ALIVE, Readiness, check_readiness
from gateway.observability.scrape import scrape_metrics
from gateway.services import Services

JSON = "application/json"


class AliveJSON(TypedDict):
    """The process answers."""

    status: Literal["alive"]


# The bodies are written as bytes (no encoder on a probe's path); the schema says what they hold.
ALIVE_ANSWER = {200: ResponseSpec(AliveJSON, description="the process runs", generate_examples=False)}
READINESS_ANSWERS = {
    status: ResponseSpec(Readiness, description=description, generate_examples=False)
    for status, description in ((200, "ready for traffic"), (503, "not ready: `problems` says why"))
}
METRICS_ANSWER = {
    200: ResponseSpec(str, media_type="text/plain", description="Prometheus' text format", generate_examples=False)
}


class ObservabilityController(Controller):
    """Metrics, liveness and readiness."""

    path = "/"
    tags = ["observability"]

    @get("/healthz", summary="Alive: 200 while the process runs", responses=ALIVE_ANSWER)
    async def healthz(self) -> Response[bytes]:
        """Liveness: answers as long as the process can answer at all."""
        return Response(ALIVE, media_type=JSON)

    @get(
        "/readyz",
        summary="Ready: 200 when the database answers (or the writer spools) and the schema is current",
        responses=READINESS_ANSWERS,
    )
    async def readyz(self, services: NamedDependency[Services]) -> Response[bytes]:
        """Readiness, with every check's outcome and, when not ready, what is wrong."""
        readiness = await check_readiness(services.engine, services.writer)
        return Response(_readiness_json(readiness), status_code=200 if readiness.ready else 503, media_type=JSON)

    @get(
        "/metrics",
        summary="Prometheus metrics (Authorization: Bearer <metrics_token> when one is set)",
        responses=METRICS_ANSWER,
    )
    async def metrics(self, request: Request[Any, Any, Any], services: NamedDependency[Services]) -> Response[bytes]:
        """Every metric in Prometheus' text format: this process's, or all processes' in the metrics folder."""
        scrape = await scrape_metrics(services.settings, request.headers.get("authorization"))
        # As a header: given as media_type, Litestar adds "; charset=utf-8" to prometheus_client's, which has one.
        return Response(scrape.body, status_code=scrape.status, headers={"content-type": scrape.content_type})


def _readiness_json(readiness: Readiness) -> bytes:
    shown = {"ready": readiness.ready, "status": readiness.status, "checks": readiness.checks}
    return orjson.dumps({**shown, "problems": readiness.problems})
