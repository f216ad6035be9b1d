"""Where agent conversations are checkpointed: a SQLite file (one machine, the default) or
PostgreSQL (``DOCNAV_DATABASE_URL``), where every replica reads and continues any thread.

Both are LangGraph checkpointers; the loop does not know which one it has.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.checkpoint.sqlite import SqliteSaver

# serialises setup() across replicas starting at once (its migrations are not concurrent-safe)
_SETUP_LOCK = 0x646E6370  # "dncp"


def is_database_url(target: object) -> bool:
    return isinstance(target, str) and target.startswith(("postgresql://", "postgres://"))


def open_checkpointer(target: str | Path | None) -> BaseCheckpointSaver:
    """A checkpointer on ``target``: None (in memory), a SQLite file path, or a
    ``postgresql://`` URL (extra ``scale``: langgraph-checkpoint-postgres)."""
    if is_database_url(target):
        return _postgres(str(target))
    db = str(target) if target else ":memory:"
    if target:
        Path(target).parent.mkdir(parents=True, exist_ok=True)
    return SqliteSaver(sqlite3.connect(db, check_same_thread=False))


def _postgres(url: str) -> BaseCheckpointSaver:
    try:
        import psycopg
        from langgraph.checkpoint.postgres import PostgresSaver
        from psycopg.rows import dict_row
        from psycopg_pool import ConnectionPool
    except ImportError as exc:
        from docnav.errors import DocnavError

        raise DocnavError(
            "agent checkpoints in PostgreSQL need: pip install 'docnav[scale]'"
        ) from exc
    # the settings PostgresSaver requires of its connections
    kwargs = {"autocommit": True, "prepare_threshold": 0, "row_factory": dict_row}
    pool = ConnectionPool(url, min_size=1, max_size=4, kwargs=kwargs, open=True)
    saver = PostgresSaver(pool)  # type: ignore[arg-type]
    with psycopg.connect(url, autocommit=True) as db:
        db.execute("SELECT pg_advisory_lock(%s)", (_SETUP_LOCK,))
        try:
            saver.setup()
        finally:
            db.execute("SELECT pg_advisory_unlock(%s)", (_SETUP_LOCK,))
    return saver


def read_history(target: str | Path, thread_id: str) -> list[dict[str, Any]]:
    """A thread's messages (without the system prompt), with no model or graph loaded."""
    if not is_database_url(target) and not Path(target).exists():
        return []
    saver = open_checkpointer(target)
    try:
        tup = saver.get_tuple({"configurable": {"thread_id": thread_id}})
    finally:
        _close(saver)
    if tup is None:
        return []
    msgs = tup.checkpoint.get("channel_values", {}).get("messages", [])
    return [m for m in msgs if m["role"] != "system"]


def _close(saver: BaseCheckpointSaver) -> None:
    conn = getattr(saver, "conn", None)
    if conn is not None and hasattr(conn, "close"):
        conn.close()  # a sqlite3 connection or a psycopg pool
