"""The overview: top issues in the domain's order, traffic, drift alerts, goals, pickers in the URL, roles."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from html_page import csrf_token_of, parse
from overview_seed import issue_runs, rated_traffic

from clustering.issue_status import IssueStatus
from gateway.accounts.records import Role
from gateway.domain.errors import InvalidQuery
from gateway.domain.overview import DriftRule, drift_windows, rank_issues
from gateway.review.records import Priority
from gateway.store.audit import AuditFilter
from gateway.store.issues import IssueFilter


async def answer_and_rate(client, thumbs: str) -> None:
    body = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "How do I reset my password?"}]}
    answered = await client.post("/v1/chat/completions", json=body, headers={"authorization": "Bearer sk-app"})
    assert answered.status_code == 200, answered.text
    feedback = await client.post(
        "/v1/feedback",
        json={"interaction_id": answered.headers["x-feedgate-interaction-id"], "thumbs": thumbs},
        headers={"x-feedgate-feedback-token": answered.headers["x-feedgate-feedback-token"]},
    )
    assert feedback.status_code in (200, 201, 202), feedback.text


async def test_the_overview_shows_interactions_and_the_negative_rate(browser_as, client, gateway):
    for thumbs in ("down", "up", "up", "up"):
        await answer_and_rate(client, thumbs)
    await gateway.services.writer.flush()
    viewer = await browser_as("vic", Role.VIEWER)

    page = parse((await viewer.get("/admin")).text)
    traffic_src = page.find(data_testid="traffic-panel").attrs["data-panel-src"]
    panel = parse((await viewer.get(traffic_src)).text)

    assert page.find("nav").find("a", aria_current="page").text == "Overview"
    assert "/admin/static/panels.js" in [script.attrs["src"] for script in page.find_all("script")]
    assert panel.find(data_testid="interactions").text == "4"
    assert panel.find(data_testid="feedback").text == "4"
    assert panel.find(data_testid="negative-rate").text == "25.0 %"
    page = panel
    assert page.find(data_testid="volume-chart").find("svg", role="img") is not None
    assert page.find(data_testid="rate-chart").find("svg", role="img") is not None


async def test_top_issues_come_in_the_domains_order_with_resolved_ones_left_out(browser_as, gateway):
    engine = gateway.services.engine
    steady = await issue_runs(engine, "bot", "Steady complaint", [20, 20])
    growing = await issue_runs(engine, "bot", "Doubling complaint", [6, 12])
    regressed = await issue_runs(engine, "bot", "Came back", [8, 8], regressed=True)
    resolved = await issue_runs(engine, "bot", "Fixed long ago", [50, 50], status=IssueStatus.RESOLVED)
    task = await gateway.services.reviews.open_manual(
        app="bot",
        reason="look at it",
        priority=Priority.HIGH,
        interaction_ids=[],
        issue_id=growing,
        tags=[],
        evidence=None,
        actor="test",
    )
    viewer = await browser_as("vic", Role.VIEWER)

    page = parse((await viewer.get("/admin")).text)

    shown = [row.attrs["data-issue-id"] for row in page.find(data_testid="top-issues").find_all("tr")[1:]]
    listed = (await gateway.services.issue_service.list(IssueFilter(), "size", 100)).data
    assert shown == [ranked.issue.id for ranked in rank_issues(listed, 10)]
    assert shown == [growing, steady, regressed]  # 6 x 2 = 24 over 20 over 8 x 2 = 16
    assert resolved not in shown
    rows = page.find(data_testid="top-issues").find_all("tr")[1:]
    assert rows[0].find(data_testid="open-tasks").find("a").attrs["href"] == f"/admin/reviews/{task.task.task.id}"
    assert rows[0].find(data_testid="open-tasks").text == "high"
    assert rows[1].find(data_testid="open-tasks").text == "none"
    assert rows[0].find(data_testid="fix-status").text == "no fix yet"
    assert page.find(data_testid="growing").find("a").attrs["href"] == f"/admin/issues/{growing}"


async def test_a_script_in_an_issue_title_renders_as_text(browser_as, gateway):
    await issue_runs(gateway.services.engine, "bot", "<script>alert('x')</script>", [5])
    viewer = await browser_as("vic", Role.VIEWER)

    html = (await viewer.get("/admin")).text

    assert "<script>alert" not in html
    assert parse(html).find(data_testid="top-issues").find("a").text == "<script>alert('x')</script>"


def windows() -> tuple[tuple[datetime, datetime], tuple[datetime, datetime]]:
    """The drift panel's windows now, each with 5 minutes to spare at both ends (the rule aligns them on UTC days)."""
    (recent_start, now), (baseline_start, baseline_end) = drift_windows(datetime.now(UTC), DriftRule())
    spare = timedelta(minutes=5)
    return (recent_start + spare, now - spare), (baseline_start + spare, baseline_end - spare)


