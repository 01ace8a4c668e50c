"""A fix preview of an answer of `n` > 1 choices: "Answer they got" shows every choice, as the interaction page does."""

from __future__ import annotations

from effect_seed import make_issue
from html_page import parse
from page_seed import feedback, interaction_row, store
from preview_seed import preview_of
from sqlalchemy import text
from test_interaction_page_choices import chat_response

from gateway.accounts.records import Role

PROMPT_FORM = {"kind": "prompt", "text": "Tell users: the transfer fee is 1%.", "limit": "5"}


async def test_the_answer_they_got_shows_each_choice_with_the_feedback_on_it(gateway, signed_in_as, fake_upstream):
    three = chat_response("There is no fee.", "The fee is 1%.", "It depends on the country.")
    [many, one] = await store(
        gateway,
        interaction_row("What is the transfer fee?", "There is no fee.", response=three),
        interaction_row("Is there a transfer fee?", "No fee at all."),
    )
    await feedback(gateway, many, comment="the second is right", correction="It is 1%.", choice=1)
    issue_id = await make_issue(gateway.services.engine, [many, one], "Transfer fee")
    reviewer = await signed_in_as("rita", Role.REVIEWER)

    page = parse((await reviewer.get(await preview_of(reviewer, issue_id, **PROMPT_FORM))).text)

    items = page.find_all("section", data_testid="preview-item")
    got = {item.attrs["data-interaction-id"]: item.find(data_part="answer-got") for item in items}
    choices = got[many].find_all(class_="choice")
    assert [(c.attrs["id"], c.find("pre", class_="answer").text) for c in choices] == [
        (f"{many}-choice-0", "There is no fee."),
        (f"{many}-choice-1", "The fee is 1%."),
        (f"{many}-choice-2", "It depends on the country."),
    ]
    assert [c.find(class_="choice-feedback").text for c in choices] == [
        "No feedback",
        "Feedback now: 1 negative, 1 correction, 1 comment",
        "No feedback",
    ]
    assert got[many].find("h3").text == "Answer they got (3 choices)"
    # An answer of one choice reads as before: its text alone.
    assert got[one].find_all(class_="choice") == []
    assert got[one].find(class_="text").text == "No fee at all."


async def test_an_interaction_gone_since_the_preview_shows_the_answer_the_preview_kept(
    gateway, signed_in_as, fake_upstream
):
    three = chat_response("There is no fee.", "The fee is 1%.")
    [many] = await store(gateway, interaction_row("What is the transfer fee?", "There is no fee.", response=three))
    issue_id = await make_issue(gateway.services.engine, [many], "Transfer fee")
    reviewer = await signed_in_as("rita", Role.REVIEWER)
    path = await preview_of(reviewer, issue_id, **PROMPT_FORM)
    async with gateway.services.engine.begin() as connection:  # pruned or erased since (as retention would)
        await connection.execute(text("DELETE FROM interactions WHERE id = :id"), {"id": many})

    page = parse((await reviewer.get(path)).text)

    got = page.find("section", data_testid="preview-item").find(data_part="answer-got")
    assert got.find_all(class_="choice") == []
    assert got.find(class_="text").text == "There is no fee."
