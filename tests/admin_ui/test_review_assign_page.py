"""The task page gives a task to a reviewer or admin (or to nobody), as PATCH /api/reviews/{id} assign does."""

from __future__ import annotations

from html_page import csrf_token_of, parse
from page_seed import interaction_row, store, task

from gateway.accounts.records import Role


async def a_task(gateway) -> str:
    return await task(gateway, await store(gateway, interaction_row("What is the fee?", "2%")), reason="Fee answers")


async def test_the_task_page_offers_the_reviewers_and_admins_but_not_viewers(browser_as, gateway, add_user):
    task_id = await a_task(gateway)
    await add_user("vic", Role.VIEWER)
    await add_user("rita", Role.REVIEWER)
    ana = await browser_as("ana", Role.ADMIN)

    form = parse((await ana.get(f"/admin/reviews/{task_id}")).text).find("form", id="assign-form")

    options = [option.attrs["value"] for option in form.find_all("option")]
    assert options == ["", "ana", "rita"]


async def test_assigning_from_the_task_page_saves_the_assignee_and_audits_it(browser_as, gateway, add_user):
    task_id = await a_task(gateway)
    await add_user("rita", Role.REVIEWER)
    ana = await browser_as("ana", Role.ADMIN)
    token = csrf_token_of((await ana.get(f"/admin/reviews/{task_id}")).text)

    response = await ana.post(f"/admin/reviews/{task_id}/assign", data={"csrf_token": token, "assignee": "rita"})

    assert response.status_code == 303, response.text
    page = parse((await ana.get(response.headers["location"])).text)
    assert page.find("dd", data_testid="assignee").text.startswith("rita")
    assert page.find("p", id="task-notice").text == "Assignee saved."
    detail = await gateway.services.reviews.get(task_id)
    assert (detail.task.assignee, detail.events[-1].kind, detail.events[-1].actor) == ("rita", "assigned", "ana")


async def test_choosing_nobody_unassigns_the_task(browser_as, gateway, add_user):
    task_id = await a_task(gateway)
    await gateway.services.reviews.assign(task_id, "rita", "ana")
    ana = await browser_as("ana", Role.ADMIN)
    token = csrf_token_of((await ana.get(f"/admin/reviews/{task_id}")).text)

    response = await ana.post(f"/admin/reviews/{task_id}/assign", data={"csrf_token": token, "assignee": ""})

    assert response.status_code == 303, response.text
    assert (await gateway.services.reviews.get(task_id)).task.assignee is None


async def test_a_viewer_sees_the_assignee_but_no_form(browser_as, gateway):
    task_id = await a_task(gateway)
    await gateway.services.reviews.assign(task_id, "rita", "ana")
    vic = await browser_as("vic", Role.VIEWER)

    page = parse((await vic.get(f"/admin/reviews/{task_id}")).text)

    assert page.find("dd", data_testid="assignee").text == "rita"
    assert page.find_all("form", id="assign-form") == []


async def test_a_name_the_list_does_not_hold_is_refused_and_nothing_changes(browser_as, gateway, add_user):
    task_id = await a_task(gateway)
    await add_user("vic", Role.VIEWER)
    rita = await browser_as("rita", Role.REVIEWER)
    token = csrf_token_of((await rita.get(f"/admin/reviews/{task_id}")).text)

    answers = [
        await rita.post(f"/admin/reviews/{task_id}/assign", data={"csrf_token": token, "assignee": name})
        for name in ("vic", "ghost")
    ]

    assert [answer.status_code for answer in answers] == [400, 400]
    assert "is no enabled reviewer or admin" in answers[0].text
    assert (await gateway.services.reviews.get(task_id)).task.assignee is None
