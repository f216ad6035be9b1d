"""Ingestion jobs: a table in ``<home>/serving/jobs.sqlite`` and one runner thread per
server process.

A job records the files it ingests, its progress and each file's result. Jobs survive a
restart: a job left ``running`` by a process that no longer exists (killed, crashed) is
queued again once, and ingestion skips the files it had already committed (content
hash); a second interruption marks it failed. The store writes each document atomically,
so an interrupted job never leaves a half-written document in the catalog.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import psutil

from docnav.serving.schemas import JobOut
from docnav.types import FileResult

log = logging.getLogger("docnav.serving.jobs")
MAX_ATTEMPTS = 2

SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    created_at TEXT NOT NULL,
    started_at TEXT,
    finished_at TEXT,
    owner TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    request TEXT NOT NULL,
    files_total INTEGER NOT NULL DEFAULT 0,
    results TEXT NOT NULL DEFAULT '[]',
    notes TEXT NOT NULL DEFAULT '[]',
    error TEXT
);
CREATE INDEX IF NOT EXISTS jobs_status ON jobs(status, created_at);
"""


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _owner() -> str:
    """This process, in a form that tells a restarted process with the same pid apart."""
    pid = os.getpid()
    return f"{pid}:{psutil.Process(pid).create_time():.2f}"


def _owner_alive(owner: str | None) -> bool:
    if not owner:
        return False
    pid_s, _, created = owner.partition(":")
    try:
        proc = psutil.Process(int(pid_s))
        return f"{proc.create_time():.2f}" == created and proc.status() != psutil.STATUS_ZOMBIE
    except (psutil.Error, ValueError):
        return False


class JobStore:
    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self.owner = _owner()
        with self._db() as db:
            db.executescript(SCHEMA)

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        db.row_factory = sqlite3.Row
        db.execute("PRAGMA journal_mode=WAL")
        try:
            yield db
        finally:
            db.close()

    # -- reads --------------------------------------------------------------------------
    def get(self, job_id: str) -> JobOut | None:
        with self._db() as db:
            row = db.execute("SELECT * FROM jobs WHERE id=?", (job_id,)).fetchone()
        return _out(row) if row else None

    def list(
        self, limit: int = 50, after: tuple[str, int] | None = None
    ) -> tuple[list[JobOut], tuple[str, int] | None]:
        """Most recent first: ``limit`` jobs after the key ``after``, and the key of the last
        one when more follow (keyset paging: stable while jobs are added)."""
        where, args = ("WHERE (created_at, rowid) < (?, ?)", list(after)) if after else ("", [])
        with self._db() as db:
            rows = db.execute(
                f"SELECT rowid AS _rowid, * FROM jobs {where} "
                "ORDER BY created_at DESC, rowid DESC LIMIT ?",
                (*args, limit + 1),
            ).fetchall()
        more, rows = len(rows) > limit, rows[:limit]
        return [_out(r) for r in rows], (
            rows[-1]["created_at"],
            rows[-1]["_rowid"],
        ) if more else None

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
                "INSERT INTO jobs (id, status, created_at, request, files_total) VALUES (?,?,?,?,?)",
                (job_id, "queued", _now(), json.dumps(req), len(inputs)),
            )
        return self.get(job_id)  # type: ignore[return-value]

    def claim(self) -> tuple[str, dict] | None:
        """Take the oldest queued job for this process (atomic across processes)."""
        with self._db() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                row = db.execute(
                    "SELECT id, request FROM jobs WHERE status='queued' ORDER BY created_at, rowid LIMIT 1"
                ).fetchone()
                if row:
                    db.execute(
                        "UPDATE jobs SET status='running', owner=?, started_at=?, attempts=attempts+1 WHERE id=?",
                        (self.owner, _now(), row["id"]),
                    )
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        return (row["id"], json.loads(row["request"])) if row else None

    def progress(self, job_id: str, total: int | None, results: list[FileResult]) -> None:
        with self._db() as db:
            if total is not None:
                db.execute("UPDATE jobs SET files_total=? WHERE id=?", (total, job_id))
            db.execute(
                "UPDATE jobs SET results=? WHERE id=?",
                (json.dumps([r.model_dump() for r in results]), job_id),
            )

    def finish(self, job_id: str, status: str, error: str | None = None) -> None:
        with self._db() as db:
            db.execute(
                "UPDATE jobs SET status=?, finished_at=?, error=? WHERE id=?",
                (status, _now(), error, job_id),
            )

    def recover(self) -> list[str]:
        """Jobs left running by a dead process: queue again (once) or mark failed."""
        changed = []
        with self._db() as db:
            db.execute("BEGIN IMMEDIATE")
            rows = db.execute(
                "SELECT id, owner, attempts, notes FROM jobs WHERE status='running'"
            ).fetchall()
            for r in rows:
                if _owner_alive(r["owner"]):
                    continue  # another live worker process is on it
                notes = json.loads(r["notes"])
                if r["attempts"] < MAX_ATTEMPTS:
                    notes.append(f"{_now()}: server stopped during the job; resumed")
                    db.execute(
                        "UPDATE jobs SET status='queued', owner=NULL, notes=? WHERE id=?",
                        (json.dumps(notes), r["id"]),
                    )
                else:
                    notes.append(f"{_now()}: server stopped during the job again; gave up")
                    db.execute(
                        "UPDATE jobs SET status='failed', finished_at=?, notes=?, error=? WHERE id=?",
                        (
                            _now(),
                            json.dumps(notes),
                            "interrupted twice by a server stop; files committed before stay "
                            "in the catalog, re-submit to finish",
                            r["id"],
                        ),
                    )
                changed.append(r["id"])
            db.execute("COMMIT")
        return changed


