"""What the issue page says after its status form: an untriaged issue is opened, a closed one reopened."""

from __future__ import annotations

from html_page import csrf_token_of, parse
from overview_seed import issue_runs

from clustering.issue_status import IssueStatus
from gateway.accounts.records import Role


async def _open_from_its_page(reviewer, issue_id: str):
    page = await reviewer.get(f"/admin/issues/{issue_id}")
    seen = next(
        field.attrs["value"]
        for field in parse(page.text).find_all("input")
        if field.attrs.get("name") == "expected_status"
    )
    sent = await reviewer.post(
        f"/admin/issues/{issue_id}/status",
        data={"csrf_token": csrf_token_of(page.text), "status": "open", "expected_status": seen},
    )
    assert sent.status_code == 303
    return parse((await reviewer.get(sent.headers["location"])).text).find("p", class_="notice")


async def test_opening_a_new_issue_says_opened_not_reopened(browser_as, gateway):
    issue_id = await issue_runs(gateway.services.engine, "shop", "Refund delays", [3])
    reviewer = await browser_as("rita", Role.REVIEWER)

    notice = await _open_from_its_page(reviewer, issue_id)

    assert notice.text == "Opened."


async def test_opening_a_resolved_issue_again_says_reopened(browser_as, gateway):
    issue_id = await issue_runs(gateway.services.engine, "shop", "Refund delays", [3])
    await gateway.services.issue_service.triage(issue_id, IssueStatus.RESOLVED, None, actor="test")
    reviewer = await browser_as("rita", Role.REVIEWER)

    notice = await _open_from_its_page(reviewer, issue_id)

    assert notice.text == "Reopened."
