"""A preview's caller-given upstream key, blank by the one rule (gateway/domain/blank_text.py), is no key, as an empty one.

One of zero-width spaces (a key pasted with its invisible neighbours and nothing else) was sent upstream as
`Bearer ?` and the preview said it replayed with the caller's key; an empty one replays with none, and says so.
"""

from __future__ import annotations

import pytest
from preview_seed import ENTRY, seed_issue


@pytest.mark.parametrize("blank", ["", "\u200b", "Bearer \u2060\u200b"], ids=["empty", "zero-width", "bearer"])
async def test_a_blank_key_replays_with_no_key_as_an_empty_one(
    gateway, client, admin_headers, fake_upstream, gateway_embedder, blank
):
    issue_id, _ = await seed_issue(gateway, client)
    fake_upstream.app.reset()

    created = await client.post(
        f"/api/issues/{issue_id}/previews", json={**ENTRY, "authorization": blank}, headers=admin_headers
    )

    assert created.status_code == 201, created.text
    assert created.json()["credential"] == "none"
    assert [received.headers.get("authorization") for received in fake_upstream.app.requests] == [None] * 3
