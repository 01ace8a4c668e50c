"""The pages say counts through gateway.counted (the templates' `counted`, its digits grouped as `| count`
groups them): "1 upstream call", "2 upstream calls", "20 000 characters"; and no template pluralises by hand."""

from __future__ import annotations

import re

import pytest
from html_page import parse
from page_seed import interaction_row, issue, store, task

from admin_ui.rendering import TEMPLATES, environment
from gateway.accounts.records import Role


@pytest.mark.parametrize(
    ("number", "noun", "said"),
    [
        (1, "upstream call", "1 upstream call"),
        (2, "upstream call", "2 upstream calls"),
        (1, "character", "1 character"),
        (20000, "character", "20\u202f000 characters"),
        (0, "more task", "0 more tasks"),
    ],
)
def test_a_template_says_a_count_with_its_noun(number: int, noun: str, said: str):
    assert environment.from_string("{{ counted(n, noun) }}").render(n=number, noun=noun) == said


# A count followed by a plural noun written out ("{{ n }} interactions"), or an "s" added when the count is not 1.
BY_HAND = re.compile(
    r"\}\}\s*(?:interactions|characters|tasks|more tasks|calls|upstream calls|complaints|questions|member questions|"
    r"clustered complaints|choices|ratings|answers)\b|== 1 else \"s\"|\"s\" if|'s' if|== 1 else 's'"
)


def test_no_template_pluralises_by_hand():
    found = [
        f"{path.name}: {match.group(0)}"
        for path in sorted(TEMPLATES.glob("*.html"))
        for match in BY_HAND.finditer(path.read_text(encoding="utf-8"))
    ]
    assert found == []


async def test_a_tasks_issue_share_says_one_interaction_and_two(browser_as, gateway):
    # Both databases: a task of one interaction, then one of two, each in an issue of its own.
    [alone] = await store(gateway, interaction_row("What is the fee?", "2%"))
    await issue(gateway, [alone], title="fees")
    pair = await store(gateway, interaction_row("Close my account", "No"), interaction_row("Close it", "No"))
    await issue(gateway, pair, title="closing")
    one, two = await task(gateway, [alone]), await task(gateway, pair)
    viewer = await browser_as("vic", Role.VIEWER)

    shares = [
        parse((await viewer.get(f"/admin/reviews/{task_id}")).text).find(data_testid="issue-share").text
        for task_id in (one, two)
    ]

    assert shares == ["1 of 1 interaction", "2 of 2 interactions"]
