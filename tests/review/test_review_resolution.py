"""What became of a closed task in words: one rule (gateway.review.resolution) for the pages and the API."""

from __future__ import annotations

from gateway.review.resolution import ResolvingFix, resolution_text, resolving_fix

FEES = ResolvingFix("knowledge", "knowledge-base entry 'Fees' (e-1, version 1)", "e-1", 1)


def test_a_task_resolved_by_a_fix_says_so_rather_than_reject():
    assert (
        resolution_text("resolved", "reject", FEES) == "resolved by a fix: knowledge-base entry 'Fees' (e-1, version 1)"
    )


def test_a_task_resolved_by_a_reviewers_outcome_names_the_outcome():
    assert resolution_text("resolved", "approve", None) == "resolved: approve"


def test_a_second_reviewer_who_approved_a_fixed_tasks_answers_is_not_said_to_have_resolved_it_by_the_fix():
    assert resolution_text("resolved", "approve", FEES) == (
        "resolved: approve on a second opinion about the fix knowledge-base entry 'Fees' (e-1, version 1)"
    )


def test_the_fix_is_read_from_the_decided_event_of_the_tasks_round_only():
    earlier_round = {"round": 1, "outcome": "reject", "fix": FEES.as_json()}

    assert resolving_fix([earlier_round, {"round": 2, "outcome": "approve"}], 2) is None
    assert resolving_fix([earlier_round], 1) == FEES


def test_a_decision_stored_before_events_named_the_fix_is_recognised_by_its_comment():
    comment = "Resolved by prompt version 3 of support-bot (p-3, canary). Fees changed."

    found = resolving_fix([{"round": 1, "outcome": "reject", "comment": comment}], 1)

    assert found == ResolvingFix("prompt", "prompt version 3 of support-bot (p-3, canary)")
