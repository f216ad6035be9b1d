"""Paging of list endpoints: ``limit`` and an opaque ``cursor``; the response carries
``next_cursor`` (null on the last page).

Keyset paging, not offsets: a cursor holds the sort key of the last item served, so a page
neither repeats nor skips items when others are added or removed meanwhile. The key is
base64url JSON: opaque to clients (they pass it back as is), readable in a log.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Annotated, Any

from fastapi import Query

from docnav.serving.errors import ApiError

Limit = Annotated[int, Query(ge=1, le=500, description="Items per page (at most 500).")]
Cursor = Annotated[
    str | None,
    Query(max_length=500, description="next_cursor of the previous page; omit for the first."),
]


def encode_cursor(key: list[Any]) -> str:
    raw = json.dumps(key, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None, shape: tuple[type, ...]) -> list[Any] | None:
    """The key in ``cursor`` (None for the first page); a 422 when it is not one this
    endpoint made (``shape``: the key's types in order)."""
    if cursor is None:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        key = json.loads(raw)
    except (binascii.Error, ValueError):
        key = None
    if not (
        isinstance(key, list)
        and len(key) == len(shape)
        and all(type(v) is t for v, t in zip(key, shape, strict=True))
    ):
        raise ApiError(422, "bad_cursor", "cursor is not a next_cursor this endpoint returned")
    return key
