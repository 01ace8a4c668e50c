"""In a real headless Chromium: a review task's "Add the entry and resolve" works in one click.

Its Title came blank (the Content filled with an end user's correction), so the browser's own check of the required
field stopped the form without a word from the server; it now starts with the issue's title.
"""

from __future__ import annotations

import pytest
from page_seed import APP, feedback, interaction_row, issue, store, task
from test_form_fields_browser import _signed_in_page

from gateway.config import Settings
from gateway.store.knowledge import EntryFilter

pytestmark = pytest.mark.browser


def test_add_the_entry_and_resolve_in_one_click(settings: Settings, start_gateway, browser):
    gateway = start_gateway(settings.model_copy(update={"review_second_opinion_share": 0.0}))
    app = gateway.app
    ids = gateway.run_coroutine(store(app, interaction_row("What is the transfer fee?", "2%")))
    gateway.run_coroutine(feedback(app, ids[0], correction="The transfer fee is 1%."))
    issue_id = gateway.run_coroutine(issue(app, ids, title="Transfer fee answers"))
    task_id = gateway.run_coroutine(task(app, ids, issue_id=issue_id))
    page = _signed_in_page(gateway, browser)

    page.goto(f"{gateway.origin}/admin/reviews/{task_id}")
    page.click("#knowledge-form button[type=submit]")
    page.wait_for_selector("[data-testid=task-status]:has-text('resolved')")

    entries = gateway.run_coroutine(app.services.knowledge.service.list(EntryFilter(app=APP))).data
    assert [(entry.title, entry.content) for entry in entries] == [("Transfer fee answers", "The transfer fee is 1%.")]
    page.close()
