"""The checks across settings, run on the settings that passed even when others were refused, so all come at once.

pydantic runs a model's own validators only once every field has passed: a refused port hid a review webhook
without its secret, which the operator heard of only after fixing the port and starting again. Settings
(gateway.config) runs these checks itself, in a wrap validator: on the whole settings, or, when some settings are
refused, on the others with the refused ones left at their defaults. A check that read a refused setting there is
left out, as it would judge a default the operator did not write (a refused trusted_proxies read as none); what
each check read is recorded as it runs, so no list of its reads can drift from its code.

The retrain webhook's check reads the environment as well (its secret is a variable a setting names), which is
the loader's: `load_settings` passes it, with where each value came from, through `loading()`.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from pydantic import ValidationError
from pydantic_core import InitErrorDetails, PydanticCustomError

from gateway.config_checks import refused
from gateway.config_refusals import SettingOrigins
from gateway.url_text import url_origin

if TYPE_CHECKING:
    from gateway.config import Settings

# A setting's location and why it is refused, as `refused` (gateway.config_checks) takes them.
Refusal = tuple[tuple[str | int, ...], str]


@dataclass(frozen=True)
class Loading:
    """What settings being built are judged with beyond their values.

    `origins`: where each value came from, so a refusal names where to change it; `environ`: the environment the
    retrain webhook's secret is read from (None: not checked, as for settings built in code, whose services are
    opened with an environment of their own).
    """

    origins: SettingOrigins = field(default_factory=SettingOrigins)
    environ: Mapping[str, str] | None = None


# pydantic has no context for a model's __init__ (its docs suggest a context variable for one): set by the loader.
_LOADING: ContextVar[Loading | None] = ContextVar("feedgate_settings_loading", default=None)


@contextmanager
def loading(judged_with: Loading) -> Iterator[None]:
    """Settings built inside are judged with `judged_with` (unless an outer loader set one already)."""
    token = _LOADING.set(_LOADING.get() or judged_with)
    try:
        yield
    finally:
        _LOADING.reset(token)


def current_loading() -> Loading:
    """What the settings being built now are judged with (nothing beyond their values, outside `loading`)."""
    return _LOADING.get() or Loading()


class _Reading:
    """Settings as a check sees them, noting each name it reads."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self.read: set[str] = set()

    def __getattr__(self, name: str) -> Any:
        self.read.add(name)
        return getattr(self._settings, name)


def refusals_across(settings: Settings, judged_with: Loading, refused_names: Collection[str] = ()) -> list[Refusal]:
    """Every refusal of the checks across settings on `settings`, but those of a check that read a refused setting."""
    found = []
    for check in _CHECKS:
        reading = _Reading(settings)
        refusals = check(cast("Settings", reading), judged_with)
        if not reading.read.intersection(refused_names):
            found += refusals
    return found


def joined(first: ValidationError, then: list[Refusal]) -> ValidationError:
    """One ValidationError with `first`'s errors (their words kept) followed by a refusal for each of `then`."""
    errors = [*first.errors(include_url=False), *refused(*then).errors(include_url=False)]
    details = [
        InitErrorDetails(type=PydanticCustomError(error["type"], error["msg"]), loc=error["loc"], input=error["input"])
        for error in errors
    ]
    return ValidationError.from_exception_data(first.title, details)


def _address_headers(settings: Settings, judged_with: Loading) -> list[Refusal]:
    # A client-address header believed from anyone lets any sender name itself anew on every request.
    reason = (
        f"a client-address header is read only from the proxies trusted_proxies "
        f"({judged_with.origins.origin('trusted_proxies')}) lists: set trusted_proxies to your reverse proxies' "
        "addresses (e.g. 10.0.0.5 or 10.0.0.0/8)"
    )
    return [
        ((name,), reason)
        for name in ("admin_client_address_header", "feedback_client_address_header")
        if getattr(settings, name) is not None and not settings.trusted_proxies
    ]


