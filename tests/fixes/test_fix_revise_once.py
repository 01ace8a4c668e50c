"""A preview whose entry has the title of an entry live for its issue makes it live as one new version of that entry.

It was made live in two steps (edit the entry, then link it) with no key: two posts at once (a double
click, a retry) both found the entry not yet as previewed, and each edited it and linked it, so the
issue held two links to the one revision; a retry under the page form's key after someone else edited
the entry revised it again, undoing their edit. Now the edit, its link and the key are one transaction,
and an edit that finds the entry already as previewed answers the link that made it so.
"""

from __future__ import annotations

import asyncio

from html_page import parse
from preview_seed import ENTRY, KNOWLEDGE_FORM, preview_of, seed_issue

from gateway.accounts.records import Role

CHANGED = {**ENTRY, "example_questions": ["Is there a fee to send money abroad?"]}


async def live_entry_and_changed_preview(client, admin_headers, issue_id: str) -> tuple[str, str]:
    """The entry of ENTRY made live for the issue, and a preview of it with other example questions."""
    first = (await client.post(f"/api/issues/{issue_id}/previews", json=ENTRY, headers=admin_headers)).json()
    live = await client.post(f"/api/previews/{first['id']}/live", headers=admin_headers)
    assert live.status_code == 201, live.text
    changed = await client.post(f"/api/issues/{issue_id}/previews", json=CHANGED, headers=admin_headers)
    return live.json()["fix"]["id"], changed.json()["id"]


async def versions(client, admin_headers, entry_id: str) -> list[int]:
    answer = await client.get(f"/api/kb/{entry_id}/versions", headers=admin_headers)
    assert answer.status_code == 200, answer.text
    return sorted(version["version"] for version in answer.json()["data"])


async def links(client, admin_headers, issue_id: str) -> list[tuple[str, int]]:
    listed = (await client.get(f"/api/issues/{issue_id}/fixes", headers=admin_headers)).json()["data"]
    return [(link["fix_id"], link["fix_version"]) for link in listed]


async def test_a_revising_make_live_posted_twice_at_once_makes_one_version_and_one_link(
    gateway, client, admin_headers, fake_upstream, gateway_embedder
):
    issue_id, _ = await seed_issue(gateway, client)
    entry_id, preview_id = await live_entry_and_changed_preview(client, admin_headers, issue_id)

    url = f"/api/previews/{preview_id}/live"
    answers = await asyncio.gather(*(client.post(url, headers=admin_headers) for _ in range(2)))

    assert sorted(answer.status_code for answer in answers) == [200, 201], [answer.text for answer in answers]
    made, again = sorted(answers, key=lambda answer: answer.status_code, reverse=True)
    assert made.json()["revised"] is True and again.json()["already_live"] is True
    assert again.json()["link"] == made.json()["link"]
    assert await versions(client, admin_headers, entry_id) == [1, 2]
    assert await links(client, admin_headers, issue_id) == [(entry_id, 1), (entry_id, 2)]


async def test_the_make_live_form_of_a_revision_sent_twice_at_once_makes_one_version_and_one_link(
    gateway, client, admin_headers, signed_in_as, fake_upstream, gateway_embedder
):
    issue_id, _ = await seed_issue(gateway, client)
    reviewer = await signed_in_as("rita", Role.REVIEWER)
    first = await preview_of(reviewer, issue_id, **KNOWLEDGE_FORM)
    form = parse((await reviewer.get(first)).text).find("form", id="make-live-form")
    fields = {field.attrs["name"]: field.attrs.get("value", "") for field in form.find_all("input", type="hidden")}
    assert (await reviewer.post(f"{first}/live", data=fields)).status_code == 303
    entry_id = (await links(client, admin_headers, issue_id))[0][0]
    changed = {**KNOWLEDGE_FORM, "example_questions": CHANGED["example_questions"][0]}
    second = await preview_of(reviewer, issue_id, **changed)
    form = parse((await reviewer.get(second)).text).find("form", id="make-live-form")
    fields = {field.attrs["name"]: field.attrs.get("value", "") for field in form.find_all("input", type="hidden")}

    answers = await asyncio.gather(*(reviewer.post(f"{second}/live", data=fields) for _ in range(2)))

    assert [answer.status_code for answer in answers] == [303, 303], [answer.text[-800:] for answer in answers]
    assert await versions(client, admin_headers, entry_id) == [1, 2]
    assert await links(client, admin_headers, issue_id) == [(entry_id, 1), (entry_id, 2)]


async def test_a_revision_retried_under_its_key_after_another_edit_answers_the_first_and_keeps_the_edit(
    gateway, client, admin_headers, fake_upstream, gateway_embedder
):
    issue_id, _ = await seed_issue(gateway, client)
    entry_id, preview_id = await live_entry_and_changed_preview(client, admin_headers, issue_id)
    url = f"/api/previews/{preview_id}/live"
    keyed = {**admin_headers, "Idempotency-Key": "revise-1"}
    first = await client.post(url, headers=keyed)
    assert first.status_code == 201, first.text
    edit = {"content": "The transfer fee is 1% of the amount, at least 3 EUR."}
    assert (await client.patch(f"/api/kb/{entry_id}", json=edit, headers=admin_headers)).status_code == 200

    retried = await client.post(url, headers=keyed)

    assert retried.status_code == 200, retried.text
    made, repeated = first.json(), retried.json()
    assert repeated["fix"] == made["fix"]
    # The first's link, its entry now (entry_version, entry_updated_at) saying the edit made since.
    link_as_made = {name: value for name, value in made["link"].items() if not name.startswith("entry_")}
    assert {name: value for name, value in repeated["link"].items() if not name.startswith("entry_")} == link_as_made
    assert (made["link"]["entry_version"], repeated["link"]["entry_version"]) == (2, 3)
    assert await versions(client, admin_headers, entry_id) == [1, 2, 3]
    entry = (await client.get(f"/api/kb/{entry_id}", headers=admin_headers)).json()
    assert entry["content"] == edit["content"]
    assert await links(client, admin_headers, issue_id) == [(entry_id, 1), (entry_id, 2)]
