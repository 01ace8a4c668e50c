"""What a task handed over to the issue its issue was merged into says of it: a note on its reason, its evidence.

A rule's reason and evidence are about the issue the task was opened on (gateway.review.issue_rule); after a merge
(gateway.review.merged_issues) the task is about the issue that holds those complaints now, and says so at once
rather than at the next issue-rule pass about that issue, which rewrites both (an update replaces reason and
evidence) and so drops the note. The note quotes the title the way the rule's reason does, after the rule's words,
so the privacy scrubbing of issue titles (gateway.privacy.issue_texts) finds each quoted title on its own.
"""

from __future__ import annotations

from typing import Any

OPEN_QUOTE, CLOSE_QUOTE = "\u201c", "\u201d"
# Where the note begins in a reason; the title it quotes runs to the reason's last closing quote.
NOTE_START = " Its issue was merged into " + OPEN_QUOTE
# The evidence's key for the issue a rule opened the task on, kept once the task has gone to another.
MERGED_KEY = "merged_issue"


def reason_parts(reason: str) -> tuple[str, str | None]:
    """`reason` as the words before the merge note, and the title the note quotes (None: no note)."""
    start = reason.rfind(NOTE_START)
    if start == -1 or not reason.endswith(CLOSE_QUOTE + "."):
        return reason, None
    return reason[:start], reason[start + len(NOTE_START) : -2]


def merged_reason(reason: str, into_title: str) -> str:
    """`reason` noting the task's issue was merged into the issue titled `into_title` (replacing an earlier note)."""
    before, _ = reason_parts(reason)
    return f"{before}{NOTE_START}{into_title}{CLOSE_QUOTE}."


def merged_evidence(evidence: Any, merged_issue: str, into_issue: str, into_title: str) -> Any:
    """`evidence` naming `into_issue` as the task's issue when it named `merged_issue`, that one's figures kept under
    MERGED_KEY (the first merged issue's, after a chain of merges: the figures the task was opened on)."""
    if not isinstance(evidence, dict):
        return evidence
    issue = evidence.get("issue")
    if not isinstance(issue, dict) or issue.get("id") != merged_issue:
        return evidence
    return {MERGED_KEY: issue, **evidence, "issue": {"id": into_issue, "title": into_title}}