def _out(row: sqlite3.Row) -> JobOut:
    req = json.loads(row["request"])
    results = [FileResult(**r) for r in json.loads(row["results"])]
    return JobOut(
        id=row["id"],
        status=row["status"],
        created_at=row["created_at"],
        started_at=row["started_at"],
        finished_at=row["finished_at"],
        inputs=req["inputs"],
        files_total=row["files_total"],
        files_done=len(results),
        pages=sum(r.pages for r in results if r.status in ("added", "replaced")),
        errors=sum(1 for r in results if r.status == "failed"),
        results=results,
        attempts=row["attempts"],
        notes=json.loads(row["notes"]),
        error=row["error"],
    )


IngestFn = Callable[..., object]


class JobRunner:
    """One thread that runs queued jobs one at a time through ``ingest`` (Engine.ingest)."""

    def __init__(
        self,
        store: JobStore,
        ingest: IngestFn,
        after_job: Callable[[], None] | None = None,
        on_finish: Callable[[str, list[FileResult]], None] | None = None,
        poll_s: float = 1.0,
        recover_s: float = 5.0,
    ) -> None:
        self.store = store
        self.ingest = ingest
        self.after_job = after_job
        self.on_finish = on_finish
        self.poll_s = poll_s
        self.recover_s = recover_s
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.busy = False

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="docnav-jobs", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def stop(self, wait_s: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread:
            self._thread.join(wait_s)  # a job still running is resumed at the next start

    def _loop(self) -> None:
        last_recover = time.monotonic()
        while not self._stop.is_set():
            try:
                claimed = self.store.claim()
            except sqlite3.Error:
                log.exception("cannot read the job table")
                claimed = None
            if claimed is None:
                if time.monotonic() - last_recover >= self.recover_s:
                    last_recover = time.monotonic()
                    self._recover()
                self._wake.wait(self.poll_s)  # other worker processes queue jobs too
                self._wake.clear()
                continue
            self.run_one(*claimed)

    def _recover(self) -> None:
        """Requeue the jobs of workers that died mid-job. Not only at start: another replica
        on the same job table (PostgreSQL) may be killed while this one keeps running."""
        try:
            for job_id in self.store.recover():
                log.warning("job %s: its worker stopped mid-job; queued again", job_id)
        except Exception:  # the table is read again at the next poll
            log.exception("cannot recover interrupted jobs")

    def run_one(self, job_id: str, req: dict) -> None:
        self.busy = True
        results: list[FileResult] = []
        total: list[int | None] = [None]

        def on_start(n: int) -> None:
            total[0] = n
            self.store.progress(job_id, n, results)

        def on_result(r: FileResult) -> None:
            results.append(r)
            self.store.progress(job_id, total[0], results)

        log.info(
            "job %s: ingesting %d inputs", job_id, len(req["inputs"]), extra={"job_id": job_id}
        )
        try:
            self.ingest(
                req["inputs"],
                force=req.get("force", False),
                form_hint=req.get("form_hint"),
                on_start=on_start,
                on_result=on_result,
                replace=req.get("replace", False),
            )
            failed = sum(1 for r in results if r.status == "failed")
            status = (
                "succeeded" if not failed else ("failed" if failed == len(results) else "partial")
            )
            error = None if not failed else f"{failed} of {len(results)} files failed"
            if self.after_job:
                try:
                    self.after_job()
                except Exception:  # indexes rebuild lazily on the next search anyway
                    log.exception("job %s: index refresh failed", job_id)
        except Exception as exc:
            log.exception("job %s failed", job_id, extra={"job_id": job_id})
            status, error = "failed", f"{type(exc).__name__}: {exc}"
        self.store.finish(job_id, status, error)
        if self.on_finish:
            self.on_finish(status, results)
        log.info("job %s: %s", job_id, status, extra={"job_id": job_id})
        self.busy = False
