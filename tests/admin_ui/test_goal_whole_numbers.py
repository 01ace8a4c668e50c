"""A goal's months and hours are whole numbers: 1.5 is refused saying what to send, never cut to 1."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from html_page import csrf_token_of, parse
from overview_seed import rated_traffic

from gateway.accounts.records import Role


async def goal_form(reviewer) -> str:
    return csrf_token_of((await reviewer.get("/admin")).text)


async def test_a_rate_goal_within_1_5_months_is_refused_not_cut_to_1(browser_as, gateway):
    now = datetime.now(UTC)
    await rated_traffic(gateway.services.engine, "bot", now - timedelta(days=3), now - timedelta(hours=1), 20, 80)
    rita = await browser_as("rita", Role.REVIEWER)
    sent = {"kind": "negative_rate_reduction", "app": "bot", "reduction": "30", "months": "1.5"}

    refused = await rita.post("/admin/goals", data={"csrf_token": await goal_form(rita), **sent})

    assert refused.status_code == 400
    said = parse(refused.text).find(data_testid="goal-error").text
    assert "“Within (months)” must be a whole number of months from 1 to 24, e.g. 3; got 1.5" in said
    assert await gateway.services.goals.goals("bot") == []
    box = parse(refused.text).find("input", name="months")
    assert box.attrs["value"] == "1.5" and box.attrs["aria-invalid"] == "true"


async def test_a_review_goal_within_1_5_hours_is_refused_not_cut_to_1(browser_as, gateway):
    rita = await browser_as("rita", Role.REVIEWER)
    sent = {"kind": "tasks_reviewed_within", "app": "bot", "share": "95", "hours": "1.5"}

    refused = await rita.post("/admin/goals", data={"csrf_token": await goal_form(rita), **sent})

    assert refused.status_code == 400
    said = parse(refused.text).find(data_testid="goal-error").text
    assert f"“Within (hours)” must be a whole number of hours from 1 to {24 * 365}, e.g. 48; got 1.5" in said
    assert await gateway.services.goals.goals("bot") == []


async def test_a_whole_number_written_with_a_point_zero_is_taken(browser_as, gateway):
    rita = await browser_as("rita", Role.REVIEWER)
    sent = {"kind": "tasks_reviewed_within", "app": "bot", "share": "95", "hours": "48.0"}

    answer = await rita.post("/admin/goals", data={"csrf_token": await goal_form(rita), **sent})

    assert answer.status_code == 303
    [goal] = await gateway.services.goals.goals("bot")
    assert goal.hours == 48
