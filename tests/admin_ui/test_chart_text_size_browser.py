"""In a real headless Chromium: a chart's words (ticks, legend, unit) are as readable on a phone as on a desktop.

An SVG chart scales with its box: drawn 640 units wide and shown 330 px wide on a phone, its 11-unit text
was 5.7 px on screen. The size measured is the one on screen: the font size times the chart's scale.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from admin_helpers import signed_in_page
from overview_seed import issue_runs, rated_traffic

from gateway.config import Settings

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 740}
DESKTOP = {"width": 1280, "height": 900}
# Every shown chart's text: [its smallest size on screen in px, the number of charts shown].
SHOWN_TEXT = """() => {
    const shown = [...document.querySelectorAll('svg.chart')].filter(svg => svg.getClientRects().length > 0);
    const sizes = shown.flatMap(svg => [...svg.querySelectorAll('text')].map(
        text => parseFloat(getComputedStyle(text).fontSize) * svg.getScreenCTM().a));
    return [Math.min(...sizes), shown.length]; }"""
# Legible on a phone: WCAG sets no minimum, 10 px is the least the desktop pages show elsewhere (their small print).
LEAST_PX = 10


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_the_overviews_charts_are_readable_at_this_width(settings: Settings, start_gateway, browser, viewport):
    gateway = start_gateway(settings)
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    gateway.run_coroutine(rated_traffic(gateway.app.services.engine, "bot", today, today + timedelta(minutes=1), 1, 3))
    page = signed_in_page(gateway, browser)
    page.set_viewport_size(viewport)
    page.reload()
    page.wait_for_selector("[data-testid=traffic-panel][data-panel-loaded=true]")

    smallest, shown = page.evaluate(SHOWN_TEXT)

    assert shown == 2  # the volume and the rate chart, each once
    assert smallest >= LEAST_PX, f"chart text is {smallest:.1f} px on screen at {viewport['width']} px"
    page.close()


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_an_issues_history_chart_is_readable_at_this_width(settings: Settings, start_gateway, browser, viewport):
    gateway = start_gateway(settings)
    issue_id = gateway.run_coroutine(issue_runs(gateway.app.services.engine, "bot", "Refund refused", [4, 9, 12]))
    page = signed_in_page(gateway, browser)
    page.set_viewport_size(viewport)

    page.goto(f"{gateway.origin}/admin/issues/{issue_id}")
    smallest, shown = page.evaluate(SHOWN_TEXT.replace("svg.chart'", "[data-testid=history-chart] svg.chart'"))

    assert shown == 1
    assert smallest >= LEAST_PX, f"chart text is {smallest:.1f} px on screen at {viewport['width']} px"
    page.close()
