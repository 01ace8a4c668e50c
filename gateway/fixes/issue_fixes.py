"""Fixing an issue in one step, without a review task: make the fix and link it to the issue for measuring.

A prompt engineer who previewed a fix (gateway.fixes.preview) makes exactly what was previewed live:
the preview's knowledge entry is created active, or its instructions are published as the app's new
prompt version (active, or a canary) in the placement it was previewed in. Each step is audited by
its own service (the entry or version's audit record names the issue and the preview), and the link
(FixLinkService.link_fix) lets the issue page and the API measure the fix's effect.

A new fix and its link are one transaction (gateway.store.task_fixes.TaskFixStore.make_and_link), and so
are a new version of the issue's live entry of the same title and its link (made in two steps, two posts
at once each revised the entry and linked it; the second now finds the entry, under its lock, already as
previewed and answers the first's link). A preview is made live once: that transaction also moves the
preview's live link from what the request read to the link it makes (a conditional update), so of two
posts at once without a key the second writes nothing and answers the first's fix; made live again later,
once that fix is no longer live, it makes a new one. The preview page's form carries an idempotency key, and the API
takes one (`Idempotency-Key`), claimed first in that transaction and bound to the link it makes: a repeat
finds the key taken and answers the first's fix, making nothing, even once that fix is no longer live.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from gateway.domain.blank_text import said_name, said_or_none
from gateway.domain.idempotency import HEADER, checked_key, key_claim, refuse_other_fields
from gateway.domain.shares import share_text
from gateway.effect.links import FixLinkService, IssueMergedAway, IssueNotFound
from gateway.effect.records import FixArm, FixKind, FixLink
from gateway.fixes.new_fix import (
    NewFix,
    PromptRollout,
    check_rollout,
    entry_label,
    prompt_label,
    version_label,
)
from gateway.fixes.preview import FixPreview
from gateway.knowledge.fields import EntryToCreate
from gateway.knowledge.records import KnowledgeEntry
from gateway.knowledge.service import KnowledgeService
from gateway.prompts.errors import VersionNotFound
from gateway.prompts.records import ListedVersion, VersionToPublish
from gateway.prompts.service import PromptService
from gateway.store.idempotency import KeyClaim, KeyUse
from gateway.store.task_fixes import (
    FixEdit,
    FixMaker,
    LinkWrite,
    MadeFix,
    PreviewOnce,
    PreviewTaken,
    TaskFixStore,
    entry_edit_maker,
    entry_maker,
    prompt_maker,
)

# What to do instead of making a preview of an issue merged away live.
PREVIEW_INSTEAD = "preview the fix on that issue and make it live from there"
# Where make-live keys are kept (gateway.store.idempotency): one per preview made live by a form.
SCOPE = "preview.live"


class LiveFixDiffers(Exception):
    """The preview's fix is already live for its issue, but not as this request asks (a 409 over HTTP): the message
    says how it is live, what differs, and how to change it. Nothing is made or changed."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True, slots=True)
class IssueFix:
    """A fix made live for an issue: the fix and its link to the issue (`again`: it already was, nothing was made)."""

    fix: NewFix
    link: FixLink
    again: bool = False
    # A knowledge fix made as a new version of the entry of the same title already live for the issue.
    revised: bool = False
    # Made by an earlier request under the same idempotency key: nothing was made now.
    repeated: bool = False


