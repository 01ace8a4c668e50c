"""A task page's decision comment is trimmed by the one rule (gateway/domain/blank_text.py), as the rest of the
review texts are: zero-width characters are blank too, where `str.strip` kept them."""

from __future__ import annotations

import pytest
from html_page import hidden_fields, parse
from page_seed import interaction_row, store, task

from gateway.accounts.records import Role


async def decided_comment(gateway, browser_as, comment: str) -> str | None:
    """The comment stored for a rejection sent from the task page with `comment` in its box."""
    task_id = await task(gateway, await store(gateway, interaction_row("What is the fee?", "2 %")))
    rita = await browser_as("rita", Role.REVIEWER)
    page = parse((await rita.get(f"/admin/reviews/{task_id}")).text)

    sent = await rita.post(
        f"/admin/reviews/{task_id}/decide", data={**hidden_fields(page, "reject-form"), "comment": comment}
    )

    assert sent.status_code == 303, sent.text[-600:]
    [decision] = (await gateway.services.reviews.get(task_id)).decisions
    return decision.comment


@pytest.mark.parametrize("blank", ["\u200b", "\u200b\u3000\u2060"])
async def test_a_comment_of_blank_characters_only_is_no_comment(gateway, browser_as, blank):
    assert await decided_comment(gateway, browser_as, blank) is None


async def test_a_comments_zero_width_ends_are_trimmed(gateway, browser_as):
    assert await decided_comment(gateway, browser_as, "\ufeff The fee is 1%. \u200b") == "The fee is 1%."
