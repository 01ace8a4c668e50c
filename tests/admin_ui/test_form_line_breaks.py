"""A browser sends a textarea's line breaks as CRLF: every admin form stores them as `\\n`."""

from __future__ import annotations

import pytest
from html_page import csrf_token_of
from page_seed import interaction_row, issue, store, task

from admin_ui.form_text import normalise_line_breaks
from gateway.accounts.records import Role
from gateway.config import Settings


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """No second opinions: one decision resolves a task, whatever its id hashes to."""
    return settings.model_copy(update={"review_second_opinion_share": 0.0})


async def post_form(http, page: str, path: str, **fields: str):
    token = csrf_token_of((await http.get(page)).text)
    return await http.post(path, data={**fields, "csrf_token": token})


def test_crlf_and_a_lone_cr_become_one_newline_each():
    assert normalise_line_breaks("one\r\ntwo\rthree\nfour\r\n\r\n") == "one\ntwo\nthree\nfour\n\n"


async def test_a_prompt_published_from_the_page_is_stored_with_newlines(browser_as, gateway):
    rita = await browser_as("rita", Role.REVIEWER)

    response = await post_form(
        rita,
        "/admin/prompts",
        "/admin/prompts/publish",
        app="bot",
        text="Line one\r\nLine two\r\nLine three",
        message="three lines",
        rollout="active",
    )

    assert response.status_code == 303, response.text
    [listed] = (await gateway.services.prompts.service.list("bot")).versions
    assert listed.version.text == "Line one\nLine two\nLine three"


async def test_a_knowledge_entry_created_from_the_page_is_stored_with_newlines(browser_as, gateway):
    rita = await browser_as("rita", Role.REVIEWER)

    response = await post_form(
        rita,
        "/admin/knowledge",
        "/admin/knowledge",
        app="bot",
        title="Fees",
        content="Transfers cost 1 %.\r\nAlways.",
        example_questions="What does a transfer cost?\r\nFees?",
        tags="fees",
        active="on",
    )

    assert response.status_code == 303, response.text
    entry = await gateway.services.knowledge.service.get(response.headers["location"].split("?")[0].rsplit("/", 1)[1])
    assert entry.content == "Transfers cost 1 %.\nAlways."
    assert entry.example_questions == ("What does a transfer cost?", "Fees?")


async def test_a_knowledge_entry_edited_from_the_page_is_stored_with_newlines(browser_as, gateway):
    entry = await gateway.services.knowledge.service.create("bot", "Fees", "1 %", author="test")
    rita = await browser_as("rita", Role.REVIEWER)
    path = f"/admin/knowledge/{entry.id}"

    response = await post_form(
        rita, path, f"{path}/edit", title="Fees", content="Transfers cost 2 %.\r\nAlways.", example_questions=""
    )

    assert response.status_code == 303, response.text
    edited = await gateway.services.knowledge.service.get(entry.id)
    assert edited.content == "Transfers cost 2 %.\nAlways."


async def test_a_correction_from_the_task_page_is_stored_with_newlines(browser_as, gateway):
    task_id = await task(gateway, await store(gateway, interaction_row("What is the fee?", "2%")))
    rita = await browser_as("rita", Role.REVIEWER)
    path = f"/admin/reviews/{task_id}"

    response = await post_form(
        rita, path, f"{path}/decide", outcome="correct", correction="The fee is 1%.\r\nSince May.", comment=""
    )

    assert response.status_code == 303, response.text
    [decision] = (await gateway.services.reviews.get(task_id)).decisions
    assert decision.correction == "The fee is 1%.\nSince May."


async def test_a_knowledge_fix_from_the_task_page_is_stored_with_newlines(browser_as, gateway):
    ids = await store(gateway, interaction_row("What is the fee?", "2%"))
    issue_id = await issue(gateway, ids)
    task_id = await task(gateway, ids, issue_id=issue_id)
    rita = await browser_as("rita", Role.REVIEWER)
    path = f"/admin/reviews/{task_id}"

    response = await post_form(
        rita,
        path,
        f"{path}/fix/knowledge",
        title="Fees",
        content="The fee is 1%.\r\nSince May.",
        example_questions="fee?\r\nhow much?",
    )

    assert response.status_code == 303, response.text
    [link] = await gateway.services.fix_links.fixes_for(issue_id)
    entry = await gateway.services.knowledge.service.get(link.fix_id)
    assert entry.content == "The fee is 1%.\nSince May."
    assert entry.example_questions == ("fee?", "how much?")


async def test_a_prompt_fix_from_the_task_page_is_stored_with_newlines(browser_as, gateway):
    ids = await store(gateway, interaction_row("What is the fee?", "2%"))
    issue_id = await issue(gateway, ids)
    task_id = await task(gateway, ids, issue_id=issue_id)
    rita = await browser_as("rita", Role.REVIEWER)
    path = f"/admin/reviews/{task_id}"

    response = await post_form(
        rita, path, f"{path}/fix/prompt", text="Be brief.\r\nFees are 1%.", message="fee", rollout="active"
    )

    assert response.status_code == 303, response.text
    [link] = await gateway.services.fix_links.fixes_for(issue_id)
    version = await gateway.services.prompts.service.get(link.fix_id)
    assert version.version.text == "Be brief.\nFees are 1%."