async def test_the_drift_alert_fires_for_a_jump_and_not_for_steady_traffic(browser_as, gateway):
    engine = gateway.services.engine
    (recent_start, now), (baseline_start, baseline_end) = windows()
    for app, negative in (("jumpy", 30), ("steady", 7)):
        await rated_traffic(engine, app, baseline_start, baseline_end, negative=20, positive=180)
        await rated_traffic(engine, app, recent_start, now, negative=negative, positive=60 - negative)
    viewer = await browser_as("vic", Role.VIEWER)

    page = parse((await viewer.get("/admin/overview/drift")).text)

    alerts = page.find(data_testid="drift-alerts").find_all("li", data_testid="drift-alert")
    assert [alert.attrs["data-app"] for alert in alerts] == ["jumpy"]
    assert "50.0 %" in alerts[0].text and "10.0 %" in alerts[0].text
    rows = {
        row.attrs["data-app"]: row.text
        for row in page.find(data_testid="drift").find_all("tr")
        if "data-app" in row.attrs
    }
    assert rows["steady"].endswith("no") and rows["jumpy"].endswith("yes")
    assert "mixture sequential probability ratio test" in page.find(data_testid="drift-rule").text


async def test_no_drift_alert_without_a_jump(browser_as, gateway):
    engine = gateway.services.engine
    (recent_start, now), (baseline_start, baseline_end) = windows()
    await rated_traffic(engine, "steady", baseline_start, baseline_end, negative=20, positive=180)
    await rated_traffic(engine, "steady", recent_start, now, negative=6, positive=54)
    viewer = await browser_as("vic", Role.VIEWER)

    page = parse((await viewer.get("/admin/overview/drift")).text)

    assert page.find_all(data_testid="drift-alerts") == []
    assert page.find(data_testid="drift").find("tr", data_app="steady").text.endswith("no")


async def test_pickers_live_in_the_url(browser_as, gateway):
    engine = gateway.services.engine
    now = datetime.now(UTC)
    await issue_runs(engine, "alpha", "An alpha issue", [3])
    await rated_traffic(engine, "alpha", now - timedelta(days=20), now - timedelta(days=10), negative=1, positive=3)
    await rated_traffic(engine, "beta", now - timedelta(days=3), now - timedelta(hours=1), negative=1, positive=1)
    viewer = await browser_as("vic", Role.VIEWER)

    week = parse((await viewer.get("/admin")).text)
    month_of_alpha = parse((await viewer.get("/admin?days=30&app=alpha")).text)
    week_traffic = parse((await viewer.get(week.find(data_testid="traffic-panel").attrs["data-panel-src"])).text)
    alpha_src = month_of_alpha.find(data_testid="traffic-panel").attrs["data-panel-src"]
    alpha_traffic = parse((await viewer.get(alpha_src)).text)

    assert alpha_src == "/admin/overview/traffic?days=30&app=alpha"
    assert week_traffic.find(data_testid="interactions").text == "2"
    assert week.find(data_testid="range-7").attrs["aria-current"] == "true"
    assert alpha_traffic.find(data_testid="interactions").text == "4"
    assert alpha_traffic.find(data_testid="groups").find("th").text == "Model"
    assert month_of_alpha.find(data_testid="range-30").attrs["aria-current"] == "true"
    pickers = month_of_alpha.find(data_testid="pickers")
    assert pickers.find("a", href="/admin?days=90&app=alpha").text == "90 days"
    assert [a.text for a in pickers.find_all("a", aria_current="true")] == ["30 days", "alpha"]
    # A range the pickers do not offer is refused by name, not shown as the default.
    refused = await viewer.get("/admin?days=5")
    # The choices as the picker's links read them (it listed "1, 7, 30, 90").
    said = "“Range” must be one of “24 hours”, “7 days”, “30 days”, “90 days”; got '5'"
    assert refused.status_code == 400 and said in parse(refused.text).text


