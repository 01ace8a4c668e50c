"""What people write on review tasks, as it is stored: redacted, with redaction on, like end users' feedback.

A reviewer's correction usually rewrites the end user's answer and so copies what it says (an
e-mail address, a card number); a comment, a dismissal's or reopening's note, and a manual task's
reason, evidence and tags may quote it too. With redaction on (gateway.privacy.redaction) these texts
are redacted before they are stored, wherever they are stored: the decision row (which the
training-data export and the suggested actions read), the task's event, and the audit record. The
rules that fired go into the event's and the audit record's detail under `redactions`
(``{"email": 1}``; absent when none did or redaction is off), as the interaction notes its own.

Names (reviewer, actor, assignee), ids, outcomes and statuses are not personal data by design and
are stored as given.

One copy is kept exact for a while: a correction of a held answer is the answer the waiting app
gets (gateway.review.held_poll), so, like the held answer's bytes, the decided event keeps the
reviewer's exact text (`EXACT_CORRECTION_KEY`) until the hold is over, when the held answer's
redaction drops it (gateway.review.held_redaction).

Pure and synchronous: the review service runs it before it takes the task's lock.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace

from gateway.domain.blank_text import said_or_none
from gateway.privacy.redaction import Redactor
from gateway.review.opening import OpenRequest

Fired = dict[str, int]
# The decision fields a reviewer writes.
DECISION_FIELDS = ("correction", "comment")


@dataclass(frozen=True, slots=True)
class DecisionText:
    """A decision's correction and comment as they are stored, the correction as written, and the rules that fired."""

    correction: str | None
    comment: str | None
    # The correction as the reviewer wrote it (the same as `correction` with redaction off).
    written_correction: str | None = None
    # Which rules fired on the correction and the comment; None when none did or redaction is off.
    redactions: Fired | None = None
    # Whether redaction is on: the stored texts went through it, whether or not a rule fired.
    redacted: bool = False


@dataclass(frozen=True, slots=True)
class NoteText:
    """A dismissal's or reopening's note as stored, and the rules that fired on it (None: none did, or off)."""

    note: str | None
    redactions: Fired | None = None


def decision_text(redactor: Redactor | None, correction: str | None, comment: str | None) -> DecisionText:
    """The correction and comment to store: redacted when `redactor` is given, as written otherwise; the comment
    trimmed by the one rule (gateway.domain.blank_text), None when it says nothing, for the API and the task page alike."""
    comment = said_or_none(comment)
    if redactor is None:
        return DecisionText(correction, comment, correction)
    stored, fired = redactor.row({"correction": correction, "comment": comment}, DECISION_FIELDS)
    return DecisionText(stored["correction"], stored["comment"], correction, fired or None, redacted=True)


def note_text(redactor: Redactor | None, note: str | None) -> NoteText:
    """A dismissal's or reopening's note to store, trimmed by the one rule (None when it says nothing); redacted when
    `redactor` is given."""
    note = said_or_none(note)
    if redactor is None or note is None:
        return NoteText(note)
    counts: Counter[str] = Counter()
    stored = redactor.text(note, counts)
    return NoteText(stored, dict(sorted(counts.items())) or None)


def redacted_request(redactor: Redactor | None, request: OpenRequest) -> OpenRequest:
    """A person's request to open a task with its reason, evidence (each string of it) and tags redacted.

    Run after the request was checked, so a limit applies to what the person wrote, not to the
    (possibly longer) redacted text.
    """
    if redactor is None:
        return request
    counts: Counter[str] = Counter()
    reason = redactor.text(request.reason, counts)
    evidence = redactor.document(request.evidence, counts)
    # A tag is free text a person types ("refund for alice@example.com"), stored and listed as the reason is.
    tags = tuple(redactor.text(tag, counts) for tag in request.tags)
    fired = dict(sorted(counts.items())) or None
    return replace(request, reason=reason, evidence=evidence, tags=tags, redactions=fired)
