"""`create_app(settings)`: the gateway as one ASGI application."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from litestar import Litestar
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig
from litestar.static_files import create_static_files_router

from admin_ui.routes import ADMIN_ROUTE_HANDLERS
from gateway.api.audit import AuditController
from gateway.api.feedback import FEEDBACK_PATH, FeedbackController, feedback_preflight, submit_feedback
from gateway.api.held_reviews import HELD_REVIEWS_PREFIX, poll_held_answer
from gateway.api.interactions import InteractionsController
from gateway.api.fix_previews import IssuePreviewsController, PreviewsController
from gateway.api.issue_fixes import IssueFixesController
from gateway.api.issues import IssuesController
from gateway.api.knowledge import KnowledgeController
from gateway.api.prompts import PromptsController
from gateway.api.reviews import ReviewsController
from gateway.api.stats import StatsController
from gateway.config import Settings
from gateway.services import Services, open_services

STATIC_DIRECTORY = Path(__file__).parent / "static"


class FeedgateApp:
    """Sends `/v1/*` to the raw proxy and everything else to the Litestar API.

    The split keeps the framework's per-request work off the proxy's hot path.
    """

    def __init__(
        self, api: Litestar, api_paths_under_v1: frozenset[str], api_prefixes_under_v1: tuple[str, ...] = ()
    ) -> None:
        self.api = api
        self._api_paths_under_v1 = api_paths_under_v1
        self._api_prefixes_under_v1 = api_prefixes_under_v1

    @property
    def services(self) -> Services:
        """The running gateway's services (available once the lifespan has started)."""
        return self.api.state.services

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            path: str = scope["path"]
            if (
                path.startswith("/v1/")
                and path not in self._api_paths_under_v1
                and not path.startswith(self._api_prefixes_under_v1)
            ):
                await self.api.state.services.proxy(scope, receive, send)
                return
        await self.api(scope, receive, send)


def start_background_clustering(services: Services, environ: Mapping[str, str]) -> asyncio.Task[None] | None:
    """With `cluster_interval` set, run clustering passes in the background (the heavy work in threads)."""
    if not services.settings.cluster_interval:
        return None
    from gateway.discovery.schedule import embedder_for, run_periodically, titler_for

    settings = services.settings
    return asyncio.create_task(
        run_periodically(
            services.engine,
            settings,
            embedder_for(settings, environ),
            settings.cluster_interval,
            titler=titler_for(settings, environ),
        ),
        name="feedgate-clustering",
    )


def create_app(settings: Settings, environ: Mapping[str, str] | None = None) -> FeedgateApp:
    """Build the gateway for `settings`; its lifespan opens and closes every resource."""

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        services = await open_services(settings, environ)
        app.state.services = services
        clustering = start_background_clustering(services, os.environ if environ is None else environ)
        try:
            yield
        finally:
            if clustering is not None:
                clustering.cancel()
                await asyncio.gather(clustering, return_exceptions=True)
            await services.close()

    def provide_services() -> Services:
        return api.state.services

    api = Litestar(
        route_handlers=[
            InteractionsController,
            FeedbackController,
            StatsController,
            IssuesController,
            IssueFixesController,
            IssuePreviewsController,
            PreviewsController,
            PromptsController,
            KnowledgeController,
            AuditController,
            ReviewsController,
            # The preflight first: otherwise Litestar adds its own OPTIONS handler for the path.
            feedback_preflight,
            submit_feedback,
            poll_held_answer,
            # The browser feedback widget, /static/feedgate.js.
            create_static_files_router(path="/static", directories=[STATIC_DIRECTORY]),
            # The admin pages under /admin (sign-in, sessions, CSRF, roles), and / leading there.
            *ADMIN_ROUTE_HANDLERS,
        ],
        lifespan=[lifespan],
        dependencies={"services": Provide(provide_services, sync_to_thread=False)},
        openapi_config=OpenAPIConfig(title="Feedgate", version="0.1.0", path="/schema"),
        debug=False,
    )
    return FeedgateApp(
        api, api_paths_under_v1=frozenset({FEEDBACK_PATH}), api_prefixes_under_v1=(HELD_REVIEWS_PREFIX,)
    )