def inherited_key_elsewhere(
    side_call: str, url: str | None, home: str, home_url: str, key_env: str | None
) -> str | None:
    """Why side call `side_call` at `url` may not be sent the key it inherits (`key_env`, `home`'s); None when it may."""
    if url is None or url_origin(url).lower() == url_origin(home_url).lower():
        return None
    # An empty FEEDGATE_ variable is refused (refuse_empty_key_variables): "" for no key is said in the config file.
    # Said under this setting's own name (`{side_call}_api_key_env (FEEDGATE_…): …`): "this", not its name again.
    return (
        f"{side_call}_url is at another host than {home}'s, whose key ({key_env}) it would be sent: "
        f'set this to the variable holding the key for {side_call}_url, or to "" for none (in the config file; '
        "an empty variable is refused)"
    )


# An inherited key went to whatever host a side call's URL named: a side call elsewhere names its own.
def _merge_judge_key(settings: Settings, _judged_with: Loading) -> list[Refusal]:
    if not settings.merge_judge_model or settings.merge_judge_api_key_env is not None:
        return []
    title_url = settings.title_url or settings.upstream_url
    reason = inherited_key_elsewhere(
        "merge_judge", settings.merge_judge_url, "the title model", title_url, settings.title_api_key_env
    )
    return [(("merge_judge_api_key_env",), reason)] if reason else []


def _title_key(settings: Settings, _judged_with: Loading) -> list[Refusal]:
    judge_inherits_titles = settings.merge_judge_url is None and settings.merge_judge_api_key_env is None
    titles_called = settings.title_model or (settings.merge_judge_model and judge_inherits_titles)
    # Read before asking whether it was given, so a refused title_api_key_env counts as read.
    key_env = settings.title_api_key_env
    if not titles_called or "title_api_key_env" in settings.model_fields_set:
        return []
    reason = inherited_key_elsewhere(
        "title", settings.title_url, "the default upstream", settings.upstream_url, key_env
    )
    return [(("title_api_key_env",), reason)] if reason else []


def _embedding_key(settings: Settings, _judged_with: Loading) -> list[Refusal]:
    key_env = settings.embedding_api_key_env
    if "embedding_api_key_env" in settings.model_fields_set:
        return []
    reason = inherited_key_elsewhere(
        "embedding", settings.embedding_url, "the default upstream", settings.upstream_url, key_env
    )
    return [(("embedding_api_key_env",), reason)] if reason else []


def _review_webhook(settings: Settings, judged_with: Loading) -> list[Refusal]:
    # Its notices are signed with the secret: unsigned, a receiver could not tell them from anyone's.
    if not settings.review_webhook_url or settings.review_webhook_secret:
        return []
    secret = judged_with.origins.origin("review_webhook_secret")
    return [
        (
            ("review_webhook_url",),
            f"its notices are signed with review_webhook_secret ({secret}), which is not set: set it, or unset this",
        )
    ]


def _retrain_webhook(settings: Settings, judged_with: Loading) -> list[Refusal]:
    # Its secret is an environment variable of its own, named by a setting: judged only with the loader's
    # environment, as the services read it from the environment they are opened with (open_services).
    environ = judged_with.environ
    if environ is None or not settings.retrain_webhook_url:
        return []
    secret_env = settings.retrain_webhook_secret_env
    if secret_env and environ.get(secret_env):
        return []
    if not secret_env:
        reason = "its notices are signed with a secret, and retrain_webhook_secret_env names no variable holding it"
        return [(("retrain_webhook_url",), f"{reason}: name one there and set it, or unset this")]
    return [
        (
            ("retrain_webhook_url",),
            f"its notices are signed with the secret in the environment variable {secret_env} (named by "
            "retrain_webhook_secret_env), which is not set: set it, or unset this",
        )
    ]


_CHECKS: tuple[Callable[[Settings, Loading], list[Refusal]], ...] = (
    _address_headers,
    _merge_judge_key,
    _title_key,
    _embedding_key,
    _review_webhook,
    _retrain_webhook,
)
