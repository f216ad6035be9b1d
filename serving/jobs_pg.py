"""Ingestion jobs in PostgreSQL, for several server processes or machines sharing one
database: the same interface as :class:`~docnav.serving.jobs.JobStore`.

One worker claims each job: ``SELECT ... FOR UPDATE SKIP LOCKED`` hands the oldest queued
row to exactly one of the workers asking at once. While a worker runs a job it holds a
session advisory lock on it (its *lease*) on a connection of its own. PostgreSQL drops the
lease when that connection ends, so a worker killed with ``kill -9`` (or a machine that
went away, once TCP keepalives notice) leaves a ``running`` job whose lease anyone can
take: :meth:`recover` queues it again (once) or marks it failed, like the SQLite job store
does for a dead process. Ingestion skips files already committed (content hash), so a
resumed job loses and duplicates nothing.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import uuid
from datetime import UTC, datetime

from docnav.serving.jobs import MAX_ATTEMPTS
from docnav.serving.schemas import JobOut
from docnav.types import FileResult

log = logging.getLogger("docnav.serving.jobs")
LEASE_CLASS = 0x646E  # first key of the two-key advisory locks that are job leases

SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    seq BIGSERIAL UNIQUE,
    id TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    started_at TIMESTAMPTZ,
    finished_at TIMESTAMPTZ,
    owner TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    request JSONB NOT NULL,
    files_total INTEGER NOT NULL DEFAULT 0,
    results JSONB NOT NULL DEFAULT '[]',
    notes JSONB NOT NULL DEFAULT '[]',
    error TEXT
);
CREATE INDEX IF NOT EXISTS jobs_status ON jobs(status, seq);
"""
_COLS = (
    "id, status, created_at, started_at, finished_at, attempts, request, files_total, "
    "results, notes, error, seq"
)
# keepalives: a lease held by a machine that vanished is dropped within ~a minute
_KEEPALIVE = {
    "keepalives": 1,
    "keepalives_idle": 30,
    "keepalives_interval": 10,
    "keepalives_count": 3,
}


def _ts(v: datetime | None) -> str | None:
    return v.astimezone(UTC).isoformat(timespec="seconds") if v else None


def _note(text: str) -> str:
    return f"{datetime.now(UTC).isoformat(timespec='seconds')}: {text}"


