"""The Users page: admins list, add, disable and re-enable users and change roles; each change is audited."""

from __future__ import annotations

from admin_helpers import PASSWORD, sign_in
from html_page import csrf_token_of, parse

from gateway.accounts.records import Role
from gateway.store.audit import AuditFilter


async def post_form(http, path: str, **fields: str):
    token = csrf_token_of((await http.get("/admin/users")).text)
    return await http.post(path, data={**fields, "csrf_token": token})


async def test_the_page_lists_users_with_role_and_state(browser_as, gateway):
    admin = await browser_as("root", Role.ADMIN)
    await gateway.services.accounts.create("vic", Role.VIEWER, PASSWORD, actor="test")

    page = parse((await admin.get("/admin/users")).text)

    rows = {
        row.attrs["data-user"]: row for row in page.find("table", id="users").find_all("tr") if "data-user" in row.attrs
    }
    assert set(rows) == {"root", "vic"}
    assert rows["vic"].find("td", class_="role-cell").text == "viewer"
    assert rows["vic"].find("td", class_="state").text == "enabled"
    assert "(you)" in rows["root"].find("td", class_="name").text
    assert page.find("form", id="add-user").find("input", name="password").attrs["type"] == "password"


async def test_an_admin_adds_a_user_who_can_then_sign_in(browser_as, gateway):
    admin = await browser_as("root", Role.ADMIN)

    response = await post_form(admin, "/admin/users", name="ana", role="reviewer", password=PASSWORD)

    assert response.status_code == 303 and response.headers["location"] == "/admin/users?changed=ana&change=added"
    page = parse((await admin.get(response.headers["location"])).text)
    assert page.find(role="status").text == "Added ana as a reviewer."
    assert page.find("tr", data_user="ana").find("td", class_="role-cell").text == "reviewer"
    records = (await gateway.services.audit_service.list(AuditFilter(action="user.create"), 10)).data
    assert next((record.actor, record.subject_id, record.after) for record in records) == (
        "root",
        "ana",
        {"role": "reviewer"},
    )


async def test_a_refused_addition_shows_why_and_keeps_the_form(browser_as):
    admin = await browser_as("root", Role.ADMIN)

    response = await post_form(admin, "/admin/users", name="ana", role="reviewer", password="short")

    assert response.status_code == 400
    page = parse(response.text)
    assert page.find(role="alert").text == "a password needs at least 12 characters"
    assert page.find("form", id="add-user").find("input", name="name").attrs["value"] == "ana"


async def test_changing_a_role_applies_to_the_users_open_session(browser_as, gateway):
    admin = await browser_as("root", Role.ADMIN)
    vic = await browser_as("vic", Role.VIEWER)
    assert (await vic.get("/admin/users")).status_code == 403

    response = await post_form(admin, "/admin/users/role", name="vic", role="admin")

    assert response.status_code == 303
    assert (await vic.get("/admin/users")).status_code == 200
    records = (await gateway.services.audit_service.list(AuditFilter(action="user.role"), 10)).data
    assert (records[0].actor, records[0].before, records[0].after) == ("root", {"role": "viewer"}, {"role": "admin"})


async def test_disabling_a_user_ends_their_session_and_enabling_lets_them_back(browser_as, client):
    admin = await browser_as("root", Role.ADMIN)
    vic = await browser_as("vic", Role.VIEWER)

    await post_form(admin, "/admin/users/disable", name="vic")

    assert (await vic.get("/admin")).status_code == 303
    assert (
        parse((await admin.get("/admin/users")).text).find("tr", data_user="vic").find("td", class_="state").text
        == "disabled"
    )
    assert (await sign_in(client, "vic")).status_code == 401
    await post_form(admin, "/admin/users/enable", name="vic")
    assert (await sign_in(client, "vic")).status_code == 303


async def test_the_last_admin_cannot_disable_themselves(browser_as):
    admin = await browser_as("root", Role.ADMIN)

    response = await post_form(admin, "/admin/users/disable", name="root")

    assert response.status_code == 409
    assert "only enabled admin" in parse(response.text).find(role="alert").text
    assert (await admin.get("/admin")).status_code == 200


async def test_each_change_says_what_it_did_to_whom(browser_as):
    # "Saved: vic." after a role change and after disabling alike left the admin to read the table.
    admin = await browser_as("root", Role.ADMIN)
    await browser_as("vic", Role.VIEWER)

    notices = []
    for path, fields in (
        ("/admin/users/role", {"role": "admin"}),
        ("/admin/users/disable", {}),
        ("/admin/users/enable", {}),
    ):
        response = await post_form(admin, path, name="vic", **fields)
        notices.append(parse((await admin.get(response.headers["location"])).text).find(role="status").text)

    assert notices == [
        "vic is now an admin.",
        "vic is disabled: they cannot sign in, and their sessions have ended.",
        "vic can sign in again.",
    ]


async def test_a_notice_is_worded_from_the_account_not_the_link(browser_as):
    admin = await browser_as("root", Role.ADMIN)
    await browser_as("vic", Role.VIEWER)

    crafted = parse((await admin.get("/admin/users?changed=vic&change=disabled")).text)
    nobody = parse((await admin.get("/admin/users?changed=mallory&change=added")).text)

    assert crafted.find(role="status").text == "Saved: vic."  # vic is not disabled
    assert nobody.find_all(role="status") == []


async def test_each_users_buttons_name_the_user_for_a_screen_reader(browser_as):
    admin = await browser_as("root", Role.ADMIN)
    await browser_as("vic", Role.VIEWER)

    row = parse((await admin.get("/admin/users")).text).find("tr", data_user="vic")

    assert [button.attrs["aria-label"] for button in row.find_all("button")] == ["Set the role of vic", "Disable vic"]
