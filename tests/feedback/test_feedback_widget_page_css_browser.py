"""The feedback widget, /static/feedgate.js, on a page whose own styles reach the widget's elements."""

from __future__ import annotations

import pytest
from test_feedback_browser import opened_widget, page_server  # noqa: F401 (fixture)

pytestmark = pytest.mark.browser

# A site's stylesheet laying out its own forms, as many do: it reaches every form of the page, the widget's too.
PAGE_FORMS_FLEX = "document.head.insertAdjacentHTML('beforeend', '<style>form { display: flex; gap: 1rem; }</style>')"


def test_the_comment_box_stays_closed_until_a_vote_on_a_page_that_styles_its_forms(
    settings,
    start_gateway,
    page_server,  # noqa: F811 - the fixture imported above
    browser,
):
    _, _, page = opened_widget(settings, start_gateway, page_server, browser)
    page.add_init_script(f"addEventListener('DOMContentLoaded', () => {{ {PAGE_FORMS_FLEX} }})")
    page.reload()

    assert not page.get_by_label("What could be better?").is_visible()
    page.get_by_role("button", name="Bad answer").click()
    page.get_by_role("status").filter(has_text="Your vote is in").wait_for(timeout=10_000)
    assert page.get_by_label("What could be better?").is_visible()
    page.get_by_role("button", name="Send comment").click()
    page.get_by_role("status").filter(has_text="Thanks for your feedback!").wait_for(timeout=10_000)
    assert not page.get_by_label("What could be better?").is_visible()
    page.close()


def test_the_comment_box_opens_and_closes_on_a_page_whose_policy_forbids_inline_styles(
    settings,
    start_gateway,
    page_server,  # noqa: F811 - the fixture imported above
    browser,
):
    gateway, _, page = opened_widget(settings, start_gateway, page_server, browser)
    policy = f"default-src 'self'; script-src {gateway.origin}; connect-src {gateway.origin}; style-src 'self'"
    page_server.page = page_server.page.replace(
        b"<html>", f'<html><meta http-equiv="Content-Security-Policy" content="{policy}">'.encode()
    )
    page.add_init_script(
        "window.violations = [];"
        "document.addEventListener('securitypolicyviolation', e => violations.push(e.violatedDirective));"
        # The site's own stylesheet, adopted as a script may under this policy.
        "addEventListener('DOMContentLoaded', () => { const sheet = new CSSStyleSheet();"
        "sheet.replaceSync('form { display: flex }'); document.adoptedStyleSheets = [sheet]; });"
    )
    page.reload()

    assert not page.get_by_label("What could be better?").is_visible()
    page.get_by_role("button", name="Good answer").click()
    page.get_by_role("status").filter(has_text="Your vote is in").wait_for(timeout=10_000)
    assert page.get_by_label("What could be better?").is_visible()
    page.get_by_role("button", name="Send comment").click()
    page.get_by_role("status").filter(has_text="Thanks for your feedback!").wait_for(timeout=10_000)
    assert not page.get_by_label("What could be better?").is_visible()
    assert page.evaluate("violations") == []
    page.close()
