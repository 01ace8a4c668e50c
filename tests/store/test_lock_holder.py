"""A lock's holder says what it holds it for, so a command waiting for it can say what it waits for (both databases).

The clustering lock named no holder: `feedgate prune` and `feedgate erase` could only guess that a clustering pass
held them up, never which app's, nor that it was the other command.
"""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.store.engine import create_engine
from gateway.store.locks import CLUSTERING_LOCK, held_for, take_lock, try_lock

NAME = "feedgate.test-lock"


async def test_a_waiter_reads_what_the_holder_said_and_what_it_says_next(engine: AsyncEngine):
    async with take_lock(engine, NAME, held_for="the clustering pass") as lock:
        assert lock.acquired
        assert await held_for(engine, NAME) == "the clustering pass"

        await lock.say("the clustering pass of app 'bank'")

        assert await held_for(engine, NAME) == "the clustering pass of app 'bank'"


async def test_a_lock_released_or_held_without_a_word_says_nothing(engine: AsyncEngine):
    async with take_lock(engine, NAME, held_for="a prune") as lock:
        assert lock.acquired
    assert await held_for(engine, NAME) is None

    async with try_lock(engine, NAME) as acquired:
        assert acquired
        assert await held_for(engine, NAME) is None


async def test_a_lock_not_taken_says_nothing_of_the_holder(engine: AsyncEngine):
    async with (
        take_lock(engine, NAME, held_for="a prune") as first,
        take_lock(engine, NAME, held_for="an erasure") as second,
    ):
        assert first.acquired and not second.acquired
        await second.say("nothing")

        assert await held_for(engine, NAME) == "a prune"


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
@pytest.mark.parametrize("fresh_database_url", ["postgres"], indirect=True)
async def test_a_holder_in_another_database_of_the_server_is_not_this_ones(
    engine: AsyncEngine, fresh_database_url: str
):
    # pg_locks lists the whole server's advisory locks: a waiter was told another database's holder.
    other = create_engine(fresh_database_url)
    try:
        async with take_lock(other, CLUSTERING_LOCK, held_for="an erasure elsewhere") as lock:
            assert lock.acquired
            assert await held_for(other, CLUSTERING_LOCK) == "an erasure elsewhere"
            assert await held_for(engine, CLUSTERING_LOCK) is None
    finally:
        await other.dispose()
