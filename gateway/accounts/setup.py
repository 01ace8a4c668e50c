"""The accounts service as the settings configure it."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.accounts.limits import SignInLimits
from gateway.accounts.service import AccountService
from gateway.config import Settings
from gateway.store.users import UserStore


def account_service(engine: AsyncEngine, settings: Settings) -> AccountService:
    """An AccountService on `engine` with the session and sign-in limits from `settings`."""
    return AccountService(
        UserStore(engine),
        session_lifetime=timedelta(hours=settings.admin_session_hours),
        idle_timeout=timedelta(minutes=settings.admin_session_idle_minutes),
        limits=SignInLimits(
            per_user=settings.admin_sign_in_failures_per_user,
            per_address=settings.admin_sign_in_failures_per_address,
            window=timedelta(minutes=settings.admin_sign_in_window_minutes),
        ),
    )
