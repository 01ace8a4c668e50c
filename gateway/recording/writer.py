"""The batched background writer: owns every interaction insert, spools when the database is down."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from typing import Any

from gateway.counted import counted
from gateway.observability.metrics import (
    record_spool_replay,
    record_spool_size,
    record_writer_batch,
    record_writer_queue_depth,
)
from gateway.privacy.redaction import Redactor
from gateway.recording.deadline import BoundedSink, DatabaseSilent, RowSink
from gateway.recording.exchange import Exchange
from gateway.recording.spool import Spool
from gateway.recording.writer_rows import cleaned_row, identity_row, rows_of, writable_row
from gateway.store.availability import database_unavailable
from gateway.store.later_answers import ANSWER_OF

logger = logging.getLogger("feedgate.writer")

Row = dict[str, Any]

# Exchanges whose rows one trip to a worker thread builds (see InteractionWriter._rows).
EXCHANGES_PER_TRIP = 32
# While a cycle runs (a batch waiting on the database), the queue-depth gauge is refreshed this often.
DEPTH_REFRESH_SECONDS = 1.0
# A batch the database answers slower than this (or than half the limit, if less; at least 1 s) is logged.
SLOW_BATCH_SECONDS = 5.0


class InteractionWriter:
    """Takes exchanges from the proxy without waiting and stores them in batches.

    `submit` is a plain append, so proxying never waits for storage. One task
    drains the buffer: by batch size or flush interval, it builds rows and inserts
    them. When the database is unreachable, batches go to the spool file, and
    while the spool holds anything every new batch goes there too, so replay
    stores rows in the order they came. Replays are idempotent on the row id.

    A database that hangs rather than fails (a stopped server, a route that drops packets) raises
    nothing: each call to the sink is given up after `database_timeout` seconds (None: waited for
    however long, as for SQLite, whose statements cannot be cut short) and the database counts as away.
    """

    def __init__(
        self,
        sink: RowSink,
        spool: Spool,
        *,
        batch_size: int = 500,
        flush_interval: float = 0.2,
        max_buffered: int = 50_000,
        retry_interval: float = 2.0,
        database_timeout: float | None = None,
        redactor: Redactor | None = None,
    ) -> None:
        self._sink = BoundedSink(sink, database_timeout)
        # Applied to each row as it is built, so neither the database nor the spool sees the original.
        self._redactor = redactor
        self._spool = spool
        self._batch_size = batch_size
        self._flush_interval = flush_interval
        self._max_buffered = max_buffered
        self._retry_interval = retry_interval
        self._buffer: deque[Exchange] = deque()
        # Batches that neither the database nor the spool took (disk full, say): kept in
        # memory, in order, and offered again before anything newer.
        self._unstored: deque[list[Row]] = deque()
        self._wakeup = asyncio.Event()
        self._flushed = asyncio.Condition()
        self._task: asyncio.Task[None] | None = None
        self._closing = False
        self._spooling = not spool.is_empty()
        self._next_replay = 0.0
        self._submitted = 0
        self._processed = 0
        self.stored = 0
        self.spooled = 0

    def submit(self, exchange: Exchange) -> None:
        """Queue one exchange for storage; never blocks, never raises."""
        self._buffer.append(exchange)
        self._submitted += 1
        if len(self._buffer) >= self._batch_size:
            self._wakeup.set()

    @property
    def backlog(self) -> int:
        """Exchanges submitted but not yet stored or spooled (a batch being written included)."""
        return self._submitted - self._processed

    @property
    def waiting_seconds(self) -> float:
        """How long the database call under way has waited for an answer, once past a second; else 0."""
        return self._sink.waiting_seconds

    @property
    def database_timeout(self) -> float | None:
        """After how long a database call is given up and the database counts as away (None: never)."""
        return self._sink.timeout

    @property
    def spooling(self) -> bool:
        """Whether rows are currently going to the spool file."""
        return self._spooling

    @property
    def can_spool(self) -> bool:
        """Whether rows could go to the spool file now, should the database be away.

        Not while batches wait in memory because the spool refused them (a full or read-only disk),
        whatever the file's permissions say.
        """
        return not self._unstored and self._spool.writable()

    def start(self) -> None:
        """Start the background task."""
        if self._task is None:
            record_spool_size(self._spool.size_bytes())
            self._task = asyncio.create_task(self._run(), name="feedgate-writer")

    async def flush(self) -> None:
        """Wait until everything submitted so far is stored (or spooled)."""
        self._wakeup.set()
        await self.caught_up()

    async def caught_up(self) -> None:
        """Like `flush`, but at the writer's own pace: wait for its next batches without hurrying them."""
        target = self._submitted
        async with self._flushed:
            await self._flushed.wait_for(lambda: self._processed >= target)

    async def close(self) -> None:
        """Store everything still buffered, replaying the spool if the database is back, and stop."""
        self._closing = True
        self._wakeup.set()
        if self._task is not None:
            await self._task
            self._task = None
        await self._sink.settle()

    async def _run(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), self._flush_interval)
            self._wakeup.clear()
            record_writer_queue_depth(self.backlog)
            closing = self._closing
            try:
                await self._drain_reporting_depth()
            except Exception:  # pragma: no cover - the writer must outlive any one bad batch
                logger.exception("interaction writer failed a cycle; retrying")
            async with self._flushed:
                self._flushed.notify_all()
            if closing and not self._buffer:
                if self._unstored:
                    # Nowhere left to put them: say so loudly rather than hang shutdown.
                    lost = sum(len(rows) for rows in self._unstored)
                    logger.error("shutting down with %s neither stored nor spooled", counted(lost, "interaction"))
                return
            if self._unstored:
                await asyncio.sleep(self._retry_interval)

    async def _drain_reporting_depth(self) -> None:
        """Run one cycle, refreshing the queue-depth gauge while it lasts.

        A cycle waiting on a slow or silent database holds every call since in memory; a gauge set only
        when the writer woke up said 6 while 420 calls waited.
        """
        cycle = asyncio.ensure_future(self._drain())
        try:
            while not (await asyncio.wait({cycle}, timeout=DEPTH_REFRESH_SECONDS))[0]:
                record_writer_queue_depth(self.backlog)
        except asyncio.CancelledError:
            cycle.cancel()
            raise
        cycle.result()

    async def _drain(self) -> None:
        if self._spooling and asyncio.get_running_loop().time() >= self._next_replay:
            await self._replay()
        if not self._spooling and len(self._buffer) > self._max_buffered:
            # The database is up but cannot keep pace: bound memory by spooling,
            # and catch up through the replay path.
            logger.warning(
                "%s buffered; spooling until the database catches up", counted(len(self._buffer), "interaction")
            )
            self._spooling = True
            self._next_replay = asyncio.get_running_loop().time() + self._retry_interval
        while self._unstored:
            if not await self._store_or_keep(self._unstored[0]):
                return  # still nowhere to put them; newer rows wait behind, in order
            self._processed += len(self._unstored.popleft())
        # Only what was buffered when this cycle began (everything, when closing): calls that come
        # in while a batch is being written wait for the next cycle, a full batch or the flush
        # interval. Draining them at once kept a busy writer in a loop of tiny batches (17 rows on
        # average at 1,300 calls/s), and each batch costs a transaction and its statements.
        pending = len(self._buffer)
        while self._buffer and (pending > 0 or self._closing):
            count = len(self._buffer) if self._closing else min(len(self._buffer), pending)
            # While the database is away, the whole backlog moves to disk in one write.
            take = count if self._spooling and count > self._batch_size else min(count, self._batch_size)
            exchanges = [self._buffer.popleft() for _ in range(take)]
            rows = await self._rows(exchanges)
            if not await self._store_or_keep(rows):
                self._unstored.append(rows)
                return
            self._processed += take
            pending -= take

    async def _rows(self, exchanges: list[Exchange]) -> list[Row]:
        """The exchanges' rows, built on a worker thread a few at a time.

        Parsing answers and reassembling streams is the writer's heaviest work, so it runs off the
        loop; and in short trips, because the loop's thread waits for the GIL while a trip runs, up
        to CPython's 5 ms switch interval. A trip of 32 streamed answers holds it ~1 ms.
        """
        rows: list[Row] = []
        for start in range(0, len(exchanges), EXCHANGES_PER_TRIP):
            part = exchanges[start : start + EXCHANGES_PER_TRIP]
            rows.extend(await asyncio.to_thread(rows_of, part, self._redactor))
        return rows

    async def _store_or_keep(self, rows: list[Row]) -> bool:
        """Store or spool `rows`; False (rows untouched) when neither the database nor the spool took them."""
        try:
            await self._store(rows)
        except Exception as exc:  # noqa: BLE001 - a full disk, a vanished folder: anything but losing the rows
            logger.error(
                "could not spool %s (%s); keeping them in memory and retrying", counted(len(rows), "interaction"), exc
            )
            return False
        return True

    async def _store(self, rows: list[Row]) -> None:
        if not self._spooling:
            try:
                await self._insert(rows)
                record_writer_batch("database", len(rows))
                return
            except Exception as exc:
                if not database_unavailable(exc):
                    raise
                if isinstance(exc, DatabaseSilent):
                    logger.warning(
                        "the database did not answer within %g s (FEEDGATE_WRITER_DATABASE_TIMEOUT): treating it as "
                        "unavailable; its connection is dropped, and the %s waiting in memory and every "
                        "new one go to the spool file %s, replayed into the database once it answers again",
                        self.database_timeout, counted(self.backlog, "interaction"), self._spool.path,
                    )  # fmt: skip
                else:
                    logger.warning("database unavailable (%s); spooling interactions to %s", exc, self._spool.path)
                self._spooling = True
                self._next_replay = asyncio.get_running_loop().time() + self._retry_interval
        record_spool_size(await asyncio.to_thread(_append_measured, self._spool, rows))
        record_writer_batch("spool", len(rows))
        self.spooled += len(rows)

    async def _insert(self, rows: list[Row]) -> None:
        began = asyncio.get_running_loop().time()
        try:
            await self._sink.insert_many(rows)
        except Exception as exc:
            if database_unavailable(exc):
                raise
            # One bad row must not sink its batch: store the rows one by one,
            # cleaning any that the database refuses.
            for row in rows:
                await self._insert_one(row)
            return
        self.stored += len(rows)
        self._say_if_slow(asyncio.get_running_loop().time() - began)

    def _say_if_slow(self, took: float) -> None:
        """Log a batch the database took long to answer, though within the limit: calls waited in memory meanwhile.

        Without it a freeze shorter than the limit (21 s of a stopped server, say) left no trace in the log.
        """
        limit = self.database_timeout
        if took < (SLOW_BATCH_SECONDS if limit is None else max(1.0, min(SLOW_BATCH_SECONDS, limit / 2))):
            return
        within = "" if limit is None else f", within the {limit:g} s limit (FEEDGATE_WRITER_DATABASE_TIMEOUT)"
        logger.warning(
            "the database took %.1f s to answer the writer%s; %s waited in this process's memory",
            took, within, counted(self.backlog, "interaction"),
        )  # fmt: skip

    async def _insert_one(self, row: Row) -> None:
        last_error: Exception | None = None
        row = writable_row(row)  # cleaning a row that cannot be written raised here, and the batch was retried forever
        # A later answer (gateway.store.later_answers) has no identity of its own to fall back on.
        attempts = (row, cleaned_row(row)) if ANSWER_OF in row else (row, cleaned_row(row), identity_row(row))
        for attempt in attempts:
            try:
                await self._sink.insert_many([attempt])
            except Exception as exc:
                if database_unavailable(exc):
                    raise
                last_error = exc
                continue
            self.stored += 1
            return
        # Outside any call's context: the row names its interaction for the log line itself.
        if ANSWER_OF in row:
            logger.error("could not store the later answer of response %s: %s", row[ANSWER_OF], last_error)
            return
        interaction = {"interaction_id": row.get("id")}
        logger.error("could not store interaction %s: %s", row.get("id"), last_error, extra=interaction)

    async def _replay(self) -> None:
        if await asyncio.to_thread(self._spool.is_empty):
            # The spool refused every batch (a full or read-only disk): nothing to replay, and no sign
            # that the database is back. The batches kept in memory go to it next and find out.
            self._spooling = False
            return
        # One batch read at a time: a retry while the database is still away reads one batch, not
        # the whole spool (a long outage's spool, re-parsed every retry_interval, would cost
        # quadratic CPU and memory for all of it), and a replay holds one batch in memory.
        batches = self._spool.read_batches(self._batch_size)
        replayed = 0
        try:
            while (batch := await asyncio.to_thread(next, batches, None)) is not None:
                await self._insert(batch)
                replayed += len(batch)
        except Exception as exc:
            if not database_unavailable(exc):
                raise
            self._next_replay = asyncio.get_running_loop().time() + self._retry_interval
            record_spool_replay(False, 0)
            return
        finally:
            # The spool file stays open between batches; a failed replay must not leave it open.
            await asyncio.to_thread(batches.close)
        try:
            await asyncio.to_thread(self._spool.clear)
        except OSError as exc:
            # A read-only disk refuses even to remove a spool that was never written. Raising here
            # kept the writer replaying every cycle and storing nothing, the database back or not.
            logger.warning(
                "could not remove the spool file %s after its replay (%s); is its folder writable? Storing "
                "interactions in the database again; rows left in it are replayed at the next start, none twice",
                self._spool.path,
                exc,
            )
        self._spooling = False
        record_spool_replay(True, replayed)
        record_spool_size(0)
        logger.info("database back; replayed the spool")


def _append_measured(spool: Spool, rows: list[Row]) -> int:
    """Append `rows` to the spool (durably) and return its size afterwards: one trip to a worker thread."""
    try:
        spool.append(rows)
    except TypeError:
        # A row that cannot be written as JSON (nothing was appended): it goes by its identity, the others whole.
        spool.append([writable_row(row) for row in rows])
    return spool.size_bytes()
