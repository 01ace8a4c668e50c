"""One Idempotency-Key sent at once to two gateway processes on one database: one upstream call, one task.

Each gateway is its own app (its own in-process state, as each of `feedgate serve --workers 2`'s
processes is), on a real socket, sharing the test's database (SQLite and PostgreSQL) and the fake
upstream. The upstream answers slowly, so both calls are in flight together.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from test_confidence_gate_e2e import KEY, LOW, SALT, app_of, hold, sdk, tasks

from gateway.config import Settings
from gateway.config_entries import ReviewGate

SLOW = {"x-fake-delay": "0.6"}


@pytest.fixture
def two_gateways(settings: Settings, start_gateway: Callable[..., Any]) -> tuple[Any, Any]:
    gate = ReviewGate(app=app_of(KEY), mode="hold")
    gated = settings.model_copy(update={"key_salt": SALT, "review_gates": [gate]})
    return start_gateway(gated), start_gateway(
        gated.model_copy(update={"spool_path": settings.spool_path.with_name("b")})
    )


def test_one_key_sent_at_once_to_two_processes_calls_the_upstream_once(two_gateways, fake_upstream):
    one, other = two_gateways
    headers = {"Idempotency-Key": "stainless-python-retry-2f61c9", **SLOW}

    with ThreadPoolExecutor(2) as pool:
        calls = [pool.submit(hold, sdk(gateway), LOW, extra_headers=headers) for gateway in (one, other)]
        answers = [call.result() for call in calls]

    assert [status for status, _, _ in answers] == [202, 202]
    assert answers[0][1]["task_id"] == answers[1][1]["task_id"]
    assert len(fake_upstream.app.requests) == 1
    assert [task["id"] for task in tasks(one)] == [answers[0][1]["task_id"]]
