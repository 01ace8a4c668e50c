"""An Idempotency-Key on a call the confidence gate may hold: a retry is answered with the first call's held task.

A client that times out while its answer is being held (the task being opened) and sends the call
again would otherwise get a second upstream call and a second held task, the first one orphaned.
With the header (`extra_headers={"Idempotency-Key": ...}` in the OpenAI SDK, the same on each of
its retries), a call that may be held (mode hold, not a stream) answers as follows:

- the key held a task already (this process or another): 202 with that task's pending body and
  ``location``, and no upstream call; with another request body, 422 ``idempotency_key_reused``;
- a call with the key is still being answered in this process: the retry waits for it (at most
  `WAIT_SECONDS`, else 409 ``idempotency_key_in_use`` with ``retry-after``, which the SDKs retry) and
  answers with its task if it was held; a first call that ended without holding (answered, or its
  client left) lets the retry go upstream;
- otherwise the call goes upstream, and if it is held the key is claimed in the task's own
  transaction (gateway.store.reviews), so two processes answering the same key open one task: the
  second answers with the first's.

Only such calls read the key (one primary-key look-up); calls of apps without a hold gate, streams
and calls without the header pay nothing. Keys live in the creations' key table under `SCOPE`, as
the sha256 of app and key (apps choose their keys alone), and are pruned with them
(gateway.domain.idempotency.KEY_LIFETIME).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from dataclasses import dataclass
from typing import Protocol

from gateway.domain.idempotency import MAX_KEY
from gateway.proxy.policy import Hold, PolicyRequest
from gateway.review.errors import TaskNotFound
from gateway.review.gate_refusals import key_in_use, key_reused
from gateway.review.held_poll import OUTCOME_HEADER, PENDING
from gateway.review.records import ReviewTaskDetail
from gateway.store.idempotency import KeyClaim, KeyUse

logger = logging.getLogger("feedgate.review")

HEADER = b"idempotency-key"
SCOPE = "review.hold"
# How long a retry waits for the call with its key still being answered in this process.
WAIT_SECONDS = 10.0
_REQUEST = "request"


class BadKey(ValueError):
    """An Idempotency-Key header that cannot be one (empty, too long, spaces or non-ASCII)."""


class TaskReader(Protocol):
    """What the held keys read of the review queue."""

    async def key_use(self, scope: str, key: str) -> KeyUse | None: ...

    async def get(self, task_id: str, *, after_changes: bool = False) -> ReviewTaskDetail: ...


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
    body = {
        "status": "pending_review",
        "task_id": task.task.id,
        "estimated_wait_minutes": task.estimated_wait_minutes,
        "interaction_id": interaction_id,
    }
    # The outcome header as every poll until the review settles has it, so an app reads the first answer alike.
    headers = [(b"location", f"{poll_prefix}{task.task.id}".encode()), (OUTCOME_HEADER.encode(), PENDING.encode())]
    return Hold(202, body, note=note, headers=headers)


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


class HeldKeys:
    """The keys of the calls this process is answering, and the answer a repeated key gets."""

    def __init__(self, reviews: TaskReader, poll_prefix: str, wait_seconds: float = WAIT_SECONDS) -> None:
        self._reviews = reviews
        self._poll_prefix = poll_prefix
        self._wait_seconds = wait_seconds
        self._running: dict[str, _Running] = {}

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
        try:
            use = await self._reviews.key_use(SCOPE, key.stored)
        except Exception:
            # The queue is down: the call goes upstream, and a hold is then refused or released as the fallback says.
            logger.exception("could not look up the Idempotency-Key of interaction %s", request.interaction_id)
            return None
        if use is None:
            return None
        self.end(request, None)
        try:
            task = await self._reviews.get(use.subject_id)
        except TaskNotFound:
            return None  # erased since: nothing is held under the key any more
        first = task.interaction_ids[0] if task.interaction_ids else None
        return _repeated(pending_hold(self._poll_prefix, task, first, {}), use.field_hashes.get(_REQUEST, ""), key)

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

    def _begin(self, request: PolicyRequest, key: HeldKey) -> None:
        running = _Running(request.interaction_id, key.request, asyncio.get_running_loop().create_future())
        self._running[key.stored] = running
        # A call whose answer never reaches the gate (its client left, the upstream failed) ends with its
        # request's task: a retry waiting on it then goes upstream instead of waiting in vain.
        task = asyncio.current_task()
        if task is not None:
            task.add_done_callback(lambda _: self.end(request, None))


def _repeated(hold: Hold, request: str, key: HeldKey) -> Hold:
    """The first call's 202 for a retry of the same request; 422 for another request under the same key."""
    task_id = str(hold.body["task_id"])
    if request != key.request:
        return key_reused(task_id)
    return Hold(hold.status, hold.body, note={"task_id": task_id, "idempotency_key": "repeated"}, headers=hold.headers)
