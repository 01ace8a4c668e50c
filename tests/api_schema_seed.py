"""A gateway with one of every record the admin API shows, and a request for every /api/ operation that answers JSON.

For tests/test_api_response_schema.py: each answer is checked against the OpenAPI schema.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import numpy as np
import uuid_utils

from clustering.issue_status import IssueStatus
from gateway.effect.service import EffectService, effect_settings
from gateway.store.interactions import InteractionStore
from gateway.store.issue_records import IssueWrite, RunRecord
from gateway.store.issues import IssueStore

APP_KEY = "sk-schema"
CHAT = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "where is my refund?"}]}
# (method, url, body, the schema's path)
Request = tuple[str, str, dict[str, Any] | None, str]


class SameVectorEmbedder:
    """Every text at one point: each question is on every issue's topic (the effect compares all the traffic)."""

    model_name = "same-vector"

    def embed(self, texts: list[str]) -> np.ndarray:
        """One unit row per text, all alike."""
        return np.full((len(texts), 4), 0.5, dtype=np.float32)


async def seed(
    client: httpx.AsyncClient, gateway, engine, admin_headers: dict[str, str]
) -> tuple[dict[str, str], list[tuple[str, httpx.Response]]]:
    """Two answered calls with feedback, issues, a knowledge entry, prompt versions, review tasks, fix links and a
    fix preview: the ids to ask about, and the answers of the creates ("METHOD /path" each)."""
    tokens = []
    for question in ("where is my refund?", "how do I reset my password?"):
        body = {**CHAT, "messages": [{"role": "user", "content": question}]}
        answer = await client.post("/v1/chat/completions", json=body, headers={"authorization": f"Bearer {APP_KEY}"})
        assert answer.status_code == 200, answer.text
        tokens.append((answer.headers["x-feedgate-interaction-id"], answer.headers["x-feedgate-feedback-token"]))
    interaction_id = tokens[0][0]
    for recorded, token in tokens:
        given = await client.post(
            "/v1/feedback",
            json={"interaction_id": recorded, "thumbs": "down", "correction": "5 days", "metadata": {"page": 2}},
            headers={"x-feedgate-feedback-token": token},
        )
        assert given.status_code == 201, given.text
    for _ in range(200):  # the writer stores calls in the background
        listed = await client.get("/api/interactions", headers=admin_headers)
        if len(listed.json()["data"]) == 2:
            break
        await asyncio.sleep(0.02)
    app = listed.json()["data"][0]["app"]
    issue_id = await make_issue(engine, "schema-app", "Refund delays", [3, 5])
    other_id = await make_issue(engine, "schema-app", "Refunds are slow", [2])
    # An issue of the calls' own app holding the first: its effect, previews and review tasks have real traffic. Not
    # the second, which a task of its own holds (a person's task about the issue takes every complaint nobody holds).
    live_issue = await make_issue(engine, app, "Refund answers", [2], members=[interaction_id])
    entry = await client.post(
        "/api/kb",
        json={"app": "schema-app", "title": "Refunds", "content": "Refunds take 5 days.", "tags": ["billing"]},
        headers=admin_headers,
    )
    first = await client.post("/api/prompts", json={"app": "schema-app", "text": "Be brief."}, headers=admin_headers)
    second = await client.post("/api/prompts", json={"app": "schema-app", "text": "Be kind."}, headers=admin_headers)
    created = [("POST /api/kb", entry), ("POST /api/prompts", first), ("POST /api/prompts", second)]
    created += await _reviews(client, admin_headers, app, live_issue, [recorded for recorded, _ in tokens])
    created += await _fixes(client, gateway, admin_headers, app, live_issue)
    by_label = dict(created)
    tasks = [response.json()["id"] for label, response in created if label == "POST /api/reviews"]
    return {
        "app": app,
        "interaction_id": interaction_id,
        "issue_id": issue_id,
        "other_issue_id": other_id,
        "live_issue_id": live_issue,
        "entry_id": entry.json()["id"],
        "first_version": first.json()["id"],
        "second_version": second.json()["id"],
        "task_id": tasks[0],
        "other_task_id": tasks[-1],
        "preview_id": by_label["POST /api/issues/{issue_id}/previews"].json()["id"],
    }, created


async def _reviews(
    client: httpx.AsyncClient, admin_headers: dict[str, str], app: str, issue_id: str, interactions: list[str]
) -> list[tuple[str, httpx.Response]]:
    """A review task about the issue's first call (opened, then updated: 201 and 200), and one about the second."""
    about_issue = {"app": app, "reason": "check the refund answer", "interaction_ids": interactions[:1]}
    opened = await client.post("/api/reviews", json={**about_issue, "issue_id": issue_id}, headers=admin_headers)
    again = await client.post(
        "/api/reviews",
        json={**about_issue, "issue_id": issue_id, "reason": "a user says it is wrong"},
        headers=admin_headers,
    )
    other = {"app": app, "reason": "check the password answer", "interaction_ids": interactions[1:], "priority": "high"}
    second = await client.post("/api/reviews", json=other, headers=admin_headers)
    assert (opened.status_code, again.status_code, second.status_code) == (201, 200, 201), (opened.text, again.text)
    return [("POST /api/reviews", opened), ("POST /api/reviews", again), ("POST /api/reviews", second)]


