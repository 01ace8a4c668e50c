"""The task page's "Add the entry and resolve" and "Publish and resolve" forms sent twice make one fix, on both databases.

Each form carries its own idempotency key: sent again, even at once, the repeat goes where the first
went (303), with one entry or version made, one decision and one link to the issue.
"""

from __future__ import annotations

import asyncio

import pytest
from html_page import parse
from page_seed import interaction_row, issue, store, task

from gateway.accounts.records import Role
from gateway.config import Settings
from gateway.store.knowledge import EntryFilter


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """No second opinions: the fix's decision resolves the task."""
    return settings.model_copy(update={"review_second_opinion_share": 0.0})


async def task_form(gateway, browser_as, form_id: str) -> tuple[str, str, dict[str, str], object]:
    """A task about an issue, its issue, the hidden fields of its form `form_id` (rita's), and rita's client."""
    ids = await store(gateway, interaction_row("What is the fee?", "2%"))
    issue_id = await issue(gateway, ids)
    task_id = await task(gateway, ids, issue_id=issue_id, reason="Fee answers")
    rita = await browser_as("rita", Role.REVIEWER)
    form = parse((await rita.get(f"/admin/reviews/{task_id}")).text).find("form", id=form_id)
    hidden = {field.attrs["name"]: field.attrs.get("value", "") for field in form.find_all("input", type="hidden")}
    return task_id, issue_id, hidden, rita


async def test_the_entry_form_sent_twice_at_once_makes_one_entry_and_one_link(browser_as, gateway):
    task_id, issue_id, hidden, rita = await task_form(gateway, browser_as, "knowledge-form")
    assert hidden.get("idempotency_key"), "the form carries its own idempotency key"
    fields = {**hidden, "title": "Fees", "content": "1%."}

    answers = await asyncio.gather(
        *(rita.post(f"/admin/reviews/{task_id}/fix/knowledge", data=fields) for _ in range(2))
    )

    assert [answer.status_code for answer in answers] == [303, 303], [answer.text[-800:] for answer in answers]
    entries = (await gateway.services.knowledge.service.list(EntryFilter(), limit=50)).data
    assert len(entries) == 1
    assert [link.fix_id for link in await gateway.services.fix_links.fixes_for(issue_id)] == [entries[0].id]
    assert len((await gateway.services.reviews.get(task_id)).decisions) == 1


async def test_the_entry_form_sent_again_goes_where_the_first_went(browser_as, gateway):
    task_id, _, hidden, rita = await task_form(gateway, browser_as, "knowledge-form")
    fields = {**hidden, "title": "Fees", "content": "1%."}
    first = await rita.post(f"/admin/reviews/{task_id}/fix/knowledge", data=fields)

    again = await rita.post(f"/admin/reviews/{task_id}/fix/knowledge", data=fields)

    assert first.status_code == again.status_code == 303, again.text[-800:]
    assert again.headers["location"] == first.headers["location"]
    assert len((await gateway.services.knowledge.service.list(EntryFilter(), limit=50)).data) == 1


async def test_the_entry_form_sent_again_with_another_title_is_refused(browser_as, gateway):
    task_id, _, hidden, rita = await task_form(gateway, browser_as, "knowledge-form")
    fields = {**hidden, "title": "Fees", "content": "1%."}
    assert (await rita.post(f"/admin/reviews/{task_id}/fix/knowledge", data=fields)).status_code == 303

    changed = await rita.post(f"/admin/reviews/{task_id}/fix/knowledge", data={**fields, "title": "Card fees"})

    assert changed.status_code == 409
    assert "already sent" in parse(changed.text).find(id="task-error").text
    assert len((await gateway.services.knowledge.service.list(EntryFilter(), limit=50)).data) == 1


async def test_the_publish_form_sent_twice_at_once_publishes_one_version(browser_as, gateway):
    task_id, issue_id, hidden, rita = await task_form(gateway, browser_as, "prompt-form")
    assert hidden.get("idempotency_key"), "the form carries its own idempotency key"
    fields = {**hidden, "text": "Quote the fee schedule.", "message": "fees", "rollout": "active"}

    answers = await asyncio.gather(*(rita.post(f"/admin/reviews/{task_id}/fix/prompt", data=fields) for _ in range(2)))

    assert [answer.status_code for answer in answers] == [303, 303], [answer.text[-800:] for answer in answers]
    task_app = (await gateway.services.reviews.get(task_id)).task.app
    listing = await gateway.services.prompts.service.list(task_app)
    assert [item.version.number for item in listing.versions] == [1]
    assert len(await gateway.services.fix_links.fixes_for(issue_id)) == 1
