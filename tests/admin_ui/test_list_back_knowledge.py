"""The Knowledge list's way back: each entry's link carries the list's query, and the entry's page leads back to the
list as it was filtered, through its forms and their redirects too (admin_ui.list_back)."""

from __future__ import annotations

import pytest
from html_page import csrf_token_of, parse
from test_list_back_pages import backs_carried, crumb

from gateway.accounts.records import Role

FILTERED = "app=shop&q=refund&active=yes&offset=50"
BACK = "back=app%3Dshop%26q%3Drefund%26active%3Dyes%26offset%3D50"


async def shop_entry(gateway) -> str:
    """An active entry of the shop's about refunds; its id."""
    entry = await gateway.services.knowledge.service.create("shop", "Refunds", "Refunds take 3 days.", author="test")
    return entry.id


async def test_the_filtered_list_links_each_entry_with_its_query(browser_as, gateway):
    entry_id = await shop_entry(gateway)
    viewer = await browser_as("vic", Role.VIEWER)

    page = parse((await viewer.get("/admin/knowledge?q=refund&app=shop&active=yes&junk=1")).text)

    link = page.find("tr", data_entry_id=entry_id).find("a").attrs["href"]
    assert link == f"/admin/knowledge/{entry_id}?back=app%3Dshop%26q%3Drefund%26active%3Dyes"


async def test_the_entry_pages_breadcrumb_goes_back_to_the_filtered_list(browser_as, gateway):
    entry_id = await shop_entry(gateway)
    viewer = await browser_as("vic", Role.VIEWER)

    answer = await viewer.get(f"/admin/knowledge/{entry_id}?{BACK}")

    assert answer.status_code == 200
    assert crumb(answer.text) == f"/admin/knowledge?{FILTERED}"


async def test_the_entry_pages_forms_carry_the_way_back(browser_as, gateway):
    entry_id = await shop_entry(gateway)
    await gateway.services.knowledge.service.edit(entry_id, author="test", content="Refunds take 2 days.")
    reviewer = await browser_as("rita", Role.REVIEWER)

    page = parse((await reviewer.get(f"/admin/knowledge/{entry_id}?{BACK}")).text)

    forms = [form for form in page.find_all("form") if form.attrs["action"].startswith(f"/admin/knowledge/{entry_id}/")]
    assert {form.attrs["action"].rsplit("/", 1)[1] for form in forms} == {"edit", "deactivate", "restore"}
    assert [form.find("input", name="back").attrs["value"] for form in forms] == [FILTERED] * 3


@pytest.mark.parametrize(
    ("action", "fields", "done"),
    [
        ("edit", {"title": "Refunds", "content": "Refunds take 5 days.", "expected_version": "1"}, "edited"),
        ("deactivate", {}, "deactivated"),
    ],
)
async def test_an_action_on_the_entry_returns_to_it_with_the_way_back_kept(browser_as, gateway, action, fields, done):
    entry_id = await shop_entry(gateway)
    reviewer = await browser_as("rita", Role.REVIEWER)
    page = await reviewer.get(f"/admin/knowledge/{entry_id}?{BACK}")

    sent = await reviewer.post(
        f"/admin/knowledge/{entry_id}/{action}",
        data={"csrf_token": csrf_token_of(page.text), **fields, "back": FILTERED},
    )

    assert sent.status_code == 303
    assert sent.headers["location"] == f"/admin/knowledge/{entry_id}?changed={done}&{BACK}"
    assert crumb((await reviewer.get(sent.headers["location"])).text) == f"/admin/knowledge?{FILTERED}"


async def test_a_refused_edit_shows_the_entry_with_the_way_back_kept(browser_as, gateway):
    entry_id = await shop_entry(gateway)
    reviewer = await browser_as("rita", Role.REVIEWER)
    page = await reviewer.get(f"/admin/knowledge/{entry_id}?{BACK}")

    refused = await reviewer.post(
        f"/admin/knowledge/{entry_id}/edit",
        data={"csrf_token": csrf_token_of(page.text), "title": " ", "content": "x", "back": FILTERED},
    )

    assert refused.status_code == 400
    assert crumb(refused.text) == f"/admin/knowledge?{FILTERED}"
    assert (
        parse(refused.text).find("form", data_testid="edit-form").find("input", name="back").attrs["value"] == FILTERED
    )


@pytest.mark.parametrize("back", ["active%3Dmaybe", "app%3Dshop%26offset%3D-1", "offset%3Dabc", "q%3D%2500"])
async def test_a_back_the_knowledge_list_would_refuse_is_dropped_from_the_entry_page(browser_as, gateway, back):
    entry_id = await shop_entry(gateway)
    reviewer = await browser_as("rita", Role.REVIEWER)

    answer = await reviewer.get(f"/admin/knowledge/{entry_id}?back={back}")

    assert crumb(answer.text) == "/admin/knowledge"
    assert backs_carried(answer.text) == []