async def _fixes(
    client: httpx.AsyncClient, gateway, admin_headers: dict[str, str], app: str, issue_id: str
) -> list[tuple[str, httpx.Response]]:
    """A knowledge fix three days ago and a canary prompt fix since, linked to the issue (the effect compares before
    and after, and the canary and the rest, each with its verdict), and a preview of a prompt fix replayed on the
    issue's calls."""

    async def same_vector() -> SameVectorEmbedder:
        return SameVectorEmbedder()

    services = gateway.services
    services.effects = EffectService(services.engine, same_vector, effect_settings(services.settings))
    now = datetime.now(UTC)
    entry = await client.post(
        "/api/kb", json={"app": app, "title": "Refund time", "content": "Refunds take 5 days."}, headers=admin_headers
    )
    canary = await client.post(
        "/api/prompts",
        json={"app": app, "text": "Say refunds take 5 days.", "active": False},
        headers=admin_headers,
    )
    share = await client.post(f"/api/prompts/{canary.json()['id']}/canary", json={"share": 0.5}, headers=admin_headers)
    assert share.status_code == 200, share.text
    await _traffic(services.engine, app, now, canary.json()["id"])
    links = []
    fixes = (("knowledge", entry.json()["id"], "live", 3), ("prompt", canary.json()["id"], "canary", 2))
    for kind, fix_id, arm, days_ago in fixes:
        body = {"kind": kind, "fix_id": fix_id, "arm": arm, "live_at": (now - timedelta(days=days_ago)).isoformat()}
        links.append(await client.post(f"/api/issues/{issue_id}/fixes", json=body, headers=admin_headers))
    preview = await client.post(
        f"/api/issues/{issue_id}/previews",
        json={"kind": "prompt", "text": "Refunds take 5 days.", "limit": 2, "authorization": "sk-replay"},
        headers=admin_headers,
    )
    for response in (*links, preview):
        assert response.status_code == 201, response.text
    return [
        ("POST /api/issues/{issue_id}/fixes", links[0]),
        ("POST /api/issues/{issue_id}/fixes", links[1]),
        ("POST /api/issues/{issue_id}/previews", preview),
    ]


async def _traffic(engine, app: str, now: datetime, canary_id: str) -> None:
    """Calls of `app` four days ago (before both fixes) and one day ago (after them, one served by the canary, one by
    the active version), and one three days ago whose knowledge search added no entry: the effect has something on
    each side to count."""
    active = [{"policy": "prompts", "arm": "active", "version_id": "another-version", "model": None}]
    canary = [{"policy": "prompts", "arm": "canary", "version_id": canary_id, "model": None}]
    # A call whose knowledge search added no entry: its note names the closest one.
    closest = {"id": "kb-none", "version": 1, "title": "Refund times", "score": 0.41}
    missed = {"policy": "knowledge", "action": "pass", "threshold": 0.6, "closest": closest}
    rows = [
        call_row(app, now - timedelta(days=4), None),
        call_row(app, now - timedelta(days=3), [missed, *active]),
        call_row(app, now - timedelta(days=1), canary),
        call_row(app, now - timedelta(days=1, minutes=5), active),
    ]
    await InteractionStore(engine).insert_many(rows)


def call_row(app: str, at: datetime, policies: Any) -> dict[str, Any]:
    return {
        "id": str(uuid_utils.uuid7()),
        "created_at": at,
        "app": app,
        "endpoint": "chat.completions",
        "upstream": "default",
        "model": "gpt-4o-mini",
        "stream": False,
        "partial": False,
        "request": {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "when is my refund paid?"}]},
        "response_text": "Soon.",
        "policies": policies,
    }


async def make_issue(engine, app: str, title: str, sizes: list[int], members: list[str] | None = None) -> str:
    """An issue of `app` through one clustering run per size (a trend, examples and events to show); the last run's
    members are `members` when given."""
    issue_id = str(uuid_utils.uuid7())
    now = datetime.now(UTC)
    for index, size in enumerate(sizes):
        last = index == len(sizes) - 1
        member_ids = members if last and members else [str(uuid_utils.uuid7()) for _ in range(size)]
        at = now - timedelta(hours=len(sizes) - index)
        write = IssueWrite(
            id=issue_id,
            is_new=index == 0,
            title=title,
            summary="Refunds arrive late",
            keywords=["refund"],
            status=IssueStatus.NEW,
            regressed=False,
            size=size,
            negative_count=size,
            centroid=np.ones(4, dtype=np.float32),
            examples=[{"interaction_id": member_ids[0], "text": title}],
            first_seen=now,
            last_seen=now,
            member_ids=member_ids,
        )
        run = RunRecord(
            id=str(uuid_utils.uuid7()), app=app, started_at=at, finished_at=at, items=size, noise=0, issues=[write]
        )
        await IssueStore(engine).save_run(run)
    return issue_id


