"""A lease elects one process for a standing job: held by one holder at a time, renewed, handed over."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import text, update

from gateway.store.leases import Lease
from gateway.store.tables import clustering_locks

NAME = "feedgate.test.lease"
TTL = timedelta(minutes=1)


async def test_the_first_holder_keeps_it_and_the_second_is_refused(engine):
    first, second = Lease(engine, NAME, TTL), Lease(engine, NAME, TTL)

    assert await first.hold()
    assert not await second.hold()
    assert await first.hold()  # a renewal
    assert (first.held, second.held) == (True, False)
    await first.release()


async def test_a_released_lease_goes_to_the_next_process_that_asks(engine):
    first, second = Lease(engine, NAME, TTL), Lease(engine, NAME, TTL)
    assert await first.hold()

    await first.release()

    assert await second.hold()
    assert not await first.hold()
    await second.release()


async def test_leases_of_different_names_do_not_exclude_each_other(engine):
    one, other = Lease(engine, NAME, TTL), Lease(engine, NAME + ".other", TTL)

    assert await one.hold()
    assert await other.hold()
    await one.release()
    await other.release()


async def test_a_holder_that_died_is_replaced(engine):
    dead, alive = Lease(engine, NAME, TTL), Lease(engine, NAME, TTL)
    assert await dead.hold()

    if engine.dialect.name == "postgresql":
        # The holder's session ends (a killed process): the server drops its advisory lock. Waited for (up to 10 s):
        # without a timeout pg_terminate_backend only signals the backend, which on a busy host still held the lock
        # when the next holder asked for it.
        async with engine.connect() as connection:
            await connection.execute(
                text(
                    "SELECT pg_terminate_backend(l.pid, 10000)"
                    " FROM pg_locks AS l JOIN pg_database AS d ON d.oid = l.database"
                    " WHERE l.locktype = 'advisory' AND l.granted AND d.datname = current_database()"
                )
            )
            await connection.commit()
    else:
        # The holder stopped renewing and its row expired.
        async with engine.begin() as connection:
            past = datetime.now(UTC) - timedelta(seconds=1)
            await connection.execute(
                update(clustering_locks).where(clustering_locks.c.name == NAME).values(expires_at=past)
            )

    assert await alive.hold()
    assert not await dead.hold()
    await alive.release()
    await dead.release()
