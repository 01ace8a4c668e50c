"""The task page's "Resolve by a fix" forms pick the choice the fix decision rejects when the answer has several
(`n` > 1), as the decision forms do (both databases)."""

from __future__ import annotations

from html_page import csrf_token_of, parse
from page_seed import interaction_row, store, task
from test_interaction_page_choices import chat_response

from gateway.accounts.records import Role

CHOICES = ("Free.", "1% abroad.", "2 euros.")


async def test_each_new_fix_form_picks_the_choice_and_the_decision_names_it(browser_as, gateway):
    [interaction_id] = await store(gateway, interaction_row("Fee?", CHOICES[0], response=chat_response(*CHOICES)))
    task_id = await task(gateway, [interaction_id])
    reviewer = await browser_as("rita", Role.REVIEWER)
    shown = (await reviewer.get(f"/admin/reviews/{task_id}")).text
    page = parse(shown)

    for form_id in ("knowledge-form", "prompt-form"):
        picker = page.find("form", id=form_id).find("select", name="choice")
        assert [o.attrs["value"] for o in picker.find_all("option")] == ["0", "1", "2"]
    made = await reviewer.post(
        f"/admin/reviews/{task_id}/fix/knowledge",
        data={
            "csrf_token": csrf_token_of(shown),
            "title": "Fees",
            "content": "Transfers abroad cost 1%.",
            "choice": "1",
        },
    )

    assert made.status_code == 303, made.text
    assert [(d.outcome.value, d.choice) for d in (await gateway.services.reviews.get(task_id)).decisions] == [
        ("reject", 1)
    ]


async def test_a_choice_the_answer_has_not_is_refused_and_nothing_is_made(browser_as, gateway):
    [interaction_id] = await store(gateway, interaction_row("Fee?", CHOICES[0], response=chat_response(*CHOICES)))
    task_id = await task(gateway, [interaction_id])
    reviewer = await browser_as("rita", Role.REVIEWER)
    token = csrf_token_of((await reviewer.get(f"/admin/reviews/{task_id}")).text)

    refused = await reviewer.post(
        f"/admin/reviews/{task_id}/fix/knowledge",
        data={"csrf_token": token, "title": "Fees", "content": "Transfers abroad cost 1%.", "choice": "5"},
    )

    assert refused.status_code == 422, refused.text
    assert "3 choices (0 to 2)" in parse(refused.text).find("p", id="task-error").text
    assert (await gateway.services.reviews.get(task_id)).decisions == ()


async def test_an_answer_of_one_choice_offers_no_pick(browser_as, gateway):
    [interaction_id] = await store(gateway, interaction_row("Fee?", "Free.", response=chat_response("Free.")))
    task_id = await task(gateway, [interaction_id])
    reviewer = await browser_as("rita", Role.REVIEWER)

    page = parse((await reviewer.get(f"/admin/reviews/{task_id}")).text)

    assert page.find("form", id="knowledge-form").find_all("select") == []
