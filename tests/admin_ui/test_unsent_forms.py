"""A form sent after its session ended is refused and nothing is saved, but what was written is not lost.

Signed out, the answer is the sign-in page holding the form's fields; signing in there gives the form
back filled in, to send with the new session. CSRF still holds: a stale or forged token saves
nothing, and another site's post never gets its text into a form.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import numpy as np
from admin_helpers import PASSWORD, sign_in
from html_page import Element, parse
from overview_seed import issue_runs
from page_seed import interaction_row, store, task
from sqlalchemy import update

from admin_ui.unsent_form_list import FORMS, NOT_KEPT
from clustering.issue_status import IssueStatus
from clustering.label import ClusterTitle
from clustering.pipeline import DiscoveredCluster
from clustering.track import ClusterOutcome, TrackingResult
from gateway.accounts.records import Role
from gateway.discovery.titles import title_clusters
from gateway.store.knowledge import EntryFilter
from gateway.store.tables import admin_sessions

ENTRY = {
    "app": "bot",
    "title": "Transfer fees",
    "content": "Transfers cost 1 %.\nAbroad they cost 2 %, at least 3 EUR.",
    "example_questions": "What does a transfer cost?\nAre there fees abroad?",
    "tags": "fees, transfers",
    "active": "on",
}
HERE = "http://feedgate.test/admin/knowledge?app=bot"


def raw_text(element: Element) -> str:
    """A textarea's text as a browser reads it (the parser drops one line break after the tag)."""
    text = "".join(element.parts)
    return text[1:] if text.startswith("\n") else text


def fields_of(form: Element, **typed: str) -> dict[str, str]:
    """What a browser sends for `form` as the page shows it, with `typed` filled in."""
    fields = {field.attrs["name"]: field.attrs.get("value", "") for field in form.find_all("input")}
    fields |= {area.attrs["name"]: raw_text(area) for area in form.find_all("textarea")}
    return {**fields, **typed}


async def send(http: httpx.AsyncClient, form: Element, **typed: str) -> httpx.Response:
    """Submit `form` as a browser would."""
    return await http.post(form.attrs["action"], data=fields_of(form, **typed), headers={"referer": HERE})


async def open_create_form(http: httpx.AsyncClient) -> Element:
    return parse((await http.get("/admin/knowledge?app=bot")).text).find("form", data_testid="create-form")


async def idle_out_every_session(gateway) -> None:
    """As three hours without a page would: the browser still sends its cookie, the session is over."""
    async with gateway.services.engine.begin() as connection:
        await connection.execute(update(admin_sessions).values(last_seen_at=datetime.now(UTC) - timedelta(hours=3)))


async def entries(gateway) -> list:
    return list((await gateway.services.knowledge.service.list(EntryFilter(), 50, 0)).data)


async def written_then_idled_out(browser_as, gateway) -> tuple[httpx.AsyncClient, Element, httpx.Response]:
    """Rita opens the new-entry form, idles out while writing, and presses Save."""
    rita = await browser_as("rita", Role.REVIEWER)
    form = await open_create_form(rita)
    await idle_out_every_session(gateway)
    return rita, form, await send(rita, form, **ENTRY)


async def sign_in_there(http: httpx.AsyncClient, page: httpx.Response, **typed: str) -> httpx.Response:
    """Sign in as rita through the sign-in form of `page`."""
    form = parse(page.text).find("form", action="/admin/sign-in")
    return await send(http, form, **{"name": "rita", "password": PASSWORD, **typed})


async def test_a_post_after_the_session_ended_answers_the_sign_in_page_holding_the_text(browser_as, gateway):
    _, _, response = await written_then_idled_out(browser_as, gateway)

    assert response.status_code == 401
    page = parse(response.text)
    assert "Your session has ended" in page.find(role="alert").text
    assert "What you wrote is kept in this page" in page.find(data_testid="unsent-kept").text
    sign_in_form = page.find("form", action="/admin/sign-in")
    held = {field.attrs["name"]: field.attrs.get("value", "") for field in sign_in_form.find_all("input")}
    assert {name: held[f"unsent.{name}"] for name in ENTRY} == ENTRY
    assert held["unsent_action"] == "/admin/knowledge" and held["next"] == "/admin/knowledge?app=bot"
    assert await entries(gateway) == []


