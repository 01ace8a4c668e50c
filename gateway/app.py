"""`create_app(settings)`: the gateway as one ASGI application."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from functools import cache, partial
from traceback import format_exc

from litestar import Litestar
from litestar.di import Provide
from litestar.enums import ScopeType
from litestar.exceptions import ClientException, MethodNotAllowedException, NotFoundException, ValidationException
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin, YamlRenderPlugin
from litestar.openapi.spec import Components
from litestar.types import LifeSpanReceive, LifeSpanSend, Receive, Scope, Send

from admin_ui.errors import method_not_allowed_page, no_page_here
from admin_ui.routes import ADMIN_ROUTE_HANDLERS
from gateway.api import head_requests, missing_v1, nul_urls, v1_not_found
from gateway.api.admin import undecodable_body_response
from gateway.api.audit import AuditController
from gateway.api.cors import FEEDBACK_PATHS, readable_by_the_calling_page, with_cors_headers
from gateway.api.database_outage import OUTAGE_TYPES, outage_response
from gateway.api.documented_errors import shared_error_components
from gateway.api.erasures import ErasuresController
from gateway.api.export import ExportController
from gateway.api.feedback import FeedbackController, feedback_preflight, submit_feedback
from gateway.api.feedback_schema import SECURITY_SCHEMES as FEEDBACK_SECURITY_SCHEMES
from gateway.api.fix_previews import IssuePreviewsController, PreviewsController
from gateway.api.framework_refusals import validation_response
from gateway.api.handler_signatures import parse_handler_signatures_once
from gateway.api.held_reviews import HELD_REVIEWS_PREFIX, held_answer_preflight, poll_held_answer
from gateway.api.interactions import InteractionsController
from gateway.api.issue_fixes import IssueFixesController
from gateway.api.issues import IssuesController
from gateway.api.knowledge import KnowledgeController
from gateway.api.method_not_allowed import method_not_allowed_response, with_admin_pages
from gateway.api.observability import ObservabilityController
from gateway.api.policy_note_json import OtherPolicyNoteSchemaPlugin
from gateway.api.prompts import PromptsController
from gateway.api.request_services import SERVICES, provide_services
from gateway.api.reviews import ReviewsController
from gateway.api.security_headers import with_security_headers
from gateway.api.sent_records import SentDataclassSchemaPlugin
from gateway.api.stats import StatsController
from gateway.api.unhandled import log_unhandled_error
from gateway.api.unknown_urls import not_found_response
from gateway.api.widget_script import serve_widget
from gateway.config import Settings
from gateway.observability.multiprocess import use_multiprocess_metrics
from gateway.public_prefix import strip_prefix
from gateway.request_ids import with_request_ids
from gateway.running import running_gateway
from gateway.services import Services


class FeedgateApp:
    """Sends `/v1/*` to the raw proxy and everything else to the Litestar API; runs the gateway's lifespan.

    The split keeps the framework's per-request work off the proxy's hot path. The Litestar API is the same
    for every gateway in the process (`shared_api`): this gateway's services reach its handlers in each
    request's scope (gateway.api.request_services).
    """

    # Set when the lifespan has started (opening them is the lifespan's work).
    _services: Services

    def __init__(
        self,
        api: Litestar,
        api_paths_under_v1: frozenset[str],
        api_prefixes_under_v1: tuple[str, ...] = (),
        *,
        running: Callable[[], AbstractAsyncContextManager[Services]],
        cors_paths: frozenset[str] = frozenset(),
        cors_origins: Sequence[str] = (),
        root_path: str = "",
    ) -> None:
        self.api = api
        # Opens the services and starts the background rounds for the lifespan (gateway.running).
        self._running = running
        # The public path prefix ("" for none), for the answers this class gives itself (gateway.api.nul_urls, v1_not_found).
        self._root_path = root_path
        self._api_paths_under_v1 = api_paths_under_v1
        self._api_prefixes_under_v1 = api_prefixes_under_v1
        # The paths browsers call cross-origin, and the origins allowed to read their answers.
        self._cors_paths = cors_paths
        self._cors_origins = tuple(cors_origins)

    @property
    def services(self) -> Services:
        """The running gateway's services (available once the lifespan has started)."""
        return self._services

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == ScopeType.HTTP:  # a str enum: equal to the plain "http" servers send
            path: str = scope["path"]
            if (
                path.startswith("/v1/")
                and path not in self._api_paths_under_v1
                and not path.startswith(self._api_prefixes_under_v1)
            ):
                # The proxy takes the scope as the plain dict a server sends (Litestar types it as a TypedDict).
                await self._services.proxy(scope, receive, send)  # type: ignore[arg-type]
                return
            # The proxy's own answers take their request id where they are made (gateway.proxy.relay).
            send = with_request_ids(with_security_headers(path, send))
            if path in self._cors_paths:
                # Before any answer below (the NUL refusal is one): every answer carries them alike.
                send = with_cors_headers(scope, send, self._cors_origins)
            elif path.startswith(self._api_prefixes_under_v1):
                # The API's answers under /v1 (a held answer's poll) are the gateway's own, authorised by the
                # app's key as the proxied call was: the page that sent it may read them, as the proxy's.
                send = readable_by_the_calling_page(scope, send)
            if nul_urls.holds_nul(scope):
                await nul_urls.refuse(scope, send, self._root_path)
                return
            if missing_v1.lacks_v1(path):
                await missing_v1.refuse(scope, send)
                return
            if v1_not_found.names_no_task(path):
                await v1_not_found.refuse(scope, send, self._root_path)
                return
            if head_requests.is_head(scope):
                scope, send = head_requests.as_get(scope, send)
        # Litestar's Scope type leaves the lifespan's out; servers send it here all the same.
        elif scope["type"] == "lifespan":  # type: ignore[comparison-overlap]
            await self._lifespan(receive, send)  # type: ignore[arg-type]
            return
        # A server's per-request copy of its lifespan state, or a dict of our own: Litestar keeps it as `connection.state`.
        scope.setdefault("state", {})[SERVICES] = self._services
        await self.api(scope, receive, send)

    async def _lifespan(self, receive: LifeSpanReceive, send: LifeSpanSend) -> None:
        """The ASGI lifespan, as Litestar runs its own: the shared API has none (no hooks, stores or listeners)."""
        await receive()  # lifespan.startup
        started = False
        try:
            async with self._running() as services:
                self._services = services
                await send({"type": "lifespan.startup.complete"})
                started = True
                await receive()  # lifespan.shutdown
        except BaseException:
            # The server shows the message (uvicorn logs it and exits), then the error itself is raised on.
            if started:
                await send({"type": "lifespan.shutdown.failed", "message": format_exc()})
            else:
                await send({"type": "lifespan.startup.failed", "message": format_exc()})
            raise
        await send({"type": "lifespan.shutdown.complete"})


