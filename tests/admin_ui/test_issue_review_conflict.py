"""The issue page's review-task form says a conflicting claim as the review pages do (admin_ui.review_task)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from html_page import csrf_token_of, parse
from issue_seed import issue_with_examples

from admin_ui.rendering import when_text
from gateway.accounts.records import Role
from gateway.review.errors import ClaimedByOther


async def test_someone_elses_claim_is_said_with_the_time_as_pages_show_it_and_how_soon(
    browser_as, gateway, monkeypatch
):
    issue_id = await issue_with_examples(gateway.services.engine)
    expires_at = datetime.now(UTC) + timedelta(minutes=14, seconds=30)

    # No stored state makes opening a task meet a claim today; the review service's own refusal stands in for one.
    async def claimed_by_otto(**_: object) -> None:
        raise ClaimedByOther("task-1", "otto", expires_at)

    monkeypatch.setattr(gateway.services.reviews, "open_or_update", claimed_by_otto)
    reviewer = await browser_as("rita", Role.REVIEWER)
    token = csrf_token_of((await reviewer.get(f"/admin/issues/{issue_id}")).text)

    refused = await reviewer.post(f"/admin/issues/{issue_id}/review", data={"csrf_token": token, "priority": "high"})

    assert refused.status_code == 409
    error = parse(refused.text).find("p", class_="error").text
    assert error == (
        f"otto has claimed this task until {when_text(expires_at)} (in 14 min): wait for the claim to lapse or "
        "ask otto to release it."
    )
