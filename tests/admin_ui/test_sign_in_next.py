"""Where signing in leads: only to an admin page of this site, however the target is spelt."""

from __future__ import annotations

import pytest

from admin_ui.session import safe_next


@pytest.mark.parametrize("target", ["/admin", "/admin/", "/admin/users?x=1", "/admin/issues/iss_1#events"])
def test_an_admin_page_is_kept(target: str):
    assert safe_next(target) == target


@pytest.mark.parametrize(
    "target",
    [
        "/admin/../api/export",  # a browser resolves the dot segments: /api/export
        "/admin/%2e%2e/api/export",  # and their percent-encoded spelling too
        "/admin/%2E%2e/%2e%2E/v1/models",
        "/admin/./../healthz",
        "/administrator",  # a path that merely starts with the same letters
        "/admin.evil/x",
        "//evil.test/x",
        "/admin\\..\\api",
        "https://evil.test/admin",
        "",
        None,
    ],
)
def test_anything_else_leads_to_the_admin_home(target: str | None):
    assert safe_next(target) == "/admin"
