"""An Idempotency-Key on a call the confidence gate may hold: a retry is answered with the first call's held task.

A client that times out while its answer is being held (the task being opened) and sends the call
again would otherwise get a second upstream call and a second held task, the first one orphaned.
With the header (`extra_headers={"Idempotency-Key": ...}` in the OpenAI SDK, the same on each of
its retries), a call that may be held (mode hold, not a stream) answers as follows:

- the key held a task already (this process or another): what a poll of that task answers now, and
  no upstream call: 202 with its pending body and ``location`` while the app waits, the decided
  answer once a person decided (200 with the approved or corrected completion, 422
  ``answer_rejected``) or the hold ran out (the fallback); one rule with the poll
  (gateway.review.held_poll.HeldTaskAnswers). With another request body, 422 ``idempotency_key_reused``;
- a call with the key is still being answered, in this process or another: the retry waits for it (at
  most `WAIT_SECONDS`, else 409 ``idempotency_key_in_use`` with ``retry-after``, which the SDKs retry)
  and answers with its task if it was held; a first call that ended without holding (answered, or its
  client left) lets the retry go upstream;
- otherwise the call claims the key and goes upstream.

The claim is a row written only when absent (gateway.store.call_claims), before the upstream call, so
of calls sent at once to several processes (`serve --workers 2`, one database) one goes upstream and
the others wait for it: a demanding client's retry never pays for a second answer, nor gets a second
task. The claimant renews it while its call runs and drops it when the call is over (after its task,
if held, is written); a claim its process left behind (it died) lapses after `LEASE` and the next
call with the key takes it over. Should two calls still both reach the opening (a claim lapsed under
a call slower than its renewals, the database away while claiming), the key is claimed again in the
task's own transaction (gateway.store.reviews): they open one task, and the second answers with it.

Only such calls claim the key (one short write, and its delete when the call is over); calls of apps
without a hold gate, streams and calls without the header pay nothing. Keys live in the creations' key
table under `SCOPE` (the claims under `CLAIM_SCOPE`), as the sha256 of app and key (apps choose their
keys alone), and are pruned with them (gateway.domain.idempotency.KEY_LIFETIME).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

from gateway.domain.idempotency import MAX_KEY
from gateway.proxy.policy import Hold, PolicyRequest
from gateway.review.gate_refusals import key_in_use, key_reused
from gateway.review.held_poll import OUTCOME_HEADER, PENDING, PollAnswer, pending_body
from gateway.review.records import ReviewTaskDetail
from gateway.store.call_claims import ClaimOutcome
from gateway.store.idempotency import KeyClaim, KeyUse
from gateway.store.repeats import REPEAT_NOTE

logger = logging.getLogger("feedgate.review")

HEADER = b"idempotency-key"
SCOPE = "review.hold"
# The claims of calls under way (gateway.store.call_claims), beside the keys of the tasks they held.
CLAIM_SCOPE = "review.hold.call"
# How long a retry waits for the call with its key still being answered (this process or another).
WAIT_SECONDS = 10.0
# How often a retry looks whether another process's call with its key ended.
POLL_SECONDS = 0.1
# A claim not renewed for this long (renewed every third of it) belonged to a process that died: taken over.
LEASE = timedelta(seconds=30)
_REQUEST = "request"


class BadKey(ValueError):
    """An Idempotency-Key header that cannot be one (empty, too long, spaces or non-ASCII)."""


class TaskReader(Protocol):
    """What the held keys read of the review queue."""

    async def claim_call(self, claim: KeyClaim, made_scope: str, lease: timedelta) -> ClaimOutcome: ...

    async def renew_call(self, scope: str, key: str, claimant: str) -> bool: ...

    async def release_call(self, scope: str, key: str, claimant: str) -> None: ...


class TaskAnswers(Protocol):
    """What a held task answers its app now (gateway.review.held_poll.HeldTaskAnswers)."""

    async def answer(self, task_id: str, app: str, *, collected: bool = True) -> PollAnswer: ...


@dataclass(frozen=True, slots=True)
class HeldKey:
    """A call's key as stored (the sha256 of its app and key) and the sha256 of the request's bytes."""

    stored: str
    request: str

    def claim(self) -> KeyClaim:
        """The claim to write with the task that holds this call's answer (its id filled in by the store)."""
        return KeyClaim(SCOPE, self.stored, "", {_REQUEST: self.request})


