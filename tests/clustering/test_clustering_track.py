from datetime import UTC, datetime, timedelta

import numpy as np
from blobs import unit_blobs

from clustering.track import ExistingIssue, IssueStatus, NewCluster, match_clusters

CENTRES, _ = unit_blobs([1, 1, 1], seed=7)  # three unrelated directions


def ids(prefix: str, start: int, stop: int) -> frozenset[str]:
    return frozenset(f"{prefix}{i}" for i in range(start, stop))


def nudge(vector: np.ndarray, seed: int) -> np.ndarray:
    """The same direction, moved slightly (cosine ~0.99), as centroids move between runs."""
    moved = vector + np.random.default_rng(seed).normal(scale=0.1 / np.sqrt(len(vector)), size=len(vector))
    return moved / np.linalg.norm(moved)


def run_tracking(issues: dict[str, ExistingIssue], clusters: list[NewCluster], next_id: list[int]) -> list[str]:
    """Apply one run's outcomes the way the caller would; return the issue id of each cluster."""
    result = match_clusters(list(issues.values()), clusters)
    assigned = []
    for outcome in result.outcomes:
        issue_id = outcome.issue_id or f"issue-{next_id[0]}"
        if outcome.issue_id is None:
            next_id[0] += 1
        cluster = clusters[outcome.cluster_index]
        issues[issue_id] = ExistingIssue(issue_id, cluster.centroid, cluster.member_ids)
        assigned.append(issue_id)
    return assigned


def test_first_run_makes_every_cluster_a_new_issue():
    result = match_clusters([], [NewCluster(CENTRES[0], ids("a", 0, 5)), NewCluster(CENTRES[1], ids("b", 0, 5))])
    assert [outcome.is_new for outcome in result.outcomes] == [True, True]


def test_issue_ids_stay_stable_across_runs_as_complaints_accumulate():
    issues: dict[str, ExistingIssue] = {}
    next_id = [1]
    first = run_tracking(
        issues, [NewCluster(CENTRES[0], ids("a", 0, 5)), NewCluster(CENTRES[1], ids("b", 0, 5))], next_id
    )
    # Later runs list clusters in another order, with more members and drifting centroids.
    second = run_tracking(
        issues,
        [NewCluster(nudge(CENTRES[1], 1), ids("b", 0, 9)), NewCluster(nudge(CENTRES[0], 2), ids("a", 0, 8))],
        next_id,
    )
    third = run_tracking(
        issues,
        [NewCluster(nudge(CENTRES[0], 3), ids("a", 0, 12)), NewCluster(nudge(CENTRES[1], 4), ids("b", 0, 12))],
        next_id,
    )
    assert second == first[::-1]
    assert third == first


def test_cluster_with_new_members_but_the_same_centroid_continues_the_issue():
    issue = ExistingIssue("late-card", CENTRES[0], ids("old", 0, 10))
    result = match_clusters([issue], [NewCluster(nudge(CENTRES[0], 5), ids("new", 0, 10))])
    assert result.outcomes[0].issue_id == "late-card"


def test_unrelated_cluster_becomes_a_new_issue_and_the_old_one_is_unmatched():
    issue = ExistingIssue("late-card", CENTRES[0], ids("a", 0, 10))
    result = match_clusters([issue], [NewCluster(CENTRES[2], ids("c", 0, 10))])
    assert result.outcomes[0].is_new
    assert result.unmatched_issue_ids == ["late-card"]


def test_split_keeps_the_id_on_one_part_and_records_where_the_rest_went():
    issue = ExistingIssue("cards", CENTRES[0], ids("a", 0, 20))
    big = NewCluster(nudge(CENTRES[0], 6), ids("a", 0, 12))
    small = NewCluster(CENTRES[1], ids("a", 12, 20))
    result = match_clusters([issue], [small, big])
    assert [o.issue_id for o in result.outcomes] == [None, "cards"]
    assert result.outcomes[0].split_from == "cards"
    assert [(s.issue_id, s.cluster_indices) for s in result.splits] == [("cards", (1, 0))]


def test_a_split_issue_keeps_its_id_on_the_part_holding_most_of_its_complaints():
    issue = ExistingIssue("fees", CENTRES[0], ids("a", 0, 60))
    # The fragment lies wholly inside the issue; the body holds more of it, with newcomers beside.
    fragment = NewCluster(nudge(CENTRES[0], 6), ids("a", 0, 6))
    body = NewCluster(nudge(CENTRES[0], 7), ids("a", 6, 26) | ids("new", 0, 15))
    result = match_clusters([issue], [fragment, body])
    assert [o.issue_id for o in result.outcomes] == [None, "fees"]
    assert result.outcomes[0].split_from == "fees"


