"""Placing new interactions on an issue's topic by their question, with the real embedder."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
from effect_seed import PASSWORD, REFUND, UNRELATED, make_issue, seed_traffic

from gateway.config import Settings
from gateway.effect.topic import count_topic, on_topic, question_centroid, topic_centroids

THRESHOLD = Settings().effect_topic_threshold


def test_question_centroid_is_the_normalised_mean():
    vectors = np.array([[1.0, 0.0], [0.0, 1.0]], dtype=np.float32)

    assert np.allclose(question_centroid(vectors), [2**-0.5, 2**-0.5])
    assert question_centroid(np.zeros((0, 2), dtype=np.float32)) is None


def test_on_topic_needs_the_threshold_and_the_nearest_centroid():
    own, other = np.array([1.0, 0.0]), np.array([[0.0, 1.0]])
    rows = np.array([[0.9, 0.436], [0.6, 0.8], [0.3, 0.954]], dtype=np.float32)

    # Close to own; closer to the other issue; close to neither at 0.5.
    assert on_topic(rows, own, other, 0.5).tolist() == [True, False, False]
    assert on_topic(rows, own, np.zeros((0, 2)), 0.5).tolist() == [True, True, False]


async def test_new_interactions_land_on_their_own_issue_and_unrelated_ones_on_none(engine, embedder):
    now = datetime.now(UTC)
    earlier, later = now - timedelta(days=3), now - timedelta(days=1)
    # Complaints the issues were found in: the first four questions of each topic.
    refund_members = await seed_traffic(engine, REFUND[:4], earlier, earlier + timedelta(hours=1), 4, 4, 0)
    password_members = await seed_traffic(engine, PASSWORD[:3], earlier, earlier + timedelta(hours=1), 3, 3, 0)
    refunds = await make_issue(engine, refund_members, "refunds")
    passwords = await make_issue(engine, password_members, "passwords")
    # New traffic, rated or not: unseen refund and password questions, and unrelated ones.
    new_refunds = await seed_traffic(engine, REFUND[4:], later, later + timedelta(hours=1), 2, 1, 0)
    new_passwords = await seed_traffic(engine, PASSWORD[3:], later, later + timedelta(hours=1), 1, 0, 0)
    strangers = await seed_traffic(engine, UNRELATED, later, later + timedelta(hours=1), 3, 3, 0)
    window = (later, now)

    def by_id(row):
        return row["id"]

    placed = {}
    for issue_id in (refunds, passwords):
        centroids = await topic_centroids(engine, embedder, "support-bot", issue_id)
        assert centroids is not None and len(centroids.others) == 1
        counts = await count_topic(engine, embedder, "support-bot", centroids, *window, THRESHOLD, by_id)
        assert counts.scanned == 6
        placed[issue_id] = set(counts.groups)

    assert placed[refunds] == set(new_refunds)
    assert placed[passwords] == set(new_passwords)
    assert not set(strangers) & (placed[refunds] | placed[passwords])


async def test_counts_per_group_take_current_feedback(engine, embedder):
    now = datetime.now(UTC)
    members = await seed_traffic(
        engine, REFUND[:4], now - timedelta(days=2), now - timedelta(days=2) + timedelta(hours=1), 4, 4, 0
    )
    issue_id = await make_issue(engine, members, "refunds")
    await seed_traffic(engine, REFUND, now - timedelta(hours=5), now - timedelta(hours=1), 12, 3, 5)
    centroids = await topic_centroids(engine, embedder, "support-bot", issue_id)
    assert centroids is not None and centroids.questions == 4

    counts = await count_topic(
        engine, embedder, "support-bot", centroids, now - timedelta(hours=6), now, THRESHOLD, lambda _row: "all"
    )

    group = counts.groups["all"]
    assert (group.interactions, group.negative, group.with_feedback) == (12, 3, 8)


async def test_an_issue_found_after_the_fix_went_live_takes_none_of_its_topic(engine, embedder):
    now = datetime.now(UTC)
    earlier, later = now - timedelta(days=3), now - timedelta(days=1)
    refund_members = await seed_traffic(engine, REFUND[:4], earlier, earlier + timedelta(hours=1), 4, 4, 0)
    refunds = await make_issue(engine, refund_members, "refunds")
    live_at = datetime.now(UTC)
    # Refund complaints the fix did not stop, clustered later into an issue of their own beside the first.
    sibling_members = await seed_traffic(engine, REFUND[4:], later, later + timedelta(hours=1), 2, 2, 0)
    await make_issue(engine, sibling_members, "refunds again")

    without_cutoff = await topic_centroids(engine, embedder, "support-bot", refunds)
    with_cutoff = await topic_centroids(engine, embedder, "support-bot", refunds, rivals_found_before=live_at)

    assert without_cutoff is not None and len(without_cutoff.others) == 1
    assert with_cutoff is not None and len(with_cutoff.others) == 0
    counts = await count_topic(engine, embedder, "support-bot", with_cutoff, later, now, THRESHOLD, lambda r: r["id"])
    assert set(sibling_members) <= set(counts.groups)
