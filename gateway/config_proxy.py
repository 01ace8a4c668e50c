"""Settings for a gateway behind a reverse proxy: the public path prefix."""

from __future__ import annotations

from pydantic import BaseModel, field_validator

# The first path segments the gateway serves itself: a prefix starting with one would shadow them.
_OWN_SEGMENTS = frozenset({"v1", "admin", "api", "static", "schema", "metrics", "healthz", "readyz"})


class ReverseProxySettings(BaseModel):
    """Where the public reaches the gateway through a proxy."""

    # The path the public reaches Feedgate under, e.g. "/feedgate" for https://tools.example.com/feedgate/
    # ("" for none). A request under it (a proxy that keeps the prefix) is served as one without it (a
    # proxy that strips it); every URL the gateway hands out (the admin pages' links, redirects and
    # cookies, a held answer's poll URL) carries it.
    root_path: str = ""

    @field_validator("root_path")
    @classmethod
    def _checked_root_path(cls, value: str) -> str:
        path = value.strip().rstrip("/")
        if not path:
            return ""
        segments = path.split("/")
        if (
            not path.startswith("/")
            or any(not segment or segment in (".", "..") for segment in segments[1:])
            or any(character in path for character in "?#%\\ \"'<>")
        ):
            raise ValueError(f"{value!r} is not a URL path: write the public prefix as /name, e.g. /feedgate")
        if segments[1] in _OWN_SEGMENTS:
            raise ValueError(f"{value!r} starts with /{segments[1]}, a path the gateway serves itself: pick another")
        return path
