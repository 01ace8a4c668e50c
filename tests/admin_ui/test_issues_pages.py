"""The Issues pages: the list (sort, filters, page in the URL), one issue with its examples, and the actions' roles and audit."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from html_page import csrf_token_of, parse
from issue_seed import SCRIPT, issue_with_examples
from overview_seed import issue_runs
from page_seed import interaction_row, issue, store

from clustering.issue_status import IssueStatus
from gateway.accounts.records import Role
from gateway.review.records import Priority
from gateway.store.audit import AuditFilter

SVG = "{http://www.w3.org/2000/svg}"


def rows_of(html: str) -> list[str]:
    return [
        row.attrs["data-issue-id"]
        for row in parse(html).find("table", id="issues").find_all("tr")
        if "data-issue-id" in row.attrs
    ]


async def test_the_list_sorts_filters_and_pages_from_the_url(browser_as, gateway):
    engine = gateway.services.engine
    big = await issue_runs(engine, "shop", "Big and steady", [10, 11])
    growing = await issue_runs(engine, "shop", "Growing fast", [1, 7])
    other = await issue_runs(engine, "bank", "Elsewhere", [3], status=IssueStatus.RESOLVED)
    viewer = await browser_as("vic", Role.VIEWER)

    by_size = await viewer.get("/admin/issues")
    by_growth = await viewer.get("/admin/issues?sort=growth")
    shop_only = await viewer.get("/admin/issues?app=shop&sort=growth")
    resolved = await viewer.get("/admin/issues?status=resolved")
    past_the_end = await viewer.get("/admin/issues?page=2")

    assert rows_of(by_size.text) == [big, growing, other]
    assert rows_of(by_growth.text) == [growing, other, big]
    assert rows_of(shop_only.text) == [growing, big]
    assert rows_of(resolved.text) == [other]
    assert rows_of(past_the_end.text) == []
    page = parse(shop_only.text)
    assert page.find("select", name="app").find("option", value="shop").attrs.get("selected") == ""
    # The sort links keep the filters, so the view can be bookmarked and shared.
    assert page.find("a", data_testid="sort-size").attrs["href"] == "/admin/issues?app=shop"
    row = page.find("tr", data_issue_id=growing)
    assert row.find("td", class_="size").text == "7"
    assert row.find("td", class_="growth").text == "+6"
    assert "reset" in row.find("td", class_="keywords").text
    assert "regressed" not in row.find("td", class_="status").text
    spark = shop_only.text.split('<td role="cell" class="spark" data-label="History">')[1].split("</td>")[0]
    assert ET.fromstring(spark).tag == f"{SVG}svg"


async def test_an_issue_page_shows_examples_side_by_side_with_scripts_as_text(browser_as, gateway):
    issue_id = await issue_with_examples(gateway.services.engine)
    viewer = await browser_as("vic", Role.VIEWER)

    response = await viewer.get(f"/admin/issues/{issue_id}")

    assert response.status_code == 200
    assert "<script>alert" not in response.text
    page = parse(response.text)
    assert page.find(data_testid="issue-title").text == f"Refund delays {SCRIPT}"
    example = page.find(data_testid="example")
    parts = {part.attrs["data-part"]: part.text for part in example.find_all("div") if "data-part" in part.attrs}
    assert parts == {
        "question": f"Where is my refund? {SCRIPT}",
        "answer": f"Refunds take 90 days. {SCRIPT}",
        "comment": f"Wrong! {SCRIPT}",
        "correction": "Refunds take 5 days.",
    }
    # Drawn for a wide box and for a phone's (admin_ui/charts.py, for_any_box): each drawing is an SVG of its own.
    charts = response.text.split('data-testid="history-chart">')[1].split("</div>")[0].split("</svg>")[:-1]
    assert [ET.fromstring(chart + "</svg>").tag for chart in charts] == [f"{SVG}svg", f"{SVG}svg"]
    assert page.find(data_testid="no-fix").text.startswith("No fix is linked")
    # A viewer reads the page but gets no forms to change it.
    assert page.find_all("section", id="issue-actions") == []
    assert (await viewer.get("/admin/issues/no-such-issue")).status_code == 404


async def test_a_reviewer_resolves_renames_and_merges_and_each_is_audited(browser_as, gateway):
    engine = gateway.services.engine
    issue_id = await issue_with_examples(engine)
    target = await issue_runs(engine, "shop", "Refunds in general", [3])
    reviewer = await browser_as("rita", Role.REVIEWER)
    page = await reviewer.get(f"/admin/issues/{issue_id}")
    assert parse(page.text).find("section", id="issue-actions")
    token = csrf_token_of(page.text)

    resolved = await reviewer.post(
        f"/admin/issues/{issue_id}/status", data={"csrf_token": token, "status": "resolved", "note": "fixed"}
    )
    renamed = await reviewer.post(
        f"/admin/issues/{issue_id}/rename", data={"csrf_token": token, "title": "  Slow   refunds "}
    )
    merged = await reviewer.post(f"/admin/issues/{issue_id}/merge", data={"csrf_token": token, "into": target})

    assert [r.status_code for r in (resolved, renamed, merged)] == [303, 303, 303]
    assert merged.headers["location"] == f"/admin/issues/{issue_id}?done=merged"
    detail = await gateway.services.issue_service.get(issue_id)
    assert detail is not None
    assert (detail.issue.title, detail.issue.status, detail.issue.merged_into, detail.issue.size) == (
        "Slow refunds",
        IssueStatus.DISMISSED,
        target,
        0,
    )
    assert [change.kind for change in detail.changes][-3:] == ["status", "renamed", "merged_into"]
    survivor = await gateway.services.issue_service.get(target)
    assert survivor is not None and survivor.issue.size == 3 + 5  # its 3 and the merged issue's 4 + 1 stored example
    assert survivor.changes[-1].kind == "merge"
    audit = await gateway.services.audit_service.list(AuditFilter(subject_id=issue_id), 10)
    assert sorted((record.action, record.actor) for record in audit.data) == [
        ("issue.merge", "rita"),
        ("issue.rename", "rita"),
        ("issue.status", "rita"),
    ]
    shown = parse((await reviewer.get(merged.headers["location"])).text)
    assert shown.find(data_testid="merged-into").find("a").attrs["href"] == f"/admin/issues/{target}"
    assert shown.find("p", class_="notice").text == "Merged."
    events = shown.find("table", id="events")
    assert events.find("tr", data_kind="renamed").find_all("td")[2].text == "rita"

    # Merging into an issue of another app is refused with the reason, on the page.
    elsewhere = await issue_runs(engine, "bank", "Bank things", [2])
    refused = await reviewer.post(f"/admin/issues/{target}/merge", data={"csrf_token": token, "into": elsewhere})
    assert refused.status_code == 400
    assert "belongs to app 'bank'" in parse(refused.text).find("p", class_="error").text


async def test_a_merged_issue_says_its_history_moved_with_its_complaints(browser_as, gateway):
    # A merge folds the issue's history into the survivor's: its page said "No clustering run has counted
    # this issue yet" of an issue the last pass had counted, as if the merge had lost its past.
    engine = gateway.services.engine
    issue_id = await issue_with_examples(engine)
    target = await issue_runs(engine, "shop", "Refunds in general", [3])
    reviewer = await browser_as("rita", Role.REVIEWER)
    token = csrf_token_of((await reviewer.get(f"/admin/issues/{issue_id}")).text)
    await reviewer.post(f"/admin/issues/{issue_id}/merge", data={"csrf_token": token, "into": target})

    shown = parse((await reviewer.get(f"/admin/issues/{issue_id}")).text)

    moved = shown.find(data_testid="history-moved")
    assert moved is not None and "No clustering run" not in shown.text
    assert moved.text.split() == "Its history moved with its complaints into Refunds in general.".split()
    assert moved.find("a").attrs["href"] == f"/admin/issues/{target}"
    survivor = parse((await reviewer.get(f"/admin/issues/{target}")).text)
    assert survivor.find(data_testid="history-chart") is not None


async def test_a_reviewer_opens_a_review_task_from_the_issue(browser_as, gateway):
    issue_id = await issue_with_examples(gateway.services.engine)
    reviewer = await browser_as("rita", Role.REVIEWER)
    token = csrf_token_of((await reviewer.get(f"/admin/issues/{issue_id}")).text)

    opened = await reviewer.post(f"/admin/issues/{issue_id}/review", data={"csrf_token": token, "priority": "high"})

    assert opened.status_code == 303
    page = parse((await reviewer.get(opened.headers["location"])).text)
    [task] = page.find("ul", class_="tasks").find_all("li")
    assert "high · a person asked for it" in task.text
    assert task.find("a").text == f"Review the issue “Refund delays {SCRIPT}”."


async def test_a_reason_longer_than_a_task_keeps_is_refused_not_cut(browser_as, gateway):
    issue_id = await issue_with_examples(gateway.services.engine)
    reviewer = await browser_as("rita", Role.REVIEWER)
    token = csrf_token_of((await reviewer.get(f"/admin/issues/{issue_id}")).text)

    refused = await reviewer.post(
        f"/admin/issues/{issue_id}/review", data={"csrf_token": token, "priority": "high", "reason": "x" * 5000}
    )

    assert refused.status_code == 400
    assert "“Reason” may be at most 2000 characters; got 5000" in parse(refused.text).text


async def test_a_viewer_post_and_a_post_without_the_token_are_refused(browser_as, gateway):
    issue_id = await issue_with_examples(gateway.services.engine)
    viewer = await browser_as("vic", Role.VIEWER)
    reviewer = await browser_as("rita", Role.REVIEWER)
    token = csrf_token_of((await viewer.get(f"/admin/issues/{issue_id}")).text)

    by_viewer = [
        await viewer.post(f"/admin/issues/{issue_id}/{action}", data={"csrf_token": token, **form})
        for action, form in [
            ("status", {"status": "resolved"}),
            ("rename", {"title": "x"}),
            ("merge", {"into": "y"}),
            ("review", {"priority": "high"}),
        ]
    ]
    without_token = await reviewer.post(f"/admin/issues/{issue_id}/status", data={"status": "resolved"})

    assert [r.status_code for r in by_viewer] == [403, 403, 403, 403]
    assert without_token.status_code == 403
    detail = await gateway.services.issue_service.get(issue_id)
    assert detail is not None and detail.issue.status == IssueStatus.NEW
    assert "Refund delays" in detail.issue.title


async def test_the_json_api_renames_and_merges_through_the_same_verbs(client, gateway, admin_headers):
    engine = gateway.services.engine
    first = await issue_runs(engine, "shop", "One", [2])
    second = await issue_runs(engine, "shop", "Two", [3])

    renamed = await client.patch(f"/api/issues/{first}", json={"title": "Renamed"}, headers=admin_headers)
    merged = await client.patch(f"/api/issues/{first}", json={"merged_into": second}, headers=admin_headers)
    both = await client.patch(f"/api/issues/{second}", json={"title": "x", "status": "open"}, headers=admin_headers)

    assert renamed.status_code == 200 and renamed.json()["title"] == "Renamed"
    assert merged.status_code == 200 and merged.json()["merged_into"] == second
    assert both.status_code == 400
    audit = await gateway.services.audit_service.list(AuditFilter(subject_id=first), 10)
    assert {(record.action, record.actor) for record in audit.data} == {
        ("issue.rename", "admin-token"),
        ("issue.merge", "admin-token"),
    }


@pytest.mark.parametrize(
    ("query", "named"),
    [("status=junk", "“Status”"), ("sort=junk", "“Sort by”"), ("page=abc", "“Page”"), ("page=-1", "“Page”")],
)
async def test_a_filter_the_list_does_not_know_is_refused_by_name(browser_as, query, named):
    # Shown unfiltered instead, the page looked filtered while it was not.
    viewer = await browser_as("vera", Role.VIEWER)

    response = await viewer.get(f"/admin/issues?{query}")

    assert response.status_code == 400 and f"The filter {named}" in parse(response.text).text


async def test_a_filter_value_the_list_does_not_know_is_told_the_values_it_takes(browser_as):
    # As the API's refusal of a value outside a fixed list says it (gateway.domain.fixed_values), in the page's words.
    viewer = await browser_as("vera", Role.VIEWER)

    response = await viewer.get("/admin/issues?status=junk")

    said = "The filter “Status” must be one of new, open, resolved, dismissed; got 'junk'."
    assert parse(response.text).find(role="alert").text == said


async def test_with_no_issues_yet_the_list_says_where_issues_come_from(browser_as):
    # "No issues match these filters" on a new instance, with no filter set, sent people looking for one.
    viewer = await browser_as("vic", Role.VIEWER)

    unfiltered = parse((await viewer.get("/admin/issues")).text)
    filtered = parse((await viewer.get("/admin/issues?status=resolved")).text)

    assert unfiltered.find("td", id="issues-empty").text.startswith("No issues yet: a clustering pass")
    assert filtered.find("td", id="issues-empty").text == "No issues match these filters."


async def test_a_page_past_the_end_says_so_and_links_back_to_the_first(browser_as, gateway):
    await issue_runs(gateway.services.engine, "shop", "Refunds", [4])
    viewer = await browser_as("vic", Role.VIEWER)

    page = parse((await viewer.get("/admin/issues?app=shop&page=3")).text)

    empty = page.find("td", id="issues-empty")
    assert empty.text == "The list ends before page 3: back to page 1."
    assert empty.find("a").attrs["href"] == "/admin/issues?app=shop"


async def test_the_sorted_column_says_its_order_to_a_screen_reader(browser_as):
    viewer = await browser_as("vic", Role.VIEWER)

    by_growth = parse((await viewer.get("/admin/issues?sort=growth")).text)

    growth = by_growth.find("a", data_testid="sort-growth")
    headers = {th.text: th.attrs.get("aria-sort") for th in by_growth.find("table", id="issues").find_all("th")}
    assert headers["Size"] is None and headers["Growth ▼"] == "descending"
    assert growth.find("span").attrs["aria-hidden"] == "true"


async def test_each_listed_issue_says_its_waiting_tasks_and_latest_fix_as_the_overview_does(browser_as, gateway):
    services = gateway.services
    fixed = await issue_runs(services.engine, "shop", "Refund delays", [5])
    waiting = await issue_runs(services.engine, "shop", "Card declined", [3])
    entry = await services.knowledge.service.create("shop", "Refunds", "Refunds take 5 days.", author="kim")
    await services.fix_links.link_fix(fixed, "knowledge", entry.id, actor="kim")
    task = await services.reviews.open_manual(
        app="shop", reason="look at it", priority=Priority.HIGH, interaction_ids=[], issue_id=waiting, tags=[],
        evidence=None, actor="sam",
    )  # fmt: skip
    viewer = await browser_as("vic", Role.VIEWER)

    page = parse((await viewer.get("/admin/issues")).text)

    fixed_row, waiting_row = page.find("tr", data_issue_id=fixed), page.find("tr", data_issue_id=waiting)
    assert fixed_row.find(data_testid="fix-status").text.startswith("knowledge fix, live ")
    assert fixed_row.find(data_testid="open-tasks").text == "none"
    assert waiting_row.find(data_testid="fix-status").text == "no fix yet"
    assert waiting_row.find(data_testid="open-tasks").find("a").attrs["href"] == f"/admin/reviews/{task.task.task.id}"


async def test_an_issue_page_links_every_interaction_of_the_issue(browser_as, gateway):
    ids = await store(gateway, *(interaction_row(f"question {n}", "answer") for n in range(3)))
    fees = await issue(gateway, ids)
    single = await issue(gateway, [ids[0]], title="one fee")
    viewer = await browser_as("vic", Role.VIEWER)

    link = parse((await viewer.get(f"/admin/issues/{fees}")).text).find(data_testid="issue-interactions")
    one = parse((await viewer.get(f"/admin/issues/{single}")).text).find(data_testid="issue-interactions")

    assert (link.text, link.attrs["href"]) == ("All 3 interactions of this issue", f"/admin/interactions?issue={fees}")
    assert one.text == "The 1 interaction of this issue"


async def test_a_merged_issue_links_the_interactions_of_the_issue_holding_its_complaints(browser_as, gateway):
    ids = await store(gateway, *(interaction_row(f"question {n}", "answer") for n in range(3)))
    fees = await issue(gateway, [ids[0]], title="fees")
    charges = await issue(gateway, ids[1:], title="charges")
    await gateway.services.issue_service.merge(fees, charges, actor="ana")
    viewer = await browser_as("vic", Role.VIEWER)

    link = parse((await viewer.get(f"/admin/issues/{fees}")).text).find(data_testid="issue-interactions")

    assert (link.text, link.attrs["href"]) == ("the interactions of “charges”", f"/admin/interactions?issue={charges}")


@pytest.mark.parametrize(
    ("share", "said"), [(0.2, "a canary on 20 % of calls"), (0.00123, "a canary on 0.123 % of calls")]
)
async def test_a_canary_fix_says_the_share_of_calls_it_gets(browser_as, gateway, share, said):
    services = gateway.services
    issue_id = await issue_runs(services.engine, "bot", "Card declined abroad", [6])
    await services.prompts.service.publish("bot", "Be kind.", "base", "kim", activate=True)
    canary = await services.prompts.service.publish("bot", "Say travel mode.", "fix", "kim", canary_share=share)
    await services.fix_links.link_fix(issue_id, "prompt", canary.version.id, arm="canary", actor="kim")
    viewer = await browser_as("vic", Role.VIEWER)

    page = parse((await viewer.get(f"/admin/issues/{issue_id}")).text)

    assert page.find(data_testid="fix-standing").text == said
