"""A preview's page says when it was made live, and links the fix on its issue's page.

Made live, the page still read as a preview never acted on ("Make it live for …" alone), while
`GET /api/previews/{id}` said `live_link_id`; opened again (the browser's back button, a colleague's
link), it invited making live what already was.
"""

from __future__ import annotations

from html_page import parse
from preview_seed import KNOWLEDGE_FORM, make_live, preview_of, seed_issue

from gateway.accounts.records import Role


async def test_a_preview_made_live_says_so_on_its_page_with_the_link_to_the_fix(
    gateway, client, admin_headers, signed_in_as, fake_upstream, gateway_embedder
):
    issue_id, _ = await seed_issue(gateway, client)
    reviewer = await signed_in_as("rita", Role.REVIEWER)
    preview_path = await preview_of(reviewer, issue_id, **KNOWLEDGE_FORM)
    assert (await make_live(reviewer, preview_path)).status_code == 303

    page = parse((await reviewer.get(preview_path)).text)

    live_link_id = (await client.get(f"/api/{preview_path.removeprefix('/admin/')}", headers=admin_headers)).json()[
        "live_link_id"
    ]
    said = page.find("p", data_testid="made-live")
    assert said.text.startswith("Made live by rita on ")
    assert said.text.endswith(
        "and linked to this issue: its fix, what it is now and its effect are on the issue's page."
    )
    assert said.find("a").attrs["href"] == f"/admin/issues/{issue_id}?link_id={live_link_id}#fixes"


async def test_a_preview_not_made_live_says_nothing_of_it(
    gateway, client, signed_in_as, fake_upstream, gateway_embedder
):
    issue_id, _ = await seed_issue(gateway, client)
    reviewer = await signed_in_as("rita", Role.REVIEWER)
    preview_path = await preview_of(reviewer, issue_id, **KNOWLEDGE_FORM)

    page = parse((await reviewer.get(preview_path)).text)

    assert page.find_all("p", data_testid="made-live") == []