def test_a_merge_continues_the_issue_that_brought_most_of_its_complaints():
    small = ExistingIssue("fee-abroad", CENTRES[1], ids("b", 0, 5))
    large = ExistingIssue("fees", CENTRES[0], ids("a", 0, 40))
    merged = NewCluster(CENTRES[1], ids("a", 0, 30) | ids("b", 0, 5))
    result = match_clusters([small, large], [merged])
    assert result.outcomes[0].issue_id == "fees"
    assert result.unmatched_issue_ids == ["fee-abroad"]


def test_merge_continues_one_issue_and_records_all_that_merged():
    first = ExistingIssue("card-late", CENTRES[0], ids("a", 0, 10))
    second = ExistingIssue("card-lost", CENTRES[1], ids("b", 0, 6))
    merged = NewCluster(CENTRES[0], ids("a", 0, 10) | ids("b", 0, 6))
    result = match_clusters([first, second], [merged])
    assert result.outcomes[0].issue_id == "card-late"
    assert [(m.issue_ids, m.surviving_issue_id) for m in result.merges] == [(("card-late", "card-lost"), "card-late")]
    assert result.unmatched_issue_ids == ["card-lost"]


def test_resolved_issue_that_comes_back_is_continued_and_flagged_as_regressed():
    resolved = ExistingIssue("late-card", CENTRES[0], ids("old", 0, 10), IssueStatus.RESOLVED)
    result = match_clusters([resolved], [NewCluster(nudge(CENTRES[0], 8), ids("new", 0, 7))])
    assert result.outcomes[0].issue_id == "late-card"
    assert result.outcomes[0].regressed


def test_resolved_issue_regrouping_only_its_old_complaints_is_not_a_regression():
    resolved = ExistingIssue("late-card", CENTRES[0], ids("old", 0, 10), IssueStatus.RESOLVED)
    result = match_clusters([resolved], [NewCluster(CENTRES[0], ids("old", 0, 10))])
    assert result.outcomes[0].issue_id == "late-card"
    assert not result.outcomes[0].regressed


RESOLVED_AT = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)


def test_complaints_about_answers_given_before_the_resolution_are_not_a_regression():
    # Feedback often comes later than the answer: complaints the last pass had not seen yet.
    resolved = ExistingIssue("late-card", CENTRES[0], ids("old", 0, 10), IssueStatus.RESOLVED, RESOLVED_AT)
    late_feedback = ids("new", 0, 7)
    asked_at = {member: RESOLVED_AT - timedelta(minutes=5) for member in late_feedback}

    result = match_clusters([resolved], [NewCluster(nudge(CENTRES[0], 8), late_feedback)], asked_at=asked_at)

    assert result.outcomes[0].issue_id == "late-card"
    assert (result.outcomes[0].regressed, result.outcomes[0].returning_complaints) == (False, 0)


def test_complaints_about_answers_given_after_the_resolution_are_counted_as_its_return():
    resolved = ExistingIssue("late-card", CENTRES[0], ids("old", 0, 10), IssueStatus.RESOLVED, RESOLVED_AT)
    newcomers = sorted(ids("new", 0, 7))
    asked_at = {member: RESOLVED_AT + timedelta(minutes=n - 3) for n, member in enumerate(newcomers)}

    result = match_clusters([resolved], [NewCluster(nudge(CENTRES[0], 8), frozenset(newcomers))], asked_at=asked_at)

    # Asked 3, 2 and 1 minutes before and at the resolution: not counted; 1 to 3 minutes after: counted.
    assert (result.outcomes[0].regressed, result.outcomes[0].returning_complaints) == (True, 3)


def test_complaints_of_unknown_time_count_as_a_return():
    resolved = ExistingIssue("late-card", CENTRES[0], ids("old", 0, 10), IssueStatus.RESOLVED, RESOLVED_AT)

    result = match_clusters([resolved], [NewCluster(nudge(CENTRES[0], 8), ids("new", 0, 7))], asked_at={})

    assert (result.outcomes[0].regressed, result.outcomes[0].returning_complaints) == (True, 7)


def test_dismissed_issue_with_new_complaints_is_continued_but_not_a_regression():
    dismissed = ExistingIssue("late-card", CENTRES[0], ids("old", 0, 10), IssueStatus.DISMISSED)
    result = match_clusters([dismissed], [NewCluster(nudge(CENTRES[0], 8), ids("new", 0, 7))])
    assert result.outcomes[0].issue_id == "late-card"
    assert not result.outcomes[0].regressed


def test_open_issue_continuing_is_not_a_regression():
    issue = ExistingIssue("late-card", CENTRES[0], ids("a", 0, 10))
    assert not match_clusters([issue], [NewCluster(CENTRES[0], ids("a", 0, 15))]).outcomes[0].regressed


def test_one_issue_continues_in_at_most_one_cluster():
    issue = ExistingIssue("late-card", CENTRES[0], ids("old", 0, 10))
    twins = [NewCluster(CENTRES[0], ids("x", 0, 5)), NewCluster(CENTRES[0], ids("y", 0, 5))]
    assert [o.issue_id for o in match_clusters([issue], twins).outcomes].count("late-card") == 1
