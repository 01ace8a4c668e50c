"""The preview forms mark the field a refusal is about (aria-invalid, described by the refusal), in the form sent."""

from __future__ import annotations

from html_page import parse, refused_fields
from preview_seed import KNOWLEDGE_FORM, make_live, preview_of, seed_issue, send_form

from gateway.accounts.records import Role


async def test_a_limit_refused_in_the_entry_form_is_marked_there_only(
    gateway, client, signed_in_as, fake_upstream, gateway_embedder
):
    issue_id, _ = await seed_issue(gateway, client)
    reviewer = await signed_in_as("rita", Role.REVIEWER)

    sent = await send_form(reviewer, issue_id, **{**KNOWLEDGE_FORM, "limit": "abc"})

    assert sent.status_code == 400
    page = parse(sent.text)
    said = page.find(data_testid="error").text
    assert refused_fields(page, page.find("form", id="preview-knowledge-form")) == {"limit": said}
    assert refused_fields(page, page.find("form", id="preview-prompt-form")) == {}


async def test_blank_instructions_mark_the_instructions_box(
    gateway, client, signed_in_as, fake_upstream, gateway_embedder
):
    issue_id, _ = await seed_issue(gateway, client)
    reviewer = await signed_in_as("rita", Role.REVIEWER)

    sent = await send_form(reviewer, issue_id, kind="prompt", text="   ", limit="1")

    assert sent.status_code == 400
    page = parse(sent.text)
    assert list(refused_fields(page, page.find("form", id="preview-prompt-form"))) == ["text"]
    assert refused_fields(page, page.find("form", id="preview-knowledge-form")) == {}


async def test_a_bad_canary_share_marks_the_make_live_forms_share_box(
    gateway, client, signed_in_as, fake_upstream, gateway_embedder
):
    issue_id, _ = await seed_issue(gateway, client)
    reviewer = await signed_in_as("rita", Role.REVIEWER)
    preview_path = await preview_of(reviewer, issue_id, kind="prompt", text="Say 1%.", limit="1")

    refused = await make_live(reviewer, preview_path, message="m", rollout="canary", canary_percent="150")

    assert refused.status_code == 400
    page = parse(refused.text)
    said = page.find(data_testid="error").text
    assert refused_fields(page, page.find("form", id="make-live-form")) == {"canary_percent": said}
