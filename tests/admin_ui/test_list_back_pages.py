"""Breadcrumbs keep the list's filters: a list links each item with `?back=<its query>`, and the item page's way back
is that list with those filters, through an action's redirect too, never anywhere else."""

from __future__ import annotations

import pytest
from html_page import csrf_token_of, parse
from overview_seed import issue_runs
from page_seed import interaction_row, store, task
from test_issue_merge_candidates import twin_issues

from gateway.accounts.records import Role
from gateway.config import Settings
from gateway.review.records import Priority

FILTERED = "q=refund&app=shop&status=new&sort=growth"
BACK = "back=q%3Drefund%26app%3Dshop%26status%3Dnew%26sort%3Dgrowth"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """No second opinions: a claim or decision does the same whatever the task's id hashes to."""
    return settings.model_copy(update={"review_second_opinion_share": 0.0})


def crumb(html: str) -> str:
    """Where the page's breadcrumb back to its list leads."""
    return parse(html).find("a", data_testid="back-to-list").attrs["href"]


async def shop_issue(gateway) -> str:
    await issue_runs(gateway.services.engine, "bank", "Refund delays at the bank", [2, 3])
    return await issue_runs(gateway.services.engine, "shop", "Refund delays", [2, 4])


async def test_the_filtered_issue_list_links_each_issue_with_its_query(browser_as, gateway):
    issue_id = await shop_issue(gateway)
    viewer = await browser_as("vic", Role.VIEWER)

    page = parse((await viewer.get(f"/admin/issues?{FILTERED}")).text)

    link = page.find("tr", data_issue_id=issue_id).find("td", class_="title").find("a")
    assert link.attrs["href"] == f"/admin/issues/{issue_id}?{BACK}"


async def test_the_issue_pages_breadcrumb_goes_back_to_the_filtered_list(browser_as, gateway):
    issue_id = await shop_issue(gateway)
    viewer = await browser_as("vic", Role.VIEWER)

    answer = await viewer.get(f"/admin/issues/{issue_id}?{BACK}")

    assert answer.status_code == 200
    assert crumb(answer.text) == f"/admin/issues?{FILTERED}"


@pytest.mark.parametrize(
    "back",
    [
        "https%3A%2F%2Fevil.example%3Fapp%3Dx",
        "%2F%2Fevil.example",
        "javascript%3Aalert(1)",
        "app%3D%2500%26%26%3D%3D%ff",  # a NUL in the filter, once decoded (a bare %00 is refused for every URL)
        "app%3D" + "x" * 5000,
        "&back=app%3Dshop",  # an empty back first: the page reads the first
    ],
)
async def test_a_back_that_is_no_list_query_leads_to_the_bare_list(browser_as, gateway, back):
    issue_id = await shop_issue(gateway)
    viewer = await browser_as("vic", Role.VIEWER)

    answer = await viewer.get(f"/admin/issues/{issue_id}?back={back}")

    assert answer.status_code == 200
    assert crumb(answer.text) == "/admin/issues"


async def test_an_action_on_the_issue_returns_to_it_with_the_way_back_kept(browser_as, gateway):
    issue_id = await shop_issue(gateway)
    reviewer = await browser_as("rita", Role.REVIEWER)
    page = await reviewer.get(f"/admin/issues/{issue_id}?{BACK}")
    form = parse(page.text).find("form", id="rename-form")
    assert form.find("input", name="back").attrs["value"] == FILTERED

    renamed = await reviewer.post(
        f"/admin/issues/{issue_id}/rename",
        data={"csrf_token": csrf_token_of(page.text), "title": "Slow refunds", "back": FILTERED},
    )

    assert renamed.status_code == 303
    assert renamed.headers["location"] == f"/admin/issues/{issue_id}?done=renamed&{BACK}"
    assert crumb((await reviewer.get(renamed.headers["location"])).text) == f"/admin/issues?{FILTERED}"


async def test_a_refused_action_shows_the_issue_with_the_way_back_kept(browser_as, gateway):
    issue_id = await shop_issue(gateway)
    reviewer = await browser_as("rita", Role.REVIEWER)
    page = await reviewer.get(f"/admin/issues/{issue_id}?{BACK}")

    refused = await reviewer.post(
        f"/admin/issues/{issue_id}/rename",
        data={"csrf_token": csrf_token_of(page.text), "title": " ", "back": FILTERED},
    )

    assert refused.status_code == 400
    assert crumb(refused.text) == f"/admin/issues?{FILTERED}"
    assert parse(refused.text).find("form", id="rename-form").find("input", name="back").attrs["value"] == FILTERED


async def test_the_merge_candidates_panel_merges_with_the_way_back_kept(browser_as, gateway):
    refund, _twin, _password = await twin_issues(gateway.services.engine)
    reviewer = await browser_as("rita", Role.REVIEWER)

    page = parse((await reviewer.get(f"/admin/issues/{refund}?back=q%3Drefund")).text)
    panel_url = page.find("div", id="merge-candidates").attrs["data-fragment-url"]
    panel = parse((await reviewer.get(panel_url)).text)

    assert panel_url == f"/admin/issues/{refund}/merge-candidates?back=q%3Drefund"
    assert panel.find("form").find("input", name="back").attrs["value"] == "q=refund"


