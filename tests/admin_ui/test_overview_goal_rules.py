"""Setting and showing negative-rate goals on the overview: what is refused, and a rate that rose is behind."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import uuid_utils
from html_page import csrf_token_of, parse
from overview_seed import rated_traffic

from gateway.accounts.records import Role
from gateway.audit.records import AuditEntry
from gateway.domain.errors import InvalidQuery
from gateway.store.goals import GoalStore


def rate_goal_form(token: str, app: str, months: str = "3") -> dict[str, str]:
    return {"csrf_token": token, "kind": "negative_rate_reduction", "app": app, "reduction": "30", "months": months}


async def test_a_goal_on_a_0_percent_baseline_is_refused_naming_why(browser_as, gateway):
    now = datetime.now(UTC)
    await rated_traffic(gateway.services.engine, "calm", now - timedelta(days=3), now - timedelta(hours=1), 0, 10)
    reviewer = await browser_as("rita", Role.REVIEWER)
    token = csrf_token_of((await reviewer.get("/admin")).text)

    refused = await reviewer.post("/admin/goals", data=rate_goal_form(token, "calm"))

    assert refused.status_code == 400
    assert "0 %: there is nothing to reduce" in parse(refused.text).find(data_testid="goal-error").text
    assert await gateway.services.goals.goals("calm") == []


async def test_a_rate_that_rose_after_the_goal_was_set_shows_no_progress_and_behind(browser_as, gateway):
    engine, now = gateway.services.engine, datetime.now(UTC)
    await rated_traffic(engine, "bot", now - timedelta(days=10), now - timedelta(days=5), negative=20, positive=80)
    await gateway.services.goals.set_rate_goal("bot", 0.3, 3, actor="rita")
    await rated_traffic(engine, "bot", now - timedelta(days=4), now - timedelta(hours=1), negative=60, positive=40)
    viewer = await browser_as("vic", Role.VIEWER)

    row = parse((await viewer.get("/admin/overview/goals?app=bot")).text).find(data_testid="goals").find_all("tr")[1]

    assert row.find(data_testid="goal-current").text == "40.0 %"
    assert row.find(data_testid="goal-progress").text == "0 %"
    assert row.find(data_testid="goal-state").text == "behind"


async def test_a_goal_stored_on_a_0_percent_baseline_is_behind_once_the_rate_is_above_0(browser_as, gateway):
    engine, now = gateway.services.engine, datetime.now(UTC)
    goal = {
        "id": str(uuid_utils.uuid7()),
        "app": "goal0",
        "kind": "negative_rate_reduction",
        "target": 0.3,
        "hours": None,
        "baseline": 0.0,
        "due_at": now + timedelta(days=90),
        "created_by": "rita",
        "created_at": now - timedelta(hours=2),
    }
    audit = AuditEntry(actor="rita", action="goal.set", subject_type="goal", subject_id=goal["id"], app="goal0")
    await GoalStore(engine).insert(goal, audit)
    await rated_traffic(engine, "goal0", now - timedelta(hours=1), now - timedelta(minutes=1), negative=1, positive=1)
    viewer = await browser_as("vic", Role.VIEWER)

    row = parse((await viewer.get("/admin/overview/goals?app=goal0")).text).find(data_testid="goals").find_all("tr")[1]

    assert row.find(data_testid="goal-current").text == "50.0 %"
    assert row.find(data_testid="goal-progress").text == "0 %"
    assert row.find(data_testid="goal-state").text == "behind"


async def test_the_same_reduction_with_other_months_is_refused_naming_the_goal(gateway):
    now = datetime.now(UTC)
    await rated_traffic(gateway.services.engine, "bot", now - timedelta(days=3), now - timedelta(hours=1), 4, 6)
    first = await gateway.services.goals.set_rate_goal("bot", 0.3, 3, actor="rita")

    with pytest.raises(InvalidQuery) as refused:
        await gateway.services.goals.set_rate_goal("bot", 0.3, 6, actor="rita")

    assert refused.value.field == "months" and first.wording in refused.value.message
    assert [goal.id for goal in await gateway.services.goals.goals("bot")] == [first.id]


async def test_the_same_reduction_with_the_same_months_is_the_same_goal(gateway):
    now = datetime.now(UTC)
    await rated_traffic(gateway.services.engine, "bot", now - timedelta(days=3), now - timedelta(hours=1), 4, 6)
    first = await gateway.services.goals.set_rate_goal("bot", 0.3, 3, actor="rita")

    again = await gateway.services.goals.set_rate_goal("bot", 0.3, 3, actor="rita")

    assert again.id == first.id
