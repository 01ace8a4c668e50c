"""/api/interactions: the admin's read access to recorded calls."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from issue_rows import store_issue

CHAT = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hello"}]}


async def make_interactions(client, count: int, *, key: str = "sk-a", model: str = "gpt-4o-mini") -> list[str]:
    ids = []
    for n in range(count):
        body = {**CHAT, "model": model, "messages": [{"role": "user", "content": f"q{n}"}]}
        response = await client.post("/v1/chat/completions", json=body, headers={"authorization": f"Bearer {key}"})
        ids.append(response.headers["x-feedgate-interaction-id"])
    return ids


@pytest.mark.parametrize("headers", [{}, {"authorization": "Bearer wrong"}, {"authorization": "Basic abc"}])
async def test_admin_token_is_required(client, headers):
    response = await client.get("/api/interactions", headers=headers)

    assert response.status_code == 401
    assert "token" in response.json()["detail"]


async def test_past_the_wrong_token_limit_an_address_waits_even_with_the_right_token(client, admin_headers, settings):
    limit = settings.admin_token_failures_per_minute
    for _ in range(limit):
        assert (await client.get("/api/interactions", headers={"authorization": "Bearer guess"})).status_code == 401

    refused = await client.get("/api/interactions", headers=admin_headers)

    assert refused.status_code == 429
    assert "too many wrong admin tokens" in refused.json()["detail"]
    assert 1 <= int(refused.headers["retry-after"]) <= 60 // limit + 1


async def test_the_right_token_spends_nothing_of_the_wrong_token_limit(client, admin_headers, settings):
    for _ in range(settings.admin_token_failures_per_minute + 5):
        assert (await client.get("/api/interactions", headers=admin_headers)).status_code == 200


async def test_admin_api_is_closed_when_no_token_is_configured(settings, fake_upstream):
    import httpx
    from asgi_lifespan import LifespanManager

    from gateway.app import create_app

    app = create_app(settings.model_copy(update={"admin_token": None}), environ={})
    async with (
        LifespanManager(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http,
    ):
        response = await http.get("/api/interactions", headers={"authorization": "Bearer anything"})

    assert response.status_code == 401
    assert "FEEDGATE_ADMIN_TOKEN" in response.json()["detail"]


async def test_listing_is_newest_first(client, gateway, admin_headers, fake_upstream):
    ids = await make_interactions(client, 3)
    await gateway.services.writer.flush()

    listed = (await client.get("/api/interactions", headers=admin_headers)).json()

    assert [item["id"] for item in listed["data"]] == ids[::-1]
    assert listed["next_cursor"] is None


async def test_listing_pages_with_a_cursor(client, gateway, admin_headers, fake_upstream):
    ids = await make_interactions(client, 5)
    await gateway.services.writer.flush()

    first = (await client.get("/api/interactions?limit=2", headers=admin_headers)).json()
    second = (
        await client.get(f"/api/interactions?limit=2&cursor={first['next_cursor']}", headers=admin_headers)
    ).json()
    third = (
        await client.get(f"/api/interactions?limit=2&cursor={second['next_cursor']}", headers=admin_headers)
    ).json()

    seen = [item["id"] for page in (first, second, third) for item in page["data"]]
    assert seen == ids[::-1]
    assert third["next_cursor"] is None


@pytest.mark.parametrize("cursor", ["junk", "%25%25%25", ""])
async def test_listing_refuses_a_cursor_no_page_gave_out(client, gateway, admin_headers, fake_upstream, cursor):
    await make_interactions(client, 3)
    await gateway.services.writer.flush()

    response = await client.get(f"/api/interactions?limit=2&cursor={cursor}", headers=admin_headers)

    assert response.status_code == 400
    assert response.json()["detail"] == "'cursor' must be the next_cursor of a previous page"


async def test_listing_refuses_an_altered_cursor(client, gateway, admin_headers, fake_upstream):
    await make_interactions(client, 3)
    await gateway.services.writer.flush()
    cursor = (await client.get("/api/interactions?limit=1", headers=admin_headers)).json()["next_cursor"]
    altered = cursor[:-2] + ("AA" if cursor[-2:] != "AA" else "BB")

    response = await client.get(f"/api/interactions?limit=1&cursor={altered}", headers=admin_headers)

    assert response.status_code == 400
    assert "next_cursor" in response.json()["detail"]


async def test_listing_filters_by_app_and_model(client, gateway, admin_headers, fake_upstream):
    await make_interactions(client, 2, key="sk-a")
    mine = await make_interactions(client, 1, key="sk-b", model="gpt-4o")
    await gateway.services.writer.flush()
    app = (await client.get(f"/api/interactions/{mine[0]}", headers=admin_headers)).json()["app"]

    by_app = (await client.get(f"/api/interactions?app={app}", headers=admin_headers)).json()["data"]
    by_model = (await client.get("/api/interactions?model=gpt-4o", headers=admin_headers)).json()["data"]

    assert [item["id"] for item in by_app] == mine
    assert [item["id"] for item in by_model] == mine


async def test_listing_filters_by_time_range(client, gateway, admin_headers, fake_upstream):
    await make_interactions(client, 2)
    await gateway.services.writer.flush()
    future = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    past = (datetime.now(UTC) - timedelta(hours=1)).isoformat()

    in_range = await client.get("/api/interactions", params={"since": past, "until": future}, headers=admin_headers)
    after = await client.get("/api/interactions", params={"since": future}, headers=admin_headers)

    assert len(in_range.json()["data"]) == 2
    assert after.json()["data"] == []


async def test_created_at_is_utc_iso8601(client, gateway, admin_headers, fake_upstream):
    [interaction_id] = await make_interactions(client, 1)

    item = (await client.get(f"/api/interactions/{interaction_id}", headers=admin_headers)).json()

    assert datetime.fromisoformat(item["created_at"].replace("Z", "+00:00")).utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    ("query", "fragment"),
    [("limit=0", "limit"), ("limit=5000", "limit"), ("since=yesterday", "since")],
)
async def test_bad_listing_parameters_get_a_clear_400(client, admin_headers, query, fragment):
    response = await client.get(f"/api/interactions?{query}", headers=admin_headers)

    assert response.status_code == 400
    assert fragment in str(response.json())


async def test_since_after_until_is_refused(client, admin_headers):
    response = await client.get(
        "/api/interactions?since=2026-01-02T00:00:00Z&until=2026-01-01T00:00:00Z", headers=admin_headers
    )

    assert response.status_code == 400
    assert "since" in response.json()["detail"]


async def test_a_time_utc_cannot_represent_is_refused_naming_it(client, admin_headers):
    # Year 1 at +08:00 is still year 0 in UTC, before datetime's range.
    response = await client.get("/api/interactions?since=0001-01-01T00:00:00%2B08:00", headers=admin_headers)

    assert response.status_code == 400
    assert "'since' is outside the range" in response.json()["detail"]


async def test_one_interaction_by_either_id(client, admin_headers, fake_upstream):
    response = await client.post("/v1/chat/completions", json=CHAT, headers={"authorization": "Bearer sk-a"})
    gateway_id = response.headers["x-feedgate-interaction-id"]

    by_gateway_id = await client.get(f"/api/interactions/{gateway_id}", headers=admin_headers)
    by_upstream_id = await client.get(f"/api/interactions/{response.json()['id']}", headers=admin_headers)

    assert by_gateway_id.status_code == by_upstream_id.status_code == 200
    assert by_gateway_id.json() == by_upstream_id.json()


async def test_unknown_interaction_is_404(client, admin_headers):
    response = await client.get("/api/interactions/does-not-exist", headers=admin_headers)

    assert response.status_code == 404
    assert "does-not-exist" in response.json()["detail"]


async def test_openapi_schema_describes_the_api(client):
    schema = (await client.get("/schema/openapi.json")).json()

    assert "/api/interactions" in schema["paths"]
    assert "/api/interactions/{interaction_id}" in schema["paths"]


async def test_q_finds_interactions_by_a_word_of_the_question_or_the_answer(
    client, admin_headers, fake_upstream, gateway
):
    ids = await make_interactions(client, 3)
    await gateway.services.writer.flush()

    by_question = await client.get("/api/interactions", params={"q": "Q1"}, headers=admin_headers)
    nothing = await client.get("/api/interactions", params={"q": "zeppelin"}, headers=admin_headers)

    assert [item["id"] for item in by_question.json()["data"]] == [ids[1]]
    assert nothing.json()["data"] == []


@pytest.mark.parametrize(("q", "fragment"), [("x" * 201, "at most 200 characters"), ("?!", "at least one word")])
async def test_a_search_the_index_cannot_answer_gets_a_400_naming_q(client, admin_headers, q, fragment):
    response = await client.get("/api/interactions", params={"q": q}, headers=admin_headers)

    assert response.status_code == 400
    assert fragment in response.json()["detail"]


@pytest.mark.parametrize("since", ["2020-01-01", "2026-01-01T00:00", "yesterday"])
async def test_a_time_it_cannot_read_is_a_400_saying_the_form_it_wants(client, admin_headers, since):
    response = await client.get("/api/stats", params={"since": since}, headers=admin_headers)

    assert response.status_code == 400
    [entry] = response.json()["extra"]
    assert entry["key"] == "since"
    assert entry["message"] == (
        "'since' must be a date and time to the second (RFC 3339; UTC when it has no offset), e.g. 2026-06-01T00:00:00Z"
    )


async def test_a_time_without_an_offset_is_read_as_utc_as_the_refusal_says(client, admin_headers):
    response = await client.get("/api/stats", params={"since": "2026-01-01T00:00:00"}, headers=admin_headers)

    assert response.status_code == 200
    assert response.json()["since"] == "2026-01-01T00:00:00Z"


async def test_a_body_that_is_not_json_is_a_400_saying_so(client, admin_headers):
    headers = {**admin_headers, "content-type": "application/json"}

    response = await client.post("/api/kb", content=b'{"app":', headers=headers)

    assert response.status_code == 400
    assert response.json()["detail"] == (
        "the request body is not valid JSON (Input data was truncated, or it holds a lone UTF-16 surrogate such "
        "as \\ud800): send a JSON object (Content-Type: application/json)"
    )


async def test_a_body_holding_a_lone_surrogate_is_a_400_that_names_that_possibility(client, admin_headers):
    headers = {**admin_headers, "content-type": "application/json"}

    response = await client.post("/api/erasures", content=b'{"user": "\\ud800"}', headers=headers)

    assert response.status_code == 400
    assert "a lone UTF-16 surrogate such as \\ud800" in response.json()["detail"]


async def test_other_client_errors_keep_their_status_and_words(client, admin_headers):
    assert (await client.get("/api/interactions/nope", headers=admin_headers)).status_code == 404
    assert (await client.get("/api/interactions")).status_code == 401


async def an_issue_holding(gateway, issue_id: str, members: list[str]) -> None:
    """Store issue `issue_id` of the interactions' app holding `members`, as a clustering run would."""
    app = (await gateway.services.interactions.get(members[0]))["app"]
    await store_issue(gateway.services.engine, app, issue_id, members)


async def test_issue_lists_the_issues_interactions_a_page_at_a_time(client, gateway, admin_headers, fake_upstream):
    ids = await make_interactions(client, 4)
    await gateway.services.writer.flush()
    await an_issue_holding(gateway, "refunds", [ids[0], ids[2], ids[3]])

    first = await client.get("/api/interactions", params={"issue": "refunds", "limit": 2}, headers=admin_headers)
    cursor = first.json()["next_cursor"]
    second = await client.get(
        "/api/interactions", params={"issue": "refunds", "limit": 2, "cursor": cursor}, headers=admin_headers
    )

    assert first.status_code == second.status_code == 200
    assert [item["id"] for item in first.json()["data"] + second.json()["data"]] == [ids[3], ids[2], ids[0]]


async def test_an_issue_no_one_has_is_a_400_naming_issue(client, admin_headers):
    response = await client.get("/api/interactions", params={"issue": "no-such-issue"}, headers=admin_headers)

    assert response.status_code == 400
    body = response.json()
    assert body["detail"] == "no issue with id 'no-such-issue'"
    assert body["extra"][0]["key"] == "issue"
