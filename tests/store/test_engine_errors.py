"""A failed statement's error, which the writer and the rules log, never carries what users wrote."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError


async def test_a_failed_statements_error_names_the_statement_but_not_its_parameters(engine):
    with pytest.raises(DBAPIError) as failed:
        async with engine.begin() as connection:
            await connection.execute(
                text("INSERT INTO no_such_table VALUES (:text)"), {"text": "My SSN is 078-05-1120"}
            )

    assert "no_such_table" in str(failed.value)
    assert "078-05-1120" not in str(failed.value)
