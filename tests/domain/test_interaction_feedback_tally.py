"""A listing row's feedback: each voter's current event, tallied, and said in the pages' words."""

from __future__ import annotations

from admin_ui.rendering import feedback_phrases
from gateway.domain.interaction_briefs import FeedbackTally, tally_feedback


def current(interaction_id: str, *, negative=False, thumbs=None, rating=None, corrected=False, commented=False):
    """One voter's current feedback row, as FeedbackStore.current_on returns it."""
    return {
        "interaction_id": interaction_id,
        "negative": negative,
        "thumbs": thumbs,
        "rating": rating,
        "corrected": corrected,
        "commented": commented,
    }


def test_ratings_are_averaged_and_a_rating_of_4_or_5_counts_as_positive():
    tallies = tally_feedback([current("a", rating=5), current("a", rating=2, negative=True), current("b", rating=3)])

    assert tallies["a"] == FeedbackTally(voters=2, negative=1, positive=1, corrections=0, comments=0, mean_rating=3.5)
    assert (tallies["b"].positive, tallies["b"].negative, tallies["b"].mean_rating) == (0, 0, 3.0)


def test_an_interaction_nobody_gave_feedback_on_has_no_tally():
    assert tally_feedback([current("a", thumbs="up")]).get("b") is None


def test_the_phrases_mark_the_negative_count_and_leave_out_zeros():
    tally = tally_feedback([current("a", rating=2, negative=True, corrected=True), current("a", rating=3)])["a"]

    assert feedback_phrases(tally) == [("1 negative", True), ("rated 2.5", False), ("1 correction", False)]


def test_voters_whose_feedback_says_nothing_countable_are_neutral():
    assert feedback_phrases(tally_feedback([current("a")])["a"]) == [("1 neutral", False)]
    assert feedback_phrases(None) == []
