"""`feedgate worker --metrics-port`: the clustering worker's own /metrics and /healthz, on a real socket."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest

from gateway.config import Settings
from gateway.config_checks import ConfigError
from gateway.observability.metrics import record_clustering_run
from gateway.observability.worker_endpoint import worker_endpoint

from .scrape import sample


@asynccontextmanager
async def endpoint_client(**changes: object) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the worker endpoint, served on a free local port with `changes` to the settings."""
    settings = Settings(database_url="sqlite+aiosqlite:///unused.db", **changes)
    async with (
        worker_endpoint(settings, "127.0.0.1", 0) as (host, port),
        httpx.AsyncClient(base_url=f"http://{host}:{port}") as http,
    ):
        yield http


async def test_a_scrape_shows_the_clustering_passes_this_process_ran():
    record_clustering_run("scraped-app", seconds=2.5, items=40, clusters=3, noise=2)

    async with endpoint_client() as http:
        response = await http.get("/metrics")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert sample(response.text, "feedgate_clustering_items", app="scraped-app") == 40
    assert sample(response.text, "feedgate_clustering_clusters", app="scraped-app") == 3
    assert sample(response.text, "feedgate_clustering_pass_seconds_count") >= 1


async def test_with_a_metrics_token_a_scrape_without_it_is_a_401():
    async with endpoint_client(metrics_token="scrape-me") as http:
        refused = await http.get("/metrics")
        allowed = await http.get("/metrics", headers={"authorization": "Bearer scrape-me"})

    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "invalid_metrics_token"
    assert allowed.status_code == 200


async def test_healthz_says_the_worker_is_alive():
    async with endpoint_client() as http:
        response = await http.get("/healthz")

    assert (response.status_code, response.json()) == (200, {"status": "alive"})


async def test_a_port_already_taken_is_a_clear_configuration_error():
    settings = Settings(database_url="sqlite+aiosqlite:///unused.db")
    async with worker_endpoint(settings, "127.0.0.1", 0) as (host, port):
        with pytest.raises(ConfigError, match=f"cannot serve the worker's metrics on 127.0.0.1:{port}"):
            async with worker_endpoint(settings, host, port):
                pass
