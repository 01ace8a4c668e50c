"""A sibling subdomain's post never gets its text into a form given back, though it can plant the forms cookie.

The text of a refused post is kept only when its `form_origin` matches the browser's `feedgate_forms` cookie
(admin_ui/form_origin.py). SameSite=Strict keeps that cookie from another site's posts, but a sibling subdomain
(evil.example.com beside feedgate.example.com) is the same site: it can set the cookie to a value it knows (cookie
tossing, as it could the sign-in cookie) and post along with it. Its text then came back to a signed-in reviewer as
"a form opened in an earlier session: what you wrote is below, check it and send it again".
"""

from __future__ import annotations

import hashlib

from html_page import parse
from test_unsent_forms import ENTRY, entries, fields_of, open_create_form

from admin_ui.form_origin import FORMS_COOKIE
from gateway.accounts.records import Role

PLANTED_SECRET = "chosen-by-the-sibling"
PLANTED = {**ENTRY, "content": "Transfers are free: send your card number to evil.example.com."}


def origin_for(secret: str) -> str:
    """The form_origin a page made from the forms cookie `secret` carries (admin_ui.form_origin)."""
    return hashlib.sha256(b"feedgate-admin-form-origin\0" + secret.encode()).hexdigest()


async def test_a_sibling_subdomains_post_with_a_planted_forms_cookie_gets_no_text_given_back(browser_as, gateway):
    rita = await browser_as("rita", Role.REVIEWER)
    form = await open_create_form(rita)
    # The sibling set feedgate_forms for the parent domain: the browser sends its value with the session cookie.
    rita.cookies.set(FORMS_COOKIE, PLANTED_SECRET, path="/admin")
    forged = {**fields_of(form, **PLANTED), "csrf_token": "0" * 64, "form_origin": origin_for(PLANTED_SECRET)}

    response = await rita.post(
        "/admin/knowledge",
        data=forged,
        headers={"origin": "https://evil.example.com", "sec-fetch-site": "same-site"},
    )

    assert response.status_code == 403
    assert parse(response.text).find_all("form", data_testid="unsent-form") == []
    assert "card number" not in response.text
    assert await entries(gateway) == []
