"""The FastAPI app: ``create_app(settings | engine)``. Versioned under /v1; OpenAPI at
/docs and /openapi.json; /healthz, /readyz and /metrics stay open, everything else needs
a key when keys are configured."""

from __future__ import annotations

import logging
import time
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Depends, FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from docnav import __version__
from docnav.engine import Engine
from docnav.serving import (
    api_ask,
    api_documents,
    api_facts,
    api_health,
    api_jobs,
    api_openai,
    api_search,
)
from docnav.serving.docs_ui import install_docs
from docnav.serving.errors import error_response, install_handlers
from docnav.serving.logs import new_request_id, request_id_var, setup_logging
from docnav.serving.service import Service
from docnav.serving.strict_query import reject_unknown_query
from docnav.settings import Settings

log = logging.getLogger("docnav.serving")
_bearer = HTTPBearer(auto_error=False, description="An API key from DOCNAV_API_KEYS")
SMALL_BODY = 1 << 20  # JSON requests: a question or a search is far below 1 MB


def _require_key(
    request: Request, _: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> None:
    request.app.state.service.authorize(request)


class _TooLarge(StarletteHTTPException):
    def __init__(self, limit: int) -> None:
        # an HTTPException so FastAPI's body parsing passes it through instead of a 400
        super().__init__(413, f"request body is over the limit of {limit / 1e6:.1f} MB")


class RequestMiddleware:
    """Request id (X-Request-ID in and out), body size limit, access log, HTTP metrics."""

    def __init__(self, app: ASGIApp, service: Service) -> None:
        self.app = app
        self.svc = service
        s = service.settings
        self.upload_limit = int(s.upload_max_mb * 1e6 * max(1, s.upload_max_files)) + SMALL_BODY

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        rid = new_request_id(headers.get(b"x-request-id", b"").decode("latin-1"))
        token = request_id_var.set(rid)
        t0 = time.perf_counter()
        state = {"status": 500, "first_byte": None}
        upload = scope["method"] == "POST" and scope["path"].rstrip("/") == "/v1/documents"
        limit = self.upload_limit if upload else SMALL_BODY
        seen = 0

        async def counted_receive() -> Message:
            nonlocal seen
            msg = await receive()
            if msg["type"] == "http.request":
                seen += len(msg.get("body", b""))
                if seen > limit:
                    raise _TooLarge(limit)
            return msg

        async def send_with_id(msg: Message) -> None:
            if msg["type"] == "http.response.start":
                state["status"] = msg["status"]
                state["first_byte"] = time.perf_counter() - t0
                msg["headers"] = [*msg.get("headers", []), (b"x-request-id", rid.encode())]
            await send(msg)

        try:
            declared = int(headers.get(b"content-length", b"0") or 0)
        except ValueError:
            declared = 0
        try:
            if declared > limit:  # refuse before reading a byte
                await error_response(
                    413, "too_large", f"request body is over the limit of {limit / 1e6:.1f} MB"
                )(scope, receive, send_with_id)
            else:
                await self.app(scope, counted_receive, send_with_id)
        except Exception:
            # answered here rather than by Starlette's outer handler, so the 500 carries the
            # request id (header and body) and the traceback stays in the log
            log.exception("unhandled error on %s %s", scope["method"], scope["path"])
            if state["first_byte"] is not None:
                raise
            self.svc.metrics.errors.labels("internal").inc()
            await error_response(
                500, "internal", "internal error; the request id is in the server log"
            )(scope, receive, send_with_id)
        finally:
            route = getattr(scope.get("route"), "path", None) or "unmatched"
            secs = (
                state["first_byte"] if state["first_byte"] is not None else time.perf_counter() - t0
            )
            m = self.svc.metrics
            m.requests.labels(scope["method"], route, str(state["status"])).inc()
            m.latency.labels(scope["method"], route).observe(secs)
            if route not in ("/healthz", "/metrics", "/readyz"):
                log.info(
                    "%s %s %s %.1fms",
                    scope["method"],
                    scope["path"],
                    state["status"],
                    1000 * secs,
                    extra={
                        "method": scope["method"],
                        "path": scope["path"],
                        "status": state["status"],
                        "ms": round(1000 * secs, 1),
                    },
                )
            request_id_var.reset(token)


def create_app(config: Settings | Engine | None = None) -> FastAPI:
    """The app over one Engine (the same object the CLI drives)."""
    engine = config if isinstance(config, Engine) else Engine(config)
    svc = Service(engine)
    s = svc.settings

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        if not svc.keys:
            log.warning(
                "no API key configured: every /v1 request is accepted; bind to 127.0.0.1 only"
            )
        svc.start()
        try:
            yield
        finally:
            svc.stop()

    app = FastAPI(
        title="docnav",
        version=__version__,
        description="Agentic research over SEC filings: ask, search, read and ingest filings.",
        docs_url=None,  # served by install_docs with local assets, not FastAPI's CDN pages
        redoc_url=None,
        openapi_url="/openapi.json",
        lifespan=lifespan,
    )
    install_docs(app)
    app.state.service = svc
    install_handlers(app, svc.metrics, s.retry_after_s)
    # each router carries the /v1 prefix itself, so metrics see the full route template;
    # the key is checked before the query (401 before 422)
    v1 = [Depends(_require_key), Depends(reject_unknown_query)]
    for r in (api_ask.router, api_search.router, api_documents.router, api_jobs.router):
        app.include_router(r, dependencies=v1)
    app.include_router(api_facts.router, dependencies=v1)
    app.include_router(api_openai.router, dependencies=v1)
    app.include_router(api_health.router)
    if s.cors_origins:  # off unless origins are named
        origins = [o.strip() for o in s.cors_origins.split(",") if o.strip()]
        app.add_middleware(
            CORSMiddleware,
            allow_origins=origins,
            allow_methods=["GET", "POST", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "X-Request-ID"],
            expose_headers=["X-Request-ID", "Retry-After"],
        )
    app.add_middleware(RequestMiddleware, service=svc)
    return app


def create_app_from_env() -> FastAPI:
    """uvicorn factory (``docnav serve`` passes settings through DOCNAV_* variables)."""
    settings = Settings()
    setup_logging(settings.log_json)
    return create_app(settings)