class PgJobStore:
    """Jobs in the ``jobs`` table of ``database_url``; one lease connection per store."""

    def __init__(self, database_url: str) -> None:
        import psycopg

        self._psycopg = psycopg
        self.database_url = database_url
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self._lease_conn = None
        self._lease_lock = threading.Lock()
        self._leased: set[str] = set()
        with self._db() as db:
            db.execute("SELECT pg_advisory_xact_lock(%s, 0)", (LEASE_CLASS,))  # one creator
            db.execute(SCHEMA)

    def _db(self):
        return self._psycopg.connect(self.database_url, **_KEEPALIVE)

    def close(self) -> None:
        with self._lease_lock:
            if self._lease_conn is not None:
                self._lease_conn.close()  # drops every lease this store holds
                self._lease_conn = None
                self._leased.clear()

    # -- reads --------------------------------------------------------------------------
    def get(self, job_id: str) -> JobOut | None:
        with self._db() as db:
            row = db.execute(f"SELECT {_COLS} FROM jobs WHERE id=%s", (job_id,)).fetchone()
        return _out(row) if row else None

    def list(
        self, limit: int = 50, after: tuple[str, int] | None = None
    ) -> tuple[list[JobOut], tuple[str, int] | None]:
        """Most recent first, keyset-paged by (created_at, seq) like the SQLite store."""
        where, args = (
            ("WHERE (created_at, seq) < (%s::timestamptz, %s)", list(after)) if after else ("", [])
        )
        with self._db() as db:
            rows = db.execute(
                f"SELECT {_COLS} FROM jobs {where} ORDER BY created_at DESC, seq DESC LIMIT %s",
                (*args, limit + 1),
            ).fetchall()
        more, rows = len(rows) > limit, rows[:limit]
        # the key keeps the timestamp's microseconds: a rounded one would skip rows
        return [_out(r) for r in rows], ((rows[-1][2].isoformat(), rows[-1][11]) if more else None)

    # -- writes -------------------------------------------------------------------------
    def create(
        self,
        inputs: list[str],
        force: bool = False,
        form_hint: str | None = None,
        replace: bool = False,
    ) -> JobOut:
        job_id = uuid.uuid4().hex[:16]
        req = {"inputs": inputs, "force": force, "form_hint": form_hint, "replace": replace}
        with self._db() as db:
            db.execute(
                "INSERT INTO jobs (id, status, request, files_total) VALUES (%s,'queued',%s,%s)",
                (job_id, json.dumps(req), len(inputs)),
            )
        return self.get(job_id)  # type: ignore[return-value]

    def _lease(self):
        if self._lease_conn is None or self._lease_conn.closed:
            self._lease_conn = self._psycopg.connect(
                self.database_url, autocommit=True, **_KEEPALIVE
            )
            self._leased.clear()
        return self._lease_conn

    def claim(self) -> tuple[str, dict] | None:
        """Take the oldest queued job: exactly one of the workers asking at once gets it."""
        try:
            with self._lease_lock, self._db() as db:
                row = db.execute(
                    "SELECT id, request FROM jobs WHERE status='queued' ORDER BY seq "
                    "LIMIT 1 FOR UPDATE SKIP LOCKED"
                ).fetchone()
                if row is None:
                    return None
                got = (
                    self._lease()
                    .execute("SELECT pg_try_advisory_lock(%s, hashtext(%s))", (LEASE_CLASS, row[0]))
                    .fetchone()[0]
                )
                if not got:  # a recoverer is looking at it this instant: leave it
                    return None
                self._leased.add(row[0])
                db.execute(
                    "UPDATE jobs SET status='running', owner=%s, started_at=now(), "
                    "attempts=attempts+1 WHERE id=%s",
                    (self.owner, row[0]),
                )
        except self._psycopg.OperationalError:
            log.exception("cannot read the job table")
            return None
        return row[0], row[1]

    def progress(self, job_id: str, total: int | None, results: list[FileResult]) -> None:
        with self._db() as db:
            if total is not None:
                db.execute("UPDATE jobs SET files_total=%s WHERE id=%s", (total, job_id))
            db.execute(
                "UPDATE jobs SET results=%s WHERE id=%s",
                (json.dumps([r.model_dump() for r in results]), job_id),
            )

    def finish(self, job_id: str, status: str, error: str | None = None) -> None:
        with self._db() as db:
            db.execute(
                "UPDATE jobs SET status=%s, finished_at=now(), error=%s WHERE id=%s",
                (status, error, job_id),
            )
        with self._lease_lock:
            if job_id in self._leased and self._lease_conn is not None:
                self._lease_conn.execute(
                    "SELECT pg_advisory_unlock(%s, hashtext(%s))", (LEASE_CLASS, job_id)
                )
                self._leased.discard(job_id)

    def recover(self) -> list[str]:
        """Running jobs whose worker is gone (its lease is free): queue again (once) or mark
        failed. A job whose lease is held is left alone, wherever its worker runs."""
        changed = []
        with self._db() as db:
            rows = db.execute(
                "SELECT id, attempts, notes FROM jobs WHERE status='running' FOR UPDATE SKIP LOCKED"
            ).fetchall()
            for job_id, attempts, notes in rows:
                free = db.execute(
                    "SELECT pg_try_advisory_xact_lock(%s, hashtext(%s))", (LEASE_CLASS, job_id)
                ).fetchone()[0]
                if not free or job_id in self._leased:
                    continue  # a live worker holds it
                if attempts < MAX_ATTEMPTS:
                    notes.append(_note("the worker stopped during the job; resumed"))
                    db.execute(
                        "UPDATE jobs SET status='queued', owner=NULL, notes=%s WHERE id=%s",
                        (json.dumps(notes), job_id),
                    )
                else:
                    notes.append(_note("the worker stopped during the job again; gave up"))
                    db.execute(
                        "UPDATE jobs SET status='failed', finished_at=now(), notes=%s, error=%s "
                        "WHERE id=%s",
                        (
                            json.dumps(notes),
                            "interrupted twice by a worker stop; files committed "
                            "before stay in the catalog, re-submit to finish",
                            job_id,
                        ),
                    )
                changed.append(job_id)
        return changed


def _out(row: tuple) -> JobOut:
    (
        job_id,
        status,
        created,
        started,
        finished,
        attempts,
        req,
        total,
        results,
        notes,
        error,
        _seq,
    ) = row
    results = [FileResult(**r) for r in results]
    return JobOut(
        id=job_id,
        status=status,
        created_at=_ts(created),
        started_at=_ts(started),
        finished_at=_ts(finished),
        inputs=req["inputs"],
        files_total=total,
        files_done=len(results),
        pages=sum(r.pages for r in results if r.status in ("added", "replaced")),
        errors=sum(1 for r in results if r.status == "failed"),
        results=results,
        attempts=attempts,
        notes=notes,
        error=error,
    )


def open_job_store(home_dir, database_url: str | None):
    """The server's job table: PostgreSQL when ``database_url`` is set (every replica takes
    jobs from one queue), else ``<home>/serving/jobs.sqlite``."""
    if database_url:
        return PgJobStore(database_url)
    from docnav.serving.jobs import JobStore

    return JobStore(home_dir / "serving" / "jobs.sqlite")
