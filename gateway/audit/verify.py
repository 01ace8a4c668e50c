"""Checking the audit log's hash chain: every record intact, none missing, none moved."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from gateway.audit.records import GENESIS_HASH, AuditRecord, ChainHead, record_hash


@dataclass(frozen=True, slots=True)
class VerificationResult:
    """Whether the chain is intact; if not, the first broken record's seq and what is wrong with it."""

    ok: bool
    checked: int
    first_broken_seq: int | None = None
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class Break:
    """Where the chain breaks and why."""

    seq: int
    reason: str


class ChainVerifier:
    """Checks records fed in ascending seq order, chunk by chunk, and stops at the first break.

    Fed in chunks so a long log is verified without holding it all in memory.
    """

    def __init__(self, head: ChainHead | None = None) -> None:
        # The head as read before the records: records appended since may follow it.
        self._head = head
        self._previous: AuditRecord | None = None
        self._head_reached = head is None or head.seq == 0
        self._checked = 0
        self._break: Break | None = None

    @property
    def broken(self) -> bool:
        """Whether a break was found (feeding more records changes nothing then)."""
        return self._break is not None

    def feed(self, records: Iterable[AuditRecord]) -> None:
        """Check the next records of the chain."""
        for record in records:
            if self._break is not None:
                return
            self._break = self._check(record)
            if self._break is None:
                self._previous = record
                self._checked += 1

    def result(self) -> VerificationResult:
        """The outcome over everything fed so far, as the whole chain."""
        found = self._break or self._check_head()
        if found is None:
            return VerificationResult(ok=True, checked=self._checked)
        return VerificationResult(ok=False, checked=self._checked, first_broken_seq=found.seq, reason=found.reason)

    def _check(self, record: AuditRecord) -> Break | None:
        previous = self._previous
        expected_seq = 1 if previous is None else previous.seq + 1
        if record.seq < expected_seq:
            return Break(
                record.seq, f"record {record.seq} comes after record {expected_seq - 1}: records are out of order"
            )
        if record.seq > expected_seq:
            return Break(
                expected_seq,
                _missing(expected_seq, record.seq - 1, f"record {record.seq} follows record {expected_seq - 1}"),
            )
        if record_hash(record) != record.hash:
            return Break(
                record.seq, "its contents do not match its hash: it was edited, or moved from elsewhere in the chain"
            )
        if previous is None and record.prev_hash != GENESIS_HASH:
            return Break(record.seq, "it is the first record but its prev_hash is not the genesis value")
        if previous is not None and record.prev_hash != previous.hash:
            return Break(record.seq, f"its prev_hash does not match the hash of record {previous.seq}")
        head = self._head
        if head is not None and record.seq == head.seq:
            if record.hash != head.hash:
                return Break(
                    record.seq, "its hash differs from the one the chain head recorded for it: it was replaced"
                )
            self._head_reached = True
        return None

    def _check_head(self) -> Break | None:
        """Records removed from the end leave no gap: only the head still knows they existed."""
        if self._head_reached or self._head is None:
            return None
        last = 0 if self._previous is None else self._previous.seq
        return Break(
            last + 1, _missing(last + 1, self._head.seq, f"the chain head says record {self._head.seq} exists")
        )


def _missing(first: int, last: int, evidence: str) -> str:
    which = f"record {first} is" if first == last else f"records {first} to {last} are"
    return f"{which} missing: {evidence}"


def verify_chain(records: Iterable[AuditRecord], head: ChainHead | None = None) -> VerificationResult:
    """Check `records`, the whole log in ascending seq order, against each other and the chain `head`."""
    verifier = ChainVerifier(head)
    verifier.feed(records)
    return verifier.result()
