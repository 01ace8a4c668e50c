"""`GET /api/reviews/calibration`: an app's calibration report over HTTP."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from calibration_seed import store_answers
from review_seed import give_feedback

from gateway.app import FeedgateApp


@pytest.fixture
async def seeded(gateway: FeedgateApp) -> None:
    """12 unsure answers users complained about and 24 sure ones nobody did, an hour ago."""
    engine = gateway.services.engine
    when = datetime.now(UTC) - timedelta(hours=1)
    bad = await store_answers(engine, [0.3 + 0.01 * n for n in range(12)], when)
    await store_answers(engine, [0.9 + 0.002 * n for n in range(24)], when)
    for interaction_id in bad:
        await give_feedback(engine, interaction_id)


async def test_the_report_shows_each_measure_and_a_suggested_threshold(client, admin_headers, seeded):
    response = await client.get("/api/reviews/calibration?app=support-bot&review_rate=0.25", headers=admin_headers)

    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["app"], body["review_rate"], body["chat_answers"], body["answers"], body["bad"]) == (
        "support-bot",
        0.25,
        36,
        36,
        12,
    )
    assert (body["enough_data"], body["note"], body["capped"], body["current_threshold"]) == (True, None, False, None)
    chosen = body["chosen"]
    assert chosen["measure"] == "confidence" and chosen["review_when"] == "below"
    assert chosen["auc"] == pytest.approx(1.0)
    # 36 x 0.25 = 9 reviewed, all bad: 9 of the 12 caught; the cut lies between the 9th and 10th least sure.
    assert 0.38 < chosen["suggested_threshold"] < 0.39
    assert (chosen["reviewed_share"], chosen["catch_rate"]) == (0.25, 0.75)
    assert next(m["measure"] for m in body["measures"]) == "confidence"
    assert all(
        set(m) >= {"auc", "suggested_threshold", "catch_rate", "answers", "bad", "meaning"} for m in body["measures"]
    )


async def test_too_little_data_says_so(client, admin_headers, gateway):
    response = await client.get("/api/reviews/calibration?app=support-bot", headers=admin_headers)

    assert response.status_code == 200
    body = response.json()
    assert (body["enough_data"], body["chosen"]["auc"], body["chosen"]["suggested_threshold"]) == (False, None, None)
    assert body["note"].startswith("not enough data")
    assert body["review_rate"] == 0.1


async def test_answers_without_log_probabilities_are_counted_and_the_note_says_why_nothing_is_measured(
    client, admin_headers, gateway
):
    await store_answers(gateway.services.engine, [None] * 5, datetime.now(UTC) - timedelta(hours=1))

    body = (await client.get("/api/reviews/calibration?app=support-bot", headers=admin_headers)).json()

    assert (body["chat_answers"], body["answers"], body["without_logprobs"]) == (5, 0, 5)
    assert body["note"].startswith("none of the 5 chat answers in the window carried token log-probabilities")


async def test_answers_with_and_without_log_probabilities_are_told_apart(client, admin_headers, gateway, seeded):
    await store_answers(gateway.services.engine, [None] * 3, datetime.now(UTC) - timedelta(hours=1))

    body = (await client.get("/api/reviews/calibration?app=support-bot", headers=admin_headers)).json()

    assert (body["chat_answers"], body["answers"], body["without_logprobs"]) == (39, 36, 3)
    assert body["note"] is None


@pytest.mark.parametrize(
    ("query", "culprit"),
    [
        ("", "app"),
        ("app=support-bot&review_rate=1.5", "review_rate"),
        ("app=support-bot&review_rate=0", "review_rate"),
        ("app=support-bot&since=2026-06-02T00:00:00Z&until=2026-06-01T00:00:00Z", "since"),
    ],
)
async def test_a_bad_query_is_400_naming_the_parameter(client, admin_headers, gateway, query, culprit):
    response = await client.get(f"/api/reviews/calibration?{query}", headers=admin_headers)

    assert response.status_code == 400
    assert culprit in response.text


async def test_the_report_needs_the_admin_token(client, gateway):
    response = await client.get("/api/reviews/calibration?app=support-bot")

    assert response.status_code == 401


async def test_the_openapi_schema_shows_the_route(client, gateway):
    paths = (await client.get("/schema/openapi.json")).json()["paths"]

    assert set(paths["/api/reviews/calibration"]) == {"get"}


async def call(client, confidence: float, stream: bool) -> str:
    """One chat call through the gateway asking for log-probabilities; the interaction's id."""
    body = {
        "model": "gpt-4o-mini",
        "stream": stream,
        "logprobs": True,
        "top_logprobs": 2,
        "messages": [{"role": "user", "content": f"What is the fee? [confidence={confidence}]"}],
    }
    response = await client.post("/v1/chat/completions", json=body, headers={"authorization": "Bearer sk-test"})
    assert response.status_code == 200, response.text
    return response.headers["x-feedgate-interaction-id"]


async def test_answers_recorded_by_the_gateway_json_and_streamed_are_calibrated(client, admin_headers, gateway):
    bad = [await call(client, 0.3, stream=n % 2 == 0) for n in range(10)]
    good = [await call(client, 0.9, stream=n % 2 == 0) for n in range(10)]
    await gateway.services.writer.flush()
    app = (await gateway.services.interactions.get(good[0]))["app"]
    for interaction_id in bad:
        await give_feedback(gateway.services.engine, interaction_id, app=app)

    body = (await client.get(f"/api/reviews/calibration?app={app}&review_rate=0.5", headers=admin_headers)).json()

    assert (body["chat_answers"], body["answers"], body["bad"], body["enough_data"]) == (20, 20, 10, True)
    assert body["chosen"]["auc"] == pytest.approx(1.0)
    assert 0.3 < body["chosen"]["suggested_threshold"] < 0.9
    assert body["chosen"]["catch_rate"] == 1.0