async def test_a_reviewer_sets_a_goal_and_sees_its_progress_audited(browser_as, gateway):
    now = datetime.now(UTC)
    await rated_traffic(
        gateway.services.engine, "bot", now - timedelta(days=10), now - timedelta(hours=1), negative=40, positive=60
    )
    reviewer = await browser_as("rita", Role.REVIEWER)
    token = csrf_token_of((await reviewer.get("/admin")).text)

    posted = await reviewer.post(
        "/admin/goals",
        data={"csrf_token": token, "kind": "negative_rate_reduction", "app": "bot", "reduction": "30", "months": "3"},
    )
    review = await reviewer.post(
        "/admin/goals",
        data={"csrf_token": token, "kind": "tasks_reviewed_within", "app": "bot", "share": "95", "hours": "48"},
    )

    assert posted.status_code == 303 and review.status_code == 303
    assert posted.headers["location"] == "/admin?days=7&app=bot#goals"
    page = parse((await reviewer.get("/admin/overview/goals?app=bot")).text)
    rows = page.find(data_testid="goals").find_all("tr")[1:]
    assert "Negative rate down 30 %" in rows[0].text
    assert rows[0].find(data_testid="goal-current").text == "40.0 %"
    assert "28.0 %" in rows[0].text  # the target: 40 % x (1 - 30 %)
    assert rows[0].find(data_testid="goal-state").text == "on track"
    assert "95 % of tasks reviewed within 48 hours" in rows[1].text
    assert rows[1].find(data_testid="goal-state").text == "no data"
    audit = await gateway.services.audit_service.list(AuditFilter(action="goal.set"), 10)
    assert {(record.actor, record.app) for record in audit.data} == {("rita", "bot")}
    assert len(audit.data) == 2


async def test_a_goal_without_a_baseline_is_refused_and_one_can_be_removed(browser_as, gateway):
    reviewer = await browser_as("rita", Role.REVIEWER)
    token = csrf_token_of((await reviewer.get("/admin")).text)

    refused = await reviewer.post(
        "/admin/goals",
        data={"csrf_token": token, "kind": "negative_rate_reduction", "app": "quiet", "reduction": "30", "months": "3"},
    )
    assert refused.status_code == 400
    assert "no feedback" in parse(refused.text).find(data_testid="goal-error").text

    await reviewer.post(
        "/admin/goals",
        data={"csrf_token": token, "kind": "tasks_reviewed_within", "app": "quiet", "share": "90", "hours": "24"},
    )
    goal_id = (
        parse((await reviewer.get("/admin/overview/goals")).text)
        .find(data_testid="goals")
        .find_all("tr")[1]
        .attrs["data-goal-id"]
    )
    removed = await reviewer.post(f"/admin/goals/{goal_id}/delete", data={"csrf_token": token})
    assert removed.status_code == 303
    assert parse((await reviewer.get("/admin/overview/goals")).text).find_all(data_testid="goals") == []
    audit = await gateway.services.audit_service.list(AuditFilter(action="goal.delete"), 10)
    assert [record.subject_id for record in audit.data] == [goal_id]


