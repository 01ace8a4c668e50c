"""In a real headless Chromium at a 390 px wide phone: no form control (a select above all, whose width is its
longest choice's) reaches past the box it sits in (its label, its form) nor past the window."""

from __future__ import annotations

import pytest
from overview_seed import issue_runs
from test_admin_browser import capture, screenshots  # noqa: F401 (fixture)
from test_narrow_layout_browser import _signed_in_page

from gateway.config import Settings

pytestmark = pytest.mark.browser

PHONE_390 = {"width": 390, "height": 844}
# An app name as long as pass-through key mode's and then some: the App selects offer it.
LONG_APP = "customer-support-assistant-for-the-european-billing-department"
PAGES = [
    "/admin/issues",
    "/admin/interactions",
    "/admin/export",
    "/admin/knowledge",
    "/admin/reviews",
    "/admin/prompts",
]

# Each visible control reaching past its label's, its form's or the window's right edge: [what, its right, the edge].
CONTROLS_PAST_THEIR_BOX = """() => {
    const inner = window.innerWidth;
    const what = e => e.tagName.toLowerCase() + (e.name ? '[name=' + e.name + ']' : '');
    const out = [];
    for (const control of document.querySelectorAll('main select, main input, main textarea, main button')) {
        const box = control.getBoundingClientRect();
        if (box.width === 0 || control.type === 'hidden') continue;
        for (const holder of [control.closest('label'), control.closest('form'), document.documentElement]) {
            if (!holder) continue;
            const edge = holder === document.documentElement ? inner : holder.getBoundingClientRect().right;
            if (box.right > edge + 0.5) out.push([what(control), Math.round(box.right), Math.round(edge),
                                                  holder.tagName.toLowerCase()]);
        }
    }
    return out;
}"""


def test_no_form_control_reaches_past_its_box_on_a_390_px_phone(
    settings: Settings,
    start_gateway,
    browser,
    screenshots,  # noqa: F811 - the fixture imported above
):
    gateway = start_gateway(settings)
    gateway.run_coroutine(issue_runs(gateway.app.services.engine, LONG_APP, "Refunds take too long", [3]))
    page = _signed_in_page(gateway, browser, PHONE_390)

    past = {}
    for path in PAGES:
        page.goto(gateway.origin + path)
        capture(page, screenshots, "phone-390-controls" + path.replace("/", "-"))
        past[path] = page.evaluate(CONTROLS_PAST_THEIR_BOX)

    assert past == {path: [] for path in PAGES}
