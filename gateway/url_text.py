"""URLs from the settings as logs and error messages show them: without the credentials a URL may carry.

An upstream behind basic auth has its user and password in its URL, some APIs take their key in the
query (`?key=…`), and a webhook's path is often its secret (`https://hooks.slack.com/services/…`). A log
or a terminal keeps what it is shown, so these are left out, as `database_url`'s password is.
"""

from __future__ import annotations

import re

HIDDEN = "…"
# A URL's password (scheme://user:password@host) inside a longer text, such as a validation message.
_URL_PASSWORD = re.compile(r"(\b[a-z][a-z0-9+.-]*://[^:/?#@\s]*:)[^/?#\s]*@", re.IGNORECASE)


def _parts(url: str) -> tuple[str, str, str, str]:
    """The scheme with its `://`, the host (and port) without any user or password, the path, and the query."""
    scheme, separator, rest = url.partition("://")
    if not separator:  # no scheme (a refused setting): all of it is read as the host and path
        scheme, rest = "", url
    rest = rest.split("#", 1)[0]
    location, _, query = rest.partition("?")
    authority, slash, path = location.partition("/")
    credentials, at, host = authority.rpartition("@")
    shown_host = f"***@{host}" if at and credentials else host
    return scheme + separator, shown_host, slash + path, query


def shown_url(url: str) -> str:
    """`url` with its user and password as `***` and its query's values as `…` (the names stay, to say which)."""
    scheme, host, path, query = _parts(url)
    # An item without "=" has no name to show: it may be a key given bare ("?sk-…").
    items = [f"{pair.partition('=')[0]}={HIDDEN}" if "=" in pair else HIDDEN for pair in query.split("&") if pair]
    return f"{scheme}{host}{path}" + ("?" + "&".join(items) if items else "")


def url_origin(url: str) -> str:
    """A URL's scheme and host (and port) alone, without any user or password (a webhook's, as records keep it)."""
    scheme, host, _, _ = _parts(url)
    return f"{scheme}{host.rpartition('@')[2]}"


def shown_webhook_url(url: str) -> str:
    """A webhook's URL as its origin, then `/…` when it has more (its path is often its secret)."""
    _, _, path, query = _parts(url)
    return url_origin(url) + ("/" + HIDDEN if path.strip("/") or query else "")


def without_webhook_secret(text: str, url: str) -> str:
    """`text` (an error's words) with `url` shown as `shown_webhook_url` and its path, query and password as `…`."""
    _, _, path, query = _parts(url)
    credentials = url.partition("://")[2].split("/", 1)[0].rpartition("@")[0]
    password = credentials.partition(":")[2]
    # The longest first, so a part inside a longer one leaves nothing of it behind.
    secrets = [path + "?" + query if query else "", path if path.strip("/") else "", query, password]
    text = text.replace(url, shown_webhook_url(url))
    for secret in sorted(filter(None, secrets), key=len, reverse=True):
        text = text.replace(secret, HIDDEN)
    return text


# A URL inside a longer text, such as a client library's account of a failure: up to a space or a quote.
_URL_IN_TEXT = re.compile(r"\b[a-z][a-z0-9+.-]*://[^\s'\"<>]+", re.IGNORECASE)


def with_urls_shown(text: str) -> str:
    """`text` with every URL in it as `shown_url` shows it (no user or password, no query values)."""
    return _URL_IN_TEXT.sub(lambda found: shown_url(found.group()), text)


def without_url_passwords(text: str) -> str:
    """`text` with the password of every URL in it replaced by ***."""
    return _URL_PASSWORD.sub(r"\1***@", text)
