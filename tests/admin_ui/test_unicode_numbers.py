"""Numbers in admin URLs and forms that Python's str.isdigit or float() take but int() cannot: a 400, never a 500."""

from __future__ import annotations

import pytest
from html_page import csrf_token_of

from gateway.accounts.records import Role


@pytest.mark.parametrize(
    ("path", "expected"),
    [("/admin/reviews?offset=²", 400), ("/admin/issues?page=²", 400), ("/admin/knowledge?offset=²", 400)],
)
async def test_a_superscript_digit_in_a_page_number_is_not_a_500(browser_as, path, expected):
    viewer = await browser_as("vic", Role.VIEWER)

    response = await viewer.get(path)

    assert response.status_code == expected


@pytest.mark.parametrize("months", ["inf", "nan", "1e400"])
async def test_a_goal_of_infinite_months_is_a_400_naming_the_field(browser_as, gateway, months):
    rita = await browser_as("rita", Role.REVIEWER)
    token = csrf_token_of((await rita.get("/admin")).text)
    fields = {"app": "bot", "kind": "negative_rate_reduction", "reduction": "10", "months": months}

    response = await rita.post("/admin/goals", data={**fields, "csrf_token": token})

    assert response.status_code == 400
    assert "months" in response.text and "must be a finite number" in response.text
    assert await gateway.services.goals.goals() == []
