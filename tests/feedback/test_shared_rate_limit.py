"""The feedback rate limiter counted in the database: every process on one database shares one allowance."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from settable_clock import SecondsClock
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.feedback.rate_limit import RateLimiter
from gateway.feedback.shared_rate_limit import AllowanceExpiry, SharedRateLimiter
from gateway.store.engine import create_engine
from gateway.store.rate_limits import RateLimitRows
from gateway.store.tables import feedback_rate_limits


@pytest.fixture
def clock() -> SecondsClock:
    return SecondsClock(1_800_000_000.0)


@pytest.fixture
async def other_engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    """A second engine on the same database: what another gateway process holds."""
    engine = create_engine(database_url)
    yield engine
    await engine.dispose()


def limiter(engine: AsyncEngine, per_minute: int, clock: SecondsClock, counted_by: str = "token") -> SharedRateLimiter:
    return SharedRateLimiter(RateLimitRows(engine), counted_by, per_minute, clock=clock)


async def rows(engine: AsyncEngine) -> int:
    async with engine.connect() as connection:
        return int((await connection.execute(select(func.count()).select_from(feedback_rate_limits))).scalar_one())


async def test_two_processes_share_one_allowance(engine, other_engine, clock):
    here, there = limiter(engine, 3, clock), limiter(other_engine, 3, clock)

    taken = [await here.acquire("t"), await there.acquire("t"), await here.acquire("t")]
    refused = [await there.acquire("t"), await here.acquire("t")]

    assert taken == [None, None, None]
    assert refused == [pytest.approx(20.0), pytest.approx(20.0)]


async def test_the_shared_allowance_answers_as_the_in_process_one_does(engine, clock):
    shared, local = limiter(engine, 4, clock), RateLimiter(4, clock=clock)
    steps = [0, 0, 0, 0, 0, 3.5, 0, 15, 0, 0, 60, 0]

    seen_shared, seen_local = [], []
    for step in steps:
        clock.now += step
        seen_shared.append(await shared.acquire("t"))
        seen_local.append(local.acquire("t"))

    assert seen_shared == [pytest.approx(w) if w is not None else None for w in seen_local]


async def test_a_refused_check_spends_nothing_and_the_allowance_refills(engine, clock):
    shared = limiter(engine, 2, clock)
    await shared.acquire("t"), await shared.acquire("t")
    for _ in range(20):
        assert await shared.acquire("t") is not None
    clock.now += 30

    assert await shared.acquire("t") is None
    assert await shared.acquire("t") is not None


async def test_a_post_given_back_in_one_process_can_be_made_in_another(engine, other_engine, clock):
    here, there = limiter(engine, 2, clock), limiter(other_engine, 2, clock)
    await here.acquire("t"), await here.acquire("t")

    await here.give_back("t")

    assert await there.acquire("t") is None
    assert await there.acquire("t") is not None


async def test_giving_back_a_key_never_counted_does_nothing(engine, clock):
    await limiter(engine, 2, clock).give_back("never")

    assert await rows(engine) == 0


async def test_keys_and_limits_have_separate_allowances(engine, clock):
    tokens, apps = limiter(engine, 1, clock, "token"), limiter(engine, 1, clock, "app")

    assert [await tokens.acquire("one"), await tokens.acquire("two"), await apps.acquire("one")] == [None] * 3
    assert await tokens.acquire("one") is not None


async def test_a_key_longer_than_the_column_is_counted_by_its_hash(engine, clock):
    shared = limiter(engine, 1, clock, "address")
    long_key = "x" * 5_000

    assert await shared.acquire(long_key) is None
    assert await shared.acquire(long_key) is not None
    assert await shared.acquire(long_key[:-1] + "y") is None


async def test_expiring_removes_only_keys_whose_allowance_is_full(engine, clock):
    shared, store = limiter(engine, 2, clock), RateLimitRows(engine)
    await shared.acquire("quiet")
    clock.now += 30
    await shared.acquire("busy"), await shared.acquire("busy")

    expired = await store.expire(clock.now)

    assert expired == 1
    assert await rows(engine) == 1
    assert await shared.acquire("busy") is not None


async def test_concurrent_checks_from_two_processes_take_exactly_the_allowance(engine, other_engine, clock):
    here, there = limiter(engine, 10, clock), limiter(other_engine, 10, clock)

    answers = await asyncio.gather(*(side.acquire("t") for _ in range(15) for side in (here, there)))

    assert sum(answer is None for answer in answers) == 10


class FailingRows:
    """Rows whose every statement fails as `error` says; counts the expiry rounds asked of it."""

    def __init__(self, error: Exception) -> None:
        self.error = error
        self.expiries = 0

    async def take(self, counted_by: str, key: str, *, now: float, interval: float, tolerance: float) -> float | None:
        raise self.error

    async def give_back(self, counted_by: str, key: str, interval: float) -> None:
        raise self.error

    async def expire(self, now: float) -> int:
        self.expiries += 1
        raise self.error


async def test_a_check_the_database_cannot_answer_raises_its_error_for_the_outage_answer():
    shared = SharedRateLimiter(FailingRows(ConnectionRefusedError("down")), "token", 2)

    with pytest.raises(ConnectionRefusedError):
        await shared.acquire("t")


async def test_giving_back_during_an_outage_is_given_up_with_a_warning(caplog):
    shared = SharedRateLimiter(FailingRows(ConnectionRefusedError("down")), "token", 2)

    await shared.give_back("t")

    assert "could not give a try back to its token's rate limit" in caplog.text


async def test_giving_back_still_raises_what_is_no_outage():
    shared = SharedRateLimiter(FailingRows(ValueError("a bug")), "token", 2)

    with pytest.raises(ValueError, match="a bug"):
        await shared.give_back("t")


async def test_expiry_rounds_go_on_through_an_outage():
    failing = FailingRows(ConnectionRefusedError("down"))
    expiry = AllowanceExpiry(failing, interval=0.01)
    expiry.start()
    await asyncio.sleep(0.2)
    await expiry.close()

    assert failing.expiries >= 3


async def test_on_postgresql_the_table_is_unlogged_so_a_check_waits_for_no_wal_flush(engine):
    if engine.dialect.name != "postgresql":
        # SQLite has no such kind of table; it has the table all the same.
        assert await rows(engine) == 0
        return
    async with engine.connect() as connection:
        persistence = (
            await connection.execute(text("SELECT relpersistence FROM pg_class WHERE relname = 'feedback_rate_limits'"))
        ).scalar_one()

    assert persistence in ("u", b"u")  # a "char", which asyncpg reads as bytes
