"""The audit log's fixed vocabulary: every action recorded and every kind of subject, one list each.

`GET /api/audit` filters by them and refuses any other value listing these (a typo listed nothing, read as "no such
change was made"); an AuditEntry outside them is refused, so a new kind of change is added here or fails its tests.
"""

from __future__ import annotations

from typing import Literal, get_args

# Dotted, by area, in the order a refusal lists them.
AuditAction = Literal[
    "issue.status",
    "issue.rename",
    "issue.merge",
    "issue.regressed",
    "issue.fix_link",
    "issue.fix_link_moved",
    "review.open",
    "review.update",
    "review.claim",
    "review.release",
    "review.assign",
    "review.dismiss",
    "review.reopen",
    "review.decision",
    "review.follow_merge",
    "review.second_opinion",
    "kb.create",
    "kb.edit",
    "kb.activate",
    "kb.deactivate",
    "kb.restore",
    "prompt.publish",
    "prompt.activate",
    "prompt.rollback",
    "prompt.canary",
    "prompt.promote",
    "prompt.canary_rollback",
    "prompt.auto_rollback",
    "prompt.mode",
    "goal.set",
    "goal.delete",
    "key.create",
    "key.revoke",
    "user.create",
    "user.disable",
    "user.enable",
    "user.unlock",
    "user.role",
    "user.password",
    "privacy.erasure",
]
AuditSubjectType = Literal[
    "issue",
    "review_task",
    "kb_entry",
    "prompt_version",
    "prompt_config",
    "goal",
    "gateway_key",
    "user",
    "end_user",
]
ACTIONS: tuple[str, ...] = get_args(AuditAction)
SUBJECT_TYPES: tuple[str, ...] = get_args(AuditSubjectType)
