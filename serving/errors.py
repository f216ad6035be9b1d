"""Every error the API returns is JSON ``{"error": {"code", "message", "request_id"}}``
(validation errors add ``details``: where and what, never the input echoed back); docnav's
own errors map to status codes here, and nothing else reaches a client as a traceback.
Messages pass ``public_text``: no server paths, no backend URLs, always valid UTF-8."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from docnav.agent.llm.base import LLMError, unavailable
from docnav.errors import (
    AmbiguousRefError,
    DocnavError,
    IngestError,
    LLMUnavailableError,
    NotFoundError,
    StoreLockedError,
)
from docnav.serving.logs import request_id_var
from docnav.serving.redact import public_text, utf8_safe

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
    status: int,
    code: str,
    message: str,
    headers: dict[str, str] | None = None,
    details: list[dict[str, Any]] | None = None,
) -> JSONResponse:
    error: dict[str, Any] = {
        "code": code,
        "message": public_text(message),
        "request_id": request_id_var.get(),
    }
    if details is not None:
        error["details"] = details
    return JSONResponse({"error": error}, status_code=status, headers=headers)


# the backend's failure, per kind: timeouts are the gateway's 504, the rest a bad gateway
_LLM_STATUS = {
    "down": (502, "llm_unavailable"),
    "refused": (502, "llm_refused"),
    "timeout": (504, "llm_timeout"),
}


def _llm_error(exc: LLMUnavailableError) -> ApiError:
    # the client gets the safe message; the backend's own text (its URL) stays in the log
    log.error("LLM backend %s: %s", exc.kind, exc.detail or exc)
    status, code = _LLM_STATUS[exc.kind]
    return ApiError(status, code, str(exc))


def _validation_details(exc: RequestValidationError) -> list[dict[str, Any]]:
    """Where and what, without FastAPI's ``input`` echo (a lone surrogate there made the
    response itself fail with a 500)."""
    return [
        {
            "loc": [utf8_safe(str(p)) for p in e.get("loc", ())],
            "msg": utf8_safe(str(e.get("msg", ""))),
            "type": str(e.get("type", "")),
        }
        for e in exc.errors()
    ]


def _validation_message(details: list[dict[str, Any]]) -> str:
    parts = [f"{'.'.join(d['loc']) or 'request'}: {d['msg']}" for d in details[:5]]
    more = f" (and {len(details) - 5} more)" if len(details) > 5 else ""
    return "invalid request: " + "; ".join(parts) + more


def from_docnav(exc: Exception, retry_after_s: int = 5) -> ApiError:
    """docnav's exceptions -> API errors (also used inside SSE streams)."""
    if isinstance(exc, ApiError):
        return exc
    if isinstance(exc, NotFoundError):
        return ApiError(404, "not_found", str(exc))
    if isinstance(exc, AmbiguousRefError):
        return ApiError(409, "ambiguous_reference", str(exc))
    if isinstance(exc, StoreLockedError):
        return ApiError(503, "store_locked", str(exc), {"Retry-After": str(retry_after_s)})
    if isinstance(exc, IngestError):
        return ApiError(422, "ingest_error", str(exc))
    if isinstance(exc, LLMError):
        exc = unavailable(exc)
    if isinstance(exc, LLMUnavailableError):
        return _llm_error(exc)
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
        details = _validation_details(exc)
        return error_response(422, "validation", _validation_message(details), details=details)

    @app.exception_handler(DocnavError)
    @app.exception_handler(LLMError)
    async def _docnav(_: Request, exc: Exception) -> JSONResponse:
        e = from_docnav(exc, retry_after_s)
        return respond(e.status, e.code, e.message, e.headers)
