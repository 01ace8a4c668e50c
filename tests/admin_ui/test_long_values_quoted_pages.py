"""A page refusing a long value quotes it shortened (its start and its length), as the API does."""

from __future__ import annotations

from html_page import csrf_token_of, parse
from page_seed import interaction_row, issue, store

from gateway.accounts.records import Role

LONG = "x" * 2_990 + "the end"


def refusal_text(html: str) -> str:
    [said] = parse(html).find_all(role="alert")
    return said.text


async def send(http, page: str, path: str, fields: dict[str, str]):
    token = csrf_token_of((await http.get(page)).text)
    return await http.post(path, data={"csrf_token": token, **fields})


async def test_a_role_no_one_has_is_quoted_shortened(browser_as):
    ana = await browser_as("ana", Role.ADMIN)

    answer = await send(ana, "/admin/users", "/admin/users", {"name": "bob", "role": LONG, "password": "p" * 12})

    assert answer.status_code == 400
    said = refusal_text(answer.text)
    assert "the end" not in said and "(2,997 characters)" in said


async def test_merging_into_an_issue_no_one_has_quotes_the_id_shortened(browser_as, gateway):
    ids = await store(gateway, interaction_row("What is the fee?", "2 %"))
    issue_id = await issue(gateway, ids)
    rita = await browser_as("rita", Role.REVIEWER)

    answer = await send(rita, f"/admin/issues/{issue_id}", f"/admin/issues/{issue_id}/merge", {"into": LONG})

    assert answer.status_code == 400
    said = refusal_text(answer.text)
    assert "the end" not in said and "(2,997 characters)" in said


async def test_a_page_no_task_has_quotes_its_id_shortened(browser_as):
    vic = await browser_as("vic", Role.VIEWER)

    answer = await vic.get(f"/admin/reviews/{LONG}")

    assert answer.status_code == 404
    assert "the end" not in answer.text and "(2,997 characters)" in answer.text
