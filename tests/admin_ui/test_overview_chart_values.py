"""The overview's rate chart names each point's value as the panel's tables say it, not to six digits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from html_page import parse
from overview_seed import rated_traffic

from gateway.accounts.records import Role


async def test_a_rate_points_title_says_its_value_as_the_days_table_does(browser_as, gateway):
    yesterday = datetime.now(UTC).replace(hour=10, minute=0, second=0, microsecond=0) - timedelta(days=1)
    # One day with 1 negative vote of 3: 33.333… % negative, 66.666… % positive.
    await rated_traffic(gateway.services.engine, "bot", yesterday, yesterday + timedelta(hours=1), 1, 2)
    viewer = await browser_as("vic", Role.VIEWER)

    panel = parse((await viewer.get("/admin/overview/traffic?days=7")).text)

    titles = {circle.text for circle in panel.find(data_testid="rate-chart").find_all("circle")}
    day = yesterday.strftime("%m-%d")
    assert titles == {f"positive · {day}: 66.7 %", f"negative · {day}: 33.3 %"}
