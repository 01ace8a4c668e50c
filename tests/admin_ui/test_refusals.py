"""Why a form was refused: said by one element on every page, which has the focus when the page loads."""

from __future__ import annotations

from admin_helpers import sign_in
from html_page import parse

from admin_ui.rendering import TEMPLATES
from gateway.accounts.records import Role


def test_every_page_says_why_a_form_was_refused_through_the_one_refusal_element():
    # A page writing its own role="alert" would not take the focus (templates/refusal.html does).
    own_alerts = [page.name for page in TEMPLATES.glob("*.html") if 'role="alert"' in page.read_text()]

    assert own_alerts == ["refusal.html"]


async def test_a_refused_sign_in_gives_the_focus_to_its_reason_before_the_name_field(client, add_user):
    await add_user("ana", Role.VIEWER)

    response = await sign_in(client, "ana", "not the password")

    # Of several autofocus elements the browser focuses the first; tabindex -1 lets a paragraph take it.
    first = parse(response.text).find_all(autofocus="")[0]
    assert (first.attrs["role"], first.attrs["tabindex"]) == ("alert", "-1")
    assert first.text == "Wrong user name or password (or the account is disabled: ask an admin)."
