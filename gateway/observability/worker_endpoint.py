"""The clustering worker's own small HTTP endpoint: `/metrics` (its passes' durations and sizes) and `/healthz`.

`feedgate worker` serves no API, so without this its clustering metrics would reach no scraper.
It runs on aiohttp's server inside the worker's event loop (no framework, no signal handling of
its own) and answers a scrape exactly as the gateway's `/metrics` does (gateway.observability.scrape).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiohttp import web

from gateway.config import Settings
from gateway.config_checks import ConfigError
from gateway.observability.health import ALIVE
from gateway.observability.scrape import scrape_metrics

# The only families the worker records: it serves no call and stores no traffic, so the gateway's request and writer
# families were always empty or 0 here (a writer queue of 0 in a sum over targets), and with the gateway's
# metrics_dir they were the gateway's own values again, counted twice by a scraper of both.
WORKER_FAMILIES = ("feedgate_clustering_",)


def _application(settings: Settings) -> web.Application:
    async def metrics(request: web.Request) -> web.Response:
        scrape = await scrape_metrics(settings, request.headers.get("authorization"), WORKER_FAMILIES)
        return web.Response(body=scrape.body, status=scrape.status, headers={"content-type": scrape.content_type})

    async def healthz(_: web.Request) -> web.Response:
        return web.Response(body=ALIVE, content_type="application/json")

    application = web.Application()
    application.router.add_get("/metrics", metrics)
    application.router.add_get("/healthz", healthz)
    return application


@asynccontextmanager
async def worker_endpoint(settings: Settings, host: str, port: int) -> AsyncIterator[tuple[str, int]]:
    """Serve the endpoint on `host`:`port` (0: any free port) while the block runs; yields the bound address."""
    runner = web.AppRunner(_application(settings), access_log=None)
    await runner.setup()
    try:
        try:
            await web.TCPSite(runner, host, port).start()
        except OSError as exc:
            raise ConfigError(f"cannot serve the worker's metrics on {host}:{port}: {exc.strerror or exc}") from None
        bound_host, bound_port = runner.addresses[0][:2]
        yield str(bound_host), int(bound_port)
    finally:
        await runner.cleanup()
