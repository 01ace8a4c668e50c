"""`POST /api/previews/{id}/live` with an Idempotency-Key, as `POST /api/kb`, `/api/prompts` and `/api/reviews/{id}/fix`
take it: the same key and body answer what the first made (200), even sent at once; the key with another body is a 422
naming what differs; a key that cannot be one is a 400. It was read by the page's form only: the API dropped it."""

from __future__ import annotations

import asyncio

from preview_seed import seed_issue

PROMPT = {"kind": "prompt", "text": "Say 1%.", "limit": 1}


async def prompt_preview_url(client, admin_headers, issue_id: str) -> str:
    made = await client.post(f"/api/issues/{issue_id}/previews", json=PROMPT, headers=admin_headers)
    assert made.status_code == 201, made.text
    return f"/api/previews/{made.json()['id']}/live"


async def fixes_of(client, admin_headers, issue_id: str) -> list[dict]:
    return (await client.get(f"/api/issues/{issue_id}/fixes", headers=admin_headers)).json()["data"]


async def test_a_retry_under_the_key_answers_the_first_fix_even_once_it_was_rolled_back(
    gateway, client, admin_headers, fake_upstream, gateway_embedder
):
    issue_id, _ = await seed_issue(gateway, client)
    url = await prompt_preview_url(client, admin_headers, issue_id)
    keyed = {**admin_headers, "Idempotency-Key": "live-1"}
    body = {"rollout": "canary", "canary_share": 0.2, "message": "state the fee"}
    first = await client.post(url, json=body, headers=keyed)
    assert first.status_code == 201, first.text
    version_id = first.json()["fix"]["id"]
    assert (await client.post(f"/api/prompts/{version_id}/rollback", headers=admin_headers)).status_code == 200

    again = await client.post(url, json=body, headers=keyed)

    # The retry is the first request's answer: it makes no second version although the first is live no more.
    assert again.status_code == 200, again.text
    made, repeated = first.json(), again.json()
    assert [repeated["fix"][name] for name in ("kind", "id", "version", "arm")] == [
        made["fix"][name] for name in ("kind", "id", "version", "arm")
    ]
    assert (repeated["link"]["id"], repeated["already_live"], repeated["revised"]) == (made["link"]["id"], False, False)
    assert [link["id"] for link in await fixes_of(client, admin_headers, issue_id)] == [first.json()["link"]["id"]]
    listed = (await client.get(f"/api/prompts/{version_id}", headers=admin_headers)).json()
    assert listed["state"] == "inactive"


async def test_sent_at_once_under_one_key_it_makes_one_version_and_one_link(
    gateway, client, admin_headers, fake_upstream, gateway_embedder
):
    issue_id, _ = await seed_issue(gateway, client)
    url = await prompt_preview_url(client, admin_headers, issue_id)
    keyed = {**admin_headers, "Idempotency-Key": "live-at-once"}

    answers = await asyncio.gather(*(client.post(url, headers=keyed) for _ in range(3)))

    assert sorted(answer.status_code for answer in answers) == [200, 200, 201], [a.text for a in answers]
    assert len({answer.json()["fix"]["id"] for answer in answers}) == 1
    assert len({answer.json()["link"]["id"] for answer in answers}) == 1
    assert len(await fixes_of(client, admin_headers, issue_id)) == 1
    app = (await gateway.services.previews.for_issue(issue_id))[0].app
    versions = (await client.get("/api/prompts", params={"app": app}, headers=admin_headers)).json()["versions"]
    assert len(versions) == 1


async def test_the_key_with_another_body_is_a_422_naming_what_differs(
    gateway, client, admin_headers, fake_upstream, gateway_embedder
):
    issue_id, _ = await seed_issue(gateway, client)
    url = await prompt_preview_url(client, admin_headers, issue_id)
    keyed = {**admin_headers, "Idempotency-Key": "live-2"}
    assert (await client.post(url, json={"message": "state the fee"}, headers=keyed)).status_code == 201

    other = await client.post(url, json={"message": "another message"}, headers=keyed)

    assert other.status_code == 422, other.text
    detail = other.json()["detail"]
    assert "Idempotency-Key 'live-2' was already used" in detail and "message" in detail
    assert len(await fixes_of(client, admin_headers, issue_id)) == 1


async def test_a_key_that_cannot_be_one_is_a_400_naming_the_header(
    gateway, client, admin_headers, fake_upstream, gateway_embedder
):
    issue_id, _ = await seed_issue(gateway, client)
    url = await prompt_preview_url(client, admin_headers, issue_id)

    refused = await client.post(url, headers={**admin_headers, "Idempotency-Key": "two words"})

    assert refused.status_code == 400, refused.text
    assert "Idempotency-Key" in refused.text
    assert await fixes_of(client, admin_headers, issue_id) == []
