"""The served OpenAPI schema is the stored copy, key order included: a change to it is one the diff shows.

Stored one key or item to a line (the served schema is one line), so a diff names what changed.

A change meant to alter the schema writes the new copy:
`FEEDGATE_STORE_SCHEMA=1 .venv/bin/python -m pytest tests/test_api_schema_stored.py`, and commits it with the change.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

STORED = Path(__file__).parent / "api_schema_stored.json"


async def test_the_served_schema_is_the_stored_copy(client):
    served = json.dumps((await client.get("/schema/openapi.json")).json(), indent=1, ensure_ascii=False) + "\n"

    if os.environ.get("FEEDGATE_STORE_SCHEMA") == "1":
        STORED.write_text(served, encoding="utf-8")
    assert served == STORED.read_text(encoding="utf-8"), (
        f"the schema changed: if meant, see {Path(__file__).name}'s docstring"
    )
