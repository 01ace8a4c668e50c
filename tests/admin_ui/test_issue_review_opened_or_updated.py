"""The issue page's "Open a review task" says whether it opened a task or added to the issue's open one."""

from __future__ import annotations

from html_page import csrf_token_of, parse
from issue_seed import issue_with_examples

from gateway.accounts.records import Role


async def _ask(http, issue_id: str, reason: str) -> str:
    token = csrf_token_of((await http.get(f"/admin/issues/{issue_id}")).text)
    answer = await http.post(
        f"/admin/issues/{issue_id}/review", data={"csrf_token": token, "priority": "medium", "reason": reason}
    )
    assert answer.status_code == 303
    return parse((await http.get(answer.headers["location"])).text).find("p", class_="notice").text


async def test_the_first_request_says_a_task_was_opened(browser_as, gateway):
    issue_id = await issue_with_examples(gateway.services.engine)
    rita = await browser_as("rita", Role.REVIEWER)

    assert await _ask(rita, issue_id, "please look") == "Review task opened."


async def test_a_second_request_says_it_went_to_the_issues_open_task(browser_as, gateway):
    # It said "Review task opened (or the issue's open task updated)": the reviewer could not tell that no second
    # task was opened, nor where their reason went.
    issue_id = await issue_with_examples(gateway.services.engine)
    rita = await browser_as("rita", Role.REVIEWER)
    await _ask(rita, issue_id, "please look")

    said = await _ask(rita, issue_id, "please look again")

    assert said.startswith("The issue already has an open review task, so no second one was opened")