class PrefixedFeedgateApp(FeedgateApp):
    """The gateway under a public path prefix (`root_path`), whether the proxy in front strips it or keeps it.

    A subclass, so a gateway without a prefix pays nothing for it on the proxy's path. Only the path
    coming in is changed: every URL going out is made public where it is made (gateway.public_prefix).
    """

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == ScopeType.HTTP:
            scope = strip_prefix(self._root_path, scope)
        await super().__call__(scope, receive, send)


def create_app(
    settings: Settings,
    environ: Mapping[str, str] | None = None,
    *,
    serving: bool = False,
    may_start_without_database: bool = False,
) -> FeedgateApp:
    """Build the gateway for `settings`; its lifespan opens and closes every resource.

    `serving` is for `feedgate serve`'s processes: once started, the garbage collector is tuned
    for serving (gateway.observability.collector), which a process that builds many apps must not do.
    `may_start_without_database`: see `open_services` (for `serve --workers N`'s workers).
    """
    if settings.metrics_dir is not None:
        # Before any metric exists in this process: its values go to files every process can read.
        use_multiprocess_metrics(settings.metrics_dir)
    running = partial(
        running_gateway, settings, environ, serving=serving, may_start_without_database=may_start_without_database
    )
    # With a trailing slash too: forwarded, a feedback post would reach the LLM provider with the
    # app's key and the end user's words.
    # Under a public path prefix the subclass takes it off the paths coming in; without one nothing is added.
    make = PrefixedFeedgateApp if settings.root_path else FeedgateApp
    return make(
        shared_api(),
        api_paths_under_v1=FEEDBACK_PATHS,
        api_prefixes_under_v1=(HELD_REVIEWS_PREFIX,),
        running=running,
        cors_paths=FEEDBACK_PATHS,
        cors_origins=settings.cors_origins,
        root_path=settings.root_path,
    )