async def test_the_interaction_pages_breadcrumb_goes_back_to_the_filtered_list(browser_as, gateway):
    [interaction_id] = await store(gateway, interaction_row("Where is my refund?", "Soon."))
    viewer = await browser_as("vic", Role.VIEWER)
    query = "q=refund&app=support-bot&feedback=none"

    listed = parse((await viewer.get(f"/admin/interactions?{query}&junk=1")).text)
    link = listed.find("tr", data_interaction_id=interaction_id).find("a").attrs["href"]
    item = await viewer.get(link)

    assert link == f"/admin/interactions/{interaction_id}?back=q%3Drefund%26app%3Dsupport-bot%26feedback%3Dnone"
    assert item.status_code == 200
    assert crumb(item.text) == f"/admin/interactions?{query}"


async def test_the_task_pages_breadcrumb_goes_back_to_the_filtered_queue(browser_as, gateway):
    ids = await store(gateway, interaction_row("Where is my refund?", "Soon."))
    task_id = await task(gateway, ids, reason="Refund answers", priority=Priority.HIGH, tags=("refund",))
    viewer = await browser_as("vic", Role.VIEWER)
    query = "status=any&priority=high&tag=refund&sort=newest"

    queue = parse((await viewer.get(f"/admin/reviews?{query}")).text)
    row = queue.find("tr", data_task_id=task_id)
    link = row.find("td", class_="reason").find("a").attrs["href"]
    item = await viewer.get(link)

    assert link == f"/admin/reviews/{task_id}?back=status%3Dany%26priority%3Dhigh%26tag%3Drefund%26sort%3Dnewest"
    assert row.attrs["data-task-page"] == link
    assert crumb(item.text) == f"/admin/reviews?{query}"


async def test_claiming_a_task_returns_to_it_with_the_way_back_kept(browser_as, gateway):
    ids = await store(gateway, interaction_row("Where is my refund?", "Soon."))
    task_id = await task(gateway, ids, reason="Refund answers")
    reviewer = await browser_as("rita", Role.REVIEWER)
    page = await reviewer.get(f"/admin/reviews/{task_id}?back=tag%3Drefund")

    claimed = await reviewer.post(
        f"/admin/reviews/{task_id}/claim", data={"csrf_token": csrf_token_of(page.text), "back": "tag=refund"}
    )

    assert claimed.headers["location"] == f"/admin/reviews/{task_id}?done=claimed&back=tag%3Drefund"
    assert crumb((await reviewer.get(claimed.headers["location"])).text) == "/admin/reviews?tag=refund"


def backs_carried(html: str) -> list[str]:
    """Every `back` the page passes on: its forms' hidden fields and its links' and panels' addresses."""
    page = parse(html)
    fields = [field.attrs["value"] for field in page.find_all("input", name="back")]
    addresses = [
        element.attrs.get("href") or element.attrs.get("data-fragment-url") or ""
        for element in page.find_all()
        if "back=" in (element.attrs.get("href") or element.attrs.get("data-fragment-url") or "")
    ]
    return fields + addresses


@pytest.mark.parametrize(
    "back",
    ["status%3Dbogus", "app%3Dshop%26page%3Dabc", "sort%3Dnewest", "page%3D0"],
)
async def test_a_back_the_issue_list_would_refuse_is_dropped_from_the_issue_page(browser_as, gateway, back):
    issue_id = await shop_issue(gateway)
    reviewer = await browser_as("rita", Role.REVIEWER)

    answer = await reviewer.get(f"/admin/issues/{issue_id}?back={back}")

    assert crumb(answer.text) == "/admin/issues"
    assert backs_carried(answer.text) == []


async def test_a_back_the_interaction_list_would_refuse_leads_to_the_bare_list(browser_as, gateway):
    [interaction_id] = await store(gateway, interaction_row("Where is my refund?", "Soon."))
    viewer = await browser_as("vic", Role.VIEWER)

    answer = await viewer.get(f"/admin/interactions/{interaction_id}?back=app%3Dshop%26since%3Dyesterday")

    assert crumb(answer.text) == "/admin/interactions"
    assert backs_carried(answer.text) == []


async def test_a_back_the_queue_would_refuse_is_dropped_from_the_task_page(browser_as, gateway):
    ids = await store(gateway, interaction_row("Where is my refund?", "Soon."))
    task_id = await task(gateway, ids, reason="Refund answers")
    reviewer = await browser_as("rita", Role.REVIEWER)

    answer = await reviewer.get(f"/admin/reviews/{task_id}?back=tag%3Drefund%26priority%3Durgent")

    assert crumb(answer.text) == "/admin/reviews"
    assert backs_carried(answer.text) == []


async def test_a_back_over_the_bound_is_dropped_from_the_issue_pages_forms_and_links(browser_as, gateway):
    issue_id = await shop_issue(gateway)
    reviewer = await browser_as("rita", Role.REVIEWER)

    answer = await reviewer.get(f"/admin/issues/{issue_id}?back=app%3D" + "x" * 2100)

    assert crumb(answer.text) == "/admin/issues"
    assert backs_carried(answer.text) == []


async def test_the_issue_pages_forms_carry_a_back_the_list_takes(browser_as, gateway):
    issue_id = await shop_issue(gateway)
    reviewer = await browser_as("rita", Role.REVIEWER)

    answer = await reviewer.get(f"/admin/issues/{issue_id}?{BACK}")

    carried = backs_carried(answer.text)
    # The panels' addresses, and the way to preview a fix (admin_ui/fix_previews.py keeps it on).
    links = {f"/admin/issues/{issue_id}/{page}?{BACK}" for page in ("merge-candidates", "map", "previews")}
    assert carried and set(carried) - {FILTERED} == links
