"""Every answer of the admin pages and API carries the browser security headers, errors and static files too."""

from __future__ import annotations

import pytest

from gateway.api.security_headers import PERMISSIONS_POLICY

ADMIN_TOKEN_PATHS = ["/api/issues", "/api/no-such-thing"]
# (method, path, with the admin token): pages, their errors, static files, the API and its refusals.
ANSWERS = [
    ("GET", "/admin/sign-in", False),
    ("GET", "/admin/issues", False),  # signed out: sent to sign in
    ("GET", "/admin/no-such-page", False),
    ("POST", "/admin/sign-in", False),  # no CSRF token: an error page
    ("GET", "/admin/static/admin.css", False),
    ("GET", "/admin/static/no-such-file.js", False),
    ("GET", "/static/feedgate.js", False),
    ("GET", "/api/issues", True),
    ("GET", "/api/issues", False),  # 401
    ("GET", "/api/no-such-thing", True),
    ("DELETE", "/healthz", False),  # 405
    ("GET", "/healthz", False),
    ("GET", "/schema/openapi.json", False),
    ("GET", "/api/issues%00", True),  # the NUL refusal, before the framework
    ("GET", "/chat/completions", False),  # the missing-/v1 hint, before the framework
    ("POST", "/v1/feedback", False),
]


@pytest.mark.parametrize(("method", "path", "with_token"), ANSWERS)
async def test_every_answer_carries_the_browser_security_headers(client, admin_headers, method, path, with_token):
    response = await client.request(method, path, headers=admin_headers if with_token else {})

    headers = response.headers
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"
    assert headers["cross-origin-opener-policy"] == "same-origin"
    assert headers["cross-origin-resource-policy"] in {"same-origin", "cross-origin"}
    assert "camera=()" in headers["permissions-policy"]
    # Framed by nobody, and nothing runs from an answer that is not an admin page.
    assert "frame-ancestors 'none'" in headers["content-security-policy"]


@pytest.mark.parametrize("path", ["/admin/static/admin.css", "/api/issues", "/admin/sign-in"])
async def test_the_admin_side_is_readable_only_by_its_own_origin(client, admin_headers, path):
    response = await client.get(path, headers=admin_headers)

    assert response.headers["cross-origin-resource-policy"] == "same-origin"


async def test_the_feedback_widget_may_be_loaded_by_the_apps_pages(client):
    # Other sites load /static/feedgate.js with a <script> tag: same-origin would block it.
    response = await client.get("/static/feedgate.js")

    assert response.status_code == 200
    assert response.headers["cross-origin-resource-policy"] == "cross-origin"


async def test_an_admin_page_keeps_its_own_content_security_policy(client):
    response = await client.get("/admin/sign-in")

    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert response.headers.get_list("content-security-policy") == [policy]


# Features the current browsers recognise in a Permissions-Policy header: those Chromium 156 lists in
# document.featurePolicy.features() that give a page a device, a sensor or a payment. Firefox does
# not read the header; Chromium logs a warning on every page for a feature it does not know
# ("Unrecognized feature: 'bluetooth'", which the spec lists but no browser ships).
RECOGNISED_FEATURES = frozenset(
    {
        "accelerometer", "camera", "display-capture", "geolocation", "gyroscope", "hid", "magnetometer",
        "microphone", "midi", "payment", "serial", "usb",
    }
)  # fmt: skip


def policy_features(policy: str) -> set[str]:
    """The features a Permissions-Policy header value names."""
    return {directive.split("=")[0].strip() for directive in policy.split(",")}


def test_the_permissions_policy_names_only_features_browsers_recognise():
    assert policy_features(PERMISSIONS_POLICY) <= RECOGNISED_FEATURES
    # Each one is denied to every origin, the page's own included.
    assert all(directive.strip().endswith("=()") for directive in PERMISSIONS_POLICY.split(","))