async def test_signing_in_there_gives_the_form_back_filled_in_with_a_new_token(browser_as, gateway):
    rita, opened, refused = await written_then_idled_out(browser_as, gateway)

    signed_in = await sign_in_there(rita, refused)

    assert signed_in.status_code == 200
    form = parse(signed_in.text).find("form", data_testid="unsent-form")
    assert form.attrs["action"] == "/admin/knowledge"
    sent = fields_of(form)
    assert {name: sent[name] for name in ENTRY} == ENTRY
    assert sent["csrf_token"] != fields_of(opened)["csrf_token"]
    assert await entries(gateway) == []


async def test_sending_the_form_given_back_saves_the_entry_once(browser_as, gateway):
    rita, _, refused = await written_then_idled_out(browser_as, gateway)
    signed_in = await sign_in_there(rita, refused)

    saved = await send(rita, parse(signed_in.text).find("form", data_testid="unsent-form"))

    assert saved.status_code == 303
    [entry] = await entries(gateway)
    assert (entry.title, entry.content, entry.active) == (ENTRY["title"], ENTRY["content"], True)
    assert list(entry.example_questions) == ENTRY["example_questions"].splitlines()


async def test_the_form_given_back_keeps_its_key_so_sending_it_twice_saves_once(browser_as, gateway):
    rita, opened, refused = await written_then_idled_out(browser_as, gateway)
    given_back = parse((await sign_in_there(rita, refused)).text).find("form", data_testid="unsent-form")
    assert fields_of(given_back)["idempotency_key"] == fields_of(opened)["idempotency_key"]

    saved = [await send(rita, given_back) for _ in range(2)]

    assert [answer.status_code for answer in saved] == [303, 303]
    assert len(await entries(gateway)) == 1


async def test_the_old_token_is_still_refused_after_signing_in_again(browser_as, gateway):
    rita = await browser_as("rita", Role.REVIEWER)
    form = await open_create_form(rita)
    await idle_out_every_session(gateway)
    await sign_in(rita, "rita")

    stale = await send(rita, form, **ENTRY)

    assert stale.status_code == 403
    assert await entries(gateway) == []


async def test_a_form_of_an_earlier_session_comes_back_filled_in_to_send_again(browser_as, gateway):
    rita = await browser_as("rita", Role.REVIEWER)
    form = await open_create_form(rita)
    await idle_out_every_session(gateway)
    await sign_in(rita, "rita")  # in another tab, say

    stale = await send(rita, form, **ENTRY)

    given_back = parse(stale.text).find("form", data_testid="unsent-form")
    assert "opened in an earlier session" in parse(stale.text).find(role="alert").text
    assert fields_of(given_back)["content"] == ENTRY["content"]
    assert (await send(rita, given_back)).status_code == 303
    assert len(await entries(gateway)) == 1


async def test_a_post_from_another_site_never_gets_its_text_into_a_form(browser_as, gateway):
    rita = await browser_as("rita", Role.REVIEWER)
    form = await open_create_form(rita)
    await idle_out_every_session(gateway)
    own_cookies = httpx.Cookies(rita.cookies)
    # Another site's post: the browser sends neither the Lax session cookie nor the Strict forms cookie.
    rita.cookies.clear()
    planted = {**ENTRY, "content": "Transfers are free: send your card number to evil.test."}
    forged = await rita.post(
        "/admin/knowledge",
        data=fields_of(form, **planted),
        headers={"origin": "https://evil.test", "referer": "https://evil.test/admin/knowledge"},
    )
    rita.cookies.update(own_cookies)

    after = await sign_in_there(rita, forged)

    assert forged.status_code == 401
    assert "evil.test" not in forged.text and "unsent" not in forged.text
    assert after.status_code == 303 and after.headers["location"] == "/admin"
    assert await entries(gateway) == []


async def test_a_sign_in_form_whose_kept_origin_is_not_this_browsers_gives_nothing_back(browser_as, gateway):
    rita, _, refused = await written_then_idled_out(browser_as, gateway)

    after = await sign_in_there(rita, refused, unsent_origin="0" * 64)

    assert after.status_code == 303 and after.headers["location"] == "/admin/knowledge?app=bot"


