"""The issue page's forms say a refusal in the page's words: each field as the form labels it ("New title",
"Reason", "Merge into"), never the API's names ('title', 'reason', 'merged_into', 'expected_title').

One rule (admin_ui.form_text.refusal_text) with the issue forms' one mapping (admin_ui.issue_actions.FORM_LABELS).
"""

from __future__ import annotations

import pytest
from html_page import csrf_token_of, parse, refused_fields
from overview_seed import issue_runs

from gateway.accounts.records import Role

NUL = "\u0000"
# The API's names no refusal on the issue page may show a person.
API_NAMES = ("'title'", "'reason'", "'priority'", "'note'", "'status'", "merged_into", "expected_", "'into'")


async def _refusal(http, issue_id: str, action: str, **fields: str):
    token = csrf_token_of((await http.get(f"/admin/issues/{issue_id}")).text)
    response = await http.post(f"/admin/issues/{issue_id}/{action}", data={**fields, "csrf_token": token})
    assert response.status_code == 400, response.text
    said = parse(response.text).find(id="form-error").text
    assert not [name for name in API_NAMES if name in said], said
    return said


@pytest.fixture
async def issue_and_rita(gateway, browser_as):
    issue_id = await issue_runs(gateway.services.engine, "shop", "Refund delays", [2])
    return issue_id, await browser_as("rita", Role.REVIEWER)


async def test_a_blank_new_title_is_named_as_the_rename_box_is_labelled(issue_and_rita):
    issue_id, rita = issue_and_rita

    said = await _refusal(rita, issue_id, "rename", title="\u200b")

    assert said.startswith("“New title” must be 1 to 200 characters")


async def test_a_nul_in_the_reason_is_named_as_the_reason_box_is_labelled(issue_and_rita):
    issue_id, rita = issue_and_rita

    said = await _refusal(rita, issue_id, "review", priority="high", reason=f"r{NUL}")

    assert said.startswith("“Reason” must not contain a NUL character")


async def test_a_priority_outside_the_list_is_named_as_the_priority_box_is_labelled(issue_and_rita):
    issue_id, rita = issue_and_rita

    said = await _refusal(rita, issue_id, "review", priority="urgent")

    assert said.startswith("Priority: ") or "“Priority”" in said


async def test_a_nul_in_a_status_note_is_named_as_the_note_box_is_labelled(issue_and_rita):
    issue_id, rita = issue_and_rita

    said = await _refusal(rita, issue_id, "status", status="resolved", note=f"n{NUL}")

    assert said.startswith("“Note” must not contain a NUL character")


async def test_a_merge_into_no_known_issue_is_named_as_the_merge_box_is_labelled(issue_and_rita):
    issue_id, rita = issue_and_rita

    said = await _refusal(rita, issue_id, "merge", into="no-such-issue")

    assert said.startswith("Merge into: no issue with id 'no-such-issue'")


async def test_a_merge_into_itself_is_named_as_the_merge_box_is_labelled(issue_and_rita):
    issue_id, rita = issue_and_rita

    said = await _refusal(rita, issue_id, "merge", into=issue_id)

    assert said == "Merge into: an issue cannot be merged into itself."


async def test_a_title_the_page_showed_that_is_too_long_is_said_in_the_pages_words(issue_and_rita):
    # The hidden fields hold the issue as the page showed it: a person never typed them, so the refusal says what
    # they are, not their names.
    issue_id, rita = issue_and_rita

    said = await _refusal(rita, issue_id, "rename", title="New", expected_title="x" * 201)

    assert said.startswith("“The title this page showed” must be at most 200 characters")


async def test_a_status_the_page_showed_that_is_unknown_is_said_in_the_pages_words(issue_and_rita):
    issue_id, rita = issue_and_rita

    said = await _refusal(rita, issue_id, "status", status="resolved", expected_status="closed")

    assert said.startswith("“The status this page showed” must be one of new, open, resolved, dismissed")


async def test_a_status_outside_the_forms_buttons_is_said_in_the_pages_words(issue_and_rita):
    issue_id, rita = issue_and_rita

    said = await _refusal(rita, issue_id, "status", status="new")

    assert said.startswith("Choose Open (Reopen), Resolve or Dismiss; got 'new'")


async def test_the_merge_box_a_refusal_names_is_marked_and_described_by_it(issue_and_rita, gateway):
    issue_id, rita = issue_and_rita
    await issue_runs(gateway.services.engine, "shop", "Late parcels", [3])
    token = csrf_token_of((await rita.get(f"/admin/issues/{issue_id}")).text)

    response = await rita.post(f"/admin/issues/{issue_id}/merge", data={"into": issue_id, "csrf_token": token})

    page = parse(response.text)
    assert refused_fields(page, page.find("form", id="merge-form")) == {
        "into": "Merge into: an issue cannot be merged into itself."
    }