def held_key(request: PolicyRequest) -> HeldKey | None:
    """The call's Idempotency-Key (None: no header); BadKey for a header that cannot be one."""
    for name, value in request.headers:
        if name == HEADER:
            key = value.strip()
            if not 0 < len(key) <= MAX_KEY or any(not 0x21 <= byte <= 0x7E for byte in key):
                raise BadKey(key)
            stored = hashlib.sha256(request.app.encode() + b"\n" + key).hexdigest()
            return HeldKey(stored, hashlib.sha256(request.body).hexdigest())
    return None


def pending_hold(poll_prefix: str, task: ReviewTaskDetail, interaction_id: str | None, note: dict[str, str]) -> Hold:
    """The 202 for a call held as `task` (`interaction_id`: the call that was held), as every poll answers while it waits."""
    # The outcome header as every poll until the review settles has it, so an app reads the first answer alike.
    headers = [(b"location", _poll_url(poll_prefix, task.task.id)), (OUTCOME_HEADER.encode(), PENDING.encode())]
    return Hold(202, dict(pending_body(task, interaction_id)), note=note, headers=headers)


def _poll_url(poll_prefix: str, task_id: str) -> bytes:
    return f"{poll_prefix}{task_id}".encode()


@dataclass(frozen=True, slots=True)
class _Held:
    """How a call with a key ended: the 202 it got, and the request it was."""

    hold: Hold
    request: str


@dataclass(slots=True)
class _Running:
    interaction_id: str
    request: str
    ended: asyncio.Future[_Held | None]


@dataclass(slots=True)
class _Claim:
    """This process's claim on a key in the database: the call holding it, and the task renewing it."""

    interaction_id: str
    renewal: asyncio.Task[None]


