"""Linking fixes to issues over the API: what is accepted, what is refused and with which status."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from effect_seed import REFUND, make_issue, seed_traffic


async def new_issue(engine) -> str:
    now = datetime.now(UTC)
    members = await seed_traffic(engine, REFUND[:3], now - timedelta(days=1), now, 3, 3, 0)
    return await make_issue(engine, members, "refunds")


async def new_entry(client, admin_headers, app: str = "support-bot") -> dict:
    body = {"app": app, "title": "Refund times", "content": "Refunds are paid within 5 working days."}
    response = await client.post("/api/kb", json=body, headers=admin_headers)
    assert response.status_code == 201, response.text
    return response.json()


async def test_linking_a_knowledge_entry(client, admin_headers, engine):
    issue_id = await new_issue(engine)
    entry = await new_entry(client, admin_headers)

    response = await client.post(
        f"/api/issues/{issue_id}/fixes", json={"kind": "knowledge", "fix_id": entry["id"]}, headers=admin_headers
    )

    assert response.status_code == 201, response.text
    link = response.json()
    assert link["issue_id"] == issue_id and link["kind"] == "knowledge" and link["fix_id"] == entry["id"]
    assert link["fix_version"] == 1 and link["arm"] == "live" and link["task_id"] is None
    assert link["created_by"] == "admin-token" and link["live_at"] == link["created_at"]
    listed = await client.get(f"/api/issues/{issue_id}/fixes", headers=admin_headers)
    assert listed.status_code == 200 and [item["id"] for item in listed.json()["data"]] == [link["id"]]
    audit = await client.get("/api/audit", params={"action": "issue.fix_link"}, headers=admin_headers)
    [record] = audit.json()["data"]
    assert record["subject_id"] == issue_id and record["app"] == "support-bot"
    assert record["after"]["fix_id"] == entry["id"]


async def test_linking_a_prompt_canary_with_its_time(client, admin_headers, engine):
    issue_id = await new_issue(engine)
    published = await client.post(
        "/api/prompts",
        json={"app": "support-bot", "text": "Refunds take 5 days.", "message": "refunds", "canary_share": 0.2},
        headers=admin_headers,
    )
    assert published.status_code == 201, published.text
    version = published.json()
    # Yesterday at 09:00 in UTC+1, sent with its offset.
    yesterday = (datetime.now(UTC) - timedelta(days=1)).date()
    live_at = f"{yesterday.isoformat()}T09:00:00+01:00"

    response = await client.post(
        f"/api/issues/{issue_id}/fixes",
        json={"kind": "prompt", "fix_id": version["id"], "arm": "canary", "live_at": live_at, "created_by": "ana"},
        headers=admin_headers,
    )

    assert response.status_code == 201, response.text
    link = response.json()
    assert link["fix_version"] == version["number"] and link["arm"] == "canary" and link["created_by"] == "ana"
    assert datetime.fromisoformat(link["live_at"]) == datetime(
        yesterday.year, yesterday.month, yesterday.day, 8, tzinfo=UTC
    )


async def test_the_active_prompt_version_cannot_be_linked_as_a_canary(client, admin_headers, engine):
    issue_id = await new_issue(engine)
    body = {"app": "support-bot", "text": "Refunds take 5 days.", "message": "refunds", "active": True}
    version = (await client.post("/api/prompts", json=body, headers=admin_headers)).json()
    url = f"/api/issues/{issue_id}/fixes"

    canary = await client.post(
        url, json={"kind": "prompt", "fix_id": version["id"], "arm": "canary"}, headers=admin_headers
    )
    live = await client.post(url, json={"kind": "prompt", "fix_id": version["id"]}, headers=admin_headers)

    # All of its traffic is in the active arm, so a canary comparison could never count a canary: refused as any
    # version that is not the running canary is (409, saying what serves and what to do).
    assert canary.status_code == 409, canary.text
    detail = canary.json()["detail"]
    assert detail.startswith("prompt version v1 is not a canary now: it is the active version")
    assert "no canary is running; v1 is active for all calls" in detail and "Link it with arm 'live'" in detail
    assert live.status_code == 201, live.text
    links = (await client.get(url, headers=admin_headers)).json()["data"]
    assert [link["arm"] for link in links] == ["live"]


async def test_refused_links(client, admin_headers, engine):
    issue_id = await new_issue(engine)
    entry = await new_entry(client, admin_headers)
    other_app_entry = await new_entry(client, admin_headers, app="other-bot")
    url = f"/api/issues/{issue_id}/fixes"
    knowledge = {"kind": "knowledge", "fix_id": entry["id"]}
    refusals = {
        "unknown fix": ({"kind": "knowledge", "fix_id": "nope"}, 400, "no knowledge-base entry"),
        "bad kind": ({"kind": "vibes", "fix_id": entry["id"]}, 400, "kind"),
        "canary entry": ({**knowledge, "arm": "canary"}, 400, "no canary arm"),
        "other app": ({"kind": "knowledge", "fix_id": other_app_entry["id"]}, 400, "belongs to app 'other-bot'"),
        "missing version": ({**knowledge, "fix_version": 2}, 400, "versions 1 to 1"),
        "naive time": ({**knowledge, "live_at": "2026-11-20T09:00:00"}, 400, "timezone"),
        "year 1": ({**knowledge, "live_at": "0001-01-01T00:00:00Z"}, 400, "within 366 days of now"),
        "year 9999": ({**knowledge, "live_at": "9999-12-31T00:00:00Z"}, 400, "within 366 days of now"),
        "unknown task": ({**knowledge, "task_id": "no-such-task"}, 400, "no review task"),
        "no fix id": ({"kind": "knowledge"}, 400, "fix_id"),
    }
    for name, (body, status, words) in refusals.items():
        response = await client.post(url, json=body, headers=admin_headers)
        assert response.status_code == status, (name, response.text)
        assert words in response.text, (name, response.text)

    assert (await client.post("/api/issues/nope/fixes", json=knowledge, headers=admin_headers)).status_code == 404
    assert (await client.get("/api/issues/nope/fixes", headers=admin_headers)).status_code == 404
    assert (await client.get("/api/issues/nope/effect", headers=admin_headers)).status_code == 404
    assert (await client.post(url, json=knowledge)).status_code == 401
    assert (await client.get(url, headers=admin_headers)).json()["data"] == []


async def test_a_live_at_beyond_the_range_of_utc_times_is_a_400_naming_it(client, admin_headers, engine):
    """Year 1 at +14:00 is still year 0 in UTC, and 9999-12-31 at -14:00 already year 10000: no 500."""
    issue_id = await new_issue(engine)
    entry = await new_entry(client, admin_headers)
    for moment in ("0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"):
        body = {"kind": "knowledge", "fix_id": entry["id"], "live_at": moment}
        response = await client.post(f"/api/issues/{issue_id}/fixes", json=body, headers=admin_headers)

        assert response.status_code == 400, (moment, response.text)
        assert "within 366 days of now" in response.json()["detail"], response.text
        assert response.json()["extra"][0]["key"] == "live_at"


async def test_an_issue_without_a_fix_has_an_empty_effect_with_the_reason(client, admin_headers, engine):
    issue_id = await new_issue(engine)

    response = await client.get(f"/api/issues/{issue_id}/effect", headers=admin_headers)

    assert response.status_code == 200
    effect = response.json()
    assert effect["fix"] is None and effect["before_after"] is None and effect["canary"] is None
    assert effect["reason"].startswith("no fix is linked to this issue yet")


async def test_the_endpoints_are_in_the_openapi_schema(client):
    paths = (await client.get("/schema/openapi.json")).json()["paths"]

    assert {"/api/issues/{issue_id}/fixes", "/api/issues/{issue_id}/effect"} <= set(paths)
    assert "post" in paths["/api/issues/{issue_id}/fixes"] and "get" in paths["/api/issues/{issue_id}/fixes"]


async def test_linking_the_review_task_the_fix_resolved(client, admin_headers, engine):
    issue_id = await new_issue(engine)
    other_issue = await new_issue(engine)
    entry = await new_entry(client, admin_headers)

    async def task_for(issue: str) -> str:
        body = {"app": "support-bot", "reason": "refund complaints", "issue_id": issue}
        response = await client.post("/api/reviews", json=body, headers=admin_headers)
        assert response.status_code == 201, response.text
        return response.json()["id"]

    own_task, other_task = await task_for(issue_id), await task_for(other_issue)
    url = f"/api/issues/{issue_id}/fixes"
    knowledge = {"kind": "knowledge", "fix_id": entry["id"]}

    linked = await client.post(url, json={**knowledge, "task_id": own_task}, headers=admin_headers)
    refused = await client.post(url, json={**knowledge, "task_id": other_task}, headers=admin_headers)

    assert linked.status_code == 201 and linked.json()["task_id"] == own_task
    assert refused.status_code == 400 and "is about issue" in refused.text


async def test_a_fix_not_live_yet_has_nothing_to_measure(client, admin_headers, engine):
    issue_id = await new_issue(engine)
    entry = await new_entry(client, admin_headers)
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    await client.post(
        f"/api/issues/{issue_id}/fixes",
        json={"kind": "knowledge", "fix_id": entry["id"], "live_at": tomorrow},
        headers=admin_headers,
    )

    effect = (await client.get(f"/api/issues/{issue_id}/effect", headers=admin_headers)).json()

    assert effect["fix"]["fix_id"] == entry["id"] and effect["reason"].startswith("the fix goes live at")
    assert effect["before_after"] is None


async def test_an_unknown_fix_link_is_a_404_naming_it(client, admin_headers, engine):
    issue_id = await new_issue(engine)
    entry = await new_entry(client, admin_headers)
    url = f"/api/issues/{issue_id}/fixes"
    await client.post(url, json={"kind": "knowledge", "fix_id": entry["id"]}, headers=admin_headers)

    unknown = await client.get(f"/api/issues/{issue_id}/effect", params={"link_id": "nope"}, headers=admin_headers)

    # A mistyped link id must not answer 200 as if the fix had nothing to measure.
    assert unknown.status_code == 404, unknown.text
    assert "no fix link 'nope' on this issue" in unknown.json()["detail"]


async def test_reasons_give_times_as_people_read_them(client, admin_headers, engine):
    issue_id = await new_issue(engine)
    entry = await new_entry(client, admin_headers)
    live_at = (datetime.now(UTC) + timedelta(days=1)).replace(microsecond=284970)
    await client.post(
        f"/api/issues/{issue_id}/fixes",
        json={
            "kind": "knowledge",
            "fix_id": entry["id"],
            "live_at": live_at.astimezone(timezone(timedelta(hours=1))).isoformat(),
        },
        headers=admin_headers,
    )

    effect = (await client.get(f"/api/issues/{issue_id}/effect", headers=admin_headers)).json()

    # The admin pages show this sentence as it is: in UTC, to the second, like their other times.
    assert effect["reason"] == f"the fix goes live at {live_at:%Y-%m-%d %H:%M:%S} UTC: nothing to measure yet"


async def standings(client, admin_headers, issue_id: str) -> list[tuple[str, str]]:
    listed = await client.get(f"/api/issues/{issue_id}/fixes", headers=admin_headers)
    return [(link["arm"], link["standing"]) for link in listed.json()["data"]]


async def test_a_linked_entry_says_it_is_no_longer_in_force_once_deactivated(client, admin_headers, engine):
    issue_id = await new_issue(engine)
    entry = await new_entry(client, admin_headers)
    body = {"kind": "knowledge", "fix_id": entry["id"]}
    linked = (await client.post(f"/api/issues/{issue_id}/fixes", json=body, headers=admin_headers)).json()

    await client.post(f"/api/kb/{entry['id']}/deactivate", headers=admin_headers)

    assert linked["standing"] == "active"
    assert await standings(client, admin_headers, issue_id) == [("live", "inactive")]


async def test_a_canary_linked_then_promoted_stands_active_though_it_went_live_as_a_canary(
    client, admin_headers, engine
):
    issue_id = await new_issue(engine)
    await client.post(
        "/api/prompts", json={"app": "support-bot", "text": "Be kind.", "active": True}, headers=admin_headers
    )
    canary = {"app": "support-bot", "text": "Quote refund times.", "canary_share": 0.2}
    version = (await client.post("/api/prompts", json=canary, headers=admin_headers)).json()
    body = {"kind": "prompt", "fix_id": version["id"], "arm": "canary"}
    await client.post(f"/api/issues/{issue_id}/fixes", json=body, headers=admin_headers)
    assert await standings(client, admin_headers, issue_id) == [("canary", "canary")]

    await client.post(f"/api/prompts/{version['id']}/promote", headers=admin_headers)

    assert await standings(client, admin_headers, issue_id) == [("canary", "active")]


async def test_a_canarys_link_says_the_share_of_calls_it_gets_now_and_none_once_promoted(client, admin_headers, engine):
    issue_id = await new_issue(engine)
    await client.post(
        "/api/prompts", json={"app": "support-bot", "text": "Be kind.", "active": True}, headers=admin_headers
    )
    canary = {"app": "support-bot", "text": "Quote refund times.", "canary_share": 0.2}
    version = (await client.post("/api/prompts", json=canary, headers=admin_headers)).json()
    body = {"kind": "prompt", "fix_id": version["id"], "arm": "canary"}
    linked = (await client.post(f"/api/issues/{issue_id}/fixes", json=body, headers=admin_headers)).json()

    async def shares() -> list[float | None]:
        listed = await client.get(f"/api/issues/{issue_id}/fixes", headers=admin_headers)
        return [link["canary_share"] for link in listed.json()["data"]]

    assert linked["canary_share"] == 0.2
    assert await shares() == [0.2]
    await client.post(f"/api/prompts/{version['id']}/promote", headers=admin_headers)
    assert await shares() == [None]


async def test_a_fix_version_that_is_not_a_whole_number_is_refused_in_the_products_words(client, admin_headers, engine):
    issue_id = await new_issue(engine)
    entry = await new_entry(client, admin_headers)
    body = {"kind": "knowledge", "fix_id": entry["id"], "fix_version": 1.5}

    response = await client.post(f"/api/issues/{issue_id}/fixes", json=body, headers=admin_headers)

    assert response.status_code == 400, response.text
    assert response.json()["extra"][0]["key"] == "fix_version"
    assert response.json()["detail"] == "'fix_version' must be a whole number of at least 1, e.g. 2; got 1.5"
