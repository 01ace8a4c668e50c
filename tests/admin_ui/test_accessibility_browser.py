"""In a real headless Chromium, every admin page as WCAG 2.2 AA asks: named controls, headings, landmarks, table
headers, chart text, contrast, no sideways scroll on a phone; the keyboard reaching every control with a visible
focus; a refused field marked and described by the refusal; and the review keys' off switch (2.1.4).

Each test seeds one gateway and walks its pages in one browser (the sync Playwright of a module-wide browser would
hold the thread's event loop, which the function fixtures' asyncio.run needs)."""

from __future__ import annotations

import re

import pytest
from admin_helpers import PASSWORD
from page_audit import AUDIT, FOCUSABLE, FOCUSED
from page_seed import APP, feedback, interaction_row, issue, task
from playwright.sync_api import expect

from gateway.accounts.records import Role
from gateway.config import Settings

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 740}


def _seed(gateway) -> dict[str, str]:
    """An app with an issue, its task, a knowledge entry of two versions, two prompt versions and a goal; the pages."""
    services = gateway.app.services
    rows = [interaction_row(f"What is the fee for transfer {n}?", "There is no fee.") for n in range(3)]
    gateway.run_coroutine(services.interactions.insert_many(rows))
    for row in rows:
        gateway.run_coroutine(feedback(gateway.app, row["id"], comment="Wrong", correction="The fee is 1%."))
    ids = [row["id"] for row in rows]
    issue_id = gateway.run_coroutine(issue(gateway.app, ids, title="Transfer fee"))
    task_id = gateway.run_coroutine(task(gateway.app, ids, reason="Check the fee answers", issue_id=issue_id))
    entry = gateway.run_coroutine(services.knowledge.service.create(APP, "Fees", "The fee is 1%.", [], [], author="t"))
    gateway.run_coroutine(services.knowledge.service.edit(entry.id, author="t", content="The fee is 1 %."))
    first = gateway.run_coroutine(services.prompts.service.publish(APP, "Be brief.", "one", "t", activate=True))
    second = gateway.run_coroutine(services.prompts.service.publish(APP, "Be brief. Fee: 1%.", "two", "t"))
    gateway.run_coroutine(services.goals.set_review_goal(APP, 0.95, 48, actor="t"))
    gateway.run_coroutine(services.accounts.create("root", Role.ADMIN, PASSWORD, actor="test"))
    return {
        "overview": "/admin",
        "issues": "/admin/issues",
        "issue": f"/admin/issues/{issue_id}",
        "issue effect": f"/admin/issues/{issue_id}/effect",
        "preview form": f"/admin/issues/{issue_id}/previews",
        "review queue": "/admin/reviews",
        "review task": f"/admin/reviews/{task_id}",
        "interactions": "/admin/interactions",
        "interaction": f"/admin/interactions/{ids[0]}",
        "knowledge": "/admin/knowledge",
        "knowledge entry": f"/admin/knowledge/{entry.id}",
        "prompts": f"/admin/prompts?app={APP}",
        "prompt version": f"/admin/prompts/versions/{second.version.id}",
        "prompt diff": f"/admin/prompts/diff?from={first.version.id}&to={second.version.id}",
        "export": "/admin/export",
        "users": "/admin/users",
    }


def _sign_in(gateway, browser, viewport=DESKTOP):  # a Playwright browser context, signed in as root
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(gateway.origin + "/admin/sign-in")
    page.fill("input[name=name]", "root")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("h1:text('Overview')")
    return context, page


# The panels a page fetches after it loads (the overview's; the issue page's effect, map and look-alikes) are in.
PANELS_IN = """() => !document.querySelector('[data-panel-src]:not([data-panel-loaded]), [aria-busy=true]')
    && ![...document.querySelectorAll('[data-fragment-url]')].some(box => /on (its|their) own\\)/.test(box.textContent))"""


def _settle(page) -> None:
    """Wait for the panels the page fetches after it loads."""
    page.wait_for_function(PANELS_IN)


def test_every_page_passes_the_audit_at_desktop_and_phone_width(settings: Settings, start_gateway, browser):
    gateway = start_gateway(settings)
    pages = _seed(gateway)
    problems: dict[str, list[str]] = {}
    titles: dict[str, str] = {}
    signed_out = browser.new_page(viewport=PHONE)
    signed_out.goto(gateway.origin + "/admin/sign-in")
    problems["sign-in"] = signed_out.evaluate(AUDIT)
    signed_out.close()
    for viewport in (DESKTOP, PHONE):
        context, page = _sign_in(gateway, browser, viewport)
        for name, path in pages.items():
            page.goto(gateway.origin + path)
            _settle(page)
            found = page.evaluate(AUDIT)
            if found:
                problems[f"{name} at {viewport['width']} px"] = found
            titles.setdefault(page.title(), name)
        context.close()

    assert {name: found for name, found in problems.items() if found} == {}
    assert len(titles) == len(pages)  # each page its own title


