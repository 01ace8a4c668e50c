"""The issue page's review form, on an issue another was merged into by a pass whose hand-over has not run yet, takes
the merged issue's open task (its claim and history kept) rather than opening a second task that the hand-over would
then dismiss (ReviewService.hand_over_merged, as POST /api/reviews does)."""

from __future__ import annotations

from html_page import csrf_token_of
from issue_rows import store_issue
from page_seed import interaction_row, store, task
from sqlalchemy import update

from gateway.accounts.records import Role
from gateway.review.merged_issues import follow_merged_issues
from gateway.review.records import UNFINISHED
from gateway.store.reviews import ReviewFilter
from gateway.store.tables import issues

APP = "support-bot"


async def test_the_issue_pages_review_form_takes_the_merged_issues_task(browser_as, gateway):
    services = gateway.services
    fees, charges = await store(gateway, interaction_row("What is the fee?", "2%"), interaction_row("Charges?", "1"))
    await store_issue(services.engine, APP, "fees", [fees])
    await store_issue(services.engine, APP, "charges", [charges])
    merged_task = await task(gateway, [], issue_id="fees")
    await services.reviews.claim(merged_task, "rita")
    async with services.engine.begin() as connection:
        await connection.execute(
            update(issues).where(issues.c.id == "fees").values(merged_into="charges", size=0, status="dismissed")
        )
    reviewer = await browser_as("rita", Role.REVIEWER)
    token = csrf_token_of((await reviewer.get("/admin/issues/charges")).text)

    response = await reviewer.post("/admin/issues/charges/review", data={"csrf_token": token, "priority": "high"})

    assert response.status_code == 303, response.text
    waiting = (await services.reviews.list(ReviewFilter(status=UNFINISHED), "queue", 10)).data
    assert [(t.id, t.issue_id, t.lease.holder if t.lease else None) for t in waiting] == [
        (merged_task, "charges", "rita")
    ]
    assert await follow_merged_issues(services.reviews, services.issue_service, APP) == 0