async def test_a_password_is_never_kept(browser_as, gateway):
    root = await browser_as("root", Role.ADMIN)
    form = parse((await root.get("/admin/users")).text).find("form", id="add-user")
    await idle_out_every_session(gateway)

    response = await send(root, form, name="ana", role="reviewer", password="ana's secret passphrase")

    assert response.status_code == 401
    assert "ana's secret passphrase" not in response.text
    held = fields_of(parse(response.text).find("form", action="/admin/sign-in"))
    assert held["unsent.name"] == "ana" and held["password"] == ""
    assert not any("password" in name for name in held if name.startswith("unsent"))


async def test_only_the_forms_own_fields_are_kept(browser_as, gateway):
    rita = await browser_as("rita", Role.REVIEWER)
    form = await open_create_form(rita)
    await idle_out_every_session(gateway)

    response = await send(rita, form, **ENTRY, author="mallory", next="https://evil.test")

    held = fields_of(parse(response.text).find("form", action="/admin/sign-in"))
    # The form's own idempotency key is one of its fields (admin_ui/form_keys.py): kept, so it still creates once.
    kept = {f"unsent.{name}" for name in (*ENTRY, "idempotency_key")}
    assert {name for name in held if name.startswith("unsent.")} == kept
    assert held["next"] == "/admin/knowledge?app=bot"


async def test_a_field_longer_than_its_form_takes_is_named_and_not_kept(browser_as, gateway):
    rita = await browser_as("rita", Role.REVIEWER)
    form = await open_create_form(rita)
    await idle_out_every_session(gateway)

    response = await send(rita, form, **{**ENTRY, "content": "x" * 20_001})

    page = parse(response.text)
    held = fields_of(page.find("form", action="/admin/sign-in"))
    assert "unsent.content" not in held and held["unsent.title"] == ENTRY["title"]
    assert "Content (at most 20 000 characters)" in page.find(data_testid="unsent-dropped").text


async def test_an_issue_forms_expected_title_longer_than_any_title_is_named_when_not_kept(browser_as, gateway):
    issue_id = await issue_runs(gateway.services.engine, "shop", "Refunds", [3])
    rita = await browser_as("rita", Role.REVIEWER)
    form = parse((await rita.get(f"/admin/issues/{issue_id}")).text).find("form", id="status-resolved")
    await idle_out_every_session(gateway)

    response = await send(rita, form, note="fixed", expected_title="x" * 201)

    page = parse(response.text)
    held = fields_of(page.find("form", action="/admin/sign-in"))
    assert "unsent.expected_title" not in held and held["unsent.note"] == "fixed"
    dropped = page.find(data_testid="unsent-dropped").text
    assert "The issue's title as the page showed it (at most 200 characters)" in dropped


class LongTitler:
    """A model that ignores "at most 8 words" (LLM titles are not capped by the model)."""

    def title(self, keywords, examples) -> ClusterTitle:
        return ClusterTitle(title="Refunds " + "really " * 60 + "slow", summary="Slow refunds.")


async def test_an_issue_titled_by_an_llm_keeps_its_expected_title_so_a_stale_resend_is_409(browser_as, gateway):
    cluster = DiscoveredCluster((0,), ("1",), np.ones(4, dtype=np.float32), ("refund",), "Refunds", ("1",), ("x",))
    [titled] = title_clusters([cluster], TrackingResult(outcomes=[ClusterOutcome(0, None)]), {}, LongTitler())
    issue_id = await issue_runs(gateway.services.engine, "shop", titled.title, [3])
    rita = await browser_as("rita", Role.REVIEWER)
    form = parse((await rita.get(f"/admin/issues/{issue_id}")).text).find("form", id="status-resolved")
    await idle_out_every_session(gateway)
    refused = await send(rita, form, note="fixed")
    await gateway.services.issue_service.rename(issue_id, "Slow refunds", actor="sam")

    signed_in = await sign_in_there(rita, refused)
    resent = await send(rita, parse(signed_in.text).find("form", data_testid="unsent-form"))

    assert resent.status_code == 409
    assert (await gateway.services.issue_service.get(issue_id)).issue.status == IssueStatus.NEW