def test_the_keyboard_reaches_every_control_with_a_visible_focus_and_no_trap(
    settings: Settings, start_gateway, browser
):
    gateway = start_gateway(settings)
    pages = _seed(gateway)
    context, page = _sign_in(gateway, browser)
    unreached: dict[str, list[str]] = {}
    no_ring: dict[str, list[str]] = {}
    for name in ("overview", "issue", "review task", "knowledge entry", "prompts", "users", "interactions"):
        page.goto(gateway.origin + pages[name])
        _settle(page)
        wanted = page.evaluate(FOCUSABLE)
        reached: list[str] = []
        # Tab from the top of the page until the focus leaves it (a trap would keep it forever).
        for _ in range(len(wanted) * 4 + 20):
            page.keyboard.press("Tab")
            focused = page.evaluate(FOCUSED)
            if focused["body"] or (reached and focused["html"] == reached[0]):
                break
            if focused["html"] not in reached:
                reached.append(focused["html"])
                if not focused["ring"] and 'type="datetime-local"' not in focused["html"]:
                    no_ring.setdefault(name, []).append(focused["html"])
        else:
            pytest.fail(f"the focus never left the {name} page: a keyboard trap")
        missing = [html for html in wanted if html not in reached]
        if missing:
            unreached[name] = missing
    context.close()

    assert unreached == {}
    assert no_ring == {}


def test_a_refused_field_is_marked_invalid_and_described_by_the_refusal(settings: Settings, start_gateway, browser):
    gateway = start_gateway(settings)
    _seed(gateway)
    context, page = _sign_in(gateway, browser)

    # A rate goal needs feedback to take a baseline from: refused on its app, in that form alone.
    page.goto(gateway.origin + "/admin")
    rate = page.get_by_test_id("rate-goal-form")
    rate.locator("input[name=app]").fill("no-such-app")
    rate.get_by_role("button", name="Set goal").click()
    app_box = page.get_by_test_id("rate-goal-form").get_by_role("combobox", name="App")
    expect(app_box).to_have_attribute("aria-invalid", "true")
    expect(app_box).to_have_accessible_description(re.compile(r"^App: no-such-app has no feedback"))
    other = page.get_by_test_id("review-goal-form").locator("input[name=app]")
    expect(other).not_to_have_attribute("aria-invalid", "true")

    # 21 tags are one too many: the tags box says so, the title box is untouched.
    page.goto(gateway.origin + "/admin/knowledge")
    create = page.get_by_test_id("create-form")
    create.locator("input[name=app]").fill(APP)
    create.get_by_role("textbox", name="Title").fill("Cards")
    create.get_by_role("textbox", name="Content").fill("Cards arrive in a week.")
    create.get_by_role("textbox", name="Tags (comma-separated)").fill(", ".join(f"t{n}" for n in range(21)))
    create.get_by_role("button", name="Create").click()
    tags = page.get_by_test_id("create-form").get_by_role("textbox", name="Tags (comma-separated)")
    expect(tags).to_have_attribute("aria-invalid", "true")
    expect(tags).to_have_accessible_description(re.compile(r"at most 20 tags"))
    expect(page.get_by_test_id("create-form").get_by_role("textbox", name="Title")).not_to_have_attribute(
        "aria-invalid", "true"
    )

    # A canary share of 100 % (past the box's own limit, as a script or an old page could send) is refused on it.
    page.goto(gateway.origin + f"/admin/prompts?app={APP}")
    publish = page.get_by_test_id("publish-form")
    publish.evaluate("form => form.noValidate = true")
    publish.get_by_role("textbox", name="Instructions").fill("Be kind.")
    publish.get_by_role("radio", name=re.compile("^canary on")).check()
    publish.get_by_role("spinbutton", name="Canary share (% of traffic)").fill("100")
    publish.get_by_role("button", name="Publish").click()
    share = page.get_by_test_id("publish-form").get_by_role("spinbutton", name="Canary share (% of traffic)")
    expect(share).to_have_attribute("aria-invalid", "true")
    expect(share).to_have_accessible_description(re.compile(r"canary's share must be a percentage"))
    context.close()


def test_the_review_keys_can_be_turned_off_and_stay_off(settings: Settings, start_gateway, browser):
    gateway = start_gateway(settings)
    pages = _seed(gateway)
    rows = [interaction_row("Is there a fee?", "No.") for _ in range(2)]
    gateway.run_coroutine(gateway.app.services.interactions.insert_many(rows))
    gateway.run_coroutine(task(gateway.app, [rows[0]["id"]], reason="Second task"))
    context, page = _sign_in(gateway, browser)
    page.goto(gateway.origin + pages["review queue"])
    selected = "() => document.querySelector('tr.task-row.selected td.num').textContent.trim()"

    # On: j moves to the next task and the status line says which, for a screen reader.
    page.keyboard.press("j")
    assert page.evaluate(selected) == "2"
    expect(page.locator("#key-status")).to_have_text(re.compile(r"^Task 2 of 2 selected: "))

    switch = page.get_by_role("checkbox", name="single-key shortcuts on")
    switch.uncheck()
    expect(page.locator("#key-status")).to_have_text("Single-key shortcuts are off.")
    page.locator("h1").click()  # the focus off the box, as a user would move on
    page.keyboard.press("k")
    assert page.evaluate(selected) == "2"

    # Off on the task page too, and after a reload: a (approve) does nothing there.
    page.goto(gateway.origin + pages["review task"])
    expect(page.get_by_role("checkbox", name="single-key shortcuts on")).not_to_be_checked()
    page.keyboard.press("a")
    page.wait_for_timeout(300)
    assert (
        gateway.run_coroutine(gateway.app.services.reviews.get(pages["review task"].rsplit("/", 1)[1])).decisions == ()
    )
    context.close()
