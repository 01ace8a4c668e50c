"""A preview made live as a new version of the issue's live entry, while that entry is switched off, is a 409.

The entry to revise was looked up (active) before the transaction that edits it: switched off in between, it was
revised while inactive and linked, so the issue's fix read as live while nothing of it reached a request. The
entry is now checked where it is edited, under its lock, so the check and the edit are one step.
"""

from __future__ import annotations

import pytest
from html_page import parse
from preview_seed import seed_issue
from test_fix_revise_once import links, live_entry_and_changed_preview, versions

from gateway.accounts.records import Role
from gateway.fixes.issue_fixes import IssueFixes


@pytest.fixture
def switched_off_after_the_lookup(monkeypatch: pytest.MonkeyPatch, gateway):
    """Someone switches the entry off right after make-live found it live, before it is edited."""
    found = IssueFixes._entry_to_revise

    async def then_switched_off(self, preview):
        entry = await found(self, preview)
        if entry is not None:
            await gateway.services.knowledge.service.deactivate(entry.id, author="bob")
        return entry

    monkeypatch.setattr(IssueFixes, "_entry_to_revise", then_switched_off)


async def test_an_entry_switched_off_between_lookup_and_edit_is_a_409_and_nothing_is_made(
    gateway, client, admin_headers, fake_upstream, gateway_embedder, switched_off_after_the_lookup
):
    issue_id, _ = await seed_issue(gateway, client)
    entry_id, preview_id = await live_entry_and_changed_preview(client, admin_headers, issue_id)

    answer = await client.post(f"/api/previews/{preview_id}/live", headers=admin_headers)

    assert answer.status_code == 409, answer.text
    detail = answer.json()["detail"]
    assert f"entry {entry_id}" in detail and "was switched off" in detail and "nothing was made" in detail
    assert await versions(client, admin_headers, entry_id) == [1, 2]  # 2: switching it off
    assert await links(client, admin_headers, issue_id) == [(entry_id, 1)]
    assert (await client.get(f"/api/kb/{entry_id}", headers=admin_headers)).json()["active"] is False


async def test_made_live_again_once_switched_off_it_is_a_new_entry(
    gateway, client, admin_headers, fake_upstream, gateway_embedder
):
    issue_id, _ = await seed_issue(gateway, client)
    entry_id, preview_id = await live_entry_and_changed_preview(client, admin_headers, issue_id)
    assert (await client.patch(f"/api/kb/{entry_id}", json={"active": False}, headers=admin_headers)).status_code == 200

    answer = await client.post(f"/api/previews/{preview_id}/live", headers=admin_headers)

    assert answer.status_code == 201, answer.text
    assert answer.json()["revised"] is False and answer.json()["fix"]["id"] != entry_id


async def test_the_preview_pages_form_answers_the_same_409(
    gateway, client, admin_headers, signed_in_as, fake_upstream, gateway_embedder, switched_off_after_the_lookup
):
    issue_id, _ = await seed_issue(gateway, client)
    entry_id, preview_id = await live_entry_and_changed_preview(client, admin_headers, issue_id)
    reviewer = await signed_in_as("rita", Role.REVIEWER)
    page = f"/admin/previews/{preview_id}"
    form = parse((await reviewer.get(page)).text).find("form", id="make-live-form")
    fields = {field.attrs["name"]: field.attrs.get("value", "") for field in form.find_all("input", type="hidden")}

    answer = await reviewer.post(f"{page}/live", data=fields)

    assert answer.status_code == 409, answer.text[-800:]
    assert f"entry {entry_id}" in answer.text and "was switched off" in answer.text
    assert await links(client, admin_headers, issue_id) == [(entry_id, 1)]
