"""`docnav serve`: uvicorn over the app factory, refusing an open bind without API keys."""

from __future__ import annotations

import os

from docnav.errors import DocnavError
from docnav.serving.auth import is_loopback, load_keys
from docnav.settings import Settings


def check_bind(settings: Settings, host: str) -> str:
    """The line to print at start; raises when ``host`` is not loopback and no key is set."""
    if load_keys(settings):
        return f"API keys configured: /v1 needs 'Authorization: Bearer <key>'; binding {host}"
    if not is_loopback(host):
        raise DocnavError(
            f"refusing to bind {host} without API keys: set DOCNAV_API_KEYS (comma-separated) "
            "or DOCNAV_API_KEY_FILE, or serve on 127.0.0.1"
        )
    return f"no API key configured: serving on {host} only (loopback), without authentication"


def serve(settings: Settings, host: str = "127.0.0.1", port: int = 8000, workers: int = 1) -> None:
    import uvicorn

    from docnav.serving.logs import setup_logging

    check_bind(settings, host)
    # worker processes build their app from the environment: hand the settings over there
    os.environ["DOCNAV_HOME"] = str(settings.home_dir)
    setup_logging(settings.serve.log_json)
    uvicorn.run(
        "docnav.serving.app:create_app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_config=None,
        timeout_graceful_shutdown=10,
    )
