"""A fix link's `created_by` names who linked it, blank by the one rule (gateway/domain/blank_text.py): one of
zero-width or ideographic spaces is a 400 naming the field and saying it is blank; nothing is linked."""

from __future__ import annotations

import pytest
from test_fix_links_api import new_entry, new_issue


@pytest.mark.parametrize("blank", ["\u200b", "\u3000", "\u2060 \ufeff"])
async def test_a_fix_linked_by_a_blank_name_is_refused_as_blank(client, admin_headers, engine, blank):
    issue_id = await new_issue(engine)
    entry = await new_entry(client, admin_headers)
    body = {"kind": "knowledge", "fix_id": entry["id"], "created_by": blank}

    response = await client.post(f"/api/issues/{issue_id}/fixes", json=body, headers=admin_headers)

    assert response.status_code == 400, response.text
    assert response.json()["detail"].startswith("'created_by' is blank: ")
    assert [entry["key"] for entry in response.json()["extra"]] == ["created_by"]
    assert (await client.get(f"/api/issues/{issue_id}/fixes", headers=admin_headers)).json()["data"] == []
