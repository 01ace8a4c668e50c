"""A live link names the version serving all calls: a prompt version that is not active (never rolled out, rolled
back, superseded, or a canary on a share of calls) does not shape every call, so its before/after effect would count
calls that never had it. It is a 409 naming what is serving and what to do; nothing is linked."""

from __future__ import annotations

from test_canary_links_serving import links, publish
from test_fix_links_api import new_issue


async def link_live(client, admin_headers, issue_id: str, version: dict):
    body = {"kind": "prompt", "fix_id": version["id"]}
    return await client.post(f"/api/issues/{issue_id}/fixes", json=body, headers=admin_headers)


async def test_an_inactive_version_linked_live_is_a_409_naming_the_version_active(client, admin_headers, engine):
    issue_id = await new_issue(engine)
    await publish(client, admin_headers, text="Be kind.", active=True)
    never_rolled_out = await publish(client, admin_headers, text="Refunds take a week.")

    response = await link_live(client, admin_headers, issue_id, never_rolled_out)

    assert response.status_code == 409, response.text
    detail = response.json()["detail"]
    assert detail.startswith("prompt version v2 is not active now: it gets no calls")
    assert "no canary is running; v1 is active for all calls" in detail
    assert f"POST /api/prompts/{never_rolled_out['id']}/activate" in detail and "link v1" in detail
    assert await links(client, admin_headers, issue_id) == []


async def test_a_version_rolled_back_from_active_cannot_be_linked_live(client, admin_headers, engine):
    issue_id = await new_issue(engine)
    await publish(client, admin_headers, text="Be kind.", active=True)
    second = await publish(client, admin_headers, text="Refunds take a week.", active=True)
    await client.post(f"/api/prompts/{second['id']}/rollback", headers=admin_headers)

    response = await link_live(client, admin_headers, issue_id, second)

    assert response.status_code == 409, response.text
    assert "v1 is active for all calls" in response.json()["detail"]
    assert await links(client, admin_headers, issue_id) == []


async def test_the_running_canary_linked_live_is_a_409_saying_to_link_it_as_a_canary(client, admin_headers, engine):
    issue_id = await new_issue(engine)
    await publish(client, admin_headers, text="Be kind.", active=True)
    canary = await publish(client, admin_headers, text="Quote refund times.", canary_share=0.1)

    response = await link_live(client, admin_headers, issue_id, canary)

    assert response.status_code == 409, response.text
    detail = response.json()["detail"]
    assert detail.startswith("prompt version v2 is not active now: only the canary's share of calls gets it")
    assert "(v2 is the canary on 10 % of calls, v1 is active for the rest)" in detail
    assert "Link it with arm 'canary'" in detail and f"POST /api/prompts/{canary['id']}/promote" in detail
    assert await links(client, admin_headers, issue_id) == []


async def test_a_version_of_an_app_with_nothing_serving_linked_live_says_so(client, admin_headers, engine):
    issue_id = await new_issue(engine)
    version = await publish(client, admin_headers)

    response = await link_live(client, admin_headers, issue_id, version)

    assert response.status_code == 409, response.text
    assert "no version of support-bot is serving" in response.json()["detail"]


async def test_the_active_version_links_live(client, admin_headers, engine):
    issue_id = await new_issue(engine)
    await publish(client, admin_headers, text="Be kind.", active=True)
    active = await publish(client, admin_headers, text="Quote refund times.", active=True)

    response = await link_live(client, admin_headers, issue_id, active)

    assert response.status_code == 201, response.text
    assert [(link["arm"], link["standing"]) for link in await links(client, admin_headers, issue_id)] == [
        ("live", "active")
    ]


async def test_a_switched_off_knowledge_entry_linked_live_is_a_409_saying_to_activate_it(client, admin_headers, engine):
    issue_id = await new_issue(engine)
    body = {
        "app": "support-bot",
        "title": "Refund times",
        "content": "Refunds are paid within 5 days.",
        "active": False,
    }
    entry = (await client.post("/api/kb", json=body, headers=admin_headers)).json()

    response = await client.post(
        f"/api/issues/{issue_id}/fixes", json={"kind": "knowledge", "fix_id": entry["id"]}, headers=admin_headers
    )

    # No call gets a switched-off entry, so its before/after effect would count calls that never had it.
    assert response.status_code == 409, response.text
    detail = response.json()["detail"]
    assert detail.startswith("knowledge-base entry 'Refund times' is switched off: no call gets it")
    assert f"POST /api/kb/{entry['id']}/activate" in detail
    assert await links(client, admin_headers, issue_id) == []
