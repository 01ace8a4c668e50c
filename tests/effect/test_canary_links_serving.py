"""A canary link names the version serving as the canary: an inactive version (never rolled out, rolled back,
superseded) gets no calls, so linked as a canary it measured nothing and, as the issue's newest link, hid the fix
that does serve. It is a 409 naming what is serving and what to do; nothing is linked."""

from __future__ import annotations

from test_fix_links_api import new_issue


async def publish(client, admin_headers, **fields) -> dict:
    body = {"app": "support-bot", "text": "Refunds take 5 days.", "message": "refunds", **fields}
    answer = await client.post("/api/prompts", json=body, headers=admin_headers)
    assert answer.status_code == 201, answer.text
    return answer.json()


async def link_as_canary(client, admin_headers, issue_id: str, version: dict):
    body = {"kind": "prompt", "fix_id": version["id"], "arm": "canary"}
    return await client.post(f"/api/issues/{issue_id}/fixes", json=body, headers=admin_headers)


async def links(client, admin_headers, issue_id: str) -> list[dict]:
    return (await client.get(f"/api/issues/{issue_id}/fixes", headers=admin_headers)).json()["data"]


async def test_an_inactive_version_linked_as_a_canary_is_a_409_naming_the_canary_serving(client, admin_headers, engine):
    issue_id = await new_issue(engine)
    await publish(client, admin_headers, text="Be kind.", active=True)
    await publish(client, admin_headers, text="Quote refund times.", canary_share=0.1)
    never_rolled_out = await publish(client, admin_headers, text="Refunds take a week.")

    response = await link_as_canary(client, admin_headers, issue_id, never_rolled_out)

    assert response.status_code == 409, response.text
    detail = response.json()["detail"]
    assert detail.startswith("prompt version v3 is not a canary now: it gets no calls")
    assert "v2 is the canary on 10 % of calls, v1 is active for the rest" in detail
    assert f"POST /api/prompts/{never_rolled_out['id']}/canary" in detail and "link v2" in detail
    assert await links(client, admin_headers, issue_id) == []


async def test_a_rolled_back_canary_cannot_be_linked_as_a_canary(client, admin_headers, engine):
    issue_id = await new_issue(engine)
    await publish(client, admin_headers, text="Be kind.", active=True)
    canary = await publish(client, admin_headers, canary_share=0.2)
    await client.post(f"/api/prompts/{canary['id']}/rollback", headers=admin_headers)

    response = await link_as_canary(client, admin_headers, issue_id, canary)

    assert response.status_code == 409, response.text
    assert "no canary is running; v1 is active for all calls" in response.json()["detail"]
    assert await links(client, admin_headers, issue_id) == []


async def test_a_version_of_an_app_with_nothing_serving_says_so(client, admin_headers, engine):
    issue_id = await new_issue(engine)
    version = await publish(client, admin_headers)

    response = await link_as_canary(client, admin_headers, issue_id, version)

    assert response.status_code == 409, response.text
    assert "no version of support-bot is serving" in response.json()["detail"]


async def test_the_running_canary_links_as_a_canary(client, admin_headers, engine):
    issue_id = await new_issue(engine)
    canary = await publish(client, admin_headers, canary_share=0.2)

    response = await link_as_canary(client, admin_headers, issue_id, canary)

    assert response.status_code == 201, response.text
    assert [(link["arm"], link["standing"]) for link in await links(client, admin_headers, issue_id)] == [
        ("canary", "canary")
    ]
