"""A preview's caller-given upstream key, blank by the one rule (gateway/domain/blank_text.py), is no key, as an empty one,
sent through the API or the issue page's preview form alike.

One of zero-width spaces (a key pasted with its invisible neighbours and nothing else) was sent upstream as
`Bearer ?` and the preview said it replayed with the caller's key; an empty one replays with none, and says so.
"""

from __future__ import annotations

import pytest
from html_page import parse
from preview_seed import ENTRY, KNOWLEDGE_FORM, preview_of, seed_issue

from gateway.accounts.records import Role


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


def replay_of(page_html: str) -> str:
    """What the preview page says of its replays: how many, and with which key (its line under the title)."""
    [line] = [p.text for p in parse(page_html).find_all("p", class_="muted") if " replayed, " in p.text]
    return " ".join(line.split(" · ")[-1].split())


async def test_the_pages_form_with_a_key_of_zero_width_spaces_replays_as_with_an_empty_key(
    gateway, client, signed_in_as, fake_upstream, gateway_embedder
):
    issue_id, _ = await seed_issue(gateway, client)
    reviewer = await signed_in_as("rita", Role.REVIEWER)
    results = []
    for key in ("", "\u200b"):
        fake_upstream.app.reset()
        preview_path = await preview_of(reviewer, issue_id, **KNOWLEDGE_FORM, authorization=key)
        sent = [received.headers.get("authorization") for received in fake_upstream.app.requests]
        results.append((sent, replay_of((await reviewer.get(preview_path)).text)))

    assert results[1] == results[0]
    assert results[0] == ([None, None], "2 upstream calls without a key")
