"""Backends for the scale tests: every test that takes ``open_backend`` runs once on the
embedded file store and once on PostgreSQL (+ pgvector).

The PostgreSQL variant needs ``DOCNAV_TEST_DATABASE_URL`` (``source .ci/start-postgres``
starts a server and sets it). Without it the variant is skipped with that message, except
in CI (``CI=true``), where a missing database is a failure: the Postgres tests never skip
silently there. Each test gets its own schema, dropped afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import pytest

from docnav.ingestion.backend import StoreBackend, open_store

ENV = "DOCNAV_TEST_DATABASE_URL"


def database_url() -> str:
    url = os.environ.get(ENV)
    if not url:
        msg = f"{ENV} is not set: `source .ci/start-postgres` starts PostgreSQL 15 + pgvector"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"CI runs the PostgreSQL tests and {msg}")
        pytest.skip(msg)
    return url


@contextmanager
def fresh_schema() -> Iterator[str]:
    """A URL whose connections work in a new schema of the test database (dropped after)."""
    import psycopg

    base = database_url()
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(base, autocommit=True) as db:
        db.execute(f"CREATE SCHEMA {schema}")
    sep = "&" if "?" in base else "?"
    try:
        # pgvector's type lives in public: keep it on the path after the test's own schema
        yield f"{base}{sep}options={quote(f'-csearch_path={schema},public')}"
    finally:
        with psycopg.connect(base, autocommit=True) as db:
            db.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture
def pg_url() -> Iterator[str]:
    with fresh_schema() as url:
        yield url


@pytest.fixture(params=["file", "postgres"])
def backend(request) -> str:
    return request.param


@pytest.fixture
def open_backend(backend: str, request) -> Iterator[Callable[[Path], StoreBackend]]:
    """``open_backend(root)`` -> a store of this test's backend (the same database for every
    call in one test, so two handles see one store)."""
    url = request.getfixturevalue("pg_url") if backend == "postgres" else None
    opened: list = []

    def make(root: Path, lock_timeout_s: float = 600.0) -> StoreBackend:
        store = open_store(root, url, lock_timeout_s)
        opened.append(store)
        return store

    yield make
    for s in opened:
        if hasattr(s, "close"):
            s.close()
