"""The admin pages' navigation: what the top bar lists, and which role each entry needs."""

from __future__ import annotations

from dataclasses import dataclass

from gateway.accounts.records import Role, SignedInUser
from gateway.export.access import EXPORT_ROLE


@dataclass(frozen=True, slots=True)
class NavItem:
    """One entry of the top bar."""

    label: str
    path: str
    # The least role that may open the page (the page's own guard is what enforces it).
    needs: Role = Role.VIEWER


NAVIGATION: tuple[NavItem, ...] = (
    NavItem("Overview", "/admin"),
    NavItem("Issues", "/admin/issues"),
    NavItem("Review queue", "/admin/reviews"),
    NavItem("Interactions", "/admin/interactions"),
    NavItem("Knowledge", "/admin/knowledge"),
    NavItem("Prompts", "/admin/prompts"),
    NavItem("Export", "/admin/export", needs=EXPORT_ROLE),
    NavItem("Users", "/admin/users", needs=Role.ADMIN),
)


@dataclass(frozen=True, slots=True)
class NavLink:
    """A nav entry as rendered for one request."""

    label: str
    path: str
    current: bool


def navigation_for(user: SignedInUser | None, path: str) -> list[NavLink]:
    """The entries `user` may open, the one `path` is under marked current."""
    if user is None:
        return []
    path = path.rstrip("/") or "/"
    links = []
    for item in NAVIGATION:
        if not user.allows(item.needs):
            continue
        current = path == item.path if item.path == "/admin" else path == item.path or path.startswith(item.path + "/")
        links.append(NavLink(item.label, item.path, current))
    return links
