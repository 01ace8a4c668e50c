"""The review task and issue pages of an answer of `n` > 1 choices (both databases): every choice is shown, and
each feedback (and an issue's example) says which choice it judges; an answer of one choice reads as before."""

from __future__ import annotations

from html_page import parse
from page_seed import feedback, interaction_row, issue, store, task
from test_interaction_page_choices import chat_response

from gateway.accounts.records import Role


async def test_a_tasks_feedback_names_the_choice_it_judges_beside_every_choice(browser_as, gateway):
    response = chat_response("Free.", "1% abroad.", "2 euros.")
    [interaction_id] = await store(gateway, interaction_row("Is there a fee?", "Free.", response=response))
    await feedback(gateway, interaction_id, comment="Wrong", correction="The fee is 1%.", choice=2)
    task_id = await task(gateway, [interaction_id])
    viewer = await browser_as("vic", Role.VIEWER)

    page = parse((await viewer.get(f"/admin/reviews/{task_id}")).text)

    exchange = page.find("article", data_interaction_id=interaction_id)
    choices = exchange.find_all(class_="choice")
    assert [(c.attrs["id"], c.find("pre", class_="answer").text) for c in choices] == [
        (f"{interaction_id}-choice-0", "Free."),
        (f"{interaction_id}-choice-1", "1% abroad."),
        (f"{interaction_id}-choice-2", "2 euros."),
    ]
    line = exchange.find("ul", class_="feedback").find("li")
    assert line.text.endswith("user-1 (current), on choice 2: thumbs down · “Wrong” · Correction: The fee is 1%.")
    assert line.find("a", class_="on-choice").attrs["href"] == f"#{interaction_id}-choice-2"


async def test_a_tasks_answer_of_one_choice_names_no_choice(browser_as, gateway):
    [interaction_id] = await store(
        gateway, interaction_row("Is there a fee?", "Free.", response=chat_response("Free."))
    )
    await feedback(gateway, interaction_id, comment="Wrong")
    task_id = await task(gateway, [interaction_id])
    viewer = await browser_as("vic", Role.VIEWER)

    page = parse((await viewer.get(f"/admin/reviews/{task_id}")).text)

    exchange = page.find("article", data_interaction_id=interaction_id)
    assert exchange.find_all(class_="choice") == []
    assert exchange.find("pre", class_="answer").text == "Free."
    assert "choice" not in exchange.find("ul", class_="feedback").text


async def test_an_issue_example_shows_the_choice_its_correction_is_about(browser_as, gateway):
    response = chat_response("Free.", "1% abroad.", "2 euros.")
    [interaction_id] = await store(gateway, interaction_row("Is there a fee?", "Free.", response=response))
    await feedback(gateway, interaction_id, comment="Wrong", correction="The fee is 1%.", choice=2)
    issue_id = await issue(gateway, [interaction_id])
    viewer = await browser_as("vic", Role.VIEWER)

    page = parse((await viewer.get(f"/admin/issues/{issue_id}")).text)

    example = page.find(data_testid="example")
    assert example.find(data_part="answer").text == "2 euros."
    assert example.find(data_part="answer-heading").text == "Answer (choice 2 of 3)"
    assert example.find(data_part="correction").text == "The fee is 1%."


async def test_an_issue_example_of_one_choice_shows_the_answer_as_before(browser_as, gateway):
    [interaction_id] = await store(
        gateway, interaction_row("Is there a fee?", "Free.", response=chat_response("Free."))
    )
    await feedback(gateway, interaction_id, comment="Wrong", correction="The fee is 1%.")
    issue_id = await issue(gateway, [interaction_id])
    viewer = await browser_as("vic", Role.VIEWER)

    page = parse((await viewer.get(f"/admin/issues/{issue_id}")).text)

    example = page.find(data_testid="example")
    assert example.find(data_part="answer").text == "Free."
    assert example.find(data_part="answer-heading").text == "Answer"