@cache
def shared_api() -> Litestar:
    """The Litestar API, built on the first call in a process and shared by every gateway built after.

    Nothing in it depends on Settings (its routes, schema and error handlers are the same for every gateway)
    and it keeps nothing of a gateway's: each request brings its gateway's services (gateway.api.request_services).
    Building it is most of what `create_app` cost (deep copies of every handler, their signatures and models).
    """
    return build_api()


def build_api() -> Litestar:
    """A new Litestar API (`shared_api` keeps one per process)."""
    # Litestar parses every handler's signature for each app; ours are the same for every app (gateway.api.handler_signatures).
    parse_handler_signatures_once()
    return Litestar(
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
            # /metrics, /healthz and /readyz: no admin token (probes and scrapers).
            ObservabilityController,
            AuditController,
            ErasuresController,
            ExportController,
            ReviewsController,
            # The preflights first: otherwise Litestar adds its own OPTIONS handler for the path.
            feedback_preflight,
            submit_feedback,
            held_answer_preflight,
            poll_held_answer,
            # The browser feedback widget, /static/feedgate.js, joined from gateway/widget/ with this gateway's text
            # limit written in: the one file under /static (any other is the framework's 404, gateway.api.unknown_urls).
            serve_widget,
            # The admin pages under /admin (sign-in, sessions, CSRF, roles), and / leading there.
            *ADMIN_ROUTE_HANDLERS,
        ],
        dependencies={"services": Provide(provide_services, sync_to_thread=False)},
        # The schema as JSON (also at /schema itself) and YAML, and no documentation pages: Litestar's
        # load their scripts from CDNs (Redoc's unpinned), which would run with the admin pages' origin
        # and fail offline. Any OpenAPI viewer reads /schema/openapi.json.
        openapi_config=OpenAPIConfig(
            title="Feedgate",
            version="0.1.0",
            path="/schema",
            render_plugins=[JsonRenderPlugin(), YamlRenderPlugin()],
            # How /v1/feedback is authenticated: a browser's feedback token or an app's key.
            # And the admin API's error answers, one component per status (gateway.api.documented_errors).
            components=Components(security_schemes=FEEDBACK_SECURITY_SCHEMES, responses=shared_error_components()),
        ),
        # Every field of a dataclass the API sends is in the body: the schema says each is required.
        plugins=[SentDataclassSchemaPlugin(), OtherPolicyNoteSchemaPlugin()],
        debug=False,
        # Litestar would replace the root logger's handlers with its own; lines go through the one
        # handler `feedgate serve` sets up (gateway.observability.logs: JSON or text, interaction ids).
        logging_config=None,
        # With Litestar's logging off, its own 500 lines are gone too: this hook writes them.
        after_exception=[log_unhandled_error],
        # A database that is away: 503 with Retry-After (the proxy itself spools and answers on).
        # And a request body that is not there said as such (every route's, whatever its controller's handlers).
        exception_handlers={
            **dict.fromkeys(OUTAGE_TYPES, outage_response),
            ValidationException: validation_response,
            # Only a body that is not JSON is answered differently; other client errors as the framework does.
            ClientException: undecodable_body_response,
            MethodNotAllowedException: with_admin_pages(method_not_allowed_page, method_not_allowed_response),
            # An address beside a page's (/admin/review, /admin/reviews/{id}/x) is refused while routing.
            # Elsewhere an address no route has is most likely an OpenAI client's wrong base URL.
            NotFoundException: with_admin_pages(no_page_here, not_found_response),
        },
    )
