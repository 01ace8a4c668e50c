"""A preview is made live once: two make-live posts at once without an Idempotency-Key make one fix and one link.

Each looked for the preview's fix already live before making its own, so two at once both found none and each
published a version (or created an entry) and linked it: two fixes for one preview, injected twice. The preview
itself is now the natural key: making it live moves its `live_link_id` from what the request read to its own link
in the transaction that makes the fix, so the second finds it moved and answers the first's fix. Made live again
later, once that fix was rolled back, it still makes a new one (the person asked for it again).
"""

from __future__ import annotations

import asyncio

import pytest
from preview_seed import ENTRY, seed_issue

PROMPT = {"kind": "prompt", "text": "Say 1%.", "limit": 1}
PREVIEWED = {"prompt": PROMPT, "knowledge": ENTRY}


async def preview_url(client, admin_headers, issue_id: str, kind: str) -> str:
    made = await client.post(f"/api/issues/{issue_id}/previews", json=PREVIEWED[kind], headers=admin_headers)
    assert made.status_code == 201, made.text
    return f"/api/previews/{made.json()['id']}/live"


async def fixes_of(client, admin_headers, issue_id: str) -> list[dict]:
    return (await client.get(f"/api/issues/{issue_id}/fixes", headers=admin_headers)).json()["data"]


@pytest.mark.parametrize("kind", ["prompt", "knowledge"])
async def test_two_posts_at_once_make_one_fix_and_one_link(
    gateway, client, admin_headers, fake_upstream, gateway_embedder, kind
):
    issue_id, _ = await seed_issue(gateway, client)
    url = await preview_url(client, admin_headers, issue_id, kind)

    answers = await asyncio.gather(*(client.post(url, headers=admin_headers) for _ in range(3)))

    assert sorted(answer.status_code for answer in answers) == [200, 200, 201], [a.text for a in answers]
    made = next(answer.json() for answer in answers if answer.status_code == 201)
    for answer in answers:
        assert answer.json()["fix"]["id"] == made["fix"]["id"] and answer.json()["link"] == made["link"]
    assert [link["id"] for link in await fixes_of(client, admin_headers, issue_id)] == [made["link"]["id"]]
    preview = (await client.get(url.removesuffix("/live"), headers=admin_headers)).json()
    assert preview["live_link_id"] == made["link"]["id"]
    if kind == "prompt":
        app = (await client.get(f"/api/prompts/{made['fix']['id']}", headers=admin_headers)).json()["app"]
        listed = await client.get("/api/prompts", params={"app": app}, headers=admin_headers)
        assert len(listed.json()["versions"]) == 1
    else:
        app = (await client.get(f"/api/kb/{made['fix']['id']}", headers=admin_headers)).json()["app"]
        assert len((await client.get("/api/kb", params={"app": app}, headers=admin_headers)).json()["data"]) == 1


async def test_made_live_again_once_its_fix_was_rolled_back_it_makes_a_new_one(
    gateway, client, admin_headers, fake_upstream, gateway_embedder
):
    issue_id, _ = await seed_issue(gateway, client)
    url = await preview_url(client, admin_headers, issue_id, "prompt")
    first = await client.post(url, headers=admin_headers)
    assert first.status_code == 201, first.text
    rolled_back = await client.post(f"/api/prompts/{first.json()['fix']['id']}/rollback", headers=admin_headers)
    assert rolled_back.status_code == 200, rolled_back.text

    again = await client.post(url, headers=admin_headers)

    assert again.status_code == 201, again.text
    assert again.json()["fix"]["id"] != first.json()["fix"]["id"] and again.json()["fix"]["version"] == 2
    assert len(await fixes_of(client, admin_headers, issue_id)) == 2
