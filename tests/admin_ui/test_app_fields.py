"""The forms that take an app (knowledge, prompts, overview goals): they offer the apps with recorded calls,
and the page after a save for an app with none says so, as the API's `warnings` do."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from html_page import Element, csrf_token_of, parse
from page_seed import interaction_row, store

from gateway.accounts.records import Role

NOW = datetime.now(UTC)


def no_calls_from(app: str, subject: str, seen: str) -> str:
    return (
        f"Note: no calls from app '{app}' have been recorded; the {subject} applies only to that app's calls "
        f"(apps seen: {seen})"
    )


async def record_calls(gateway) -> None:
    """Calls from "bank" two days ago and from "support" today."""
    await store(
        gateway,
        interaction_row("Fee?", "1 %.", app="bank", created_at=NOW - timedelta(days=2)),
        interaction_row("Help?", "Sure.", app="support", created_at=NOW),
    )


def offered(page: Element, form: str) -> list[str]:
    """The apps the form's app field offers: its datalist's options."""
    field = page.find("form", data_testid=form).find("input", name="app")
    datalist = page.find("datalist", id=field.attrs["list"])
    return [option.attrs["value"] for option in datalist.find_all("option")]


def warnings_on(page: Element) -> list[str]:
    return [notice.text for notice in page.find_all(data_testid="app-warning")]


async def post_form(http, page: str, path: str, **fields: str):
    token = csrf_token_of((await http.get(page)).text)
    return await http.post(path, data={**fields, "csrf_token": token}, follow_redirects=True)


async def test_the_knowledge_form_offers_the_apps_with_calls_most_recent_first(browser_as, gateway):
    await record_calls(gateway)
    rita = await browser_as("rita", Role.REVIEWER)

    page = parse((await rita.get("/admin/knowledge")).text)

    assert offered(page, "create-form") == ["support", "bank"]


async def test_an_entry_saved_shows_the_warning_only_for_an_app_with_no_calls(browser_as, gateway):
    await record_calls(gateway)
    rita = await browser_as("rita", Role.REVIEWER)

    unseen = await post_form(
        rita, "/admin/knowledge", "/admin/knowledge", app="nosuchapp", title="Fees", content="1 %.", active="on"
    )
    seen = await post_form(
        rita, "/admin/knowledge", "/admin/knowledge", app="bank", title="Fees", content="1 %.", active="on"
    )

    page = parse(unseen.text)
    assert page.find(data_testid="notice").text == "Saved: created."
    assert warnings_on(page) == [no_calls_from("nosuchapp", "entry", "bank, support")]
    assert warnings_on(parse(seen.text)) == []


async def test_the_publish_form_offers_the_apps_with_calls(browser_as, gateway):
    await record_calls(gateway)
    rita = await browser_as("rita", Role.REVIEWER)

    page = parse((await rita.get("/admin/prompts")).text)

    assert offered(page, "publish-form") == ["support", "bank"]


async def test_a_version_published_shows_the_warning_only_for_an_app_with_no_calls(browser_as, gateway):
    await record_calls(gateway)
    rita = await browser_as("rita", Role.REVIEWER)

    unseen = await post_form(
        rita, "/admin/prompts", "/admin/prompts/publish", app="nosuchapp", text="Be brief.", rollout="active"
    )
    seen = await post_form(rita, "/admin/prompts", "/admin/prompts/publish", app="bank", text="Be brief.")

    page = parse(unseen.text)
    assert page.find(data_testid="notice").text == "Saved: published."
    assert warnings_on(page) == [no_calls_from("nosuchapp", "version", "bank, support")]
    assert warnings_on(parse(seen.text)) == []


async def test_the_goal_forms_offer_the_apps_with_calls(browser_as, gateway):
    await record_calls(gateway)
    rita = await browser_as("rita", Role.REVIEWER)

    page = parse((await rita.get("/admin")).text)

    assert offered(page, "rate-goal-form") == offered(page, "review-goal-form") == ["bank", "support"]


async def test_a_goal_set_shows_the_warning_only_for_an_app_with_no_calls(browser_as, gateway):
    await record_calls(gateway)
    rita = await browser_as("rita", Role.REVIEWER)
    goal = {"kind": "tasks_reviewed_within", "share": "95", "hours": "48"}

    unseen = await post_form(rita, "/admin", "/admin/goals", app="nosuchapp", **goal)
    seen = await post_form(rita, "/admin", "/admin/goals", app="bank", **goal)

    assert unseen.url.path == "/admin" and unseen.url.params["app"] == "nosuchapp"
    assert warnings_on(parse(unseen.text)) == [no_calls_from("nosuchapp", "goal", "bank, support")]
    assert seen.url.params["app"] == "bank" and warnings_on(parse(seen.text)) == []
