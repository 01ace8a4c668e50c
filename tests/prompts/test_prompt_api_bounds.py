"""`/api/prompts` refusing what it would otherwise take silently: a blank model, a canary share too small to get calls."""

from __future__ import annotations

import pytest
from test_prompt_api import publish


def refused_field(response) -> str:
    """The field a 400 names."""
    assert response.status_code == 400, response.text
    return response.json()["extra"][0]["key"]


async def test_a_blank_model_is_refused_not_published_app_wide(client, admin_headers):
    body = {"app": "bot", "text": "Fees are 1%.", "model": ""}

    response = await client.post("/api/prompts", json=body, headers=admin_headers)

    assert refused_field(response) == "model"
    assert "leave it out for a version every model of the app gets" in response.json()["detail"]
    assert (await client.get("/api/prompts", params={"app": "bot"}, headers=admin_headers)).json()["versions"] == []


@pytest.mark.parametrize("share", [1e-300, 0.0009, 0.9991])
async def test_a_canary_share_outside_the_sensible_range_is_refused_saying_the_range(client, admin_headers, share):
    version = await publish(client, admin_headers)

    response = await client.post(f"/api/prompts/{version['id']}/canary", json={"share": share}, headers=admin_headers)

    assert refused_field(response) == "share"
    assert "from 0.001 to 0.999" in response.json()["detail"]


async def test_a_canary_published_with_too_small_a_share_is_refused(client, admin_headers):
    body = {"app": "bot", "text": "Fees are 1%.", "canary_share": 1e-300}

    response = await client.post("/api/prompts", json=body, headers=admin_headers)

    assert refused_field(response) == "canary_share"


@pytest.mark.parametrize("share", [0.001, 0.999])
async def test_the_range_ends_are_canary_shares(client, admin_headers, share):
    version = await publish(client, admin_headers)

    response = await client.post(f"/api/prompts/{version['id']}/canary", json={"share": share}, headers=admin_headers)

    assert response.status_code == 200 and response.json()["canary_share"] == share
