"""The admin pages' URLs as the browser reaches them: under the public path prefix (`root_path`), when one is set.

Handlers, forms' `next` fields and the pages' templates name paths from the gateway's root
(`/admin/issues`): routes match them, and `safe_next` checks them. What leaves for the browser goes
through one function, `gateway.public_prefix.public_path`, here bound to the request: every link,
asset, form action and panel URL of a template (`{{ url('/admin/issues') }}`), every redirect
(`redirect`) and every cookie's `Path` (`cookie_path`). Nothing rewrites a page after it is made.
"""

from __future__ import annotations

from typing import Any, Literal

from jinja2 import pass_context
from jinja2.runtime import Context
from litestar.connection import ASGIConnection
from litestar.response import Redirect

from gateway.api.request_services import services_of
from gateway.public_prefix import public_path

# Admin cookies go only to admin pages: the JSON API and the proxy never see them.
COOKIE_PATH = "/admin"


def root_path_of(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    """The public path prefix the browser reaches the gateway under ("" for none)."""
    root_path: str = services_of(connection).settings.root_path
    return root_path


def public(connection: ASGIConnection[Any, Any, Any, Any], path: str) -> str:
    """`path`, named from the gateway's root, as the browser reaches it."""
    return public_path(root_path_of(connection), path)


def redirect(
    connection: ASGIConnection[Any, Any, Any, Any], path: str, status_code: Literal[301, 302, 303] = 303
) -> Redirect:
    """A redirect to `path` (named from the gateway's root), sent with its public URL."""
    return Redirect(public(connection, path), status_code=status_code)


def cookie_path(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    """The `Path` of the admin cookies: the admin pages' public path."""
    return public(connection, COOKIE_PATH)


@pass_context
def template_url(context: Context, path: str) -> str:
    """The templates' `url(path)`: `path` under the `root_path` every page is rendered with."""
    root_path: str = context["root_path"]
    return public_path(root_path, path)
