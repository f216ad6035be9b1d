"""API keys: ``Authorization: Bearer <key>``, compared in constant time against every key."""

from __future__ import annotations

import hmac
import ipaddress

from fastapi import Request

from docnav.errors import DocnavError
from docnav.serving.errors import ApiError
from docnav.settings import Settings


def load_keys(settings: Settings) -> list[bytes]:
    keys = [k.strip() for k in (settings.serve.api_keys or "").split(",")]
    if settings.serve.api_key_file:
        path = settings.serve.api_key_file.expanduser()
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise DocnavError(f"cannot read api_key_file {path}: {exc.strerror or exc}") from exc
        keys += [ln.strip() for ln in lines if ln.strip() and not ln.lstrip().startswith("#")]
    return [k.encode() for k in keys if k]


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_bearer(request: Request, keys: list[bytes]) -> None:
    """Raise 401 unless the request carries one of ``keys`` (no-op when none are set)."""
    if not keys:
        return
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    given = token.strip().encode() if scheme.lower() == "bearer" else b""
    ok = False
    for key in keys:  # no early exit: the time does not say which key came close
        ok |= hmac.compare_digest(given, key)
    if not ok:
        raise ApiError(
            401,
            "unauthorized",
            "missing or wrong API key: send 'Authorization: Bearer <key>'",
            {"WWW-Authenticate": "Bearer"},
        )
