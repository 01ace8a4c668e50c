"""The review service's decision path: a reviewer's decision, sent once under an idempotency key, a second
opinion asked for, and the listeners told of each decision stored.

ReviewDecisions also holds the one way every verb changes a task (`_change`, `_change_once`); the verbs that open
tasks and move them through the rest of their lifecycle are ReviewService's (gateway.review.service), which
extends it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime

from gateway.domain.idempotency import HEADER, refuse_other_fields
from gateway.privacy.redaction import Redactor
from gateway.review import lifecycle
from gateway.review.decision_keys import decision_key
from gateway.review.decision_listeners import (
    DecisionListener,
    DecisionMade,
    DismissalListener,
    DismissalMade,
    Listeners,
)
from gateway.review.errors import TaskConflict, TaskNotFound
from gateway.review.judged_choice import judged_choice, refuse_deciding_nothing
from gateway.review.levels import ServiceLevels
from gateway.review.people import same_person
from gateway.review.records import Outcome, ReviewTaskDetail
from gateway.review.resolution import ResolvingFix
from gateway.review.reviewer_text import decision_text, note_text
from gateway.review.task_reads import ReviewReads
from gateway.review.task_requests import person
from gateway.store.idempotency import KeyClaim, KeyUse
from gateway.store.review_figures import ReviewFigureStore
from gateway.store.review_task_changes import ActiveIssueTaken
from gateway.store.review_writes import TaskChange, TaskState
from gateway.store.reviews import ReviewStore


class ReviewDecisions(ReviewReads):
    """Decides review tasks and asks for second opinions, telling the decision listeners of each decision."""

    def __init__(
        self,
        store: ReviewStore,
        figures: ReviewFigureStore,
        levels: ServiceLevels,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        redactor: Redactor | None = None,
    ) -> None:
        super().__init__(store, figures, levels, clock)
        # With redaction on, what people write on tasks is redacted before it is stored (gateway.review.reviewer_text).
        self._redactor = redactor
        self._listeners = Listeners[DecisionMade]("decision")
        self._dismissal_listeners = Listeners[DismissalMade]("dismissal")

    def add_decision_listener(self, listener: DecisionListener) -> None:
        """Call `listener` after every stored decision; its failure is logged, never undoes the decision."""
        self._listeners.add(listener)

    def add_dismissal_listener(self, listener: DismissalListener) -> None:
        """Call `listener` after every stored dismissal by a person; its failure is logged, never undoes it."""
        self._dismissal_listeners.add(listener)

    # -- changing -------------------------------------------------------------------------

    async def _change(
        self, task_id: str, plan: Callable[[TaskState], TaskChange | None], *, with_answers: bool = False
    ) -> ReviewTaskDetail:
        detail, _ = await self._change_once(task_id, plan, None, with_answers=with_answers)
        return detail

    async def _change_once(
        self,
        task_id: str,
        plan: Callable[[TaskState], TaskChange | None],
        key: KeyClaim | None,
        *,
        with_answers: bool = False,
        key_field: str = HEADER,
    ) -> tuple[ReviewTaskDetail, bool]:
        """`plan` applied, with `key` claimed in its transaction; the task after, and whether an earlier request
        under `key` made the change (nothing written now). KeyReused naming `key_field` when that one asked otherwise."""
        try:
            found = await self._store.change(task_id, plan, with_answers=with_answers, key=key)
        except ActiveIssueTaken:
            raise TaskConflict(f"another review task is already open for the issue of task {task_id}") from None
        if key is not None and isinstance(found, KeyUse):
            refuse_other_fields(key, found, key_field)
            return await self.get(task_id), True
        if not found:
            raise TaskNotFound(task_id)
        return await self.get(task_id), False

    # -- deciding -------------------------------------------------------------------------

    async def ask_second_opinion(self, task_id: str, actor: str, note: str | None = None) -> ReviewTaskDetail:
        """Make the task need two different reviewers' decisions (asking again changes nothing)."""
        actor = person(actor, "reviewer")
        now = self._clock()
        text = note_text(self._redactor, note)
        return await self._change(task_id, lambda state: lifecycle.ask_second_opinion(state, actor, text, now))

    async def decide(
        self,
        task_id: str,
        reviewer: str,
        outcome: Outcome,
        correction: str | None = None,
        comment: str | None = None,
        fix: ResolvingFix | None = None,
        *,
        choice: int | None = None,
        idempotency_key: str | None = None,
        key_field: str = HEADER,
    ) -> ReviewTaskDetail:
        """`reviewer` approves, rejects or corrects; resolves the task unless it awaits a second, different reviewer.

        With redaction on, the correction and comment are stored redacted (gateway.review.reviewer_text), and so
        is the name of the `fix` the decision resolves the task by (a knowledge entry's title may quote an answer).
        `choice`: the index of the answer's choice judged (`n` > 1; None: the first); ChoiceRefused when the task's
        answer has no such choice, or the task holds several interactions (gateway.review.judged_choice), as the task
        stands under its lock, in the decision's transaction: nothing is written then. `idempotency_key` (carried
        in `key_field`): the same decision sent again under it writes and tells nothing more and answers the task
        (gateway.review.decision_keys).
        """
        plan = self.decision_plan(reviewer, outcome, correction, comment, fix, choice)
        key = decision_key(idempotency_key, key_field, task_id, reviewer, outcome, correction, comment, choice)
        detail, repeated = await self._change_once(task_id, plan, key, with_answers=True, key_field=key_field)
        return detail if repeated else await self.told_of_decision(detail, reviewer)

    async def judged_choice(self, task_id: str, choice: int | None) -> int | None:
        """The choice a decision on `task_id` naming `choice` would judge as the task stands now, read without its
        lock (gateway.review.judged_choice): a first look, for a caller that refuses a bad choice before it claims
        the task; the decision checks it again under the lock. ChoiceRefused as `decide`'s."""
        return judged_choice(choice, await self._store.judged_answers(task_id))

    def decision_plan(
        self,
        reviewer: str,
        outcome: Outcome,
        correction: str | None = None,
        comment: str | None = None,
        fix: ResolvingFix | None = None,
        choice: int | None = None,
    ) -> Callable[[TaskState], TaskChange | None]:
        """What `decide` applies to the task under its lock, its texts checked and redacted (for a caller storing
        the decision with other changes in one transaction, then calling `told_of_decision`); `choice` as the
        reviewer named it (None: none), checked under the lock against the task's answer, which the change must
        read there (`with_answers`)."""
        reviewer = person(reviewer, "reviewer")
        text = decision_text(self._redactor, correction, comment)
        if fix is not None:
            fix = replace(fix, label=note_text(self._redactor, fix.label).note or fix.label)

        def plan(state: TaskState) -> TaskChange:
            if state.answers is None:
                raise RuntimeError("a decision's change must read the task's answers under its lock (with_answers)")
            refuse_deciding_nothing(state.answers)
            judged = judged_choice(choice, state.answers)
            # Timed once the task is locked, as a dismissal is: a poll past the hold's deadline may have given the
            # fallback while this decision waited for the lock.
            return lifecycle.decide(state, reviewer, outcome, text, self._clock(), fix, judged)

        return plan

    async def told_of_decision(self, detail: ReviewTaskDetail, reviewer: str) -> ReviewTaskDetail:
        """Tell the decision listeners of `reviewer`'s decision on the task (`detail`, read after it committed)."""
        reviewer = person(reviewer, "reviewer")
        mine = [d for d in detail.decisions if same_person(d.reviewer, reviewer) and d.round == detail.task.round]
        if mine:
            await self._listeners.tell(DecisionMade(detail, mine[-1], resolved=not detail.task.active))
        return detail