class IssueFixes:
    """Makes a previewed fix live for its issue and links it."""

    def __init__(
        self, knowledge: KnowledgeService, prompts: PromptService, links: FixLinkService, store: TaskFixStore
    ) -> None:
        self._knowledge = knowledge
        self._prompts = prompts
        self._links = links
        self._store = store

    async def make_live(
        self,
        preview: FixPreview,
        author: str,
        *,
        message: str | None = None,
        rollout: PromptRollout = "active",
        canary_share: float | None = None,
        idempotency_key: str | None = None,
        key_field: str = HEADER,
    ) -> IssueFix:
        """The preview's candidate made live in its app and linked to its issue; a prompt goes out as `rollout`
        with `message` saying what changed (default: the issue and preview). IssueNotFound when the issue is gone,
        IssueMergedAway when it was merged into another since (nothing is made then). Once per `idempotency_key`
        (None: no key): a repeat answers the first one's fix (`repeated`), KeyReused when it asks other fields."""
        check_rollout(preview.kind, rollout, canary_share)
        author = said_name("created_by", author, "name who makes the fix live")
        # A message of blank characters only (zero-width ones too) is none: the default says what changed. Read so
        # before the key's claim, so a form sent again with its blank box as it was is the same request.
        message = said_or_none(message)
        key = checked_key(idempotency_key, key_field)
        asked = {"preview": preview.id, "author": author, "message": message, "rollout": rollout, "share": canary_share}
        claim = None if key is None else key_claim(SCOPE, key, "", asked)
        if claim is not None and (earlier := await self._store.key_use(SCOPE, claim.key)):
            return await self._repeated(preview, claim, earlier, key_field)
        holding = await self._links.surviving_issue(preview.issue_id)
        if holding != preview.issue_id:
            raise IssueMergedAway(preview.issue_id, holding, PREVIEW_INSTEAD)
        # A second click, or a retried request, makes nothing twice: the same fix already live for the issue stands.
        existing = await self._already_live(preview, rollout, canary_share)
        if existing is not None:
            return existing
        detail = {"issue_id": preview.issue_id, "preview_id": preview.id}
        kind: FixKind = "knowledge" if preview.kind == "knowledge" else "prompt"
        arm: FixArm = "canary" if rollout == "canary" else "live"
        revising = await self._entry_to_revise(preview) if preview.kind == "knowledge" else None
        if revising is not None:
            make, label = self._revision(preview, revising, author, detail)
        else:
            make, label = self._new_fix(preview, author, message, rollout, canary_share, detail)
        link_id = self._links.new_link_id()

        def link(made: MadeFix) -> LinkWrite:
            return self._links.link_write(
                preview.issue_id, preview.app, kind, made.fix_id, made.version, arm, actor=author, link_id=link_id
            )

        # One transaction: the key (claimed first, bound to the link it makes), the preview's live link moved from
        # what was read here (a preview is made live once, even by posts at once), the fix and its link.
        key_use = None if claim is None else replace(claim, subject_id=link_id)
        once = PreviewOnce(preview.id, preview.live_link_id, link_id)
        written = await self._store.make_and_link(make, link, key_use, once)
        if isinstance(written, KeyUse):
            assert claim is not None
            return await self._repeated(preview, claim, written, key_field)
        if isinstance(written, PreviewTaken):
            return await self._made_live_meanwhile(preview, written.link_id, rollout, canary_share)
        if written is None:
            # The entry was revised to this very text by a request just before (a double click): that one stands.
            assert revising is not None
            return await self._already_live(preview, rollout, canary_share) or await self._linked(preview, revising)
        assert written.link is not None
        made = written.fix
        fix = NewFix(kind, made.fix_id, made.version, arm, label(made))
        return IssueFix(fix, FixLink.from_row(written.link), revised=revising is not None)

    def _new_fix(
        self,
        preview: FixPreview,
        author: str,
        message: str | None,
        rollout: PromptRollout,
        canary_share: float | None,
        detail: dict[str, Any],
    ) -> tuple[FixMaker, Callable[[MadeFix], str]]:
        """The preview's candidate as a new fix to write: its writer, and how it is named once made."""
        candidate = preview.candidate
        if preview.kind == "knowledge":
            write = self._knowledge.new_entry(
                EntryToCreate(
                    preview.app,
                    candidate["title"],
                    candidate["content"],
                    candidate.get("example_questions") or (),
                    author=author,
                    detail=detail,
                )
            )
            entry = KnowledgeEntry.from_row(write.values)
            return entry_maker(write), lambda made: entry_label(entry)
        draft, plan = self._prompts.publish_plan(
            VersionToPublish(
                preview.app,
                candidate["text"],
                message or f"Fix for issue {preview.issue_id}, as previewed ({preview.id})",
                author,
                mode=candidate.get("mode"),
                activate=rollout == "active",
                canary_share=canary_share if rollout == "canary" else None,
                detail=detail,
            )
        )
        state = "canary" if rollout == "canary" else "active"
        return prompt_maker(draft.app, plan), lambda made: version_label(made.version, draft.app, made.fix_id, state)

    def _revision(
        self, preview: FixPreview, entry: KnowledgeEntry, author: str, detail: dict[str, Any]
    ) -> tuple[FixEdit, Callable[[MadeFix], str]]:
        """The preview as a new version of `entry` (the active entry of its title linked to its issue): its writer,
        which writes nothing when the entry already reads as previewed, and raises EntrySwitchedOff when the entry,
        read under its lock, was switched off since it was looked up; and how it is named once made.

        Changing a live entry's questions, previewing again and making that live added a second
        active entry of the same title, injected twice into every matching request.
        """
        candidate = preview.candidate
        change = self._knowledge.edit_plan(
            entry.id,
            author=author,
            title=candidate["title"],
            content=candidate["content"],
            example_questions=candidate.get("example_questions") or (),
            detail=detail,
            # Looked up live before the transaction: switched off since, it must not be revised and read as live.
            only_active=True,
        )
        return entry_edit_maker(entry.id, change), lambda made: entry_label(
            replace(entry, title=candidate["title"], version=made.version)
        )

    async def _entry_to_revise(self, preview: FixPreview) -> KnowledgeEntry | None:
        """The newest active entry linked to the preview's issue whose title is the preview's (case aside), if any."""
        title = preview.candidate["title"]
        for link in reversed(await self._links.fixes_for(preview.issue_id)):
            if link.kind != "knowledge":
                continue
            entry = await self._knowledge.get(link.fix_id)
            if entry is not None and entry.active and entry.title.casefold() == title.casefold():
                return entry
        return None

    async def _linked(self, preview: FixPreview, entry: KnowledgeEntry) -> IssueFix:
        """The newest link of `entry` to the preview's issue, as a fix already live."""
        link = next(link for link in reversed(await self._links.fixes_for(preview.issue_id)) if link.fix_id == entry.id)
        current = await self._knowledge.get(entry.id) or entry
        made = NewFix("knowledge", entry.id, current.version, link.arm, entry_label(current))
        return IssueFix(made, link, again=True)

    async def _repeated(self, preview: FixPreview, claim: KeyClaim, earlier: KeyUse, key_field: str) -> IssueFix:
        """The fix an earlier request under the key made live for the preview's issue (with its link, made with it);
        KeyReused when it was asked other fields.

        The key names the link it made (keys claimed before links were named, the fix: its first link); the
        link is looked for on the issue holding the preview issue's complaints now, as merges move links.
        """
        links = await self._links.fixes_for(await self._links.surviving_issue(preview.issue_id))
        link = next((link for link in links if link.id == earlier.subject_id), None)
        link = link or next((link for link in links if link.fix_id == earlier.subject_id), None)
        if link is None:
            raise IssueNotFound(preview.issue_id)
        refuse_other_fields(claim, replace(earlier, subject_id=link.fix_id), key_field)
        fix = await self._fix_of(link)
        # An entry made live as a new version of one already live is a revision (a new entry is version 1).
        revised = link.kind == "knowledge" and (link.fix_version or 1) > 1
        return IssueFix(fix, link, revised=revised, repeated=True)

    async def _made_live_meanwhile(
        self, preview: FixPreview, link_id: str | None, rollout: PromptRollout, canary_share: float | None
    ) -> IssueFix:
        """The preview made live by another request while this one was under way (it moved the preview's live link
        to `link_id` first): answered as a request after it would be, its fix already live (LiveFixDiffers when
        asked otherwise), or that request's link when its fix is no longer live."""
        live = await self._already_live(preview, rollout, canary_share)
        if live is not None:
            return live
        links = await self._links.fixes_for(await self._links.surviving_issue(preview.issue_id))
        link = next((link for link in links if link.id == link_id), None)
        if link is None:
            raise IssueNotFound(preview.issue_id)
        return IssueFix(await self._fix_of(link), link, again=True)

    async def _fix_of(self, link: FixLink) -> NewFix:
        """The fix `link` made live, named as pages name it (an entry at the version linked)."""
        if link.kind == "knowledge":
            entry = await self._knowledge.get(link.fix_id)
            assert entry is not None  # entries are never deleted
            label = entry_label(replace(entry, version=link.fix_version or entry.version))
        else:
            label = prompt_label(await self._prompts.get(link.fix_id))
        return NewFix(link.kind, link.fix_id, link.fix_version or 1, link.arm, label)

    async def _already_live(
        self, preview: FixPreview, rollout: PromptRollout, canary_share: float | None
    ) -> IssueFix | None:
        """The fix linked to the preview's issue that is exactly the preview's candidate and still live, if any;
        LiveFixDiffers when that fix is a prompt version live in another rollout or placement than asked."""
        candidate = preview.candidate
        for link in reversed(await self._links.fixes_for(preview.issue_id)):
            if link.kind != preview.kind:
                continue
            if link.kind == "knowledge":
                entry = await self._knowledge.get(link.fix_id)
                same = (
                    entry is not None
                    and entry.active
                    and (
                        entry.title,
                        entry.content,
                        list(entry.example_questions),
                    )
                    == (candidate["title"], candidate["content"], list(candidate.get("example_questions") or ()))
                )
                if same and entry is not None:
                    made = NewFix("knowledge", entry.id, entry.version, link.arm, entry_label(entry))
                    return IssueFix(made, link, again=True)
                continue
            try:
                listed = await self._prompts.get(link.fix_id)
            except VersionNotFound:
                continue
            version = listed.version
            if listed.state != "inactive" and version.text == candidate["text"]:
                app_mode = await self._prompts.mode(version.app)
                differs = placement_differs(listed, app_mode, candidate.get("mode"), rollout, canary_share)
                if differs is not None:
                    raise LiveFixDiffers(differs)
                made = NewFix("prompt", version.id, version.number, link.arm, prompt_label(listed))
                return IssueFix(made, link, again=True)
        return None


