"""The task page's decision forms pick the choice judged when the answer has several (`n` > 1), and its decisions
table says which choice each decision judged (both databases); an answer of one choice offers no pick."""

from __future__ import annotations

from html_page import Element, csrf_token_of, parse
from page_seed import interaction_row, store, task
from test_interaction_page_choices import chat_response

from gateway.accounts.records import Role

CHOICES = ("Free.", "1% abroad.", "2 euros.")


def pairs(detail: Element) -> list[tuple[Element, Element]]:
    """An event's description list as (term, description) pairs."""
    terms = [child for child in detail.children if child.tag == "dt"]
    said = [child for child in detail.children if child.tag == "dd"]
    return list(zip(terms, said, strict=True))


async def test_each_decision_form_picks_the_choice_and_the_decision_says_which(browser_as, gateway):
    [interaction_id] = await store(gateway, interaction_row("Fee?", CHOICES[0], response=chat_response(*CHOICES)))
    task_id = await task(gateway, [interaction_id])
    reviewer = await browser_as("rita", Role.REVIEWER)
    shown = (await reviewer.get(f"/admin/reviews/{task_id}")).text
    page = parse(shown)

    for form_id in ("approve-form", "reject-form", "correct-form"):
        picker = page.find("form", id=form_id).find("select", name="choice")
        assert [(o.attrs["value"], o.text) for o in picker.find_all("option")] == [
            ("0", "choice 0"),
            ("1", "choice 1"),
            ("2", "choice 2"),
        ]
    decided = await reviewer.post(
        f"/admin/reviews/{task_id}/decide",
        data={"csrf_token": csrf_token_of(shown), "outcome": "correct", "correction": "1%.", "choice": "2"},
    )

    assert decided.status_code == 303, decided.text
    assert [d.choice for d in (await gateway.services.reviews.get(task_id)).decisions] == [2]
    after = parse((await reviewer.get(f"/admin/reviews/{task_id}")).text)
    judged = after.find("section", id="task-decisions").find("td", class_="judged-choice")
    assert judged.text == "choice 2"
    assert judged.find("a").attrs["href"] == f"#{interaction_id}-choice-2"
    said = [(dt.text, dd.text) for detail in after.find_all("dl", class_="event-detail") for dt, dd in pairs(detail)]
    assert ("Choice judged", "choice 2") in said


async def test_a_choice_the_answer_has_not_is_refused_on_the_page(browser_as, gateway):
    [interaction_id] = await store(gateway, interaction_row("Fee?", CHOICES[0], response=chat_response(*CHOICES)))
    task_id = await task(gateway, [interaction_id])
    reviewer = await browser_as("rita", Role.REVIEWER)
    token = csrf_token_of((await reviewer.get(f"/admin/reviews/{task_id}")).text)

    for choice, said in (("5", "3 choices (0 to 2)"), ("two", "“The choice judged” must be")):
        refused = await reviewer.post(
            f"/admin/reviews/{task_id}/decide", data={"csrf_token": token, "outcome": "approve", "choice": choice}
        )
        assert refused.status_code in (400, 422), refused.text
        assert said in parse(refused.text).find("p", id="task-error").text
    assert (await gateway.services.reviews.get(task_id)).decisions == ()


async def test_an_answer_of_one_choice_offers_no_pick(browser_as, gateway):
    [interaction_id] = await store(gateway, interaction_row("Fee?", "Free.", response=chat_response("Free.")))
    task_id = await task(gateway, [interaction_id])
    reviewer = await browser_as("rita", Role.REVIEWER)

    shown = (await reviewer.get(f"/admin/reviews/{task_id}")).text
    token = csrf_token_of(shown)
    await reviewer.post(f"/admin/reviews/{task_id}/decide", data={"csrf_token": token, "outcome": "approve"})

    assert parse(shown).find("form", id="approve-form").find_all("select") == []
    after = parse((await reviewer.get(f"/admin/reviews/{task_id}")).text)
    assert after.find_all("td", class_="judged-choice") == []
    assert after.find("section", id="task-decisions").find_all("td")  # the decision is listed
