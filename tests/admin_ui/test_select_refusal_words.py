"""A filter value outside a select's (or a picker's) list is told the choices as the page shows them, quoted ("“past
deadline”, “not late”"), not the URL's values ("true, false") a person never sees.

One rule: admin_ui.query_params.choice_param with the words each select shows, one mapping the template reads too.
"""

from __future__ import annotations

import pytest
from html_page import parse

from gateway.accounts.records import Role


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("/admin/knowledge?active=maybe", "The filter “State” must be one of “active”, “inactive”; got 'maybe'."),
        (
            "/admin/interactions?feedback=bad",
            "The filter “Feedback” must be one of “with feedback”, “negative”, “without feedback”; got 'bad'.",
        ),
        ("/admin/reviews?overdue=yes", "The filter “Late” must be one of “past deadline”, “not late”; got 'yes'."),
        (
            "/admin/reviews?sort=oldest",
            "The filter “Order” must be one of “priority, then deadline”, “newest first”; got 'oldest'.",
        ),
        (
            "/admin/reviews?status=done",
            "The filter “Status” must be one of “unfinished (open or in progress)”, “any”, “open”, “in progress”, "
            "“resolved”, “dismissed”; got 'done'.",
        ),
        ("/admin?days=5", "The filter “Range” must be one of “24 hours”, “7 days”, “30 days”, “90 days”; got '5'."),
    ],
)
async def test_a_value_outside_a_select_is_told_the_choices_as_the_page_shows_them(browser_as, url, said):
    viewer = await browser_as("vic", Role.VIEWER)

    refused = await viewer.get(url)

    assert refused.status_code == 400
    assert said in parse(refused.text).text


async def test_the_review_queues_source_choices_are_said_as_its_select_shows_them(browser_as):
    viewer = await browser_as("vic", Role.VIEWER)

    page = parse((await viewer.get("/admin/reviews?source=robot")).text)

    shown = [option.text for option in page.find("select", name="source").find_all("option")][1:]
    said = page.find(data_testid="error").text
    assert said.startswith("The filter “Source” must be one of “" + "”, “".join(shown) + "”; got 'robot'")