async def test_a_viewer_cannot_set_or_remove_goals(browser_as, gateway):
    viewer = await browser_as("vic", Role.VIEWER)
    page = await viewer.get("/admin")
    token = csrf_token_of(page.text)

    assert parse(page.text).find_all(data_testid="rate-goal-form") == []
    await gateway.services.goals.set_review_goal("bot", 0.9, 24, actor="test")
    assert parse((await viewer.get("/admin/overview/goals")).text).find_all("form") == []
    posted = await viewer.post(
        "/admin/goals",
        data={"csrf_token": token, "kind": "tasks_reviewed_within", "app": "bot", "share": "95", "hours": "48"},
    )
    removed = await viewer.post("/admin/goals/anything/delete", data={"csrf_token": token})

    assert posted.status_code == 403 and removed.status_code == 403
    assert len(await gateway.services.goals.goals()) == 1


async def test_a_goal_without_an_app_is_refused_for_its_app(gateway):
    with pytest.raises(InvalidQuery) as refused:
        await gateway.services.goals.set_rate_goal(" ", 0.3, 3, actor="rita")

    assert refused.value.field == "app" and refused.value.message.startswith("'app' is blank: ")


async def test_the_same_goal_set_twice_is_one_goal(gateway):
    first = await gateway.services.goals.set_review_goal("bot", 0.9, 48, actor="rita")
    again = await gateway.services.goals.set_review_goal("bot", 0.9, 48, actor="rita")

    assert again.id == first.id
    assert [goal.id for goal in await gateway.services.goals.goals("bot")] == [first.id]


async def test_an_issues_fix_status_follows_the_fix_not_the_arm_it_went_live_in(browser_as, gateway):
    services = gateway.services
    issue_id = await issue_runs(services.engine, "bot", "Card declined abroad", [6])
    await services.prompts.service.publish("bot", "Be kind.", "base", "kim", activate=True)
    canary = await services.prompts.service.publish("bot", "Say travel mode.", "fix", "kim", canary_share=0.2)
    await services.fix_links.link_fix(issue_id, "prompt", canary.version.id, arm="canary", actor="kim")
    viewer = await browser_as("vic", Role.VIEWER)

    async def fix_status() -> str:
        page = parse((await viewer.get("/admin")).text)
        [row] = [
            r for r in page.find(data_testid="top-issues").find_all("tr")[1:] if r.attrs["data-issue-id"] == issue_id
        ]
        return row.find(data_testid="fix-status").text

    assert (await fix_status()).startswith("prompt fix (a canary), live")
    await services.prompts.service.promote(canary.version.id, "kim")
    assert (await fix_status()).startswith("prompt fix, live")


async def test_a_goal_form_sent_twice_at_once_is_one_goal(browser_as, gateway):
    # A double click sends the form twice before the first answer comes back.
    rita = await browser_as("rita", Role.REVIEWER)
    token = csrf_token_of((await rita.get("/admin")).text)
    fields = {"app": "bot", "kind": "tasks_reviewed_within", "share": "90", "hours": "48", "csrf_token": token}

    sent = await asyncio.gather(*(rita.post("/admin/goals", data=fields) for _ in range(2)))

    assert [response.status_code for response in sent] == [303, 303]
    assert len(await gateway.services.goals.goals("bot")) == 1
    audit = await gateway.services.audit_service.list(AuditFilter(action="goal.set"), 10)
    assert len(audit.data) == 1


async def test_closed_issues_bigger_than_every_live_one_do_not_crowd_it_out_of_the_top_issues(browser_as, gateway):
    # The ranking reads the largest and fastest-growing issues of the app: closed ones, left out of it,
    # must not take the places of the live ones.
    engine = gateway.services.engine
    for n in range(100):
        status = IssueStatus.DISMISSED if n % 2 else IssueStatus.RESOLVED
        await issue_runs(engine, "bot", f"Closed {n}", [4], status=status)
    live = await issue_runs(engine, "bot", "Still hurting", [2])
    viewer = await browser_as("vic", Role.VIEWER)

    page = parse((await viewer.get("/admin")).text)

    shown = [row.attrs["data-issue-id"] for row in page.find(data_testid="top-issues").find_all("tr")[1:]]
    assert shown == [live]