def requests(ids: dict[str, str]) -> list[Request]:
    """A request for every operation answering JSON, in an order that leaves each one valid (the erasure last)."""
    entry, issue, live = ids["entry_id"], ids["issue_id"], ids["live_issue_id"]
    first, second = ids["first_version"], ids["second_version"]
    task, other_task, preview = ids["task_id"], ids["other_task_id"], ids["preview_id"]
    return [
        ("GET", "/api/interactions", None, "/api/interactions"),
        ("GET", "/api/interactions?stored_after=start", None, "/api/interactions"),
        ("GET", f"/api/interactions/{ids['interaction_id']}", None, "/api/interactions/{interaction_id}"),
        ("GET", "/api/feedback", None, "/api/feedback"),
        ("GET", "/api/feedback?stored_after=start", None, "/api/feedback"),
        ("GET", "/api/stats", None, "/api/stats"),
        ("GET", "/api/stats?group_by=app&app=schema-app", None, "/api/stats"),
        ("GET", "/api/stats?group_by=model", None, "/api/stats"),
        ("GET", "/api/issues", None, "/api/issues"),
        ("GET", f"/api/issues/{issue}", None, "/api/issues/{issue_id}"),
        ("GET", f"/api/issues/{issue}/merge-candidates", None, "/api/issues/{issue_id}/merge-candidates"),
        ("PATCH", f"/api/issues/{issue}", {"status": "open", "note": "on it"}, "/api/issues/{issue_id}"),
        ("GET", f"/api/issues/{live}/fixes", None, "/api/issues/{issue_id}/fixes"),
        ("GET", f"/api/issues/{live}/effect", None, "/api/issues/{issue_id}/effect"),
        ("GET", f"/api/issues/{issue}/effect", None, "/api/issues/{issue_id}/effect"),
        ("GET", f"/api/issues/{live}/previews", None, "/api/issues/{issue_id}/previews"),
        ("GET", f"/api/previews/{preview}", None, "/api/previews/{preview_id}"),
        ("POST", f"/api/previews/{preview}/live", None, "/api/previews/{preview_id}/live"),
        ("POST", f"/api/previews/{preview}/live", None, "/api/previews/{preview_id}/live"),
        ("GET", "/api/kb", None, "/api/kb"),
        ("GET", f"/api/kb/{entry}", None, "/api/kb/{entry_id}"),
        ("PATCH", f"/api/kb/{entry}", {"content": "Refunds take 3 days."}, "/api/kb/{entry_id}"),
        ("POST", f"/api/kb/{entry}/deactivate", None, "/api/kb/{entry_id}/deactivate"),
        ("POST", f"/api/kb/{entry}/activate", None, "/api/kb/{entry_id}/activate"),
        ("GET", f"/api/kb/{entry}/versions", None, "/api/kb/{entry_id}/versions"),
        ("POST", f"/api/kb/{entry}/restore", {"version": 1}, "/api/kb/{entry_id}/restore"),
        ("GET", "/api/prompts?app=schema-app", None, "/api/prompts"),
        ("GET", f"/api/prompts/{first}", None, "/api/prompts/{version_id}"),
        ("GET", f"/api/prompts/diff?from={first}&to={second}", None, "/api/prompts/diff"),
        ("POST", "/api/prompts/mode", {"app": "schema-app", "mode": "append"}, "/api/prompts/mode"),
        ("POST", f"/api/prompts/{first}/activate", None, "/api/prompts/{version_id}/activate"),
        ("POST", f"/api/prompts/{second}/canary", {"share": 0.2}, "/api/prompts/{version_id}/canary"),
        ("POST", f"/api/prompts/{second}/promote", None, "/api/prompts/{version_id}/promote"),
        ("POST", f"/api/prompts/{second}/rollback", None, "/api/prompts/{version_id}/rollback"),
        ("GET", "/api/reviews", None, "/api/reviews"),
        ("GET", f"/api/reviews/{task}", None, "/api/reviews/{task_id}"),
        ("PATCH", f"/api/reviews/{task}", {"action": "claim", "reviewer": "ann"}, "/api/reviews/{task_id}"),
        ("GET", "/api/reviews?status=in_progress", None, "/api/reviews"),
        (
            "POST",
            f"/api/reviews/{task}/decision",
            {"outcome": "correct", "reviewer": "ann", "correction": "Refunds take 5 days."},
            "/api/reviews/{task_id}/decision",
        ),
        (
            "POST",
            f"/api/reviews/{other_task}/fix",
            {"kind": "knowledge", "reviewer": "bob", "title": "Password reset", "content": "Use the reset link."},
            "/api/reviews/{task_id}/fix",
        ),
        ("GET", f"/api/reviews/{other_task}", None, "/api/reviews/{task_id}"),
        ("GET", "/api/reviews/stats", None, "/api/reviews/stats"),
        ("GET", f"/api/reviews/calibration?app={ids['app']}", None, "/api/reviews/calibration"),
        ("GET", "/api/audit", None, "/api/audit"),
        ("POST", "/api/erasures", {"user": "someone-else"}, "/api/erasures"),
    ]
