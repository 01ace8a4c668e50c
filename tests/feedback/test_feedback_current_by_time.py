"""Imported feedback: a voter's current feedback is the one given last, whatever order it was stored in.

An imported event is stored with a fresh id (a UUIDv7 of the import's time) and keeps the time it
was given, so neither its place in the file nor the import it came in may make it current.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import orjson

from gateway.app import FeedgateApp
from gateway.imports.jsonl import import_jsonl

RANGE = "since=2026-11-01T00:00:00Z&until=2026-11-04T00:00:00Z"
UP_ON_NOV_5 = {"thumbs": "up", "user_id": "u6", "created_at": "2026-11-05T10:00:00Z", "idempotency_key": "up"}
DOWN_ON_NOV_3 = {"thumbs": "down", "user_id": "u6", "created_at": "2026-11-03T10:00:00Z", "idempotency_key": "down"}


def line(interaction_id: str, created_at: str, feedback: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "id": interaction_id,
        "app": "stat",
        "created_at": created_at,
        "request": {"model": "m1", "messages": [{"role": "user", "content": f"question {interaction_id}"}]},
        "response": {
            "id": "chatcmpl-x",
            "object": "chat.completion",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": "answer"}, "finish_reason": "stop"}],
        },
        "feedback": feedback,
    }


def write_lines(path: Path, lines: list[dict[str, Any]]) -> Path:
    path.write_bytes(b"".join(orjson.dumps(each) + b"\n" for each in lines))
    return path


async def import_lines(gateway: FeedgateApp, path: Path, lines: list[dict[str, Any]]) -> None:
    report = await import_jsonl(gateway.services.engine, write_lines(path, lines))
    assert report.errors == []


async def current_votes(client: httpx.AsyncClient, admin_headers: dict[str, str]) -> list[tuple[str, str]]:
    response = await client.get("/api/interactions/st-I", headers=admin_headers)
    assert response.status_code == 200, response.text
    return [(event["user_id"], event["thumbs"]) for event in response.json()["feedback"]["current"]]


async def negative_rate(client: httpx.AsyncClient, admin_headers: dict[str, str]) -> float:
    response = await client.get(f"/api/stats?app=stat&{RANGE}", headers=admin_headers)
    assert response.status_code == 200, response.text
    rate: float = response.json()["totals"]["negative_rate"]
    return rate


async def test_the_later_vote_listed_first_in_the_file_is_current(client, admin_headers, gateway, tmp_path):
    await import_lines(
        gateway, tmp_path / "in.jsonl", [line("st-I", "2026-11-02T10:00:00Z", [UP_ON_NOV_5, DOWN_ON_NOV_3])]
    )

    assert await current_votes(client, admin_headers) == [("u6", "up")]


async def test_stats_count_the_later_vote_listed_first_in_the_file(client, admin_headers, gateway, tmp_path):
    await import_lines(
        gateway,
        tmp_path / "in.jsonl",
        [
            line("st-A", "2026-11-01T03:30:00Z", [{"thumbs": "down", "user_id": "u1"}]),
            line("st-I", "2026-11-02T10:00:00Z", [UP_ON_NOV_5, DOWN_ON_NOV_3]),
        ],
    )

    assert await negative_rate(client, admin_headers) == 0.5


async def test_an_older_vote_in_a_later_import_does_not_become_current(client, admin_headers, gateway, tmp_path):
    await import_lines(gateway, tmp_path / "first.jsonl", [line("st-I", "2026-11-02T10:00:00Z", [UP_ON_NOV_5])])
    await import_lines(gateway, tmp_path / "second.jsonl", [line("st-I", "2026-11-02T10:00:00Z", [DOWN_ON_NOV_3])])

    assert await current_votes(client, admin_headers) == [("u6", "up")]


async def test_an_older_vote_in_a_later_import_leaves_the_stats_alone(client, admin_headers, gateway, tmp_path):
    await import_lines(gateway, tmp_path / "first.jsonl", [line("st-I", "2026-11-02T10:00:00Z", [UP_ON_NOV_5])])
    before = await negative_rate(client, admin_headers)  # the day's roll-up is built here, then made stale
    await import_lines(gateway, tmp_path / "second.jsonl", [line("st-I", "2026-11-02T10:00:00Z", [DOWN_ON_NOV_3])])

    assert (before, await negative_rate(client, admin_headers)) == (0.0, 0.0)
