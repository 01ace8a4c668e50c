"""A task holding none of the answers (another task held its issue's complaints first) says so and offers no decision.

Its page read "0 of 0 interactions" and offered Approve, Reject, Correct and the fix forms over nothing: now it names
the tasks that hold the complaints, linked, and offers no decision; a decision sent all the same (the API, a key in
the queue, an old page) is refused (409) with nothing written, as the domain refuses it.
"""

from __future__ import annotations

from html_page import csrf_token_of, parse
from page_seed import interaction_row, issue, store, task
from sqlalchemy import delete, insert

from gateway.accounts.records import Role
from gateway.review.errors import TaskConflict
from gateway.review.records import Outcome
from gateway.store.tables import issue_members

DECISION_FORMS = ("approve-form", "reject-form", "correct-form", "knowledge-form", "prompt-form", "claim-form")


async def complaints_now(gateway, issue_id: str, member_ids: list[str]) -> None:
    """The issue's complaints are `member_ids` now, as a clustering run leaves them (gateway.store.issue_increments)."""
    async with gateway.services.engine.begin() as connection:
        await connection.execute(delete(issue_members).where(issue_members.c.issue_id == issue_id))
        if member_ids:
            await connection.execute(
                insert(issue_members), [{"issue_id": issue_id, "interaction_id": m} for m in member_ids]
            )


async def empty_issue_task(gateway) -> tuple[str, str]:
    """A manual task about an issue whose two complaints another task, dismissed since, holds: (the empty task, the
    holder).

    A person's task about an issue takes its complaints nobody holds, and one that would hold nothing is refused (the
    review service's rules, gateway.review.service), so this is how one comes to hold nothing: opened while the issue
    had no complaint (its only one withdrawn), it sees a later run put in the issue two answers another task took.
    """
    ids = await store(gateway, interaction_row("What is the fee?", "2%"), interaction_row("Is there a fee?", "Yes."))
    withdrawn = await store(gateway, interaction_row("How much is a transfer?", "Free."))
    issue_id = await issue(gateway, withdrawn, title="Transfer fee answers")
    await complaints_now(gateway, issue_id, [])
    empty = await task(gateway, [], issue_id=issue_id, reason="Review the issue")
    holder = await task(gateway, ids, reason="Two answers first")
    await gateway.services.reviews.dismiss(holder, "otto")  # closed, it keeps its two for good
    await complaints_now(gateway, issue_id, ids)
    assert (await gateway.services.reviews.get(empty)).interaction_ids == ()
    return empty, holder


async def test_its_page_names_the_task_holding_the_complaints_instead_of_0_of_0(browser_as, gateway):
    empty, holder = await empty_issue_task(gateway)
    rita = await browser_as("rita", Role.REVIEWER)

    page = parse((await rita.get(f"/admin/reviews/{empty}")).text)

    assert "0 of 0" not in page.find("section", id="task-issues").text
    said = page.find("p", data_testid="held-elsewhere")
    assert said.text.startswith("This task holds none of this issue's complaints")
    assert said.find("a").attrs["href"] == f"/admin/reviews/{holder}"


async def test_its_page_offers_no_decision_over_nothing(browser_as, gateway):
    empty, holder = await empty_issue_task(gateway)
    rita = await browser_as("rita", Role.REVIEWER)

    page = parse((await rita.get(f"/admin/reviews/{empty}")).text)

    assert [form for form in DECISION_FORMS if page.find_all("form", id=form)] == []
    nothing = page.find("p", id="nothing-to-decide")
    assert nothing.find("a").attrs["href"] == f"/admin/reviews/{holder}"
    assert page.find_all("form", id="dismiss-form"), "it can still be dismissed"


async def test_a_decision_sent_all_the_same_is_refused_and_writes_nothing(browser_as, gateway):
    empty, _ = await empty_issue_task(gateway)
    rita = await browser_as("rita", Role.REVIEWER)
    token = csrf_token_of((await rita.get(f"/admin/reviews/{empty}")).text)

    refused = await rita.post(f"/admin/reviews/{empty}/decide", data={"csrf_token": token, "outcome": "approve"})

    assert refused.status_code == 409
    assert "holds no interactions" in parse(refused.text).find(id="task-error").text
    assert (await gateway.services.reviews.get(empty)).decisions == ()


async def test_the_domain_refuses_a_decision_on_a_task_holding_nothing(gateway):
    empty, _ = await empty_issue_task(gateway)

    try:
        await gateway.services.reviews.decide(empty, "rita", Outcome.APPROVE)
    except TaskConflict as refused:
        assert "nothing to approve, reject or correct" in refused.message
    else:
        raise AssertionError("a decision over no interaction was recorded")


async def test_its_page_suggests_no_action_over_nothing(browser_as, gateway):
    # "Suggested action: Improve the prompt" over no answer, beside a notice saying there is nothing to decide here:
    # its issue's fix is made from the issue's page, and this task can only be dismissed.
    empty, _ = await empty_issue_task(gateway)
    rita = await browser_as("rita", Role.REVIEWER)

    page = parse((await rita.get(f"/admin/reviews/{empty}")).text)

    assert page.find_all("section", id="suggested-action") == []
    assert page.find_all("p", id="nothing-to-decide")
