"""Each of this project's handler functions has its signature parsed once per process, not once per app.

Litestar parses every handler's signature when an app registers it (inspect.signature, then `eval` of each
string annotation: `from __future__ import annotations` makes them all strings), on its own copy of the
handler, so every `create_app` parsed all of them again: a third of building the app (benchmarks/app_construction.py).
The result depends on nothing but the function, whether it is bound (`self` is left out) and the signature
namespace its layers give, none of which depends on Settings; it is a frozen dataclass nothing changes once
made, so apps can share it. Litestar has no setting for this, hence the wrapper around `ParsedSignature.from_fn`,
which every handler's (and dependency's) parsing goes through.

Only functions defined at module level in gateway/ and admin_ui/ are kept: one made per app (a closure,
Litestar's own OPTIONS handlers) would be kept alive by the cache and never asked for again.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from litestar.utils.signature import ParsedSignature

OUR_PACKAGES = ("gateway.", "admin_ui.")

# (function, bound) -> each signature namespace it was parsed with, and what that gave.
_PARSED: dict[tuple[Any, bool], list[tuple[dict[str, Any], ParsedSignature]]] = {}
# Litestar's own, unbound from its classmethod.
_parse: Callable[[type[ParsedSignature], Any, dict[str, Any]], ParsedSignature] = ParsedSignature.__dict__[
    "from_fn"
].__func__


def _from_fn(cls: type[ParsedSignature], fn: Any, signature_namespace: dict[str, Any]) -> ParsedSignature:
    function = getattr(fn, "__func__", fn)
    if not _kept(function):
        return _parse(cls, fn, signature_namespace)
    parsed_before = _PARSED.setdefault((function, inspect.ismethod(fn)), [])
    for namespace, parsed in parsed_before:
        # Equal dicts: the same names for the same objects (types compare by identity).
        if namespace == signature_namespace:
            return parsed
    parsed = _parse(cls, fn, signature_namespace)
    parsed_before.append((dict(signature_namespace), parsed))
    return parsed


def _kept(function: Any) -> bool:
    module = getattr(function, "__module__", None) or ""
    qualname = getattr(function, "__qualname__", None) or ""
    return module.startswith(OUR_PACKAGES) and bool(qualname) and "<locals>" not in qualname


def parse_handler_signatures_once() -> None:
    """From now on in this process, a handler function of ours is parsed on its first registration alone."""
    if ParsedSignature.__dict__["from_fn"].__func__ is not _from_fn:
        ParsedSignature.from_fn = classmethod(_from_fn)  # type: ignore[method-assign,assignment]
