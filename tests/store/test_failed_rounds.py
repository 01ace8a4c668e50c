"""A background loop's failed rounds: an outage is told when it starts, as a reminder, and when it ends."""

from __future__ import annotations

import logging

import pytest
from settable_clock import SecondsClock

from gateway.store.availability import FailedRounds

OUTAGE = ConnectionRefusedError("connection refused")


@pytest.fixture
def clock() -> SecondsClock:
    return SecondsClock(0.0)


@pytest.fixture
def rounds(clock: SecondsClock) -> FailedRounds:
    return FailedRounds(logging.getLogger("feedgate.test"), "refreshing fixes", "keeping the last ones", 300, clock)


def messages(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [record.getMessage() for record in caplog.records]


def test_an_outage_is_told_once_however_many_rounds_fail(rounds, clock, caplog):
    with caplog.at_level(logging.INFO, logger="feedgate.test"):
        for _ in range(12):
            rounds.failed(OUTAGE)
            clock.now += 5

    assert messages(caplog) == [
        "refreshing fixes failed (database unavailable: connection refused); keeping the last ones"
    ]


def test_a_long_outage_is_told_again_every_reminder_period(rounds, clock, caplog):
    with caplog.at_level(logging.INFO, logger="feedgate.test"):
        for _ in range(121):  # ten minutes of rounds every 5 s
            rounds.failed(OUTAGE)
            clock.now += 5

    assert len(caplog.records) == 3
    assert messages(caplog)[1].startswith("refreshing fixes still failing after 300 s (database unavailable")


def test_the_first_round_after_an_outage_says_it_ended_and_how_long_it_lasted(rounds, clock, caplog):
    with caplog.at_level(logging.INFO, logger="feedgate.test"):
        rounds.failed(OUTAGE)
        clock.now = 42
        rounds.succeeded()
        rounds.succeeded()

    assert messages(caplog)[1:] == ["refreshing fixes works again, after 42 s of database outage"]
    assert caplog.records[1].levelno == logging.INFO


def test_a_failure_that_is_no_outage_logs_its_traceback_every_round(rounds, caplog):
    with caplog.at_level(logging.INFO, logger="feedgate.test"):
        rounds.failed(KeyError("a bug"))
        rounds.failed(KeyError("a bug"))

    assert [record.exc_info is not None for record in caplog.records] == [True, True]


def test_a_lost_connection_is_named_by_the_drivers_words_on_one_line():
    # SQLAlchemy's text of a dropped connection ran over four lines: the statement, "[SQL parameters hidden …]"
    # and a link to its docs, in the middle of "clustering pass failed (database unavailable: …); trying again".
    import asyncpg
    from sqlalchemy.exc import DBAPIError

    from gateway.store.availability import outage_reason

    lost = DBAPIError.instance(
        "SELECT pg_advisory_unlock($1)", (7,), asyncpg.exceptions.InterfaceError("connection is closed"), Exception
    )

    assert outage_reason(lost) == "connection is closed (InterfaceError)"
