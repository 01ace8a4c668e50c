"""A user's name is blank by the one rule (gateway/domain/blank_text.py): one of zero-width or ideographic spaces
names no one, and is refused naming the field and saying it is blank, on the accounts service, the Users page and
`feedgate user add` alike (U+200B was refused as a control character, U+3000 as "a user needs a name")."""

from __future__ import annotations

import io
import sys
from datetime import timedelta

import pytest
from admin_helpers import PASSWORD
from html_page import csrf_token_of, parse, refused_fields

from gateway.accounts.errors import AccountError
from gateway.accounts.records import Role
from gateway.accounts.service import AccountService
from gateway.cli import main
from gateway.store.users import UserStore

BLANKS = ["", "   ", "\u200b", "\u3000", "\u2060 \ufeff"]
BLANK_NAME = "'name' is blank: name the user, as they will sign in"


@pytest.fixture
def accounts(engine) -> AccountService:
    return AccountService(UserStore(engine), session_lifetime=timedelta(hours=1))


@pytest.mark.parametrize("blank", BLANKS)
async def test_a_blank_name_is_refused_as_blank_and_nobody_is_added(accounts, blank):
    with pytest.raises(AccountError) as refused:
        await accounts.create(blank, Role.VIEWER, PASSWORD, actor="cli")

    assert (refused.value.field, refused.value.message) == ("name", BLANK_NAME)
    assert await accounts.list() == []


async def test_a_name_is_kept_without_its_blank_ends_and_signs_in_by_them_too(accounts):
    added = await accounts.create("\u200bana\u3000", Role.VIEWER, PASSWORD, actor="cli")

    assert added.name == "ana"
    assert (await accounts.verify_password("ana", PASSWORD)).name == "ana"
    assert (await accounts.get("ana\u200b")).name == "ana"


async def test_the_users_page_refuses_a_blank_name_beside_the_field_keeping_what_was_typed(browser_as):
    admin = await browser_as("root", Role.ADMIN)
    token = csrf_token_of((await admin.get("/admin/users")).text)

    response = await admin.post(
        "/admin/users", data={"csrf_token": token, "name": "\u200b", "role": "reviewer", "password": PASSWORD}
    )

    assert response.status_code == 400
    page = parse(response.text)
    form = page.find("form", id="add-user")
    assert refused_fields(page, form) == {"name": BLANK_NAME}
    assert form.find("input", name="name").attrs["value"] == "\u200b"
    assert "\u200b" not in [row.attrs["data-user"] for row in page.find_all("tr") if "data-user" in row.attrs]


def test_user_add_refuses_a_blank_name_in_one_line_exiting_2(database_url, monkeypatch, capsys):
    monkeypatch.setenv("FEEDGATE_DATABASE_URL", database_url)
    monkeypatch.setattr(sys, "stdin", io.StringIO(PASSWORD))

    with pytest.raises(SystemExit) as exited:
        main(["user", "add", "\u3000", "--role", "admin", "--password-stdin"])

    assert exited.value.code == 2
    assert capsys.readouterr().err == f"feedgate: {BLANK_NAME}\n"
