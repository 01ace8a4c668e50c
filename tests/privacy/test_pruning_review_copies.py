"""A review task that outlives the pruning of some of its interactions keeps no copy of their texts or ids."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from review_copies_seed import complaining, issue_task, quoted, shown

from gateway.privacy.retention import prune_before

NOW = datetime.now(UTC)
OLD = NOW - timedelta(days=40)
CUTOFF = NOW - timedelta(days=30)


async def test_a_task_keeps_no_copy_of_a_pruned_interaction_and_keeps_the_newer_ones(engine):
    old, recent = await complaining(engine, "alice", created_at=OLD), await complaining(engine, "bob")
    task_id = await issue_task(engine, old, recent)

    await prune_before(engine, CUTOFF)

    blob = await shown(engine, task_id)
    assert (quoted(blob, old), quoted(blob, recent)) == (
        dict.fromkeys(old.texts, False),
        dict.fromkeys(recent.texts, True),
    )
