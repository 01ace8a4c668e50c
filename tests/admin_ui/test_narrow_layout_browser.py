"""In a real headless Chromium at a phone's width (375 px): the header wraps and no page scrolls sideways,
not even for a 2,000-character word, a 280-character knowledge title or an issue's 200-character title."""

from __future__ import annotations

import pytest
from admin_helpers import PASSWORD
from overview_seed import issue_runs
from page_seed import APP, feedback, interaction_row, task
from test_admin_browser import capture, screenshots  # noqa: F401 (fixture)

from gateway.accounts.records import Role
from gateway.config import Settings
from gateway.review.records import Priority, Source

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 740}
DESKTOP = {"width": 1280, "height": 900}
LONG_WORD = "x" * 2000
WIDTH = "() => [document.documentElement.scrollWidth, window.innerWidth]"
# Each name cell's text and how many lines it takes (a name breaking mid-word takes two).
ONE_LINE_NAMES = """() => [...document.querySelectorAll('td.name')].map(cell => {
    const text = document.createRange(); text.selectNodeContents(cell);
    const tops = new Set([...text.getClientRects()].filter(box => box.width > 0).map(box => Math.round(box.top)));
    return [cell.textContent.trim(), tops.size]; })"""

SOURCE_CELLS = """() => [...document.querySelectorAll('td[data-label=Source]')].map(cell => cell.textContent.trim())"""


def _signed_in_page(gateway, browser, viewport=PHONE):  # a Playwright page, signed in as an admin
    gateway.run_coroutine(gateway.app.services.accounts.create("root", Role.ADMIN, PASSWORD, actor="test"))
    page = browser.new_page(viewport=viewport)
    page.goto(gateway.origin + "/admin/sign-in")
    page.fill("input[name=name]", "root")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("h1:text('Overview')")
    return page


def test_the_overview_fits_a_phone_with_every_header_link_on_screen(
    settings: Settings,
    start_gateway,
    browser,
    screenshots,  # noqa: F811 - the fixture imported above
):
    gateway = start_gateway(settings)
    page = _signed_in_page(gateway, browser)
    page.wait_for_selector("[data-testid=traffic-panel][data-panel-loaded=true]")

    scroll_width, viewport = page.evaluate(WIDTH)
    off_screen = page.evaluate(
        """() => [...document.querySelectorAll('.topbar a, .topbar button')]
            .filter(e => e.getBoundingClientRect().right > window.innerWidth)
            .map(e => e.textContent.trim())"""
    )

    capture(page, screenshots, "phone-overview")
    assert scroll_width <= viewport
    assert off_screen == []
    page.close()


def test_an_interaction_with_a_2000_character_word_fits_a_phone(
    settings: Settings,
    start_gateway,
    browser,
    screenshots,  # noqa: F811 - the fixture imported above
):
    gateway = start_gateway(settings)
    row = interaction_row(f"Why {LONG_WORD}?", f"Because {LONG_WORD}")
    gateway.run_coroutine(gateway.app.services.interactions.insert_many([row]))
    gateway.run_coroutine(feedback(gateway.app, row["id"], comment=LONG_WORD, correction=LONG_WORD))
    page = _signed_in_page(gateway, browser)

    page.goto(gateway.origin + f"/admin/interactions/{row['id']}")
    scroll_width, viewport = page.evaluate(WIDTH)

    capture(page, screenshots, "phone-interaction-long-word")
    assert scroll_width <= viewport
    page.close()


def test_a_review_task_with_a_2000_character_word_fits_a_phone(
    settings: Settings,
    start_gateway,
    browser,
    screenshots,  # noqa: F811 - the fixture imported above
):
    gateway = start_gateway(settings)
    row = interaction_row(f"Why {LONG_WORD}?", f"Because {LONG_WORD}")
    gateway.run_coroutine(gateway.app.services.interactions.insert_many([row]))
    gateway.run_coroutine(feedback(gateway.app, row["id"], comment=LONG_WORD, correction=LONG_WORD))
    task_id = gateway.run_coroutine(task(gateway.app, [row["id"]], reason="Check " + "x" * 1990))
    page = _signed_in_page(gateway, browser)

    page.goto(gateway.origin + f"/admin/reviews/{task_id}")
    scroll_width, viewport = page.evaluate(WIDTH)

    capture(page, screenshots, "phone-task-long-word")
    assert scroll_width <= viewport
    page.close()