def placement_differs(
    listed: ListedVersion, app_mode: str, previewed_mode: str | None, rollout: PromptRollout, share: float | None
) -> str | None:
    """What a make-live request asks of a prompt version already live for the issue that differs from how it is
    live (rollout, canary share, the app's placement), with what to do instead; None when it asks the same.

    Answered "already live", a second request for a canary of the active version (or for all traffic of the
    canary, or another share) left the version as it was while the user read that it was done. Changing a live
    version is its own audited step on the Prompts page or API, so the answer says which. `message` and
    `created_by` are not compared: a retry may word them differently.
    """
    version = listed.version
    said = f"{prompt_label(listed)} is already live for this issue with this text"
    page = "(the app's Prompts page, or POST /api/prompts/"
    if listed.state == "active" and rollout == "canary":
        return (
            f"{said}, active for all traffic; this request asks for a canary of {_share_text(share)}. Nothing was "
            f"changed: to try it on a share instead, roll it back first {page}{version.id}/rollback), then make this "
            "preview live as a canary again"
        )
    if listed.state == "canary":
        live_as = f"as a canary of {_share_text(listed.canary_share)} of traffic"
        if rollout == "active":
            return (
                f"{said}, {live_as}; this request asks for it active for all traffic. Nothing was changed: "
                f"promote the canary {page}{version.id}/promote)"
            )
        if share is not None and listed.canary_share is not None and not math.isclose(share, listed.canary_share):
            return (
                f"{said}, {live_as}; this request asks for a canary of {_share_text(share)}. Nothing was changed: "
                f'change the canary\'s share {page}{version.id}/canary with {{"share": {share:g}}})'
            )
    if previewed_mode is not None and previewed_mode != app_mode:
        return (
            f"{said}, the app's instructions placed by {app_mode!r}; this preview was previewed with "
            f"{previewed_mode!r}. Nothing was changed: set the app's placement {page}mode with "
            f'{{"app": "{version.app}", "mode": "{previewed_mode}"}}), or preview again in the placement the app uses'
        )
    return None


def _share_text(share: float | None) -> str:
    return "an unknown share" if share is None else share_text(share)
