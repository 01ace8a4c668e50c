"""The prompts API's JSON: a version with its state, an app's listing, a diff."""

from __future__ import annotations

from datetime import datetime
from typing import TypedDict

from gateway.prompts.records import AppPromptListing, ListedVersion, Mode, PromptVersion, VersionDiff, VersionState


class VersionJSON(TypedDict):
    """One version with its state now: active, canary (with the share of traffic it gets) or inactive."""

    id: str
    app: str
    model: str | None
    number: int
    text: str
    author: str
    message: str
    created_at: datetime
    state: VersionState
    canary_share: float | None


class SavedVersionJSON(VersionJSON):
    """A version just published or changed, with `warnings` (e.g. no call from its app recorded yet; empty when none)."""

    warnings: list[str]


class ListingJSON(TypedDict):
    """An app's mode and every version, newest first."""

    app: str
    mode: Mode
    versions: list[VersionJSON]


class ModeSetJSON(ListingJSON):
    """An app's listing after its mode was set, with `warnings` (as SavedVersionJSON's)."""

    warnings: list[str]


class VersionSideJSON(TypedDict):
    """One side of a diff: which version it is."""

    id: str
    app: str
    model: str | None
    number: int


# "from" is a Python keyword: the functional form names it.
DiffJSON = TypedDict("DiffJSON", {"from": VersionSideJSON, "to": VersionSideJSON, "diff": str})


def version_json(listed: ListedVersion) -> VersionJSON:
    """One version with its state now."""
    version = listed.version
    return {
        "id": version.id,
        "app": version.app,
        "model": version.model,
        "number": version.number,
        "text": version.text,
        "author": version.author,
        "message": version.message,
        "created_at": version.created_at,
        "state": listed.state,
        "canary_share": listed.canary_share,
    }


def saved_version_json(listed: ListedVersion, warnings: list[str]) -> SavedVersionJSON:
    """A version just saved, and what its publisher should know."""
    return {**version_json(listed), "warnings": warnings}


def listing_json(listing: AppPromptListing) -> ListingJSON:
    """An app's mode and every version, newest first."""
    return {"app": listing.app, "mode": listing.mode, "versions": [version_json(v) for v in listing.versions]}


def mode_set_json(listing: AppPromptListing, warnings: list[str]) -> ModeSetJSON:
    """An app's listing after its mode was set, and what the admin should know."""
    return {**listing_json(listing), "warnings": warnings}


def diff_json(diff: VersionDiff) -> DiffJSON:
    """Which versions were compared, and the unified diff of their texts."""
    return {"from": _side(diff.from_version), "to": _side(diff.to_version), "diff": diff.diff}


def _side(version: PromptVersion) -> VersionSideJSON:
    return {"id": version.id, "app": version.app, "model": version.model, "number": version.number}
