"""The issue page's effect panel (/admin/issues/{id}/effect) shows what GET /api/issues/{id}/effect says of the same result."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pytest
import uuid_utils
from html_page import Element, parse
from overview_seed import interaction

from clustering.issue_status import IssueStatus
from gateway.accounts.records import Role
from gateway.effect.service import EffectService, effect_settings
from gateway.store.feedback import FeedbackStore
from gateway.store.interactions import InteractionStore
from gateway.store.issue_records import IssueWrite, RunRecord
from gateway.store.issues import IssueStore

APP = "shop"
H = timedelta(hours=1)


class KeywordEmbedder:
    """Places a question by keyword (refund, password, anything else): topics without loading a model."""

    model_name = "test-keyword-embedder"

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        rows = np.zeros((len(texts), 3), dtype=np.float32)
        for row, text in enumerate(texts):
            rows[row, 0 if "refund" in text else 1 if "password" in text else 2] = 1.0
        return rows


async def rated(engine, question: str, since: datetime, until: datetime, total: int, negative: int, positive: int):
    """`total` interactions asking `question` over [since, until): `negative` rated down, `positive` up, the rest unrated."""
    step = (until - since) / total
    rows = [interaction(since + step * n, APP, question=f"{question} #{n}") for n in range(total)]
    await InteractionStore(engine).insert_many(rows)
    for n, row in enumerate(rows[: negative + positive]):
        await FeedbackStore(engine).append(
            {
                "id": str(uuid_utils.uuid7()),
                "interaction_id": row["id"],
                "created_at": row["created_at"] + timedelta(minutes=1),
                "app": APP,
                "user_id": "user-1",
                "thumbs": "down" if n < negative else "up",
                "negative": n < negative,
                "submitted_via": "app",
            }
        )
    return [row["id"] for row in rows]


async def refund_issue(engine, members: list[str]) -> str:
    """An issue of the shop holding `members`, stored as a clustering run would; its id."""
    issue_id, now = str(uuid_utils.uuid7()), datetime.now(UTC)
    write = IssueWrite(
        id=issue_id,
        is_new=True,
        title="refunds",
        summary=None,
        keywords=[],
        status=IssueStatus.NEW,
        regressed=False,
        size=len(members),
        negative_count=len(members),
        centroid=np.zeros(4, dtype=np.float32),
        examples=[{"interaction_id": members[0], "text": "refunds"}],
        first_seen=now,
        last_seen=now,
        member_ids=members,
    )
    run = RunRecord(str(uuid_utils.uuid7()), APP, now, now, len(members), 0, [write])
    await IssueStore(engine).save_run(run)
    return issue_id


@pytest.fixture
async def measured(gateway, client, admin_headers, browser_as) -> dict[str, Any]:
    """A refund issue whose knowledge fix went live two days ago: the negative rate fell from 50 % to 10 %, and the
    share of interactions with any feedback from 100 % to 30 %. The issue's id, the API's effect and the page's panel."""
    services = gateway.services
    embedder = KeywordEmbedder()

    async def loaded():
        return embedder

    engine, now = services.engine, datetime.now(UTC)
    # One instant for the API and the page: each measures up to its clock, and two reads a minute boundary
    # apart showed different windows.
    services.effects = EffectService(services.engine, loaded, effect_settings(services.settings), clock=lambda: now)
    live_at = now - timedelta(days=2)
    long_ago = now - timedelta(days=10)
    issue_id = await refund_issue(engine, await rated(engine, "my refund is late", long_ago, long_ago + H, 4, 4, 0))
    await rated(engine, "where is my refund", live_at - timedelta(days=2) + H, live_at - H, 40, 20, 20)
    await rated(engine, "where is my refund", live_at + H, now - H, 40, 4, 8)
    await rated(engine, "reset my password", live_at + H, now - H, 20, 20, 0)
    entry = await client.post(
        "/api/kb", json={"app": APP, "title": "Refunds", "content": "5 days."}, headers=admin_headers
    )
    linked = await client.post(
        f"/api/issues/{issue_id}/fixes",
        json={"kind": "knowledge", "fix_id": entry.json()["id"], "live_at": live_at.isoformat()},
        headers=admin_headers,
    )
    assert linked.status_code == 201, linked.text
    api = await client.get(f"/api/issues/{issue_id}/effect", headers=admin_headers)
    assert api.status_code == 200, api.text
    viewer = await browser_as("vic", Role.VIEWER)
    page = await viewer.get(f"/admin/issues/{issue_id}/effect")
    assert page.status_code == 200, page.text
    effect = api.json()
    return {"api": effect["before_after"], "effect": effect, "panel": parse(page.text).find(data_testid="effect")}


def panel_of(measured: dict[str, Any]) -> Element:
    """The effect panel (a knowledge fix: before/after only, no canary)."""
    panel: Element = measured["panel"]
    return panel


def when(iso: str) -> str:
    return datetime.fromisoformat(iso).strftime("%Y-%m-%d %H:%M UTC")


async def test_the_panel_shows_the_feedback_warning_the_api_gives(measured):
    warning = measured["api"]["feedback_warning"]

    assert warning.startswith("the share of interactions with any feedback also changed, from 100 % to 30 %")
    assert warning in panel_of(measured).find(data_testid="feedback-warning").text


async def test_the_panel_shows_the_differences_confidence_interval(measured):
    low, high = measured["api"]["difference_ci"]

    shown = panel_of(measured).find(data_testid="difference-ci").text
    assert shown == f"{low * 100:+.1f} to {high * 100:+.1f} points"
    assert (
        f"{measured['api']['difference'] * 100:+.1f} points" in panel_of(measured).find(data_testid="difference").text
    )


async def test_the_panel_shows_the_before_and_after_windows(measured):
    api = measured["api"]

    windows = [cell.text for cell in panel_of(measured).find_all(data_testid="window")]
    assert windows == [
        f"{when(api['before']['since'])} to {when(api['before']['until'])}",
        f"{when(api['after']['since'])} to {when(api['after']['until'])}",
    ]


async def test_the_panel_shows_the_follow_up_each_answer_had(measured):
    # Said as the API's reasons say a span (gateway.domain.spans.span_words): "1 hour", "10 seconds".
    assert measured["effect"]["follow_up_hours"] == 1.0
    assert panel_of(measured).find(data_testid="follow-up-hours").text == "1 hour"
