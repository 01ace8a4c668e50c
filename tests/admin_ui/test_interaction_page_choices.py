"""An interaction of `n` > 1 choices: its page shows every choice, and each feedback says which one it judges."""

from __future__ import annotations

from html_page import parse
from page_seed import feedback, interaction_row, store

from gateway.accounts.records import Role


def chat_response(*texts: str) -> dict:
    choices = [
        {"index": i, "message": {"role": "assistant", "content": t}, "finish_reason": "stop"}
        for i, t in enumerate(texts)
    ]
    return {"id": "chatcmpl-1", "object": "chat.completion", "choices": choices}


async def test_the_page_of_n_choices_shows_every_choice_the_first_as_the_recorded_answer(browser_as, gateway):
    [interaction_id] = await store(gateway, interaction_row("Hi", "One", response=chat_response("One", "Two", "Three")))
    viewer = await browser_as("vic", Role.VIEWER)

    page = parse((await viewer.get(f"/admin/interactions/{interaction_id}")).text)

    answer = page.find("section", id="answer")
    choices = answer.find_all(class_="choice")
    assert [(c.attrs["id"], c.find("pre", class_="answer").text) for c in choices] == [
        ("choice-0", "One"),
        ("choice-1", "Two"),
        ("choice-2", "Three"),
    ]
    assert [c.find(class_="choice-name").text for c in choices] == [
        "Choice 0 (the recorded answer: search and clustering read it)",
        "Choice 1",
        "Choice 2",
    ]
    assert answer.find(data_testid="choices").text == "The app asked for 3 choices (n = 3): each is shown below."


async def test_each_feedback_on_an_answer_of_n_choices_names_the_choice_it_judges(browser_as, gateway):
    [interaction_id] = await store(gateway, interaction_row("Hi", "One", response=chat_response("One", "Two", "Three")))
    await feedback(gateway, interaction_id, comment="the second is wrong", correction="Deux", choice=1, user_id="u1")
    await feedback(gateway, interaction_id, negative=False, comment="fine", user_id="u2")
    viewer = await browser_as("vic", Role.VIEWER)

    page = parse((await viewer.get(f"/admin/interactions/{interaction_id}")).text)

    table = page.find("section", id="feedback").find("table")
    assert [th.text for th in table.find("thead").find_all("th")][:2] == ["When", "Choice"]
    rows = table.find("tbody").find_all("tr")
    cells = [row.find("td", class_="on-choice") for row in rows]
    assert [(cell.text, cell.find("a").attrs["href"]) for cell in cells] == [
        ("choice 1", "#choice-1"),
        ("choice 0", "#choice-0"),
    ]
    # Each choice says what its voters say of it now, as the interactions list says it of a whole call.
    tallies = [c.find(class_="choice-feedback").text for c in page.find_all(class_="choice")]
    assert tallies == [
        "Feedback now: 1 positive, 1 comment",
        "Feedback now: 1 negative, 1 correction, 1 comment",
        "No feedback",
    ]


async def test_a_legacy_completions_choices_show_their_text(browser_as, gateway):
    response = {"object": "text_completion", "choices": [{"index": 0, "text": "Alpha"}, {"index": 1, "text": "Beta"}]}
    row = interaction_row("Hi", "Alpha", response=response, endpoint="completions")
    [interaction_id] = await store(gateway, row)
    viewer = await browser_as("vic", Role.VIEWER)

    page = parse((await viewer.get(f"/admin/interactions/{interaction_id}")).text)

    assert [c.find("pre", class_="answer").text for c in page.find_all(class_="choice")] == ["Alpha", "Beta"]


async def test_a_choice_of_tool_calls_shows_its_calls_and_finish_reason(browser_as, gateway):
    call = {"id": "call_1", "type": "function", "function": {"name": "get_fee", "arguments": '{"country": "FR"}'}}
    response = chat_response("One", "Two")
    response["choices"][1] = {
        "index": 1,
        "message": {"role": "assistant", "content": None, "tool_calls": [call]},
        "finish_reason": "tool_calls",
    }
    [interaction_id] = await store(gateway, interaction_row("Hi", "One", response=response))
    viewer = await browser_as("vic", Role.VIEWER)

    page = parse((await viewer.get(f"/admin/interactions/{interaction_id}")).text)

    second = page.find(id="choice-1")
    assert second.find("code", class_="tool-name").text == "get_fee"
    assert second.find("pre", class_="small").text == '{"country": "FR"}'
    assert second.find(class_="finish").text == "· finish reason tool_calls"


async def test_the_page_of_one_choice_says_nothing_of_choices(browser_as, gateway):
    [interaction_id] = await store(gateway, interaction_row("Hi", "One", response=chat_response("One")))
    await feedback(gateway, interaction_id, comment="wrong")
    viewer = await browser_as("vic", Role.VIEWER)

    page = parse((await viewer.get(f"/admin/interactions/{interaction_id}")).text)

    assert page.find_all(data_testid="choices") == []
    assert page.find_all(class_="choice") == []
    assert page.find("section", id="answer").find("pre", class_="answer").text == "One"
    assert "Choice" not in [th.text for th in page.find("section", id="feedback").find_all("th")]


async def test_an_answer_listed_out_of_order_shows_each_choice_under_its_index(browser_as, gateway):
    # The upstream listed index 1 first: the recorded answer is its text, but choice 0 is index 0's.
    response = chat_response("Zero", "One")
    response["choices"].reverse()
    [interaction_id] = await store(gateway, interaction_row("Hi", "One", response=response))
    await feedback(gateway, interaction_id, comment="zero is wrong", choice=0, user_id="u1")
    viewer = await browser_as("vic", Role.VIEWER)

    page = parse((await viewer.get(f"/admin/interactions/{interaction_id}")).text)

    choices = page.find("section", id="answer").find_all(class_="choice")
    assert [(c.attrs["id"], c.find("pre", class_="answer").text) for c in choices] == [
        ("choice-0", "Zero"),
        ("choice-1", "One"),
    ]
    assert [c.find(class_="choice-feedback").text for c in choices] == [
        "Feedback now: 1 negative, 1 comment",
        "No feedback",
    ]


async def test_a_choice_that_made_a_legacy_function_call_shows_the_call(browser_as, gateway):
    # The answer to a request with the older `functions`: `function_call`, not `tool_calls`.
    response = chat_response("One", "Two")
    response["choices"][1] = {
        "index": 1,
        "message": {"role": "assistant", "content": None, "function_call": {"name": "get_fee", "arguments": "{}"}},
        "finish_reason": "function_call",
    }
    [interaction_id] = await store(gateway, interaction_row("Hi", "One", response=response))
    viewer = await browser_as("vic", Role.VIEWER)

    page = parse((await viewer.get(f"/admin/interactions/{interaction_id}")).text)

    second = page.find(id="choice-1")
    assert (second.find("code", class_="tool-name").text, second.find("pre", class_="small").text) == ("get_fee", "{}")
    assert "No text." not in second.text
