"""Making a fix: a new knowledge-base entry or a published prompt version, named as decisions and pages name it.

What resolving a review task by a fix (gateway.review.fix_resolution) and fixing an issue directly
(gateway.fixes.issue_fixes) share: both write the fix (KnowledgeService.new_entry, PromptService.publish_plan;
audited, with `detail` naming the task or issue it is for) and its link to the issue in one transaction
(gateway.store.task_fixes), and name it as here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from gateway.domain.errors import InvalidQuery
from gateway.domain.kind_fields import refuse_other_kinds_fields
from gateway.effect.records import FixArm, FixKind
from gateway.knowledge.records import KnowledgeEntry
from gateway.prompts.records import ListedVersion
from gateway.prompts.service import checked_share

# How a new prompt version goes out: active for all traffic, or a canary for a share of it.
PromptRollout = Literal["active", "canary"]


@dataclass(frozen=True, slots=True)
class NewFix:
    """A fix just made: its kind, id and version, the arm it went out in, and its name in decisions and pages."""

    kind: FixKind
    fix_id: str
    version: int
    arm: FixArm
    label: str


def entry_label(entry: KnowledgeEntry) -> str:
    """How a decision and the pages name a knowledge entry made as a fix."""
    return f"knowledge-base entry {entry.title!r} ({entry.id}, version {entry.version})"


def prompt_label(listed: ListedVersion) -> str:
    """How a decision and the pages name a prompt version made as a fix (with its rollout: active or canary)."""
    version = listed.version
    return version_label(version.number, version.app, version.id, listed.state)


def version_label(number: int, app: str, version_id: str, state: str) -> str:
    """`prompt_label` from the version's parts, for a version not yet committed."""
    return f"prompt version {number} of {app} ({version_id}, {state})"


# The fields each kind of fix resolving a review task takes (its reviewer and comment aside). A rollout asked of a
# kind that has none is check_rollout's to refuse, saying where to change how the fix is live.
FIX_FIELDS: dict[str, tuple[str, ...]] = {
    "knowledge": ("title", "content", "example_questions"),
    "prompt": ("text", "message", "rollout", "canary_share"),
    "linked": ("link_id",),
}


def check_fix_fields(
    kind: str,
    *,
    title: str | None = None,
    content: str | None = None,
    example_questions: Sequence[str] = (),
    text: str | None = None,
    message: str | None = None,
    link_id: str | None = None,
) -> None:
    """InvalidQuery naming a field sent that belongs to another kind of fix than `kind`, and the kind: a `title` with
    a prompt fix, `text` with an entry, anything but `link_id` with a linked fix (the rule previews follow too)."""
    given = {
        "title": title,
        "content": content,
        "example_questions": example_questions,
        "text": text,
        "message": message,
        "link_id": link_id,
    }
    refuse_other_kinds_fields(kind, given, (*FIX_FIELDS[kind], "comment"), "fix")


def check_rollout(kind: str, rollout: str | None, canary_share: float | None) -> None:
    """InvalidQuery for a rollout the fix's kind cannot go out in: the one check of every path that makes a fix
    (a review task's, a preview's make-live) or names one (a task resolved by a fix already linked, kind "linked"),
    so each gives the same answer to the same request. `rollout` None: not asked (a new fix goes out active).

    A prompt version goes out active or as a canary of a share; a knowledge-base entry has no canary; a fix
    already linked is live as it is, so no rollout can be asked of it.
    """
    if kind == "linked":
        _check_linked_rollout(rollout, canary_share)
        return
    if kind == "knowledge":
        _check_entry_rollout(rollout, canary_share)
        return
    rollout = rollout or "active"
    if rollout not in ("active", "canary"):
        raise InvalidQuery("rollout", "'rollout' must be 'active' or 'canary'")
    if rollout == "canary" and canary_share is None:
        raise InvalidQuery("canary_share", "a canary needs 'canary_share': its share of traffic, e.g. 0.1")
    if rollout != "canary" and canary_share is not None:
        # Left out, the share alone sent the version to all traffic where a tenth was meant.
        raise InvalidQuery(
            "canary_share", "'canary_share' is for a canary: send 'rollout': 'canary' with it, or leave it out"
        )
    # Checked here, before anything is read or compared: a share no canary can have is the request's fault (a 400
    # saying the range), not a conflict with how a fix is live now.
    checked_share(canary_share)


def _check_entry_rollout(rollout: str | None, canary_share: float | None) -> None:
    # Ignored, a canary asked of an entry put it live for all of the app's traffic where a share was meant.
    if rollout not in (None, "active") or canary_share is not None:
        raise InvalidQuery(
            "rollout",
            "knowledge-base entries have no canary: they go live for all of the app's traffic "
            "(leave out 'rollout' and 'canary_share', or fix the issue with a prompt version to try it on a share)",
        )


def _check_linked_rollout(rollout: str | None, canary_share: float | None) -> None:
    # Ignored, a canary asked of a linked fix resolved the task by a version live for all traffic, said nowhere.
    if rollout is not None or canary_share is not None:
        raise InvalidQuery(
            "rollout",
            "a linked fix is already live as it is (its 'arm' says how): leave out 'rollout' and 'canary_share'; "
            "to change how a prompt version is live, promote it, change its share or roll it back (the app's Prompts "
            "page, or /api/prompts/{id}/promote, /canary, /rollback), or resolve the task by a new prompt fix",
        )
