"""URLs from the settings as logs and error messages show them: without the credentials a URL may carry.

An upstream behind basic auth has its user and password in its URL, some APIs take their key in the
query (`?key=…`), and a webhook's path is often its secret (`https://hooks.slack.com/services/…`). A log
or a terminal keeps what it is shown, so these are left out, as `database_url`'s password is.
"""

from __future__ import annotations

import re

HIDDEN = "…"
# What a URL that seems to carry a password, but cannot be read, is shown as after its scheme.
UNREADABLE = "… (an unreadable URL, not shown: percent-encode / ? # @ in a password)"
# A URL's authority that begins with a user and a password: a user (no bracket: `[::1]:8080` is an IPv6 host,
# `host[:port]` a pattern in a message), then a colon and what is no port number.
_USER_AND_PASSWORD = re.compile(r"[^:@\[\]]*:(?!\d*$)")
# A URL inside a longer text, such as a client library's account of a failure: up to a space or a quote.
_URL_IN_TEXT = re.compile(r"\b[a-z][a-z0-9+.-]*://[^\s'\"<>]+", re.IGNORECASE)
# A URL in a text whose password is to be hidden: up to a space (a password may hold a quote).
_URL_TO_SPACE = re.compile(r"\b[a-z][a-z0-9+.-]*://\S+", re.IGNORECASE)


def url_credentials_end(rest: str) -> int | None:
    """Where the user and password end in `rest` (a URL after its `://`): their `@`'s index; None when there
    are none; -1 when there seem to be (`user:pass…` is no host and port) but no `@` ends them.

    They end at the last `@`, not at the first `/`, `?` or `#` as RFC 3986 reads it: a password holding
    one of those unescaped was cut there, and its first piece shown as the host, the rest as the path.
    (An `@` in the path of a URL with a password then hides its host too: better hidden than shown.)
    """
    authority = re.split(r"[/?#]", rest, maxsplit=1)[0]
    if "@" not in authority and not _USER_AND_PASSWORD.match(authority):
        return None
    return rest.rfind("@")


def _parts(url: str) -> tuple[str, str, str, str] | None:
    """The scheme with its `://`, the host (and port) without any user or password, the path, and the query;
    None for a URL that seems to carry a password but cannot be read."""
    scheme, separator, rest = url.partition("://")
    if not separator:  # no scheme (a refused setting): all of it is read as the host and path
        scheme, rest = "", url
    end = url_credentials_end(rest)
    if end == -1:
        return None
    shown_host = ""
    if end is not None:
        # "***@" only for credentials there are: "@host" alone (an empty user) shows as it is.
        shown_host, rest = ("***@" if end else "@"), rest[end + 1 :]
    rest = rest.split("#", 1)[0]
    location, _, query = rest.partition("?")
    host, slash, path = location.partition("/")
    return scheme + separator, shown_host + host, slash + path, query


def shown_url(url: str) -> str:
    """`url` with its user and password as `***` and its query's values as `…` (the names stay, to say which);
    a URL with a password that cannot be read is shown as its scheme and UNREADABLE."""
    parts = _parts(url)
    if parts is None:
        return url.partition("://")[0] + "://" + UNREADABLE
    scheme, host, path, query = parts
    # An item without "=" has no name to show: it may be a key given bare ("?sk-…").
    items = [f"{pair.partition('=')[0]}={HIDDEN}" if "=" in pair else HIDDEN for pair in query.split("&") if pair]
    return f"{scheme}{host}{path}" + ("?" + "&".join(items) if items else "")


def url_origin(url: str) -> str:
    """A URL's scheme and host (and port) alone, without any user or password (a webhook's, as records keep it)."""
    parts = _parts(url)
    if parts is None:
        return url.partition("://")[0] + "://" + HIDDEN
    scheme, host, _, _ = parts
    return f"{scheme}{host.rpartition('@')[2]}"


def shown_webhook_url(url: str) -> str:
    """A webhook's URL as its origin, then `/…` when it has more (its path is often its secret)."""
    _, _, path, query = _parts(url) or ("", "", "", "")
    return url_origin(url) + ("/" + HIDDEN if path.strip("/") or query else "")


def without_webhook_secret(text: str, url: str) -> str:
    """`text` (an error's words) with `url` shown as `shown_webhook_url` and its path, query and password as `…`."""
    _, _, path, query = _parts(url) or ("", "", "", "")
    rest = url.partition("://")[2]
    end = url_credentials_end(rest)
    # Unreadable (-1): all of it after the scheme may be the password.
    password = "" if end is None else rest if end == -1 else rest[:end].partition(":")[2]
    # The longest first, so a part inside a longer one leaves nothing of it behind.
    secrets = [path + "?" + query if query else "", path if path.strip("/") else "", query, password]
    text = text.replace(url, shown_webhook_url(url))
    for secret in sorted(filter(None, secrets), key=len, reverse=True):
        text = text.replace(secret, HIDDEN)
    return text


def with_urls_shown(text: str) -> str:
    """`text` with every URL in it as `shown_url` shows it (no user or password, no query values)."""
    return _URL_IN_TEXT.sub(lambda found: shown_url(found.group()), text)


def without_url_passwords(text: str) -> str:
    """`text` with the password of every URL in it replaced by ***, and all of a URL that seems to carry a
    password but cannot be read (after its scheme) by UNREADABLE."""
    return _URL_TO_SPACE.sub(lambda found: _without_password(found.group()), text)


def _without_password(url: str) -> str:
    scheme, _, rest = url.partition("://")
    end = url_credentials_end(rest)
    if end is None:
        return url
    if end == -1:
        return f"{scheme}://{UNREADABLE}"
    user, colon, _ = rest[:end].partition(":")
    return f"{scheme}://{user}{':***' if colon else ''}@{rest[end + 1 :]}"
