"""What the routers share: the one Engine, the job runner, limits and metrics."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Annotated, Any

from fastapi import Depends, Request

from docnav.engine import Engine
from docnav.serving.auth import check_bearer, load_keys
from docnav.serving.errors import ApiError
from docnav.serving.jobs import JobRunner
from docnav.serving.jobs_pg import open_job_store
from docnav.serving.metrics import Metrics
from docnav.serving.uploads import ingest_roots

log = logging.getLogger("docnav.serving")


class Service:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.settings = s = engine.settings
        self.keys = load_keys(s)
        self.roots = ingest_roots(s)
        self.upload_dir = s.home_dir / "uploads"
        self.metrics = Metrics()
        # DOCNAV_DATABASE_URL: one job queue in PostgreSQL for every replica
        self.jobs = open_job_store(s.home_dir, s.database_url)
        self.runner = JobRunner(
            self.jobs, self._ingest, after_job=self.warm, on_finish=self._job_finished
        )
        # the corpus index is rebuilt in place when the catalog changes and is not safe to
        # search while that happens: one lock around every index use
        self.index_lock = threading.RLock()
        self.ask_slots = threading.BoundedSemaphore(max(1, s.serve.ask_concurrency))
        self.ask_pool = ThreadPoolExecutor(
            max(1, s.serve.ask_concurrency), thread_name_prefix="ask"
        )
        self.index_state: dict[str, Any] = {"ok": None, "detail": "not loaded yet"}
        self.cancels: set[threading.Event] = set()  # questions in flight, stopped at shutdown

    # -- lifecycle --------------------------------------------------------------------------
    def start(self) -> None:
        for job_id in self.jobs.recover():
            log.warning("job %s was interrupted by a server stop; see its notes", job_id)
        self.runner.start()
        threading.Thread(target=self.warm, name="docnav-warm", daemon=True).start()

    def stop(self) -> None:
        for cancel in list(self.cancels):  # agents stop at their next step; exit is not held up
            cancel.set()
        self.runner.stop()
        self.ask_pool.shutdown(wait=False, cancel_futures=True)

    def warm(self) -> None:
        """Load (or rebuild) the indexes so the first search after start or a job is fast."""
        t0 = time.perf_counter()
        try:
            if not self.engine.documents():  # nothing to index yet; the first job builds it
                self.index_state = {"ok": True, "detail": "empty store: nothing to index yet"}
                return
            with self.index_lock:
                self.engine.index.ensure(dense=self.settings.serve.warm_dense)
            n = len(self.engine.index.chunks)
            self.index_state = {
                "ok": True,
                "detail": f"{n} chunks indexed ({time.perf_counter() - t0:.1f}s)",
            }
        except Exception as exc:
            log.exception("index load failed")
            self.index_state = {"ok": False, "detail": f"{type(exc).__name__}: {exc}"}

    # -- jobs -------------------------------------------------------------------------------
    def _ingest(self, inputs: list[str], **kw: Any) -> Any:
        self.metrics.jobs_running.inc()
        try:
            return self.engine.ingest(inputs, **kw)
        finally:
            self.metrics.jobs_running.dec()

    def _job_finished(self, status: str, results: list) -> None:
        self.metrics.jobs.labels(status).inc()
        for r in results:
            self.metrics.files.labels(r.status).inc()

    # -- per-request helpers ----------------------------------------------------------------
    def authorize(self, request: Request) -> None:
        check_bearer(request, self.keys)

    @contextmanager
    def indexed(self):
        with self.index_lock:
            yield self.engine

    async def acquire_ask_slot(self) -> None:
        """Wait up to ``ask_queue_wait_s`` for a free slot, then refuse with 503."""
        deadline = time.monotonic() + self.settings.serve.ask_queue_wait_s
        while not self.ask_slots.acquire(blocking=False):
            if time.monotonic() >= deadline:
                self.metrics.ask_rejected.inc()
                raise ApiError(
                    503,
                    "busy",
                    f"all {self.settings.serve.ask_concurrency} answer slots are busy; retry later",
                    {"Retry-After": str(self.settings.serve.retry_after_s)},
                )
            await asyncio.sleep(0.05)
        self.metrics.ask_in_flight.inc()

    def release_ask_slot(self) -> None:
        self.metrics.ask_in_flight.dec()
        self.ask_slots.release()


def service(request: Request) -> Service:
    return request.app.state.service


Svc = Annotated[Service, Depends(service)]
