"""A task handed over to the issue its issue was merged into says so, in the API and on the admin pages, at once.

Its reason and evidence were the issue rule's words about the merged issue ("New issue “fees” appeared with 2
complaints ..."); until the next issue-rule pass about the issue it went to rewrote them, the queue and the task page
named the old issue only.
"""

from __future__ import annotations

from html_page import parse
from page_seed import interaction_row, issue, store

from gateway.accounts.records import Role
from gateway.review.issue_rule import IssueRule, apply_issue_rule
from gateway.store.reviews import ReviewFilter

APP = "support-bot"
OPEN_EVERY_ISSUE = IssueRule(min_size=1, growth=100, growth_share=100.0)
FEES_REASON = "New issue \u201cfees\u201d appeared with 2 complaints in one clustering pass."
MERGED_NOTE = "Its issue was merged into \u201cCharges\u201d."


async def merged_task(gateway) -> tuple[str, str, str]:
    """A task the issue rule opened on issue "fees", which a person then merged into "Charges"; (task, fees, charges)."""
    services = gateway.services
    fees = await issue(gateway, await store(gateway, interaction_row("Fee?", "2%"), interaction_row("Any fee?", "No")))
    await apply_issue_rule(services.reviews, services.issue_service, OPEN_EVERY_ISSUE, APP, "r1")
    charges = await issue(gateway, await store(gateway, interaction_row("This charge?", "A fee")), title="Charges")
    [task] = (await services.reviews.list(ReviewFilter(issue_id=fees), "queue", 10)).data
    await services.issue_service.merge(fees, charges, actor="ana")
    return task.id, fees, charges


async def test_the_api_gives_a_handed_over_tasks_reason_naming_the_issue_it_went_to(client, admin_headers, gateway):
    task_id, _, charges = await merged_task(gateway)

    body = (await client.get(f"/api/reviews/{task_id}", headers=admin_headers)).json()
    queue = (await client.get(f"/api/reviews?app={APP}", headers=admin_headers)).json()

    assert (body["issue_id"], body["reason"]) == (charges, f"{FEES_REASON} {MERGED_NOTE}")
    assert [task["reason"] for task in queue["data"]] == [body["reason"]]


async def test_the_api_gives_a_handed_over_tasks_evidence_naming_both_issues(client, admin_headers, gateway):
    task_id, fees, charges = await merged_task(gateway)

    evidence = (await client.get(f"/api/reviews/{task_id}", headers=admin_headers)).json()["evidence"]

    assert evidence["issue"] == {"id": charges, "title": "Charges"}
    assert (evidence["merged_issue"]["id"], evidence["merged_issue"]["size"]) == (fees, 2)


async def test_the_task_page_and_the_queue_name_the_issue_the_task_went_to(browser_as, gateway):
    task_id, fees, charges = await merged_task(gateway)
    vic = await browser_as("vic", Role.VIEWER)

    page = parse((await vic.get(f"/admin/reviews/{task_id}")).text)
    queue = parse((await vic.get("/admin/reviews")).text)

    assert page.find("h1", id="task-reason").text.endswith(MERGED_NOTE)
    facts = page.find("dl", data_testid="evidence-facts")
    pairs = zip(facts.find_all("dt"), facts.find_all("dd"), strict=True)
    links = {dt.text: dd.find_all("a")[0] for dt, dd in pairs if dd.find_all("a")}
    assert (links["Issue"].text, links["Issue"].attrs["href"]) == ("Charges", f"/admin/issues/{charges}")
    assert (links["Merged from"].text, links["Merged from"].attrs["href"]) == ("fees", f"/admin/issues/{fees}")
    [reason] = queue.find_all("td", class_="reason")
    assert reason.text.endswith(MERGED_NOTE)