def test_a_knowledge_entry_with_a_280_character_title_fits_a_phone(
    settings: Settings,
    start_gateway,
    browser,
    screenshots,  # noqa: F811 - the fixture imported above
):
    gateway = start_gateway(settings)
    entry = gateway.run_coroutine(
        gateway.app.services.knowledge.service.create(APP, "T" * 280, "C" * 2000, [], [], author="test")
    )
    page = _signed_in_page(gateway, browser)

    widths = []
    for path in ("/admin/knowledge", f"/admin/knowledge/{entry.id}"):
        page.goto(gateway.origin + path)
        widths.append(page.evaluate(WIDTH))

    capture(page, screenshots, "phone-knowledge-long-title")
    assert all(scroll_width <= viewport for scroll_width, viewport in widths), widths
    page.close()


def test_an_issues_triage_forms_fit_a_phone_with_200_character_titles(
    settings: Settings,
    start_gateway,
    browser,
    screenshots,  # noqa: F811 - the fixture imported above
):
    gateway = start_gateway(settings)
    engine = gateway.app.services.engine
    # The longest titles an issue can have: the rename field holds one, the merge choice names the other.
    issue_id = gateway.run_coroutine(issue_runs(engine, APP, "Refunds " + "r" * 192, [5]))
    gateway.run_coroutine(issue_runs(engine, APP, "Transfers " + "t" * 190, [3]))
    page = _signed_in_page(gateway, browser)

    page.goto(gateway.origin + f"/admin/issues/{issue_id}")
    page.wait_for_selector("#merge-form")
    scroll_width, viewport = page.evaluate(WIDTH)
    past_the_edge = page.evaluate(
        """() => [...document.querySelectorAll('#issue-actions button, #issue-actions select, #issue-actions input')]
            .filter(e => e.type !== 'hidden')
            .filter(e => e.getBoundingClientRect().right > window.innerWidth)
            .map(e => e.name || e.textContent.trim())"""
    )

    capture(page, screenshots, "phone-issue-actions")
    assert scroll_width <= viewport
    assert past_the_edge == []
    page.close()


def test_the_review_queues_reasons_stay_readable_on_a_phone(
    settings: Settings,
    start_gateway,
    browser,
    screenshots,  # noqa: F811 - the fixture imported above
):
    gateway = start_gateway(settings)
    row = interaction_row("What is the fee?", "There is no fee.")
    gateway.run_coroutine(gateway.app.services.interactions.insert_many([row]))
    reason = "New issue “Transfer fee, charged transfer, wrong” appeared with 7 complaints in one clustering pass."
    gateway.run_coroutine(task(gateway.app, [row["id"]], reason=reason))
    page = _signed_in_page(gateway, browser)

    page.goto(gateway.origin + "/admin/reviews")
    reason_width = page.eval_on_selector("#queue td.reason", "e => e.getBoundingClientRect().width")
    scroll_width, viewport = page.evaluate(WIDTH)

    capture(page, screenshots, "phone-review-queue")
    assert reason_width >= 200  # at 6rem (90 px) it was one word a line, 14 lines for one reason
    assert scroll_width <= viewport  # each task a card (test_phone_lists_browser.py)
    page.close()


def test_an_apps_key_name_is_not_broken_mid_word(
    settings: Settings,
    start_gateway,
    browser,
    screenshots,  # noqa: F811 - the fixture imported above
):
    # Apps are often named after their key; its name may wrap at the hyphen, never inside the digits.
    gateway = start_gateway(settings)
    question = "How do I close my account? " * 12  # long texts beside it take the table's room
    row = interaction_row(question, "Open the settings, then Account, then Close. " * 12, app="key-707581761d7a9638")
    gateway.run_coroutine(gateway.app.services.interactions.insert_many([row]))
    page = _signed_in_page(gateway, browser, DESKTOP)

    page.goto(gateway.origin + "/admin/interactions")
    # The lines the key's digits take: a break after "key-" is a hyphen's, one among the digits is mid-word.
    lines = page.evaluate(
        """() => { const text = document.querySelector('td.app').firstChild;
            const range = document.createRange();
            range.setStart(text, text.data.indexOf('707')); range.setEnd(text, text.data.trimEnd().length);
            return new Set([...range.getClientRects()].map(r => Math.round(r.top))).size; }"""
    )

    capture(page, screenshots, "desktop-interactions-app-name")
    assert lines == 1
    page.close()


