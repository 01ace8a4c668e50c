"""Settings of the admin pages' sign-in: how long a session lasts, and when sign-ins are refused."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, Field

from gateway.config_checks import MAX_HOURS, MAX_MINUTES, http_header_name


class AdminSettings(BaseModel):
    """Sessions and sign-in limits of the admin pages."""

    # Admin pages (admin_ui/): a session lasts at most `admin_session_hours`, and ends sooner when
    # unused for `admin_session_idle_minutes`. Sign-ins are refused for a while after
    # `admin_sign_in_failures_per_user` failures on one user name, or
    # `admin_sign_in_failures_per_address` from one address, within `admin_sign_in_window_minutes`.
    admin_session_hours: float = Field(default=12, gt=0, le=MAX_HOURS)
    admin_session_idle_minutes: float = Field(default=120, gt=0, le=MAX_MINUTES)
    admin_sign_in_failures_per_user: int = Field(default=5, ge=1)
    admin_sign_in_failures_per_address: int = Field(default=20, ge=1)
    admin_sign_in_window_minutes: float = Field(default=15, gt=0, le=MAX_MINUTES)
    # The admin API's bearer token: wrong ones from one address, at most this many a minute (a burst of
    # as many), counted where rate_limit_scope says; past it, every try answers 429 until the allowance
    # refills, the right token too, so guessing gains nothing. 0: no limit.
    admin_token_failures_per_minute: int = Field(default=10, ge=0)
    # Behind a reverse proxy every browser comes from the proxy's address: name the header carrying the
    # browser's, or one browser's failures lock out everyone. Its entries are read from the right, past every
    # trusted proxy's (trusted_proxies): the first that is no trusted proxy's is the browser's.
    admin_client_address_header: Annotated[str | None, AfterValidator(http_header_name)] = None
    # The pages are reached over https, with TLS ending at a proxy in front (the gateway itself then
    # sees http): session cookies get the Secure flag and pages send Strict-Transport-Security.
    admin_https: bool = False
