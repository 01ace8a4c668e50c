"""The served OpenAPI schema, byte for byte, is the stored copy: a change to it is one the diff shows.

A change meant to alter the schema writes the new copy:
`FEEDGATE_STORE_SCHEMA=1 .venv/bin/python -m pytest tests/test_api_schema_stored.py`, and commits it with the change.
"""

from __future__ import annotations

import os
from pathlib import Path

STORED = Path(__file__).parent / "api_schema_stored.json"


async def test_the_served_schema_is_the_stored_copy(client):
    served = (await client.get("/schema/openapi.json")).content

    if os.environ.get("FEEDGATE_STORE_SCHEMA") == "1":
        STORED.write_bytes(served)
    assert served == STORED.read_bytes(), f"the schema changed: if meant, see {Path(__file__).name}'s docstring"
