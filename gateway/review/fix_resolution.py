"""Resolving a review task by a fix: a new knowledge-base entry or prompt version, the decision, and the link between them.

One verb per kind of fix, and one for a fix already live for the task's issue (made live from a preview
or the issue page: the decision names it, nothing is made twice). Each new-fix verb checks the fix's fields first,
and whether the reviewer may claim the task (a task someone else holds, a closed task, or one this reviewer already
judged is refused before anything is written), then, in one transaction (gateway.store.task_fixes: a process dying
part-way leaves none of it, a refusal met there, such as another canary running, leaves no claim either, and the
reviewer's second try makes one fix), creates the fix, claims the task for the reviewer (audited, its audit detail naming the task and issue), records the
reviewer's `reject` decision (the answers were wrong; the fix is the remedy, named in the comment;
audited; on a task of one answer of `n` > 1 choices, naming the choice rejected, checked before the
claim as a decision's is: gateway.review.judged_choice), and, when the task concerns an issue, links the fix to the issue and the task as
FixLinkService.link_fix does (audited), so its effect on the issue can be measured; an issue merged
since the task was opened has the fix linked to the issue that holds its complaints now. A task
without an issue has nothing to measure the fix against: it is resolved and the fix named, but not
linked. The decision listeners (the webhook) hear of it once it committed.

A new-fix verb may carry an idempotency key (the task page's form key, the API's Idempotency-Key;
gateway.review.fix_keys), claimed first in that same transaction: sent twice, even at once, one fix,
one decision and one link are made, and the repeat answers the task as resolved by the first
request's fix (`repeated`). Without it, both requests passed the checks before the transaction and
the second failed with 409 (or, before the task was decided, made a second fix).

Which fixes are in force for a task's issues, and so which a task may be resolved by without a new
one, is read in gateway.review.task_fix_reads.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, replace

from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.domain.blank_text import said_or_none
from gateway.domain.errors import InvalidQuery
from gateway.domain.idempotency import HEADER, refuse_other_fields
from gateway.domain.quoting import quoted
from gateway.effect.links import FixLinkService, IssueNotFound
from gateway.effect.records import FixArm, FixKind, FixLink
from gateway.fixes.new_fix import PromptRollout, check_rollout, entry_label, version_label
from gateway.knowledge.fields import EntryToCreate, checked_content, checked_questions, checked_title
from gateway.knowledge.records import KnowledgeEntry
from gateway.knowledge.service import KnowledgeService
from gateway.prompts.records import VersionToPublish
from gateway.prompts.service import PromptService, check_version_text
from gateway.review.errors import TaskConflict, TaskNotFound
from gateway.review.fix_keys import FixKey, fix_key
from gateway.review.records import Decision, Outcome, ReviewTaskDetail
from gateway.review.resolution import FIX_NOTES, ResolvingFix
from gateway.review.service import ReviewService
from gateway.review.task_fix_reads import TaskFixReads
from gateway.store.idempotency import KeyUse
from gateway.store.member_issues import MemberIssueStore
from gateway.store.review_writes import TaskChange, TaskState
from gateway.store.task_fixes import FixMaker, LinkWrite, MadeFix, TaskFixStore, entry_maker, prompt_maker

NO_ISSUE = "the task concerns no issue, so the fix is named in the decision but not linked for measuring"


def fix_decision(detail: ReviewTaskDetail) -> Decision | None:
    """The decision of the task's current round that resolved it by a fix (a second-opinion task stays open after it)."""
    for decision in detail.decisions:
        if decision.round == detail.task.round and decision.comment and decision.comment.startswith(FIX_NOTES):
            return decision
    return None


def refuse_a_second_fix(detail: ReviewTaskDetail) -> None:
    """TaskConflict for a task already resolved by a fix in this round: its second reviewer judges that fix."""
    found = fix_decision(detail) if detail.task.active else None
    if found is not None:
        raise TaskConflict(
            f"{found.reviewer} already resolved this task by a fix, noting “{found.comment}”; it awaits a second opinion "
            "on that fix: approve, reject or correct it instead of adding a second fix"
        )


@dataclass(frozen=True, slots=True)
class FixResolution:
    """A task resolved by a fix: the task after the decision, the fix, and its link (None with `unlinked_reason`)."""

    task: ReviewTaskDetail
    kind: FixKind
    fix_id: str
    fix_version: int
    fix_label: str
    link: FixLink | None
    unlinked_reason: str | None
    # An earlier request under the same idempotency key made the fix and resolved the task by it: nothing was now.
    repeated: bool = False


