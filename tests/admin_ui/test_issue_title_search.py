"""Searching issues by title, in any case (str.casefold), and counting those the filters match: the API's list and
the Issues page read them through one domain function (SQLite and PostgreSQL)."""

from __future__ import annotations

from html_page import parse
from overview_seed import issue_runs

from clustering.issue_status import IssueStatus
from gateway.accounts.records import Role
from gateway.store.issues import IssueFilter


def rows_of(html: str) -> list[str]:
    return [
        row.attrs["data-issue-id"]
        for row in parse(html).find("table", id="issues").find_all("tr")
        if "data-issue-id" in row.attrs
    ]


async def test_the_api_finds_the_issues_whose_title_holds_the_search_in_any_case(client, gateway, admin_headers):
    engine = gateway.services.engine
    refunds = await issue_runs(engine, "shop", "Refund delays", [5])
    shouting = await issue_runs(engine, "shop", "REFUNDS NEVER ARRIVE", [3])
    await issue_runs(engine, "shop", "Password reset loops", [4])

    response = await client.get("/api/issues", params={"q": "refund"}, headers=admin_headers)

    assert response.status_code == 200, response.text
    assert [issue["id"] for issue in response.json()["data"]] == [refunds, shouting]


async def test_a_search_folds_case_as_python_does_on_both_databases(client, gateway, admin_headers):
    street = await issue_runs(gateway.services.engine, "shop", "Straße closed for deliveries", [2])

    response = await client.get("/api/issues", params={"q": "STRASSE"}, headers=admin_headers)

    assert [issue["id"] for issue in response.json()["data"]] == [street]


async def test_a_search_looks_for_percent_and_underscore_as_they_are(client, gateway, admin_headers):
    engine = gateway.services.engine
    fee = await issue_runs(engine, "shop", "Charged 50% twice", [2])
    await issue_runs(engine, "shop", "Charged 500 euros", [3])
    await issue_runs(engine, "shop", "Charged 5x0 by error", [1])

    percent = await client.get("/api/issues", params={"q": "50%"}, headers=admin_headers)
    underscore = await client.get("/api/issues", params={"q": "5_0"}, headers=admin_headers)

    assert [issue["id"] for issue in percent.json()["data"]] == [fee]
    assert underscore.json()["data"] == []


async def test_a_search_pages_in_the_lists_order_with_the_other_filters(client, gateway, admin_headers):
    engine = gateway.services.engine
    big = await issue_runs(engine, "shop", "Refund big", [9])
    middle = await issue_runs(engine, "shop", "refund middle", [6])
    small = await issue_runs(engine, "shop", "Refund small", [2])
    await issue_runs(engine, "bank", "Refund elsewhere", [7])
    await issue_runs(engine, "shop", "Unrelated", [8])

    first = await client.get("/api/issues", params={"q": "REFUND", "app": "shop", "limit": 2}, headers=admin_headers)
    rest = await client.get(
        "/api/issues", params={"q": "REFUND", "app": "shop", "limit": 2, "offset": 2}, headers=admin_headers
    )

    assert [issue["id"] for issue in first.json()["data"]] == [big, middle]
    assert first.json()["next_offset"] == 2
    assert [issue["id"] for issue in rest.json()["data"]] == [small]
    assert rest.json()["next_offset"] is None


async def test_a_search_longer_than_any_search_may_be_is_a_400_naming_it(client, admin_headers):
    response = await client.get("/api/issues", params={"q": "x" * 201}, headers=admin_headers)

    assert response.status_code == 400
    assert response.json()["extra"][0]["key"] == "q"
    assert "at most 200 characters" in response.json()["extra"][0]["message"]


async def test_the_count_is_of_every_issue_the_filters_match(gateway):
    engine = gateway.services.engine
    await issue_runs(engine, "shop", "Refund big", [9])
    await issue_runs(engine, "shop", "refund resolved", [6], status=IssueStatus.RESOLVED)
    await issue_runs(engine, "bank", "Refund elsewhere", [7])
    await issue_runs(engine, "shop", "Unrelated", [8])
    service = gateway.services.issue_service

    counts = [
        await service.count(IssueFilter()),
        await service.count(IssueFilter(app="shop")),
        await service.count(IssueFilter(app="shop", title="ReFuNd")),
        await service.count(IssueFilter(app="shop", title="refund", status=IssueStatus.RESOLVED)),
    ]

    assert counts == [4, 3, 2, 1]


async def test_the_page_searches_titles_and_says_how_many_match(browser_as, gateway):
    engine = gateway.services.engine
    refunds = await issue_runs(engine, "shop", "Refund delays", [5])
    shouting = await issue_runs(engine, "shop", "REFUNDS NEVER ARRIVE", [3])
    await issue_runs(engine, "shop", "Password reset loops", [4])
    viewer = await browser_as("vic", Role.VIEWER)

    searched = await viewer.get("/admin/issues", params={"q": "refund"})
    everything = await viewer.get("/admin/issues")

    assert rows_of(searched.text) == [refunds, shouting]
    page = parse(searched.text)
    assert page.find("input", name="q").attrs["value"] == "refund"
    assert page.find(id="issue-count").text.strip() == "2 issues match these filters."
    assert parse(everything.text).find(id="issue-count").text.strip() == "3 issues."


async def test_the_pages_links_keep_the_search(browser_as, gateway):
    await issue_runs(gateway.services.engine, "shop", "Refund delays", [5])
    viewer = await browser_as("vic", Role.VIEWER)

    page = parse((await viewer.get("/admin/issues", params={"q": "refund", "status": "new"})).text)

    assert page.find("a", data_testid="sort-growth").attrs["href"] == "/admin/issues?status=new&q=refund&sort=growth"


async def test_a_search_too_long_on_the_page_is_the_list_again_saying_what_to_fix(browser_as):
    viewer = await browser_as("vic", Role.VIEWER)

    response = await viewer.get("/admin/issues", params={"q": "x" * 201})

    assert response.status_code == 400
    assert "at most 200 characters" in parse(response.text).find(data_testid="error").text


async def test_the_api_list_says_how_many_issues_its_filters_match_on_every_page(client, gateway, admin_headers):
    engine = gateway.services.engine
    await issue_runs(engine, "shop", "Refund big", [9])
    await issue_runs(engine, "shop", "refund middle", [6])
    await issue_runs(engine, "shop", "Refund small", [2])
    await issue_runs(engine, "bank", "Refund elsewhere", [7])
    await issue_runs(engine, "shop", "Unrelated", [8])
    searched = {"q": "REFUND", "app": "shop", "limit": 2}

    first = await client.get("/api/issues", params=searched, headers=admin_headers)
    last = await client.get("/api/issues", params={**searched, "offset": 2}, headers=admin_headers)
    unfiltered = await client.get("/api/issues", headers=admin_headers)

    assert [first.json()["total"], last.json()["total"], unfiltered.json()["total"]] == [3, 3, 5]
