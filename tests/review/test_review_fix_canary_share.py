"""`POST /api/reviews/{id}/fix` refuses a canary share outside the prompt service's range (0.001-0.999) in the
product's own words, as publishing a version does, not the framework's generic "Expected `float` to be > 0.0"; the
task stays open and nothing is published."""

from __future__ import annotations

import pytest
from test_review_fix_api import no_second_opinions, open_task

__all__ = ["no_second_opinions"]

PROMPT = {
    "kind": "prompt",
    "reviewer": "alice",
    "text": "Quote the fee schedule.",
    "message": "fees",
    "rollout": "canary",
}


@pytest.mark.parametrize("share", [0, 1, 1.5, -0.1, 0.0005, 0.9995])
async def test_a_canary_share_out_of_range_is_refused_in_the_prompt_services_words(
    gateway, client, admin_headers, no_second_opinions, share
):
    task = await open_task(gateway, client, admin_headers)

    response = await client.post(
        f"/api/reviews/{task['id']}/fix", json={**PROMPT, "canary_share": share}, headers=admin_headers
    )

    assert response.status_code == 400, response.text
    assert response.json()["extra"][0]["key"] == "canary_share"
    assert response.json()["detail"].startswith(
        "'canary_share' must be a fraction of traffic from 0.001 to 0.999, e.g. 0.1; got "
    )
    assert (await client.get(f"/api/reviews/{task['id']}", headers=admin_headers)).json()["status"] == "open"
    listed = (await client.get("/api/prompts", params={"app": "support-bot"}, headers=admin_headers)).json()
    assert listed["versions"] == []


async def test_a_canary_share_in_range_is_taken(gateway, client, admin_headers, no_second_opinions):
    task = await open_task(gateway, client, admin_headers)

    response = await client.post(
        f"/api/reviews/{task['id']}/fix", json={**PROMPT, "canary_share": 0.001}, headers=admin_headers
    )

    assert response.status_code == 201, response.text
    listed = (await client.get("/api/prompts", params={"app": "support-bot"}, headers=admin_headers)).json()
    assert [(v["state"], v["canary_share"]) for v in listed["versions"]] == [("canary", 0.001)]