@dataclass(frozen=True, slots=True)
class _PlannedFix:
    """A new fix ready to write: its kind and arm, the id it will have, its writer, how decisions name it once
    made, and what an earlier request under the same key made of it (given its id)."""

    kind: FixKind
    arm: FixArm
    fix_id: str
    make: FixMaker
    label: Callable[[MadeFix], str]
    recall: Callable[[str], Awaitable[MadeFix]]
    # A fix already linked to the task's issue (kind "linked"): nothing is made or linked, and the key names the link.
    linked: FixLink | None = None


async def _first_version(fix_id: str) -> MadeFix:
    """A knowledge-base entry made as a fix, as it was made: version 1."""
    return MadeFix(fix_id, 1, ())


def _already_made(link: FixLink) -> FixMaker:
    """The fix of `link` as the fix a task is resolved by: it is live already, so nothing is written."""

    async def make(_: AsyncConnection) -> MadeFix:
        return MadeFix(link.fix_id, link.fix_version or 0, ())

    return make


class TaskFixes(TaskFixReads):
    """The review verbs that resolve a task by creating the fix it suggests, or by a fix already in force for its issue.

    Which fixes are in force for the task's issues (linked_fixes, task_issues) is TaskFixReads'
    (gateway.review.task_fix_reads).
    """

    def __init__(
        self,
        reviews: ReviewService,
        knowledge: KnowledgeService,
        prompts: PromptService,
        links: FixLinkService,
        store: TaskFixStore,
        members: MemberIssueStore,
    ) -> None:
        super().__init__(knowledge, prompts, links, members)
        self._reviews = reviews
        self._store = store

    async def resolve_with_entry(
        self,
        task_id: str,
        reviewer: str,
        *,
        title: str,
        content: str,
        example_questions: Sequence[str] = (),
        comment: str | None = None,
        rollout: str | None = None,
        canary_share: float | None = None,
        idempotency_key: str | None = None,
        key_field: str = HEADER,
        choice: int | None = None,
    ) -> FixResolution:
        """Add an active knowledge-base entry to the task's app, resolve the task by it and link it to the task's issue;
        once per `idempotency_key` (None: no key), a repeat answering the task resolved by the first one's entry.

        `rollout` and `canary_share` are checked as a preview's make-live checks them: an entry has no canary.
        `choice`: the answer's choice the decision rejects (`n` > 1; None: the first), as `ReviewService.decide`'s.
        """
        check_rollout("knowledge", rollout, canary_share)
        checked_title(title)
        checked_content(content)
        checked_questions(example_questions)
        asked = {"title": title, "content": content, "example_questions": list(example_questions), "comment": comment}
        key = fix_key(idempotency_key, key_field, task_id, reviewer, "knowledge", _with_choice(asked, choice))
        detail = await self._reviews.get(task_id)
        write = self._knowledge.new_entry(
            EntryToCreate(
                detail.task.app,
                title,
                content,
                example_questions,
                author=reviewer,
                detail=_detail(task_id, detail.task.issue_id),
            )
        )
        entry = KnowledgeEntry.from_row(write.values)

        def label(made: MadeFix) -> str:
            return entry_label(replace(entry, id=made.fix_id))

        fix = _PlannedFix("knowledge", "live", entry.id, entry_maker(write), label, _first_version)
        return await self._resolve(detail, reviewer, fix, comment, key, choice)

    async def resolve_with_prompt(
        self,
        task_id: str,
        reviewer: str,
        *,
        text: str,
        message: str,
        rollout: PromptRollout | None = None,
        canary_share: float | None = None,
        comment: str | None = None,
        idempotency_key: str | None = None,
        key_field: str = HEADER,
        choice: int | None = None,
    ) -> FixResolution:
        """Publish a new prompt version of the task's app (active, or a canary of `canary_share`; `rollout` None:
        active), resolve the task by it and link it to the task's issue; once per `idempotency_key` (None: no key),
        the decision rejecting `choice`, as `resolve_with_entry`."""
        check_rollout("prompt", rollout, canary_share)
        rollout = rollout or "active"
        check_version_text(text, message)
        asked = {"text": text, "message": message, "rollout": rollout, "canary_share": canary_share, "comment": comment}
        key = fix_key(idempotency_key, key_field, task_id, reviewer, "prompt", _with_choice(asked, choice))
        detail = await self._reviews.get(task_id)
        draft, plan = self._prompts.publish_plan(
            VersionToPublish(
                detail.task.app,
                text,
                message,
                reviewer,
                activate=rollout == "active",
                canary_share=canary_share if rollout == "canary" else None,
                detail=_detail(task_id, detail.task.issue_id),
            )
        )
        arm: FixArm = "canary" if rollout == "canary" else "live"
        state = "canary" if rollout == "canary" else "active"

        def label(made: MadeFix) -> str:
            return version_label(made.version, draft.app, made.fix_id, state)

        async def recall(fix_id: str) -> MadeFix:
            return MadeFix(fix_id, (await self._prompts.get(fix_id)).version.number, ())

        fix = _PlannedFix("prompt", arm, draft.id, prompt_maker(draft.app, plan), label, recall)
        return await self._resolve(detail, reviewer, fix, comment, key, choice)

    async def resolve_with_linked_fix(
        self,
        task_id: str,
        reviewer: str,
        *,
        link_id: str,
        comment: str | None = None,
        rollout: str | None = None,
        canary_share: float | None = None,
        idempotency_key: str | None = None,
        key_field: str = HEADER,
        choice: int | None = None,
    ) -> FixResolution:
        """Resolve the task by a fix already live for its issue (made live from a preview or the issue page, say):
        the decision names it, and nothing is made or linked again. A `rollout` or `canary_share` asked of it is
        refused (check_rollout): it is live as it is. Once per `idempotency_key` (None: no key), the decision
        rejecting `choice`, as `resolve_with_entry`: the decision and the key's claim are one transaction."""
        check_rollout("linked", rollout, canary_share)
        asked = _with_choice({"link_id": link_id, "comment": comment}, choice)
        key = fix_key(idempotency_key, key_field, task_id, reviewer, "linked", asked)
        if key is not None and (earlier := await self._store.key_use(key.claim.scope, key.claim.key)):
            # Before looking the fix up: it may have been switched off since, and the answer is the first one's.
            return await self._repeated_linked(task_id, key, earlier)
        detail = await self._reviews.get(task_id)
        refuse_a_second_fix(detail)
        in_force = await self.linked_fixes(detail)
        if detail.task.issue_id is None and not in_force:
            raise InvalidQuery(
                "link_id",
                "the task concerns no issue and none of its interactions belongs to an issue with a fix in force: "
                "resolve it by a new fix",
            )
        found = next((named for named in in_force if named.link.id == link_id), None)
        if found is None:
            raise InvalidQuery(
                "link_id",
                f"'link_id' {quoted(link_id)} names no fix in force for this task's issue (linked to it, gone live, and "
                "not switched off or replaced since; the task's page lists them)",
            )
        link = found.link
        label = await self._label(link)
        fix = _PlannedFix(
            link.kind, link.arm, link.fix_id, _already_made(link), lambda made: label, _first_version, linked=link
        )
        return await self._resolve(detail, reviewer, fix, comment, key, choice)

    async def _repeated_linked(self, task_id: str, key: FixKey, earlier: KeyUse) -> FixResolution:
        """The task as the earlier request under `key` resolved it by the fix of the link it names; KeyReused when
        it was asked other fields."""
        refuse_other_fields(key.claim, earlier, key.field)
        detail = await self._reviews.get(task_id)
        link = await self._link_by_id(detail, earlier.subject_id)
        if link is None:
            raise InvalidQuery(
                key.field,
                f"'{key.field}' resolved this task by a fix linked to its issue ({earlier.subject_id}), which is no "
                "longer linked to it (the issue was erased or pruned)",
            )
        label = await self._label(link)
        return FixResolution(detail, link.kind, link.fix_id, link.fix_version or 0, label, link, None, repeated=True)

    async def _resolve(
        self,
        detail: ReviewTaskDetail,
        reviewer: str,
        fix: _PlannedFix,
        comment: str | None,
        key: FixKey | None,
        choice: int | None,
    ) -> FixResolution:
        """Claim the task, make the fix, decide the task by it (rejecting `choice`) and link it to the issue holding the
        task's complaints now, in one transaction (gateway.store.task_fixes): a process dying part-way leaves none of
        them. Under a `key` an earlier request used, nothing is made: the answer is what that request made."""
        task_id = detail.task.id
        if key is not None and (earlier := await self._store.key_use(key.claim.scope, key.claim.key)):
            return await self._repeated(task_id, fix, key, earlier)
        # A first look, before the transaction: the decision checks it again under the task's lock, in the fix's
        # transaction, against the task as it stands then.
        await self._reviews.judged_choice(task_id, choice)
        refuse_a_second_fix(detail)
        # Someone else's claim, a closed task, a reviewer who judged it already: said before the fix is tried.
        self._reviews.refuse_claim(detail, reviewer)
        task = detail.task
        kind, arm, label = fix.kind, fix.arm, fix.label
        # An issue merged since the task was opened holds no complaints of its own: the fix is measured on the
        # issue its complaints went to.
        into = await self._links.surviving_issue(task.issue_id) if task.issue_id is not None else None

        def decide(made: MadeFix) -> Callable[[TaskState], TaskChange | None]:
            # The comment is trimmed, or dropped as blank, by the decision's own rule (gateway.review.reviewer_text).
            said = said_or_none(comment)
            note = f"Resolved by {label(made)}." + (f" {said}" if said else "")
            named = ResolvingFix(kind, label(made), made.fix_id, made.version)
            return self._reviews.decision_plan(reviewer, Outcome.REJECT, comment=note, fix=named, choice=choice)

        def link(made: MadeFix) -> LinkWrite | None:
            if into is None or fix.linked is not None:
                return None
            return self._links.link_write(
                into, task.app, kind, made.fix_id, made.version, arm, task_id=task.id, actor=reviewer
            )

        # The key names what the request made: the new fix, or the link of a fix already linked.
        subject = fix.linked.id if fix.linked is not None else fix.fix_id
        claim = key.for_fix(subject) if key is not None else None
        try:
            # The reviewer's claim is taken in the fix's transaction: a fix refused there (another canary running, a
            # choice the answer no longer has, someone else's claim) leaves no claim, event or audit record behind.
            written = await self._store.resolve(
                task.id, fix.make, decide, link, claim, take=self._reviews.claim_plan(reviewer)
            )
        except TaskConflict:
            # The earlier request under the key may have resolved the task since the look above.
            if key is not None and (earlier := await self._store.key_use(key.claim.scope, key.claim.key)):
                return await self._repeated(task_id, fix, key, earlier)
            raise
        if written is None:
            raise TaskNotFound(task.id)
        if isinstance(written, KeyUse):
            assert key is not None
            return await self._repeated(task.id, fix, key, written)
        detail = await self._reviews.told_of_decision(await self._reviews.get(task.id), reviewer)
        made = written.fix
        if fix.linked is not None:
            return FixResolution(detail, kind, made.fix_id, made.version, label(made), fix.linked, None)
        if written.link is None:
            return FixResolution(detail, kind, made.fix_id, made.version, label(made), None, NO_ISSUE)
        linked = FixLink.from_row(written.link)
        return FixResolution(detail, kind, made.fix_id, made.version, label(made), linked, None)

    async def _repeated(self, task_id: str, fix: _PlannedFix, key: FixKey, earlier: KeyUse) -> FixResolution:
        """The task as the earlier request under `key` left it (it resolved the task by its fix, linked, in one
        transaction), answered as that request was; KeyReused when it was asked other fields."""
        if fix.linked is not None:
            return await self._repeated_linked(task_id, key, earlier)
        refuse_other_fields(key.claim, earlier, key.field)
        made = await fix.recall(earlier.subject_id)
        detail = await self._reviews.get(task_id)
        link = await self._link_of(detail, made.fix_id)
        reason = NO_ISSUE if detail.task.issue_id is None else None
        return FixResolution(detail, fix.kind, made.fix_id, made.version, fix.label(made), link, reason, repeated=True)

    async def _link_of(self, detail: ReviewTaskDetail, fix_id: str) -> FixLink | None:
        """The link resolving the task by `fix_id` made (None: the task has no issue, or the issue is gone)."""
        if detail.task.issue_id is None:
            return None
        try:
            links = await self._links.fixes_for(await self._links.surviving_issue(detail.task.issue_id))
        except IssueNotFound:
            return None
        return next((link for link in links if (link.fix_id, link.task_id) == (fix_id, detail.task.id)), None)


def _with_choice(asked: Mapping[str, object], choice: int | None) -> Mapping[str, object]:
    """A fix's fields for its idempotency key, with the choice it rejects when one is named (a key claimed before
    fixes named choices keeps its fields)."""
    return asked if choice is None else {**asked, "choice": choice}


def _detail(task_id: str, issue_id: str | None) -> dict[str, str]:
    detail = {"task_id": task_id}
    if issue_id is not None:
        detail["issue_id"] = issue_id
    return detail
