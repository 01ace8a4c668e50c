"""A task that needs a second opinion, on its page: the notice says it awaits a second reviewer, and a fix made
by the first reviewer gets the second reviewer's decision, not a second fix."""

from __future__ import annotations

import pytest
from html_page import csrf_token_of, parse
from page_seed import interaction_row, issue, store, task

from gateway.accounts.records import Role
from gateway.config import Settings


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Every task needs two different reviewers."""
    return settings.model_copy(update={"review_second_opinion_share": 1.0})


# The task page's forms: claim, decide three ways, dismiss, and the two that resolve by a fix.
FORMS = ["claim-form", "approve-form", "reject-form", "correct-form", "dismiss-form", "knowledge-form", "prompt-form"]


async def post_form(http, path: str, action: str, **fields: str):
    token = csrf_token_of((await http.get(path)).text)
    return await http.post(f"{path}/{action}", data={**fields, "csrf_token": token})


async def fixed_by_rita(gateway, browser_as) -> tuple[str, str, object]:
    """A task about an issue, resolved by a knowledge-base entry by rita: its page, issue id and rita's response."""
    ids = await store(gateway, interaction_row("What is the fee?", "2%"))
    issue_id = await issue(gateway, ids)
    path = f"/admin/reviews/{await task(gateway, ids, issue_id=issue_id)}"
    rita = await browser_as("rita", Role.REVIEWER)
    response = await post_form(rita, path, "fix/knowledge", title="Fees", content="The fee is 1%.")
    assert response.status_code == 303, response.text
    return path, issue_id, await rita.get(response.headers["location"])


async def test_a_fix_on_a_second_opinion_task_says_the_task_awaits_a_second_reviewer(browser_as, gateway):
    _, _, page = await fixed_by_rita(gateway, browser_as)

    notice = parse(page.text).find("p", id="task-notice").text

    assert notice == (
        "Knowledge-base entry added; the task awaits a second, different reviewer (it needs two different reviewers)."
    )


async def test_a_decision_on_a_second_opinion_task_says_the_task_awaits_a_second_reviewer(browser_as, gateway):
    path = f"/admin/reviews/{await task(gateway, await store(gateway, interaction_row('Fee?', '2%')))}"
    rita = await browser_as("rita", Role.REVIEWER)

    response = await post_form(rita, path, "decide", outcome="approve")
    notice = parse((await rita.get(response.headers["location"])).text).find("p", id="task-notice").text

    assert notice == "Decision recorded: approve; the task awaits a second, different reviewer."


async def test_the_first_reviewer_is_shown_no_forms_to_judge_the_task_again(browser_as, gateway):
    _, _, page = await fixed_by_rita(gateway, browser_as)

    html = parse(page.text)

    assert html.find_all("p", id="awaiting-second") != []
    assert [name for name in FORMS if html.find_all("form", id=name)] == ["dismiss-form"]


async def test_the_second_reviewer_is_shown_the_fix_and_the_decision_forms_but_no_fix_forms(browser_as, gateway):
    path, _, _ = await fixed_by_rita(gateway, browser_as)
    sam = await browser_as("sam", Role.REVIEWER)

    html = parse((await sam.get(path)).text)

    assert "rita already resolved this task by a fix: Resolved by knowledge-base entry 'Fees'" in (
        html.find("p", id="existing-fix").text
    )
    assert [name for name in FORMS if html.find_all("form", id=name)] == FORMS[:5]


async def test_a_second_fix_from_the_second_reviewer_is_refused(browser_as, gateway):
    path, issue_id, _ = await fixed_by_rita(gateway, browser_as)
    sam = await browser_as("sam", Role.REVIEWER)

    response = await post_form(sam, path, "fix/prompt", text="Fees are 1%.", message="fee", rollout="active")

    assert response.status_code == 409
    assert "rita already resolved this task by a fix" in parse(response.text).find("p", id="task-error").text
    assert len(await gateway.services.fix_links.fixes_for(issue_id)) == 1
    assert (await gateway.services.prompts.service.list("support-bot")).versions == ()


async def test_the_second_reviewers_reject_resolves_the_task_by_the_first_fix(browser_as, gateway):
    path, _, _ = await fixed_by_rita(gateway, browser_as)
    sam = await browser_as("sam", Role.REVIEWER)

    response = await post_form(sam, path, "decide", outcome="reject")
    page = parse((await sam.get(response.headers["location"])).text)

    assert page.find("p", id="task-notice").text == "Decision recorded: reject."
    assert page.find("dd", data_testid="task-status").text.startswith("resolved")