def test_a_radio_button_sits_beside_its_words_in_a_stacked_form(
    settings: Settings,
    start_gateway,
    browser,
    screenshots,  # noqa: F811 - the fixture imported above
):
    gateway = start_gateway(settings)
    page = _signed_in_page(gateway, browser, DESKTOP)

    page.goto(gateway.origin + "/admin/prompts")
    choices = page.evaluate(
        """() => [...document.querySelectorAll('label.choice')].map(label => {
            const box = label.querySelector('input').getBoundingClientRect();
            const words = document.createRange();
            words.setStartAfter(label.querySelector('input')); words.setEnd(label, label.childNodes.length);
            const first = words.getClientRects()[0];
            return [label.textContent.trim(), first.left >= box.right, Math.abs(first.top - box.top) < box.height]; })"""
    )

    capture(page, screenshots, "desktop-prompts-rollout")
    assert [name for name, beside, level in choices if not (beside and level)] == []
    assert len(choices) >= 3


@pytest.mark.parametrize("width", [1024, 1280])
def test_the_review_queue_and_a_canarys_actions_fit_a_laptop_screen(
    settings: Settings,
    start_gateway,
    browser,
    screenshots,  # noqa: F811 - the fixture imported above
    width: int,
):
    gateway = start_gateway(settings)
    row = interaction_row("What is the fee?", "There is no fee.")
    gateway.run_coroutine(gateway.app.services.interactions.insert_many([row]))
    reason = "New issue “Transfer fee, abroad, fee send” appeared with 22 complaints in one clustering pass."
    tags = ("abroad", "bank", "fee", "fee send", "transfer fee")
    gateway.run_coroutine(task(gateway.app, [row["id"]], reason=reason, tags=tags))
    # A pass-through app is named after its key: the longest word a queue row holds.
    keyed = interaction_row("What is the fee?", "There is no fee.", app="key-4203ea26bc772375")
    gateway.run_coroutine(gateway.app.services.interactions.insert_many([keyed]))
    gateway.run_coroutine(task(gateway.app, [keyed["id"]], reason=reason, tags=tags, app="key-4203ea26bc772375"))
    # The longest source a rule gives its tasks.
    similar = interaction_row("Is there a fee?", "No fee.")
    gateway.run_coroutine(gateway.app.services.interactions.insert_many([similar]))
    opened = gateway.run_coroutine(
        gateway.app.services.reviews.open_or_update(
            app=APP,
            source=Source.SIMILAR_NEGATIVE,
            reason=reason,
            priority=Priority.MEDIUM,
            interaction_ids=[similar["id"]],
            evidence={"similar": 3},
            tags=tags,
        )
    )
    assert opened is not None
    prompts = gateway.app.services.prompts.service
    gateway.run_coroutine(prompts.publish(APP, "Be brief.", "teach account closing", "rev", activate=True))
    gateway.run_coroutine(prompts.publish(APP, "Be polite.", "polite v2", "pe", canary_share=0.5))
    page = _signed_in_page(gateway, browser, {"width": width, "height": 900})

    widths = {}
    for name, path in (("queue", "/admin/reviews"), ("prompts", f"/admin/prompts?app={APP}")):
        page.goto(gateway.origin + path)
        widths[name] = page.evaluate(WIDTH)
        capture(page, screenshots, f"desktop-{width}-{name}")
        if name == "queue":
            sources = page.evaluate(SOURCE_CELLS)

    assert {name: scroll <= viewport for name, (scroll, viewport) in widths.items()} == {"queue": True, "prompts": True}
    # A source is said in words (gateway.review.source_words), which wrap between words, if at all.
    assert sorted(sources) == ["a person asked for it", "a person asked for it", "similar answers got thumbs-down"]
    page.close()


def test_an_interactions_fixes_keep_their_policy_and_action_names_whole_on_a_laptop_screen(
    settings: Settings,
    start_gateway,
    browser,
    screenshots,  # noqa: F811 - the fixture imported above
):
    gateway = start_gateway(settings)
    # What the knowledge policy records when it injects several entries: a long details column.
    entries = [{"id": f"0193f0c2-7a41-7c3e-9b1d-{n:012d}", "version": 3, "score": 0.8123} for n in range(6)]
    policies = [
        {"policy": "knowledge", "action": "replace_body", "entries": entries},
        {"policy": "confidence_gate", "action": "hold_for_review", "confidence": 0.31, "threshold": 0.6},
    ]
    row = interaction_row("What is the fee?", "There is no fee.", policies=policies)
    gateway.run_coroutine(gateway.app.services.interactions.insert_many([row]))
    page = _signed_in_page(gateway, browser, DESKTOP)

    page.goto(gateway.origin + f"/admin/interactions/{row['id']}")
    lines = page.evaluate(ONE_LINE_NAMES)

    capture(page, screenshots, "desktop-interaction-fixes")
    assert lines == [["knowledge", 1], ["replace_body", 1], ["confidence_gate", 1], ["hold_for_review", 1]]
