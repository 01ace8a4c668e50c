"""The Prompts list's one filter is its app (`?app=`, nothing else in its URL), and a version's and a diff's pages,
reached only from that app's list, lead back to it: the list as it was, with no `back` to carry."""

from __future__ import annotations

from html_page import parse
from test_list_back_pages import crumb

from gateway.accounts.records import Role


async def test_a_versions_and_a_diffs_pages_lead_back_to_their_apps_list(browser_as, gateway):
    service = gateway.services.prompts.service
    await service.publish("bank", "Be brief.", "one", "test")
    await service.publish("shop app", "Be brief.\n", "one", "test")
    await service.publish("shop app", "Be kind.\n", "two", "test")
    viewer = await browser_as("vic", Role.VIEWER)

    listing = parse((await viewer.get("/admin/prompts?app=shop+app")).text)
    version = await viewer.get(listing.find("a", data_testid="version-link").attrs["href"])
    diff = await viewer.get(listing.find("a", data_testid="diff-link").attrs["href"])

    assert [crumb(version.text), crumb(diff.text)] == ["/admin/prompts?app=shop%20app"] * 2
