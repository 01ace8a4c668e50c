"""A create form's key sent again with other fields names what differs as the form labels it (“Content”), not by
the API's names ('content', 'example_questions', 'canary_share'); one rule (admin_ui.form_keys.differs_text)."""

from __future__ import annotations

from html_page import parse
from test_double_submits import ENTRY, VERSION, form_fields

from gateway.accounts.records import Role


async def test_the_new_entry_form_sent_again_with_other_fields_names_them_by_their_labels(browser_as):
    rita = await browser_as("rita", Role.REVIEWER)
    sent = {**ENTRY, **await form_fields(rita, "/admin/knowledge", "create-form")}
    assert (await rita.post("/admin/knowledge", data=sent)).status_code == 303

    again = await rita.post("/admin/knowledge", data={**sent, "content": "Free.", "example_questions": "Fee?"})

    assert again.status_code == 409
    said = parse(again.text).find(data_testid="error").text
    assert "differs from it in “Content”, “Example questions”, so nothing was saved" in said


async def test_the_publish_form_sent_again_as_a_canary_names_the_rollout_by_its_label(browser_as):
    rita = await browser_as("rita", Role.REVIEWER)
    sent = {**VERSION, **await form_fields(rita, "/admin/prompts?app=bot", "publish-form")}
    assert (await rita.post("/admin/prompts/publish", data=sent)).status_code == 303

    again = await rita.post("/admin/prompts/publish", data={**sent, "rollout": "canary", "share_percent": "10"})

    assert again.status_code == 409
    said = parse(again.text).find(data_testid="error").text
    assert "differs from it in “Roll out”, “Canary share”, so nothing was saved" in said, said
