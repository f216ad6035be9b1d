"""Structured logs: every record carries the request id; ``log_json`` prints one JSON object
per line for log shippers."""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from contextvars import ContextVar

request_id_var: ContextVar[str | None] = ContextVar("docnav_request_id", default=None)
_SAFE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


def new_request_id(incoming: str | None) -> str:
    """Keep a client's X-Request-ID when it is short and plain (it goes into logs)."""
    if incoming and _SAFE_ID.match(incoming):
        return incoming
    return uuid.uuid4().hex


class _RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        return True


class JsonFormatter(logging.Formatter):
    _EXTRA = ("request_id", "method", "path", "status", "ms", "job_id", "client")

    def format(self, record: logging.LogRecord) -> str:
        out = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key in self._EXTRA:
            val = getattr(record, key, None)
            if val is not None:
                out[key] = val
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False)


class _TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        rid = getattr(record, "request_id", None)
        base = super().format(record)
        return f"{base} [rid={rid}]" if rid else base


def setup_logging(json_logs: bool, level: int = logging.INFO) -> None:
    """Configure the ``docnav`` logger (and uvicorn's) once per process."""
    handler = logging.StreamHandler()
    handler.addFilter(_RequestIdFilter())
    handler.setFormatter(
        JsonFormatter()
        if json_logs
        else _TextFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    for name in ("docnav", "uvicorn.error"):
        logger = logging.getLogger(name)
        logger.handlers[:] = [handler]
        logger.setLevel(level)
        logger.propagate = False
    # our access line (with request id and latency) replaces uvicorn's
    logging.getLogger("uvicorn.access").disabled = True
