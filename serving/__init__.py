"""The REST service: ``create_app(settings | engine)`` and ``serve(...)`` (`docnav serve`)."""

from docnav.serving.app import create_app
from docnav.serving.server import serve

__all__ = ["create_app", "serve"]
