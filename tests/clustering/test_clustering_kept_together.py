"""A person's merge binds: clusters whose filed complaints are mostly one merged issue's are joined."""

from __future__ import annotations

import numpy as np

from clustering.kept_together import KeptTogether, join_kept_together

IDS = [f"c{n}" for n in range(12)]


def labels(*values: int) -> np.ndarray:
    return np.array(values, dtype=np.int64)


def test_clusters_made_of_one_merged_issue_are_joined_into_the_one_holding_most_of_it():
    found = labels(0, 0, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3)
    kept = KeptTogether(groups=[set(IDS[:5])], filed=set(IDS))

    joined = join_kept_together(found, IDS, kept)

    assert joined.tolist() == [1, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3]


def test_a_cluster_whose_filed_complaints_are_mostly_another_issues_stays_apart():
    # c4 went to cluster 2, whose other filed complaints (c5-c8) belong to no merged group.
    found = labels(0, 0, 1, 1, 2, 2, 2, 2, 2, 3, 3, 3)
    kept = KeptTogether(groups=[set(IDS[:5])], filed=set(IDS))

    joined = join_kept_together(found, IDS, kept)

    assert joined.tolist() == [0, 0, 0, 0, 2, 2, 2, 2, 2, 3, 3, 3]


def test_complaints_new_since_the_last_pass_go_with_the_cluster_they_were_found_in():
    # Cluster 1 holds two of the group and three newcomers (c4-c6, in no issue before).
    found = labels(0, 0, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2)
    kept = KeptTogether(groups=[{"c0", "c1", "c2", "c3"}], filed={"c0", "c1", "c2", "c3", *IDS[7:]})

    joined = join_kept_together(found, IDS, kept)

    assert joined.tolist() == [0, 0, 0, 0, 0, 0, 0, 2, 2, 2, 2, 2]


def test_noise_stays_noise():
    found = labels(0, 0, -1, 1, 1, 2, 2, 2, 2, 2, 2, 2)
    kept = KeptTogether(groups=[set(IDS[:5])], filed=set(IDS))

    joined = join_kept_together(found, IDS, kept)

    assert joined.tolist() == [0, 0, -1, 0, 0, 2, 2, 2, 2, 2, 2, 2]


def test_a_group_found_whole_changes_nothing():
    found = labels(0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2)

    joined = join_kept_together(found, IDS, KeptTogether(groups=[set(IDS[:5])], filed=set(IDS)))

    assert joined.tolist() == found.tolist()


def test_members_no_longer_among_the_complaints_are_ignored():
    found = labels(0, 0, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3)
    kept = KeptTogether(groups=[{"c0", "c2", "withdrawn-1", "withdrawn-2"}], filed=set(IDS))

    joined = join_kept_together(found, IDS, kept)

    # c0 is half of cluster 0's filed complaints, not more: cluster 0 stays apart.
    assert joined.tolist() == found.tolist()
