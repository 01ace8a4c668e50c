"""verify_chain on records in memory: intact, edited, missing, moved."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest
from audit_helpers import entry

from gateway.audit.records import GENESIS_HASH, AuditRecord, ChainHead, record_hash, seal
from gateway.audit.verify import verify_chain

START = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)


def chain(n: int) -> list[AuditRecord]:
    records: list[AuditRecord] = []
    for seq in range(1, n + 1):
        prev_hash = records[-1].hash if records else GENESIS_HASH
        created_at = START + timedelta(seconds=seq, microseconds=seq)
        records.append(seal(entry(seq), seq=seq, id=f"id-{seq}", created_at=created_at, prev_hash=prev_hash))
    return records


def head_of(records: list[AuditRecord]) -> ChainHead:
    return ChainHead(seq=records[-1].seq, hash=records[-1].hash)


def test_an_intact_chain_verifies():
    records = chain(5)

    result = verify_chain(records, head_of(records))

    assert (result.ok, result.checked, result.first_broken_seq, result.reason) == (True, 5, None, None)


def test_an_empty_log_is_intact():
    assert verify_chain([]).ok
    assert verify_chain([], ChainHead(seq=0, hash=GENESIS_HASH)).ok


def test_the_first_record_follows_the_genesis_hash():
    first = chain(1)[0]

    assert first.prev_hash == GENESIS_HASH
    assert len(first.hash) == 64


@pytest.mark.parametrize(
    "change",
    [
        {"after": {"status": "dismissed", "n": 3}},
        {"before": None},
        {"detail": {"note": "rewritten"}},
        {"actor": "someone-else"},
        {"action": "issue.other"},
        {"subject_type": "task"},
        {"subject_id": "issue-99"},
        {"app": None},
        {"id": "id-99"},
        {"created_at": START},
    ],
)
def test_editing_any_field_breaks_that_record(change):
    records = chain(5)
    records[2] = replace(records[2], **change)

    result = verify_chain(records)

    assert (result.ok, result.checked, result.first_broken_seq) == (False, 2, 3)
    assert "do not match its hash" in result.reason


def test_an_edit_that_recomputes_the_hash_breaks_the_next_link():
    records = chain(5)
    edited = replace(records[2], after={"status": "dismissed"})
    records[2] = replace(edited, hash=record_hash(edited))

    result = verify_chain(records)

    assert result.first_broken_seq == 4
    assert result.reason == "its prev_hash does not match the hash of record 3"


def test_a_deleted_middle_record_is_named():
    records = chain(5)
    del records[2]

    result = verify_chain(records)

    assert (result.ok, result.first_broken_seq) == (False, 3)
    assert result.reason == "record 3 is missing: record 4 follows record 2"


def test_deleted_first_records_are_named():
    result = verify_chain(chain(5)[2:])

    assert result.first_broken_seq == 1
    assert result.reason.startswith("records 1 to 2 are missing")


def test_records_renumbered_to_hide_a_deletion_break_the_hash():
    records = chain(5)
    del records[2]
    records[2:] = [replace(record, seq=record.seq - 1) for record in records[2:]]

    result = verify_chain(records)

    assert result.first_broken_seq == 3
    assert "do not match its hash" in result.reason


def test_swapped_seq_values_are_found():
    records = chain(5)
    records[1], records[2] = replace(records[2], seq=2), replace(records[1], seq=3)

    result = verify_chain(records)

    assert (result.ok, result.first_broken_seq) == (False, 2)


def test_records_out_of_order_are_found():
    records = chain(3)

    result = verify_chain([*records, records[1]])

    assert (result.ok, result.first_broken_seq) == (False, 2)
    assert result.reason == "record 2 comes after record 3: records are out of order"


def test_a_removed_newest_record_is_found_through_the_head():
    records = chain(5)
    head = head_of(records)

    result = verify_chain(records[:4], head)

    assert (result.ok, result.checked, result.first_broken_seq) == (False, 4, 5)
    assert result.reason == "record 5 is missing: the chain head says record 5 exists"


def test_a_replaced_newest_record_is_found_through_the_head():
    records = chain(5)
    head = head_of(records)
    forged = replace(records[4], after={"status": "dismissed"})
    records[4] = replace(forged, hash=record_hash(forged))

    result = verify_chain(records, head)

    assert result.first_broken_seq == 5
    assert "chain head" in result.reason


def test_records_appended_after_the_head_was_read_are_accepted():
    records = chain(5)

    assert verify_chain(records, head_of(records[:3])).ok


def test_the_hash_does_not_depend_on_the_time_zone_given():
    moment = START.astimezone(timezone(timedelta(hours=8)))
    here = seal(entry(1), seq=1, id="id-1", created_at=moment, prev_hash=GENESIS_HASH)
    utc = seal(entry(1), seq=1, id="id-1", created_at=START, prev_hash=GENESIS_HASH)

    assert here.hash == utc.hash
    assert here.created_at.tzinfo is UTC


def test_values_are_stored_and_hashed_as_json_reads_them_back():
    record = seal(
        entry(1, after={"tags": ("a", "b"), "at": START}), seq=1, id="id-1", created_at=START, prev_hash=GENESIS_HASH
    )

    assert record.after == {"tags": ["a", "b"], "at": "2026-12-01T09:30:00+00:00"}
    assert record_hash(record) == record.hash


@pytest.mark.parametrize("change", [{"actor": ""}, {"action": "x" * 101}, {"subject_type": "x" * 51}, {"app": ""}])
def test_an_entry_that_does_not_fit_the_log_is_refused(change):
    with pytest.raises(ValueError, match=next(iter(change))):
        entry(1, **change)
