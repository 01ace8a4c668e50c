"""The admin pages' "filter by issue" follows merges as the API does (gateway.domain.issue_scope), on both databases:
the review queue's `?issue=`, an issue page's review tasks, the interactions list's `?issue=`."""

from __future__ import annotations

from html_page import parse
from page_seed import interaction_row, issue, store, task

from gateway.accounts.records import Role


async def merged_pair(gateway) -> dict[str, str]:
    """Issue "Fees" merged into "Charges"; a task of Fees closed before the merge, one of Charges, one elsewhere."""
    ids = await store(gateway, *(interaction_row(f"Question {n}", f"Answer {n}") for n in range(3)))
    fees = await issue(gateway, [ids[0]], title="Fees")
    charges = await issue(gateway, [ids[1]], title="Charges")
    other = await issue(gateway, [ids[2]], title="Other")
    reviews = gateway.services.reviews
    fees_task = await task(gateway, [], reason="About fees", issue_id=fees)
    await reviews.dismiss(fees_task, "otto")
    charges_task = await task(gateway, [], reason="About charges", issue_id=charges)
    other_task = await task(gateway, [], reason="About other", issue_id=other)
    await gateway.services.issue_service.merge(fees, charges, actor="ana")
    return {
        "fees": fees,
        "charges": charges,
        "fees_task": fees_task,
        "charges_task": charges_task,
        "other_task": other_task,
    }


def listed_tasks(html: str) -> set[str]:
    return {row.attrs["data-task-id"] for row in parse(html).find_all("tr", class_="task-row")}


async def test_the_queue_filtered_on_the_survivor_lists_the_merged_issues_tasks_too(browser_as, gateway):
    seeded = await merged_pair(gateway)
    viewer = await browser_as("vic", Role.VIEWER)

    response = await viewer.get("/admin/reviews", params={"issue": seeded["charges"], "status": "any"})

    assert response.status_code == 200
    assert listed_tasks(response.text) == {seeded["fees_task"], seeded["charges_task"]}
    page = parse(response.text)
    assert page.find("form", id="queue-filters").find("input", name="issue").attrs["value"] == (seeded["charges"])
    assert page.find(id="issue-shown").text.split() == (
        "The review tasks of the issue “Charges”, and of the issues merged into it.".split()
    )


async def test_the_queue_filtered_on_the_merged_issue_lists_its_survivors_and_says_so(browser_as, gateway):
    seeded = await merged_pair(gateway)
    viewer = await browser_as("vic", Role.VIEWER)

    response = await viewer.get("/admin/reviews", params={"issue": seeded["fees"], "status": "any"})

    assert response.status_code == 200
    assert listed_tasks(response.text) == {seeded["fees_task"], seeded["charges_task"]}
    shown = parse(response.text).find(id="issue-shown")
    assert shown.text.split() == (
        "The issue “Fees” was merged into “Charges”: these are the review tasks of “Charges”, its own among them.".split()
    )
    assert [a.attrs["href"] for a in shown.find_all("a")][:2] == [
        f"/admin/issues/{seeded['fees']}",
        f"/admin/issues/{seeded['charges']}",
    ]


async def test_the_queue_refuses_an_issue_no_issue_has_rather_than_listing_every_task(browser_as, gateway):
    await merged_pair(gateway)
    viewer = await browser_as("vic", Role.VIEWER)

    response = await viewer.get("/admin/reviews", params={"issue": "no-such-issue", "status": "any"})

    assert response.status_code == 400
    assert listed_tasks(response.text) == set()
    assert "no issue with id 'no-such-issue'" in parse(response.text).find(data_testid="error").text


async def test_the_survivors_page_lists_the_merged_issues_tasks_and_links_the_queue(browser_as, gateway):
    seeded = await merged_pair(gateway)
    viewer = await browser_as("vic", Role.VIEWER)

    page = parse((await viewer.get(f"/admin/issues/{seeded['charges']}")).text)

    reasons = {li.find("a").text for li in page.find("ul", class_="tasks").find_all("li")}
    assert reasons == {"About fees", "About charges"}
    link = page.find(data_testid="issue-tasks")
    assert link.attrs["href"] == f"/admin/reviews?issue={seeded['charges']}&status=any"


async def test_the_merged_issues_page_lists_its_survivors_tasks_and_says_so(browser_as, gateway):
    seeded = await merged_pair(gateway)
    viewer = await browser_as("vic", Role.VIEWER)

    page = parse((await viewer.get(f"/admin/issues/{seeded['fees']}")).text)

    reasons = {li.find("a").text for li in page.find("ul", class_="tasks").find_all("li")}
    assert reasons == {"About fees", "About charges"}
    moved = page.find(data_testid="issue-tasks-moved")
    assert (
        moved.text.split()
        == "Its review tasks are listed with those of “Charges”, which holds its complaints now.".split()
    )


async def test_the_interactions_list_and_the_queue_name_the_same_issue_for_a_merged_one(browser_as, gateway):
    seeded = await merged_pair(gateway)
    viewer = await browser_as("vic", Role.VIEWER)

    interactions = parse((await viewer.get("/admin/interactions", params={"issue": seeded["fees"]})).text)
    queue = parse((await viewer.get("/admin/reviews", params={"issue": seeded["fees"]})).text)

    named = [[a.attrs["href"] for a in page.find(id="issue-shown").find_all("a")][:2] for page in (interactions, queue)]
    assert named[0] == named[1] == [f"/admin/issues/{seeded['fees']}", f"/admin/issues/{seeded['charges']}"]
