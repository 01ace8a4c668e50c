"""An interaction of `n` > 1 choices: its page shows the first choice's answer and says the others are kept."""

from __future__ import annotations

from html_page import parse
from page_seed import interaction_row, store

from gateway.accounts.records import Role


def chat_response(*texts: str) -> dict:
    choices = [
        {"index": i, "message": {"role": "assistant", "content": t}, "finish_reason": "stop"}
        for i, t in enumerate(texts)
    ]
    return {"id": "chatcmpl-1", "object": "chat.completion", "choices": choices}


async def test_the_page_of_n_choices_shows_the_first_and_says_how_many_are_kept(browser_as, gateway):
    [interaction_id] = await store(gateway, interaction_row("Hi", "One", response=chat_response("One", "Two", "Three")))
    viewer = await browser_as("vic", Role.VIEWER)

    page = parse((await viewer.get(f"/admin/interactions/{interaction_id}")).text)

    answer = page.find("section", id="answer")
    assert answer.find("pre", class_="answer").text == "One"
    assert " ".join(answer.find(data_testid="choices").text.split()) == (
        f"The first of 3 choices; GET /api/interactions/{interaction_id} gives the stored response with them all."
    )


async def test_the_page_of_one_choice_says_nothing_of_choices(browser_as, gateway):
    [interaction_id] = await store(gateway, interaction_row("Hi", "One", response=chat_response("One")))
    viewer = await browser_as("vic", Role.VIEWER)

    page = parse((await viewer.get(f"/admin/interactions/{interaction_id}")).text)

    assert page.find_all(data_testid="choices") == []
