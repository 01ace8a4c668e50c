"""The review service: the verbs rules, the API and the admin pages call on review tasks.

Here the verbs that open tasks, hand them over when issues merge, and claim, assign, dismiss and reopen them;
the decision path (a decision, its idempotency key, a second opinion) is in gateway.review.task_decisions, and
the verbs that read tasks and the queue's figures in gateway.review.task_reads, which the service extends.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any, Unpack

from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.config import Settings
from gateway.domain.blank_text import refuse_blank
from gateway.domain.errors import InvalidQuery
from gateway.domain.issue_scope import IssueScope, issue_scope
from gateway.privacy.redaction import Redactor, redactor_for
from gateway.review import lifecycle
from gateway.review.decision_listeners import DismissalMade
from gateway.review.errors import HoldsNothing, TaskConflict
from gateway.review.issue_holders import deciding_advice, holding_nothing_refusal
from gateway.review.levels import ServiceLevels
from gateway.review.opening import Opened, OpenRequest, plan_opening
from gateway.review.records import UNFINISHED, Priority, ReviewTaskDetail, Source, SuggestedAction
from gateway.review.reviewer_text import note_text, redacted_request
from gateway.review.task_decisions import ReviewDecisions
from gateway.review.task_requests import TaskAsked, check_manual_request, open_request, person
from gateway.review.weighing import WEIGHINGS, Reweigh, check_weighed, weigh
from gateway.store.call_claims import ClaimOutcome
from gateway.store.idempotency import KeyClaim, KeyUse
from gateway.store.issue_edits import IssueEditStore
from gateway.store.review_figures import ReviewFigureStore
from gateway.store.review_holders import ReviewHolders
from gateway.store.review_task_changes import ActiveIssueTaken
from gateway.store.review_writes import OpenResult, TaskChange, TaskOpening, TaskState
from gateway.store.reviews import ReviewFilter, ReviewStore

# How many open tasks of merged issues one request hands over at most; the next pass hands over any left.
MAX_HANDED_OVER = 100
Row = dict[str, Any]


class ReviewService(ReviewDecisions):
    """Opens, lists, claims, assigns, closes and decides review tasks, and reports the queue's service levels.

    The reading verbs (get, list, estimated_wait, stats and so on) are ReviewReads' (gateway.review.task_reads);
    deciding and asking for a second opinion are ReviewDecisions' (gateway.review.task_decisions).
    """

    def __init__(
        self,
        store: ReviewStore,
        figures: ReviewFigureStore,
        levels: ServiceLevels,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        redactor: Redactor | None = None,
        issue_heads: IssueEditStore | None = None,
    ) -> None:
        super().__init__(store, figures, levels, clock, redactor)
        # Where a person's task on an issue merged away goes (gateway.domain.issue_scope).
        self._issue_heads = issue_heads or IssueEditStore(store.engine)
        # Who holds the interactions of a task refused for holding nothing, to name them.
        self._holders = ReviewHolders(store.engine)

    # -- opening --------------------------------------------------------------------------

    async def open_or_update(
        self,
        *,
        suggested_action: SuggestedAction | None = None,
        key: KeyClaim | None = None,
        **asked: Unpack[TaskAsked],
    ) -> Opened | None:
        """Open a task, or update the open one for this issue or any of these interactions; the one verb rules call.

        Returns what was written with the task as it now stands (see `write_task`, which this reads back).
        `key`: an idempotency key claimed with the task (gateway.store.reviews); when an earlier opening
        claimed it, nothing is written and that opening's task is returned (`Opened.earlier`).
        """
        written = await self.write_task(suggested_action=suggested_action, key=key, **asked)
        if written is None:
            return None
        return await self._opened(written)

    async def _opened(self, written: OpenResult) -> Opened:
        """What an opening wrote, with the task as it now stands."""
        task = await self.get(written.task_id)
        return Opened(task, written.created, written.added, written.already_held, written.earlier)

    async def key_use(self, scope: str, key: str) -> KeyUse | None:
        """The task an opening made under idempotency `key` of `scope`, and what it was asked with (None: none)."""
        return await self._store.key_use(scope, key)

    async def claim_call(self, claim: KeyClaim, made_scope: str, lease: timedelta) -> ClaimOutcome:
        """Claim a key for a call under way, unless a claim renewed within `lease` holds it or an opening
        of `made_scope` used it (gateway.store.call_claims)."""
        now = self._clock()
        return await self._store.claim_call(claim, made_scope, now, now - lease)

    async def renew_call(self, scope: str, key: str, claimant: str) -> bool:
        """Keep `claimant`'s claim on `key` alive; False when another call took it over."""
        return await self._store.renew_call(scope, key, claimant, self._clock())

    async def release_call(self, scope: str, key: str, claimant: str) -> None:
        """Drop `claimant`'s claim on `key`: the next call with it may go on."""
        await self._store.release_call(scope, key, claimant)

    async def write_task(
        self,
        *,
        suggested_action: SuggestedAction | None = None,
        key: KeyClaim | None = None,
        **asked: Unpack[TaskAsked],
    ) -> OpenResult | None:
        """Open or update a task as `open_or_update` does, without reading it back (for rules that open many).

        An update replaces reason and evidence (the earlier ones stay in the task's events), raises
        the priority if this one is higher, and adds interactions no task has held yet. Returns None
        when nothing was written: every interaction was held by a closed task and no issue is named,
        or the open task already says all this. `suggested_action` defaults to one computed from the
        interactions' feedback and earlier reviews; `actor` defaults to "rule:<source>".
        A person's (source manual) request naming an issue takes the issue's complaints nobody holds as well, and
        their new task that would hold nothing is refused (TaskConflict naming the tasks holding what it concerns,
        `_write`).
        """
        return await self._write(open_request(**asked), suggested_action, key)

    async def _write(
        self, request: OpenRequest, suggested_action: SuggestedAction | None = None, key: KeyClaim | None = None
    ) -> OpenResult | None:
        """Open or update the task `request` asks for (see `write_task`), on its issue as `_on_holder` hands it over.

        Every opening comes here, so here are the one rule for a new task that would hold nothing (other tasks hold
        each interaction it concerns, for good: gateway.review.opening.plan_opening decides it under the opening's
        lock): a rule's is not written (None), a person's is refused (TaskConflict naming those tasks and what to do);
        and what a person's task about an issue holds: the issue's complaints with any interactions they name, read by
        the store under the opening's lock (gateway.store.reviews.ReviewStore.open_or_update), whether the API or the
        issue page asks.
        """
        request = await self._on_holder(request)
        wanted = await self._weighed(request)
        for _ in range(WEIGHINGS):
            try:
                return await self._open_weighed(request, wanted, suggested_action, key)
            except Reweigh as changed:
                wanted = changed.wanted
        raise TaskConflict(
            f"what the task concerns changed {WEIGHINGS} times while it was being opened (a clustering pass or other "
            "openings are moving its interactions): nothing was opened, send the request again"
        )

    async def _open_weighed(
        self,
        request: OpenRequest,
        weighed_ids: tuple[str, ...],
        suggested_action: SuggestedAction | None,
        key: KeyClaim | None,
    ) -> OpenResult | None:
        """One try at `_write`'s opening, its suggestion (unless given) weighing `weighed_ids` and the open task they would
        join: Reweigh, writing nothing, when the opening as read under its lock is another (gateway.review.weighing),
        so the suggestion weighs what the task is opened with, a person's or a rule's."""
        by_rule = request.source != Source.MANUAL
        if suggested_action is None:
            action, weighed = await weigh(self._store, self._figures, request.issue_id, weighed_ids, by_rule)
        else:
            action, weighed = suggested_action, None
        now = self._clock()

        def plan(existing: Row | None, wanted: list[str], fresh: list[str], told: dict[str, Row]) -> TaskOpening | None:
            # `wanted`: the interactions named, and a person's issue's complaints as read under the opening's lock.
            if weighed is not None:
                check_weighed(weighed, request.issue_id, wanted, existing)
            asked = replace(request, interaction_ids=tuple(wanted))
            return plan_opening(asked, action, now, self.levels, existing, fresh, told)

        try:
            return await self._store.open_or_update(
                request.issue_id, request.interaction_ids, plan, by_rule=by_rule, key=key
            )
        except HoldsNothing as refused:
            named = request.interaction_ids
            raise await holding_nothing_refusal(self._holders, refused, request.issue_id, named) from None

    async def _weighed(self, request: OpenRequest) -> tuple[str, ...]:
        """The interactions the suggested action weighs: those named, and a person's issue's complaints.

        A person asking for a review of an issue asks about its complaints: the store takes those no task holds,
        read under the opening's lock (gateway.store.reviews.ReviewStore.open_or_update); the suggestion is read
        before that lock, and read again when they changed meanwhile (`_open_weighed`). A rule names the interactions
        it found itself.
        """
        if request.source != Source.MANUAL or request.issue_id is None:
            return request.interaction_ids
        complaints = await self._figures.issue_complaints(request.issue_id)
        return tuple(dict.fromkeys([*request.interaction_ids, *complaints]))

    async def _on_holder(self, request: OpenRequest) -> OpenRequest:
        """`request` on the issue holding its issue's complaints now (the asked one kept as `asked_issue_id`), once the
        open tasks of issues merged into that one are handed over (`hand_over_merged`): every opener naming an issue
        comes here, so none opens a second task the pass's hand-over would dismiss. An unknown id is kept as given."""
        if request.issue_id is None:
            return request
        try:
            scope = await issue_scope(self._issue_heads, request.issue_id)
        except InvalidQuery:
            return request
        await self.hand_over_merged(scope)
        if not scope.followed_merge:
            return request
        return replace(request, issue_id=scope.holder, asked_issue_id=request.asked_issue_id or request.issue_id)

    async def open_manual(
        self,
        *,
        app: str,
        reason: str,
        priority: Priority,
        interaction_ids: Sequence[str],
        issue_id: str | None,
        tags: Sequence[str],
        evidence: Any,
        actor: str,
    ) -> Opened:
        """A person asks for a review of stored interactions of `app` (and/or one of its issues).

        An issue merged away stands for the issue holding its complaints now (the end of its chain of merges,
        gateway.domain.issue_scope): its one open task is opened or updated, as the merge hands a merged issue's
        open task over (gateway.review.merged_issues), and the event and audit record name the issue asked for
        (`asked_issue_id`) beside it. The open tasks of issues merged into it that a clustering pass has not handed
        over yet are handed over first (`hand_over_merged`, as for every opener), so the task updated is the one the
        pass would have left. An id no issue has is refused (InvalidQuery naming `issue_id`). The reason and evidence
        they wrote are redacted when redaction is on (gateway.review.reviewer_text).
        """
        actor = person(actor, "created_by")
        refuse_blank("app", app, "name the app whose answers to review")
        await check_manual_request(self._figures, app, interaction_ids, issue_id, evidence)
        scope = await issue_scope(self._issue_heads, issue_id, "issue_id") if issue_id is not None else None
        request = open_request(
            app=app,
            source=Source.MANUAL,
            reason=reason,
            priority=priority,
            interaction_ids=interaction_ids,
            issue_id=scope.holder if scope is not None else None,
            evidence=evidence,
            tags=tags,
            actor=actor,
        )
        request = replace(request, asked_issue_id=issue_id)
        written = await self._write(redacted_request(self._redactor, request))
        if written is None:
            # A new task holding nothing was refused by `_write`: nothing written means the open task already says this.
            holder = await self._store.open_task_for(request.issue_id, interaction_ids, by_rule=False)
            held_by = None if holder is None else str(holder["id"])
            which = f"open task {held_by}" if held_by is not None else "the open task"
            raise TaskConflict(
                f"{which} already holds these interactions and was asked this before: "
                f"{deciding_advice('that task', held_by)}, or name other interactions"
            )
        return replace(await self._opened(written), asked_issue_id=issue_id)

    async def hand_over_merged(self, scope: IssueScope) -> None:
        """Hand the open tasks of the issues merged into `scope.holder` over to it now, as the merge hand-over does
        after a clustering pass (`follow_merged_issue`, in queue order: the first carries on, the others are dismissed
        naming it), so a request for the holder made before that pass hands them over finds the task it would have
        found after: one task, its claim and history kept, and the pass's hand-over then has nothing left to do."""
        merged = scope.issue_ids[1:]
        if not merged:
            return
        waiting = await self.list(ReviewFilter(issue_ids=merged, status=UNFINISHED), "queue", MAX_HANDED_OVER)
        for task in waiting.data:
            if task.issue_id is not None:
                await self.follow_merged_issue(task.id, task.issue_id, scope.holder)

    # -- claiming and closing -------------------------------------------------------------

    async def claim(self, task_id: str, reviewer: str) -> ReviewTaskDetail:
        """`reviewer` takes the task for one lease (renewing their own claim); 409 while someone else holds it."""
        return await self._change(task_id, self.claim_plan(reviewer))

    def refuse_claim(self, detail: ReviewTaskDetail, reviewer: str) -> None:
        """TaskConflict when `claim` would refuse `reviewer` the task as read (`detail`), for a caller taking the claim
        (`claim_plan`) in one transaction with other writes."""
        judges = [decision.reviewer for decision in detail.decisions if decision.round == detail.task.round]
        lifecycle.refuse_claim(detail.task, judges, person(reviewer, "reviewer"))

    def claim_plan(self, reviewer: str) -> Callable[[TaskState], TaskChange | None]:
        """What `claim` applies to the task under its lock, the name checked (for a caller storing the claim with
        other changes in one transaction, so a refusal of any of them leaves no claim behind)."""
        reviewer = person(reviewer, "reviewer")
        return lambda state: lifecycle.claim(state, reviewer, self._clock(), self.levels)

    async def renew(self, task_id: str, reviewer: str) -> ReviewTaskDetail:
        """The claim's holder keeps the task for another lease."""
        reviewer = person(reviewer, "reviewer")
        now = self._clock()
        return await self._change(task_id, lambda state: lifecycle.renew(state, reviewer, now, self.levels))

    async def release(self, task_id: str, reviewer: str) -> ReviewTaskDetail:
        """The claim's holder returns the task to the queue."""
        reviewer = person(reviewer, "reviewer")
        now = self._clock()
        return await self._change(task_id, lambda state: lifecycle.release(state, reviewer, now))

    async def assign(self, task_id: str, assignee: str | None, actor: str) -> ReviewTaskDetail:
        """Make `assignee` responsible for the task (None: unassign); the same one again changes nothing."""
        actor = person(actor, "reviewer")
        assignee = None if assignee is None else person(assignee, "assignee")
        now = self._clock()
        return await self._change(task_id, lambda state: lifecycle.assign(state, assignee, actor, now))

    async def dismiss(self, task_id: str, actor: str, note: str | None = None) -> ReviewTaskDetail:
        """Close the task without a decision."""
        actor = person(actor, "reviewer")
        text = note_text(self._redactor, note)
        # Timed once the task is locked: a dismissal settles a held answer only if it was written before the hold's
        # deadline (gateway.review.held_poll), not if it was asked for before it and kept waiting for the lock.
        detail = await self._change(task_id, lambda state: lifecycle.dismiss(state, actor, text, self._clock()))
        # A dismissal settles a held answer as a decision does: the held-answer webhook announces it.
        await self._dismissal_listeners.tell(DismissalMade(detail))
        return detail

    async def follow_merged_issue(self, task_id: str, merged_issue: str, into_issue: str) -> None:
        """Hand the open task of an issue merged away to `into_issue`; dismiss it when that issue has an open task."""
        now = self._clock()
        into = await self._issue_heads.head(into_issue)
        # The title the task's reason and evidence name it by now (its id, should the issue be gone).
        into_title = into.title if into is not None else into_issue
        try:
            await self._store.change(
                task_id, lambda state: lifecycle.follow_merge(state, merged_issue, into_issue, into_title, now)
            )
        except ActiveIssueTaken:
            carrying = await self._active_task_of(into_issue)
            await self._store.change(
                task_id, lambda state: lifecycle.close_merged(state, merged_issue, into_issue, carrying, now)
            )

    async def _active_task_of(self, issue_id: str) -> str | None:
        page = await self.list(ReviewFilter(issue_id=issue_id, status=UNFINISHED), "queue", 1)
        return page.data[0].id if page.data else None

    async def reopen(self, task_id: str, actor: str, note: str | None = None) -> ReviewTaskDetail:
        """Put a resolved or dismissed task back in the queue with a fresh deadline."""
        actor = person(actor, "reviewer")
        now = self._clock()
        text = note_text(self._redactor, note)
        return await self._change(task_id, lambda state: lifecycle.reopen(state, actor, text, now, self.levels))


def review_service(engine: AsyncEngine, settings: Settings) -> ReviewService:
    """The review service over `engine` with the service levels and redaction in `settings`."""
    levels = ServiceLevels.from_settings(settings)
    return ReviewService(
        ReviewStore(engine),
        ReviewFigureStore(engine),
        levels,
        redactor=redactor_for(settings),
        issue_heads=IssueEditStore(engine),
    )