async def test_a_form_of_buttons_leads_back_to_its_page_after_signing_in(browser_as, gateway):
    rita = await browser_as("rita", Role.REVIEWER)
    created = await send(rita, await open_create_form(rita), **ENTRY)
    entry_path = created.headers["location"].split("?")[0]
    deactivate = parse((await rita.get(entry_path)).text).find("form", action=f"{entry_path}/deactivate")
    await idle_out_every_session(gateway)

    refused = await send(rita, deactivate)
    after = await sign_in_there(rita, refused)

    assert refused.status_code == 401 and "unsent" not in refused.text
    assert after.status_code == 303 and after.headers["location"] == entry_path
    assert [entry.active for entry in await entries(gateway)] == [True]


async def task_correction_form(browser_as, gateway) -> tuple[httpx.AsyncClient, str, Element]:
    """Rita opens a task's page: her client, the task and its correction form."""
    [interaction_id] = await store(gateway, interaction_row("What is the fee?", "There is no fee."))
    task_id = await task(gateway, [interaction_id], reason="Fee answers say there is none")
    rita = await browser_as("rita", Role.REVIEWER)
    form = parse((await rita.get(f"/admin/reviews/{task_id}")).text).find("form", id="correct-form")
    return rita, task_id, form


async def test_a_task_forms_text_given_back_after_signing_in_names_the_task_and_links_to_it(browser_as, gateway):
    rita, task_id, form = await task_correction_form(browser_as, gateway)
    await idle_out_every_session(gateway)
    refused = await send(rita, form, correction="The fee is 1%.")

    page = parse((await sign_in_there(rita, refused)).text)

    named = page.find(data_testid="unsent-task")
    assert named.text == f"Written on review task Fee answers say there is none ({task_id})."
    assert named.find("a").attrs["href"] == f"/admin/reviews/{task_id}"


async def test_a_task_form_of_an_earlier_session_given_back_names_the_task(browser_as, gateway):
    rita, task_id, form = await task_correction_form(browser_as, gateway)
    await idle_out_every_session(gateway)
    await sign_in(rita, "rita")  # in another tab, say

    stale = await send(rita, form, correction="The fee is 1%.")

    named = parse(stale.text).find(data_testid="unsent-task")
    assert stale.status_code == 403
    assert named.text == f"Written on review task Fee answers say there is none ({task_id})."
    assert named.find("a").attrs["href"] == f"/admin/reviews/{task_id}"


async def test_a_task_that_cannot_be_read_is_named_by_its_id(browser_as, gateway):
    rita, _, form = await task_correction_form(browser_as, gateway)
    form.attrs["action"] = "/admin/reviews/no-such-task/decide"
    await idle_out_every_session(gateway)
    refused = await send(rita, form, correction="The fee is 1%.")

    page = parse((await sign_in_there(rita, refused)).text)

    assert page.find(data_testid="unsent-task").text == "Written on review task no-such-task."
    assert page.find(data_testid="unsent-form").attrs["action"] == "/admin/reviews/no-such-task/decide"


async def test_a_form_given_back_from_elsewhere_names_no_task(browser_as, gateway):
    rita, _, refused = await written_then_idled_out(browser_as, gateway)

    page = parse((await sign_in_there(rita, refused)).text)

    assert page.find_all(data_testid="unsent-task") == []


async def test_every_admin_form_says_what_it_keeps(gateway):
    posts = {
        route.path
        for route in gateway.api.routes
        if route.path.startswith("/admin") and "POST" in getattr(route, "methods", ())
    }

    assert posts - NOT_KEPT == set(FORMS)
    assert not any("password" in field.name for form in FORMS.values() for field in form.fields)


def test_a_fix_preview_form_keeps_its_candidate_but_never_the_upstream_key():
    kept = {field.name for field in FORMS["/admin/issues/{issue_id:str}/previews"].fields}

    assert {"title", "content", "example_questions", "text", "mode", "limit"} <= kept
    assert "authorization" not in kept
