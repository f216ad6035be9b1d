"""Every error the API returns is JSON ``{"error": {"code", "message", "request_id"}}``;
docnav's own errors map to status codes here, and nothing else reaches a client as a
traceback."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from docnav.agent.llm.base import LLMError
from docnav.errors import DocnavError, IngestError, NotFoundError, StoreLockedError
from docnav.serving.logs import request_id_var

log = logging.getLogger("docnav.serving")


class ApiError(Exception):
    def __init__(
        self, status: int, code: str, message: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}


def error_response(
    status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    body = {"error": {"code": code, "message": message, "request_id": request_id_var.get()}}
    return JSONResponse(body, status_code=status, headers=headers)


def from_docnav(exc: Exception, retry_after_s: int = 5) -> ApiError:
    """docnav's exceptions -> API errors (also used inside SSE streams)."""
    if isinstance(exc, ApiError):
        return exc
    if isinstance(exc, NotFoundError):
        return ApiError(404, "not_found", str(exc))
    if isinstance(exc, StoreLockedError):
        return ApiError(503, "store_locked", str(exc), {"Retry-After": str(retry_after_s)})
    if isinstance(exc, IngestError):
        return ApiError(422, "ingest_error", str(exc))
    if isinstance(exc, LLMError):
        return ApiError(502, "llm_error", f"language model backend failed: {exc}")
    if isinstance(exc, TimeoutError):
        return ApiError(504, "timeout", "the request took longer than the server's limit")
    if isinstance(exc, DocnavError):
        return ApiError(400, "bad_request", str(exc))
    return ApiError(500, "internal", "internal error; the request id is in the server log")


def install_handlers(app: FastAPI, metrics, retry_after_s: int) -> None:
    def respond(status: int, code: str, message: str, headers=None) -> JSONResponse:
        metrics.errors.labels(code).inc()
        return error_response(status, code, message, headers)

    @app.exception_handler(ApiError)
    async def _api(_: Request, exc: ApiError) -> JSONResponse:
        return respond(exc.status, exc.code, exc.message, exc.headers)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {
            401: "unauthorized",
            404: "not_found",
            405: "method_not_allowed",
            413: "too_large",
        }.get(exc.status_code, "http_error")
        return respond(exc.status_code, code, str(exc.detail), dict(exc.headers or {}))

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        metrics.errors.labels("validation").inc()
        return JSONResponse({"detail": jsonable_encoder(exc.errors())}, status_code=422)

    @app.exception_handler(DocnavError)
    @app.exception_handler(LLMError)
    async def _docnav(_: Request, exc: Exception) -> JSONResponse:
        e = from_docnav(exc, retry_after_s)
        return respond(e.status, e.code, e.message, e.headers)
