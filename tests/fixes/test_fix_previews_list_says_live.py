"""An issue's list of earlier previews marks the one made live, and links the fix on the issue's page.

The preview's own page said "Made live by … on …"; the list of the issue's previews did not, so which of
several candidates went live could only be found by opening each.
"""

from __future__ import annotations

from html_page import parse
from preview_seed import KNOWLEDGE_FORM, make_live, preview_of, seed_issue

from gateway.accounts.records import Role


async def test_the_previews_list_says_which_preview_was_made_live_with_the_link_to_the_fix(
    gateway, client, admin_headers, signed_in_as, fake_upstream, gateway_embedder
):
    issue_id, _ = await seed_issue(gateway, client)
    reviewer = await signed_in_as("rita", Role.REVIEWER)
    live_path = await preview_of(reviewer, issue_id, **KNOWLEDGE_FORM)
    other_path = await preview_of(reviewer, issue_id, kind="prompt", text="Tell users: the fee is 1%.", limit="1")
    assert (await make_live(reviewer, live_path)).status_code == 303
    live_link_id = (await client.get(f"/api/{live_path.removeprefix('/admin/')}", headers=admin_headers)).json()[
        "live_link_id"
    ]

    page = parse((await reviewer.get(f"/admin/issues/{issue_id}/previews")).text)

    rows = {row.find("a").attrs["href"]: row for row in page.find("table", data_testid="previews").find_all("tr")[1:]}
    said = rows[live_path].find("td", data_testid="made-live")
    assert said.text.startswith("Made live by rita on ")
    assert said.find("a").attrs["href"] == f"/admin/issues/{issue_id}?link_id={live_link_id}#fixes"
    assert rows[other_path].find("td", data_testid="made-live").text.strip() == ""


async def test_the_previews_list_reads_the_issues_fix_links_once_for_all_its_rows(
    gateway, client, signed_in_as, fake_upstream, gateway_embedder, monkeypatch
):
    issue_id, _ = await seed_issue(gateway, client)
    reviewer = await signed_in_as("rita", Role.REVIEWER)
    # Two previews made live (an entry and the prompt's instructions, two fixes) and one never.
    for path in (
        await preview_of(reviewer, issue_id, **KNOWLEDGE_FORM),
        await preview_of(reviewer, issue_id, kind="prompt", text="Tell users: the fee is 1%.", limit="1"),
    ):
        assert (await make_live(reviewer, path)).status_code == 303
    await preview_of(reviewer, issue_id, **KNOWLEDGE_FORM)
    fix_links = gateway.services.fix_links
    read_for = []
    reading = fix_links.fixes_for

    async def counted(issue: str):
        read_for.append(issue)
        return await reading(issue)

    monkeypatch.setattr(fix_links, "fixes_for", counted)

    page = await reviewer.get(f"/admin/issues/{issue_id}/previews")

    assert page.status_code == 200
    assert read_for == [issue_id]
