"""The fix-preview API's JSON: a stored preview with its items and counts, and a previewed fix made live."""

from __future__ import annotations

from datetime import datetime
from typing import TypedDict, cast

from gateway.api.effect_json import LinkedFixJSON, linked_fix_json
from gateway.effect.records import FixArm, FixKind, NamedFix
from gateway.fixes.issue_fixes import IssueFix
from gateway.fixes.preview import Credential, FixPreview, PreviewItem
from gateway.prompts.records import Mode


class KnowledgeCandidateJSON(TypedDict):
    """A knowledge-base entry as it would be created."""

    title: str
    content: str
    example_questions: list[str]


class PromptCandidateJSON(TypedDict):
    """Instructions as they would be published, and how they meet the app's own system message."""

    text: str
    mode: Mode | None


class PreviewCountsJSON(TypedDict):
    """How many items were replayed, failed or left alone (not matched), and how many upstream calls were made."""

    replayed: int
    failed: int
    not_matched: int
    upstream_calls: int


class PreviewJSON(TypedDict):
    """A stored preview: the candidate, how many interactions were asked for (`limit`), which kind of credential the
    replays used (never the credential), the counts, the link its newest make-live made (null: not made live yet)
    and the items, newest first."""

    id: str
    issue_id: str
    app: str
    kind: FixKind
    candidate: KnowledgeCandidateJSON | PromptCandidateJSON
    limit: int
    credential: Credential
    counts: PreviewCountsJSON
    created_by: str
    created_at: datetime
    live_link_id: str | None
    items: list[PreviewItem]


class PreviewsJSON(TypedDict):
    """An issue's newest previews, newest first."""

    data: list[PreviewJSON]


class MadeFixJSON(TypedDict):
    """The fix a preview was made into: a knowledge-base entry's id and version, or a prompt version's id and
    number; the arm it went out in, and its name in decisions and pages."""

    kind: FixKind
    id: str
    version: int
    arm: FixArm
    label: str


class MadeLiveJSON(TypedDict):
    """A previewed fix made live: the fix, its link to the issue (as `GET /api/issues/{id}/fixes` lists it), whether
    it already was live (nothing made), and whether it was made as a new version of the issue's live entry of the
    same title (`revised`)."""

    fix: MadeFixJSON
    link: LinkedFixJSON
    already_live: bool
    revised: bool


def preview_json(preview: FixPreview) -> PreviewJSON:
    """A preview with its items and counts (the credential's kind only, never the credential)."""
    counts = preview.counts()
    return {
        "id": preview.id,
        "issue_id": preview.issue_id,
        "app": preview.app,
        "kind": cast(FixKind, preview.kind),
        # Stored as the candidate's fields() wrote it (gateway.fixes.candidates).
        "candidate": cast(KnowledgeCandidateJSON | PromptCandidateJSON, preview.candidate),
        "limit": preview.requested,
        "credential": preview.credential,
        "counts": {
            "replayed": counts["replayed"],
            "failed": counts["failed"],
            "not_matched": counts["not_matched"],
            "upstream_calls": counts["upstream_calls"],
        },
        "created_by": preview.created_by,
        "created_at": preview.created_at,
        # The link its newest make-live made (None: not made live yet).
        "live_link_id": preview.live_link_id,
        "items": list(preview.items),
    }


def previews_json(previews: list[FixPreview]) -> PreviewsJSON:
    """An issue's previews."""
    return {"data": [preview_json(preview) for preview in previews]}


def made_live_json(made: IssueFix, link: NamedFix) -> MadeLiveJSON:
    """A previewed fix made live, and its link (made.link named) as every answer about an issue's fixes has it."""
    fix = made.fix
    return {
        "fix": {"kind": fix.kind, "id": fix.fix_id, "version": fix.version, "arm": fix.arm, "label": fix.label},
        "link": linked_fix_json(link),
        "already_live": made.again,
        "revised": made.revised,
    }
