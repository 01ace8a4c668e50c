"""A refused form marks the field at fault: aria-invalid, and described by the refusal's text (its id).

The knowledge, prompt and goal forms did this already (templates/refusal.html's `invalid`); the Users page's "Add
user", sign-in and a review task's forms said why at the top only, as the accounts domain named no field.
"""

from __future__ import annotations

import pytest
from admin_helpers import PASSWORD, sign_in
from html_page import csrf_token_of, parse, refused_fields
from page_seed import interaction_row, issue, store, task

from gateway.accounts.errors import AccountError, LastAdmin, NameTaken, UnknownUser
from gateway.accounts.passwords import check_password_rules
from gateway.accounts.records import Role
from gateway.accounts.rules import check_name, parse_role

# -- the accounts domain names the field -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("refuse", "field"),
    [
        (lambda: check_name("  "), "name"),
        (lambda: check_name("a\x07b"), "name"),
        (lambda: parse_role("owner"), "role"),
        (lambda: check_password_rules("short"), "password"),
    ],
)
def test_an_account_refusal_names_the_field_it_is_about(refuse, field):
    with pytest.raises(AccountError) as refused:
        refuse()

    assert refused.value.field == field


def test_refusals_about_who_exists_name_the_name_and_a_conflict_with_the_admins_names_none():
    assert (UnknownUser("ana").field, NameTaken("ana", "Ana").field, LastAdmin("disable 'root'").field) == (
        "name",
        "name",
        None,
    )


# -- the Users page ------------------------------------------------------------------------------------------------


async def add_user_form(http, **fields: str):
    token = csrf_token_of((await http.get("/admin/users")).text)
    response = await http.post("/admin/users", data={"csrf_token": token, **fields})
    page = parse(response.text)
    return response, page, page.find("form", id="add-user")


async def test_a_short_password_marks_the_password_box_only(browser_as):
    admin = await browser_as("root", Role.ADMIN)

    response, page, form = await add_user_form(admin, name="ana", role="viewer", password="short")

    assert response.status_code == 400
    assert refused_fields(page, form) == {"password": "a password needs at least 12 characters"}


@pytest.mark.parametrize(
    ("fields", "field", "status"),
    [
        ({"name": "a\x07b", "role": "viewer", "password": PASSWORD}, "name", 400),
        ({"name": "Root", "role": "viewer", "password": PASSWORD}, "name", 409),
        ({"name": "ana", "role": "owner", "password": PASSWORD}, "role", 400),
    ],
)
async def test_a_refused_name_or_role_marks_that_field(browser_as, fields, field, status):
    admin = await browser_as("root", Role.ADMIN)

    response, page, form = await add_user_form(admin, **fields)

    assert response.status_code == status
    assert list(refused_fields(page, form)) == [field]
    assert refused_fields(page, form)[field] == page.find(role="alert").text


async def test_a_refused_role_change_marks_nothing_in_the_add_user_form(browser_as):
    # The only admin may not step down: a conflict with who the admins are, no field of "Add user" is wrong.
    admin = await browser_as("root", Role.ADMIN)
    token = csrf_token_of((await admin.get("/admin/users")).text)

    response = await admin.post("/admin/users/role", data={"csrf_token": token, "name": "root", "role": "viewer"})

    assert response.status_code == 409
    page = parse(response.text)
    assert refused_fields(page, page.find("form", id="add-user")) == {}


# -- sign-in -------------------------------------------------------------------------------------------------------


async def test_a_wrong_password_marks_both_boxes_as_either_may_be_wrong(client, add_user):
    await add_user("ana", Role.VIEWER)

    response = await sign_in(client, "ana", "not the password")

    page = parse(response.text)
    said = "Wrong user name or password (or the account is disabled: ask an admin)."
    assert refused_fields(page, page.find("form", action="/admin/sign-in")) == {"name": said, "password": said}


async def test_a_sign_in_over_the_limit_marks_no_box(client, add_user):
    await add_user("ana", Role.VIEWER)
    for _ in range(5):
        await sign_in(client, "ana", "not the password")

    response = await sign_in(client, "ana", PASSWORD)

    assert response.status_code == 429
    page = parse(response.text)
    assert refused_fields(page, page.find("form", action="/admin/sign-in")) == {}


# -- a review task's forms -------------------------------------------------------------------------------------------


async def task_form(gateway, browser_as, action: str, **fields: str):
    [interaction_id] = await store(gateway, interaction_row("What is the fee?", "2%"))
    task_id = await task(gateway, [interaction_id])
    reviewer = await browser_as("rita", Role.REVIEWER)
    token = csrf_token_of((await reviewer.get(f"/admin/reviews/{task_id}")).text)
    response = await reviewer.post(f"/admin/reviews/{task_id}/{action}", data={"csrf_token": token, **fields})
    assert response.status_code == 400, response.text
    return parse(response.text)


async def test_a_correction_sent_empty_marks_the_correction_box_of_that_form_only(gateway, browser_as):
    page = await task_form(gateway, browser_as, "decide", outcome="correct", correction=" ", comment="x")

    assert refused_fields(page, page.find("form", id="correct-form")) == {"correction": page.find(id="task-error").text}
    assert "“Correction”" in page.find(id="task-error").text
    for other in ("reject-form", "knowledge-form", "prompt-form"):
        assert refused_fields(page, page.find("form", id=other)) == {}


@pytest.mark.parametrize("blank", ["\u3000", "\u200b\u200b"])
async def test_a_correction_that_says_nothing_is_refused_by_the_page_as_by_the_api(gateway, browser_as, blank):
    page = await task_form(gateway, browser_as, "decide", outcome="correct", correction=blank)

    # The box named as the form labels it (admin_ui.review_actions.FORM_LABELS); the API says 'correction'.
    assert "outcome 'correct' needs “Correction”" in page.find(id="task-error").text
    assert list(refused_fields(page, page.find("form", id="correct-form"))) == ["correction"]


async def test_a_comment_too_long_marks_the_comment_of_the_form_sent(gateway, browser_as):
    page = await task_form(gateway, browser_as, "decide", outcome="reject", comment="x" * 20_001)

    assert list(refused_fields(page, page.find("form", id="reject-form"))) == ["comment"]
    assert refused_fields(page, page.find("form", id="correct-form")) == {}


async def test_a_fix_forms_bad_canary_share_marks_the_share_box(gateway, browser_as):
    page = await task_form(
        gateway, browser_as, "fix/prompt", text="Fees are 1%.", message="fee", rollout="canary", canary_percent="x"
    )

    assert list(refused_fields(page, page.find("form", id="prompt-form"))) == ["canary_percent"]
    assert refused_fields(page, page.find("form", id="knowledge-form")) == {}


# -- the issue page's rename form ------------------------------------------------------------------------------------


async def test_a_refused_title_is_marked_and_described_by_the_refusal(gateway, browser_as):
    ids = await store(gateway, interaction_row("What is the fee?", "2%"))
    issue_id = await issue(gateway, ids)
    reviewer = await browser_as("rita", Role.REVIEWER)
    token = csrf_token_of((await reviewer.get(f"/admin/issues/{issue_id}")).text)

    response = await reviewer.post(f"/admin/issues/{issue_id}/rename", data={"csrf_token": token, "title": "x" * 201})

    assert response.status_code == 400
    page = parse(response.text)
    assert refused_fields(page, page.find("form", id="rename-form")) == {"title": page.find(role="alert").text}