class HeldKeys:
    """The keys of the calls this process is answering, and the answer a repeated key gets."""

    def __init__(
        self,
        reviews: TaskReader,
        answers: TaskAnswers,
        poll_prefix: str,
        wait_seconds: float = WAIT_SECONDS,
        lease: timedelta = LEASE,
        poll_seconds: float = POLL_SECONDS,
    ) -> None:
        self._reviews = reviews
        self._answers = answers
        self._poll_prefix = poll_prefix
        self._wait_seconds = wait_seconds
        self._lease = lease
        self._poll_seconds = poll_seconds
        self._running: dict[str, _Running] = {}
        self._claims: dict[str, _Claim] = {}
        # Releases of calls that ended without reaching the gate's `after`; kept referenced until done.
        self._releases: set[asyncio.Task[None]] = set()

    async def earlier_answer(self, request: PolicyRequest, key: HeldKey) -> Hold | None:
        """What a call with `key` gets in the upstream's place (see the module's note); None: it goes upstream."""
        running = self._running.get(key.stored)
        if running is not None:
            try:
                ended = await asyncio.wait_for(asyncio.shield(running.ended), self._wait_seconds)
            except TimeoutError:
                return key_in_use()
            if ended is not None:
                return _repeated(ended.hold, ended.request, key)
        self._begin(request, key)
        claim = KeyClaim(CLAIM_SCOPE, key.stored, request.interaction_id, {_REQUEST: key.request})
        deadline = asyncio.get_running_loop().time() + self._wait_seconds
        while True:
            try:
                outcome = await self._reviews.claim_call(claim, SCOPE, self._lease)
            except Exception:
                # The queue is down: the call goes upstream, and a hold is then refused or released as the fallback says.
                logger.exception("could not claim the Idempotency-Key of interaction %s", request.interaction_id)
                return None
            if outcome.claimed:
                self._keep(key.stored, request.interaction_id)
                return None
            if outcome.earlier is not None:
                self.end(request, None)
                return await self._earlier_hold(request, outcome.earlier, key)
            if asyncio.get_running_loop().time() >= deadline:
                self.end(request, None)
                return key_in_use()
            # Another process is answering the key: its hold (or its end without one) is what this call waits for.
            await asyncio.sleep(self._poll_seconds)

    async def release(self, request: PolicyRequest) -> None:
        """Drop the claim `request` holds on its key, if any: its task (if held) is written, a retry may go on."""
        claim = self._drop(request)
        if claim is not None:
            await self._release(request, claim)

    def end(self, request: PolicyRequest, result: object) -> None:
        """The call `request` is over with `result` (the policy's answer): a retry waiting on its key gets it."""
        if not self._running:
            return
        try:
            key = held_key(request)
        except BadKey:
            return
        running = self._running.get(key.stored) if key is not None else None
        if key is None or running is None or running.interaction_id != request.interaction_id:
            return
        del self._running[key.stored]
        if not running.ended.done():
            held = result if isinstance(result, Hold) and result.status == 202 else None
            running.ended.set_result(_Held(held, key.request) if held is not None else None)

    async def close(self) -> None:
        """Wait for the releases still running (on shutdown, and in tests)."""
        while self._releases:
            await asyncio.gather(*self._releases, return_exceptions=True)

    async def _earlier_hold(self, request: PolicyRequest, use: KeyUse, key: HeldKey) -> Hold | None:
        """What a poll of the task held under `key` answers now: pending with where to poll, or what was settled."""
        task_id = use.subject_id
        if use.field_hashes.get(_REQUEST, "") != key.request:
            return key_reused(task_id)
        answer = await self._answers.answer(task_id, request.app)
        if answer.status == 404:
            return None  # erased since: nothing is held under the key any more
        headers = [(name.encode(), value.encode()) for name, value in answer.headers.items()]
        if answer.status == 202:
            headers.insert(0, (b"location", _poll_url(self._poll_prefix, task_id)))
        return Hold(answer.status, answer.body, note=_repeat_note(task_id), headers=headers, answer_of=answer.held_call)

    def _begin(self, request: PolicyRequest, key: HeldKey) -> None:
        running = _Running(request.interaction_id, key.request, asyncio.get_running_loop().create_future())
        self._running[key.stored] = running
        # A call whose answer never reaches the gate (its client left, the upstream failed) ends with its
        # request's task: a retry waiting on it then goes upstream instead of waiting in vain.
        task = asyncio.current_task()
        if task is not None:
            task.add_done_callback(lambda _: self._abandon(request))

    def _abandon(self, request: PolicyRequest) -> None:
        self.end(request, None)
        claim = self._drop(request)
        if claim is not None:
            release = asyncio.get_running_loop().create_task(self._release(request, claim))
            self._releases.add(release)
            release.add_done_callback(self._releases.discard)

    def _keep(self, stored: str, interaction_id: str) -> None:
        renewal = asyncio.get_running_loop().create_task(self._renew(stored, interaction_id))
        self._claims[stored] = _Claim(interaction_id, renewal)

    async def _renew(self, stored: str, interaction_id: str) -> None:
        """Renew the claim while its call runs: a claim not renewed for a lease is taken over by the next call."""
        while True:
            await asyncio.sleep(self._lease.total_seconds() / 3)
            try:
                if not await self._reviews.renew_call(CLAIM_SCOPE, stored, interaction_id):
                    return
            except Exception:
                # Tried again at the next renewal; meanwhile the claim may lapse, and a retry go upstream too.
                logger.warning(
                    "could not renew the Idempotency-Key claim of interaction %s", interaction_id, exc_info=True
                )

    def _drop(self, request: PolicyRequest) -> _Claim | None:
        """The claim `request` holds, no longer this process's (its renewal stopped); None when it holds none."""
        if not self._claims:
            return None
        try:
            key = held_key(request)
        except BadKey:
            return None
        claim = self._claims.get(key.stored) if key is not None else None
        if key is None or claim is None or claim.interaction_id != request.interaction_id:
            return None
        del self._claims[key.stored]
        claim.renewal.cancel()
        return claim

    async def _release(self, request: PolicyRequest, claim: _Claim) -> None:
        key = held_key(request)
        assert key is not None  # a claim was only kept for a call with a valid key
        try:
            await self._reviews.release_call(CLAIM_SCOPE, key.stored, claim.interaction_id)
        except Exception:
            # The claim then lapses after its lease, and the next call with the key takes it over.
            logger.exception("could not release the Idempotency-Key claim of interaction %s", request.interaction_id)


def _repeated(hold: Hold, request: str, key: HeldKey) -> Hold:
    """The first call's 202 (just given in this process) for a retry of the same request; 422 for another request."""
    task_id = str(hold.body["task_id"]) if isinstance(hold.body, dict) else ""
    if request != key.request:
        return key_reused(task_id)
    held_call = hold.body.get("interaction_id") if isinstance(hold.body, dict) else None
    answer_of = held_call if isinstance(held_call, str) else None
    return Hold(hold.status, hold.body, note=_repeat_note(task_id), headers=hold.headers, answer_of=answer_of)


def _repeat_note(task_id: str) -> dict[str, str]:
    return {"task_id": task_id, **REPEAT_NOTE}
