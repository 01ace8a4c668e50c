"""Reading samples out of Prometheus' text format, for the observability tests."""

from __future__ import annotations

import httpx
from prometheus_client.parser import text_string_to_metric_families


def sample(text: str, name: str, **labels: str) -> float:
    """The value of the sample `name` with exactly `labels` (0.0 when the exposition has none)."""
    for family in text_string_to_metric_families(text):
        for found in family.samples:
            if found.name == name and found.labels == labels:
                return float(found.value)
    return 0.0


def increase(before: str, after: str, name: str, **labels: str) -> float:
    """How much the sample `name` with `labels` grew from one scrape to a later one."""
    return sample(after, name, **labels) - sample(before, name, **labels)


async def scrape(client: httpx.AsyncClient, **headers: str) -> str:
    """GET /metrics and return its text; fails unless the answer is 200."""
    response = await client.get("/metrics", headers=headers)
    assert response.status_code == 200, response.text
    # prometheus_client's own type, its charset said once.
    assert response.headers["content-type"] == "text/plain; version=1.0.0; charset=utf-8"
    return response.text
