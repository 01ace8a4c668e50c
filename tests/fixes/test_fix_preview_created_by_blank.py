"""A preview's and a live fix's `created_by` name who made them, blank by the one rule (gateway/domain/blank_text.py):
one of zero-width or ideographic spaces is a 400 naming the field and saying it is blank, before anything is replayed
or made live."""

from __future__ import annotations

import pytest
from preview_seed import ENTRY, seed_issue

BLANKS = ["\u200b", "\u3000", "\u2060 \ufeff"]


def refused_as_blank(response) -> bool:
    body = response.json()
    return (
        response.status_code == 400
        and body["detail"].startswith("'created_by' is blank: ")
        and [entry["key"] for entry in body["extra"]] == ["created_by"]
    )


@pytest.mark.parametrize("blank", BLANKS)
async def test_a_preview_by_a_blank_name_is_refused_as_blank_and_replays_nothing(
    gateway, client, admin_headers, fake_upstream, gateway_embedder, blank
):
    issue_id, _ = await seed_issue(gateway, client)
    fake_upstream.app.reset()

    response = await client.post(
        f"/api/issues/{issue_id}/previews", json={**ENTRY, "created_by": blank}, headers=admin_headers
    )

    assert refused_as_blank(response), response.text
    assert fake_upstream.app.requests == []


async def test_a_fix_made_live_by_zero_width_spaces_is_refused_as_blank(
    gateway, client, admin_headers, fake_upstream, gateway_embedder
):
    issue_id, _ = await seed_issue(gateway, client)
    preview = (await client.post(f"/api/issues/{issue_id}/previews", json=ENTRY, headers=admin_headers)).json()

    response = await client.post(
        f"/api/previews/{preview['id']}/live", json={"created_by": "\u200b"}, headers=admin_headers
    )

    assert refused_as_blank(response), response.text
    assert (await client.get(f"/api/issues/{issue_id}/fixes", headers=admin_headers)).json()["data"] == []
