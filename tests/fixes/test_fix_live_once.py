"""The preview page's "Make it live" form sent twice at once (a double click) makes one fix and one link.

Each request looked for the fix already live for the issue before making its own, so two at once both
found none and each made an entry (or a prompt version) and linked it: two fixes, injected twice. The
form carries its own idempotency key, claimed with what it makes, so the repeat finds the first's fix.
"""

from __future__ import annotations

import asyncio

from html_page import parse
from preview_seed import KNOWLEDGE_FORM, preview_of, seed_issue

from gateway.accounts.records import Role
from gateway.store.knowledge import EntryFilter


async def live_form(http, preview_path: str) -> dict[str, str]:
    """The hidden fields of the preview page's make-live form."""
    form = parse((await http.get(preview_path)).text).find("form", id="make-live-form")
    return {field.attrs["name"]: field.attrs.get("value", "") for field in form.find_all("input", type="hidden")}


async def test_the_make_live_form_sent_twice_at_once_makes_one_entry_and_one_link(
    gateway, client, signed_in_as, fake_upstream, gateway_embedder
):
    issue_id, _ = await seed_issue(gateway, client)
    reviewer = await signed_in_as("rita", Role.REVIEWER)
    preview_path = await preview_of(reviewer, issue_id, **KNOWLEDGE_FORM)
    fields = await live_form(reviewer, preview_path)

    answers = await asyncio.gather(*(reviewer.post(f"{preview_path}/live", data=fields) for _ in range(2)))

    assert [answer.status_code for answer in answers] == [303, 303], [answer.text[-800:] for answer in answers]
    app = (await gateway.services.previews.for_issue(issue_id))[0].app
    assert len((await gateway.services.knowledge.service.list(EntryFilter(app=app))).data) == 1
    assert len(await gateway.services.fix_links.fixes_for(issue_id)) == 1
