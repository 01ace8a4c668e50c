"""The demo's output says its counts through gateway.counted: "1 rating", "2 ratings"; never "1 ratings"."""

from __future__ import annotations

from gateway.demo.loop_output import feedback_summary, issues_title, preview_title


def test_the_feedback_line_says_one_and_two_of_each():
    assert feedback_summary(sent=1, downs=1, corrected=1, ups=0, unrated=1) == (
        "1 rating: 1 thumbs-down (1 with a correction), 0 thumbs-up, 1 answer not rated"
    )
    assert feedback_summary(sent=2, downs=2, corrected=0, ups=0, unrated=2) == (
        "2 ratings: 2 thumbs-down (0 with a correction), 0 thumbs-up, 2 answers not rated"
    )


def test_the_issues_and_preview_titles_say_one_and_two():
    assert (issues_title(1), issues_title(2)) == ("Issues (1 complaint)", "Issues (2 complaints)")
    assert preview_title({"id": "p1", "counts": {"upstream_calls": 1}}) == "Preview p1 (1 upstream call)"
    assert preview_title({"id": "p2", "counts": {"upstream_calls": 2}}) == "Preview p2 (2 upstream calls)"
