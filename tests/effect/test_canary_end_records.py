"""Reading a canary's end from audited prompt changes (gateway.effect.canary_end): which change ends it, and how."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from gateway.effect.canary_end import FixEnd, canary_end

T0 = datetime(2026, 12, 1, 9, tzinfo=UTC)


def change(minutes: int, action: str, before_canary: str | None, after_canary: str | None) -> dict:
    def summary(canary: str | None) -> dict:
        return {"active": {"id": "v1", "number": 1, "model": None}, "canary": canary and {"id": canary}}

    return {
        "created_at": T0 + timedelta(minutes=minutes),
        "action": action,
        "before": summary(before_canary),
        "after": summary(after_canary),
    }


def test_a_share_changed_is_no_end_and_the_first_end_counts():
    changes = [
        change(0, "prompt.canary", None, "v2"),
        change(5, "prompt.canary", "v2", "v2"),
        change(10, "prompt.canary_rollback", "v2", None),
        change(20, "prompt.canary", None, "v2"),
        change(30, "prompt.promote", "v2", None),
    ]
    assert canary_end(changes, "v2") == FixEnd(T0 + timedelta(minutes=10), "rolled back")


def test_another_version_made_active_ends_it_and_other_canaries_do_not():
    changes = [change(3, "prompt.canary_rollback", "v9", None), change(7, "prompt.publish", "v2", None)]
    assert canary_end(changes, "v2") == FixEnd(T0 + timedelta(minutes=7), "ended by another version made active")
    assert canary_end(changes[:1], "v2") is None
    assert canary_end([change(1, "prompt.auto_rollback", "v2", None)], "v2").how == "rolled back by the rollout guard"


def test_records_without_a_deployment_summary_are_passed_over():
    odd = {"created_at": T0, "action": "prompt.canary", "before": None, "after": "text"}
    assert canary_end([odd], "v2") is None
