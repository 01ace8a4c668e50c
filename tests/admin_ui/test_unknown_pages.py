"""An /admin address no page has: the admin layout's "Not found" page, whatever else lives under /admin."""

from __future__ import annotations

from html_page import parse

from gateway.accounts.records import Role


async def test_a_mistyped_admin_address_is_the_sites_not_found_page(browser_as):
    viewer = await browser_as("vic", Role.VIEWER)

    response = await viewer.get("/admin/issuez")

    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    page = parse(response.text)
    assert page.find("h1").text == "Not found"
    assert page.find("p", class_="error").text == "There is no admin page at /admin/issuez."
    assert page.find("main").find("a", href="/admin").text == "Back to the overview"


async def test_a_long_mistyped_address_is_quoted_shortened(browser_as):
    viewer = await browser_as("vic", Role.VIEWER)
    path = "/admin/" + "x" * 3000

    response = await viewer.get(path)

    assert response.status_code == 404
    said = parse(response.text).find("p", class_="error").text
    assert said == f"There is no admin page at {path[:60]}… (3,007 characters)."


async def test_the_pages_and_files_under_admin_still_answer(browser_as):
    viewer = await browser_as("vic", Role.VIEWER)

    pages = [await viewer.get(path) for path in ("/admin", "/admin/issues", "/admin/static/admin.css")]
    missing_file = await viewer.get("/admin/static/nope.css")
    unknown_issue = await viewer.get("/admin/issues/nope")

    assert [page.status_code for page in pages] == [200, 200, 200]
    assert missing_file.status_code == 404
    assert unknown_issue.status_code == 404 and "No issue with id nope." in unknown_issue.text


async def test_signed_out_a_mistyped_address_leads_to_signing_in(client):
    response = await client.get("/admin/issuez")

    assert response.status_code == 404
    assert parse(response.text).find("a", href="/admin/sign-in").text == "Sign in"


async def test_opening_a_forms_address_is_a_page_saying_so_not_the_apis_json(browser_as):
    # A refused goal form leaves /admin/goals in the address bar: pressing Enter there opens it.
    viewer = await browser_as("vic", Role.VIEWER)

    response = await viewer.get("/admin/goals")

    assert response.status_code == 405
    assert sorted(response.headers["allow"].split(", ")) == ["OPTIONS", "POST"]
    assert response.headers["content-type"].startswith("text/html")
    page = parse(response.text)
    assert page.find("h1").text == "No page at this address"
    assert "/admin/goals receives forms sent from the admin pages" in page.find("p", class_="error").text
    assert page.find("main").find("a", href="/admin").text == "Back to the overview"


async def test_the_api_keeps_its_json_405(client):
    response = await client.get("/api/erasures")

    assert response.status_code == 405
    assert response.json() == {
        "status_code": 405,
        "detail": "GET is not a method /api/erasures takes; it takes OPTIONS, POST",
    }


async def test_an_address_next_to_a_page_with_an_id_is_the_sites_not_found_page(browser_as):
    # /admin/review/{id} and /admin/reviews/{id} exist: the router matched their first part and answered
    # its JSON 404 before the admin pages' catch-all could (/admin/review is the queue's name misspelt).
    viewer = await browser_as("vic", Role.VIEWER)

    for path in ("/admin/review", "/admin/review/", "/admin/reviews/some-task/more", "/admin/issues/x/effect/y"):
        response = await viewer.get(path)

        assert response.status_code == 404, path
        assert response.headers["content-type"].startswith("text/html"), path
        page = parse(response.text)
        assert page.find("h1").text == "Not found", path
        assert page.find("main").find("a", href="/admin").text == "Back to the overview", path


async def test_the_api_keeps_its_json_404(client):
    response = await client.get("/api/issues/x/fixes/y/z")

    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/json")
