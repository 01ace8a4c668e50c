"""An entry's match score as a preview shows it: a question below the bar never reads as reaching it."""

from __future__ import annotations

from datetime import UTC, datetime

import uuid_utils
from html_page import parse
from preview_seed import seed_issue

from gateway.accounts.records import Role
from gateway.fixes.candidates import score_text
from gateway.fixes.preview import PreviewItem


def _item(status: str, score: float) -> PreviewItem:
    return PreviewItem("i1", "What is the fee?", "There is no fee.", None, None, status, None, score)  # type: ignore[arg-type]


def test_a_score_just_below_the_bar_is_rounded_down_not_up_to_it():
    assert score_text(0.5994, matched=False) == "0.59"
    assert score_text(0.59996, matched=False, places=4) == "0.5999"


def test_a_score_that_matched_is_rounded_as_usual():
    assert score_text(0.6051, matched=True) == "0.61"
    assert score_text(0.6003, matched=True) == "0.60"


def test_a_preview_item_says_its_score_on_the_side_of_the_bar_it_fell():
    assert _item("not_matched", 0.5994).score_text == "0.59"
    assert _item("replayed", 0.6003).score_text == "0.60"


async def test_the_preview_page_never_shows_a_question_left_alone_as_matching_at_the_bar(
    gateway, client, signed_in_as, gateway_embedder
):
    issue_id, ids = await seed_issue(gateway, client)
    item = _item("not_matched", 0.5994)
    row = {
        "id": str(uuid_utils.uuid7()), "issue_id": issue_id, "app": "app", "kind": "knowledge",
        "candidate": {"title": "Fee", "content": "It is 1%.", "example_questions": []}, "requested": 1,
        "credential": "none", "items": [{**item.json(), "interaction_id": ids[0]}], "created_by": "rita",
        "created_at": datetime.now(UTC),
    }  # fmt: skip
    await gateway.services.previews._store.insert(row)
    reviewer = await signed_in_as("rita", Role.REVIEWER)

    page = parse((await reviewer.get(f"/admin/previews/{row['id']}")).text)

    shown = page.find("section", data_testid="preview-item").text
    assert "entry match 0.59" in shown and "entry match 0.60" not in shown
