"""An entry's edit form saved as it was opened stores no version, and the page says so rather than "Saved"."""

from __future__ import annotations

from html_page import parse

from gateway.accounts.records import Role


def edit_form_of(html: str) -> dict[str, str]:
    """The entry page's edit form, every field as the page filled it in."""
    edit = parse(html).find("form", data_testid="edit-form")
    fields = {i.attrs["name"]: i.attrs.get("value", "") for i in edit.find_all("input")}
    return fields | {t.attrs["name"]: t.text for t in edit.find_all("textarea")}


async def test_saving_the_edit_form_unchanged_says_nothing_was_saved_and_keeps_the_version(browser_as, gateway):
    knowledge = gateway.services.knowledge.service
    entry = await knowledge.create("bot", "Fees", "Transfers cost 1 %.", ["What does it cost?"], ["fees"], author="t")
    rita = await browser_as("rita", Role.REVIEWER)
    path = f"/admin/knowledge/{entry.id}"

    saved = await rita.post(f"{path}/edit", data=edit_form_of((await rita.get(path)).text), follow_redirects=True)

    notice = parse(saved.text).find(data_testid="notice").text
    assert notice == "Nothing to save: the form holds the entry as it is, so it stays at version 1."
    assert (await knowledge.get(entry.id)).version == 1


async def test_saving_a_changed_edit_form_still_says_saved(browser_as, gateway):
    entry = await gateway.services.knowledge.service.create("bot", "Fees", "Transfers cost 1 %.", author="t")
    rita = await browser_as("rita", Role.REVIEWER)
    path = f"/admin/knowledge/{entry.id}"
    form = edit_form_of((await rita.get(path)).text)

    saved = await rita.post(f"{path}/edit", data={**form, "content": "Transfers cost 2 %."}, follow_redirects=True)

    assert parse(saved.text).find(data_testid="notice").text == "Saved: edited."
    assert (await gateway.services.knowledge.service.get(entry.id)).version == 2
