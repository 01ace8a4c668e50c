"""A goal's app is a name, blank by the one rule (gateway/domain/blank_text.py): one of zero-width or ideographic
spaces names no app, and is refused naming the field and saying it is blank, by the goal service and so by the
overview's goal forms (which str.strip'ed it, and took U+200B: a goal for an app no call can have)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from html_page import csrf_token_of, parse, refused_fields
from overview_seed import rated_traffic

from gateway.accounts.records import Role
from gateway.domain.errors import InvalidQuery

BLANKS = ["", "\u200b", "\u3000", "\u2060 \ufeff"]
BLANK_APP = "'app' is blank: name the app the goal is for"


@pytest.mark.parametrize("blank", BLANKS)
async def test_a_review_goal_for_a_blank_app_is_refused_as_blank(gateway, blank):
    with pytest.raises(InvalidQuery) as refused:
        await gateway.services.goals.set_review_goal(blank, 0.95, 48, actor="rita")

    assert (refused.value.field, refused.value.message) == ("app", BLANK_APP)
    assert await gateway.services.goals.goals() == []


async def test_a_rate_goal_for_a_blank_app_is_refused_as_blank(gateway):
    with pytest.raises(InvalidQuery) as refused:
        await gateway.services.goals.set_rate_goal("\u200b", 0.3, 3, actor="rita")

    assert refused.value.message == BLANK_APP


async def test_a_goals_app_is_kept_without_its_blank_ends(gateway):
    now = datetime.now(UTC)
    await rated_traffic(gateway.services.engine, "bot", now - timedelta(days=3), now - timedelta(hours=1), 4, 6)

    goal = await gateway.services.goals.set_rate_goal("\u200bbot\u3000", 0.3, 3, actor="rita")

    assert goal.app == "bot"


@pytest.mark.parametrize("blank", ["\u200b", "\u3000"])
async def test_the_goal_form_refuses_a_blank_app_beside_the_field_keeping_what_was_typed(browser_as, gateway, blank):
    rita = await browser_as("rita", Role.REVIEWER)
    token = csrf_token_of((await rita.get("/admin")).text)
    form = {"csrf_token": token, "kind": "tasks_reviewed_within", "app": blank, "share": "95", "hours": "48"}

    refused = await rita.post("/admin/goals", data=form)

    assert refused.status_code == 400
    page = parse(refused.text)
    goal_form = page.find("form", data_testid="review-goal-form")
    assert refused_fields(page, goal_form) == {"app": "“App” is blank: name the app the goal is for."}
    assert goal_form.find("input", name="app").attrs["value"] == blank
    assert await gateway.services.goals.goals() == []
