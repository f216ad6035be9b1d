"""Ingestion jobs in PostgreSQL: one worker claims each job, and a worker killed with
kill -9 in the middle of a job loses and duplicates nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time

from docnav.ingestion.backend import open_store
from docnav.serving.jobs import JobRunner
from docnav.serving.jobs_pg import PgJobStore

WORKER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from docnav.ingestion import ingest_paths
    from docnav.ingestion.backend import open_store
    from docnav.serving.jobs_pg import PgJobStore

    url, root, marker = sys.argv[1:4]
    jobs, store = PgJobStore(url), open_store(root, url)
    job_id, req = jobs.claim()

    def on_result(r):
        Path(marker).write_text(job_id)  # one file committed: now kill me
        time.sleep(120)

    ingest_paths(store, req["inputs"], on_result=on_result)
    """
)


def test_each_job_is_claimed_by_one_worker(pg_url):
    stores = [PgJobStore(pg_url) for _ in range(4)]
    made = {stores[0].create([f"/in/{i}.pdf"]).id for i in range(24)}
    claimed: list[list[str]] = [[] for _ in stores]

    def work(i: int) -> None:
        while got := stores[i].claim():
            claimed[i].append(got[0])
            stores[i].finish(got[0], "succeeded")

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(stores))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    everything = [j for c in claimed for j in c]
    assert sorted(everything) == sorted(made)  # each job once, none lost
    assert {stores[0].get(j).status for j in made} == {"succeeded"}
    page, key = stores[1].list(limit=10)
    assert len(page) == 10 and key is not None
    rest, _ = stores[1].list(limit=100, after=key)
    assert len({j.id for j in page} | {j.id for j in rest}) == 24
    for s in stores:
        s.close()


def test_a_killed_worker_loses_and_duplicates_nothing(pg_url, tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    for i in range(3):
        (src / f"memo{i}.md").write_text(f"# Memo {i}\n\nRevenue was ${i + 1}.5 million.\n")
    inputs = sorted(str(p) for p in src.iterdir())
    root, marker = tmp_path / "store", tmp_path / "marker"
    jobs = PgJobStore(pg_url)
    job = jobs.create(inputs)
    worker = subprocess.Popen(
        [sys.executable, "-c", WORKER, pg_url, str(root), str(marker)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 120
        while not marker.exists():
            assert worker.poll() is None, worker.stdout.read().decode()
            assert time.monotonic() < deadline, "the worker never committed a file"
            time.sleep(0.2)
        assert jobs.get(job.id).status == "running"
        assert jobs.recover() == []  # its worker lives: the lease is held, nothing to recover
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(30)
    finally:
        if worker.poll() is None:
            worker.kill()
    store = open_store(root, pg_url)
    assert len(store.list_documents()) == 1  # committed before the kill

    deadline = time.monotonic() + 30  # the server notices the closed connection at once
    while not (recovered := jobs.recover()):
        assert time.monotonic() < deadline, "the dead worker's lease was never dropped"
        time.sleep(0.2)
    assert recovered == [job.id]
    again = jobs.get(job.id)
    assert again.status == "queued" and again.attempts == 1 and "resumed" in again.notes[-1]

    from docnav.ingestion import ingest_paths

    def ingest(paths, form_hint=None, **kw):  # Engine.ingest without its settings
        return ingest_paths(store, paths, **kw)

    runner = JobRunner(jobs, ingest)
    claimed = jobs.claim()
    assert claimed is not None and claimed[0] == job.id
    runner.run_one(*claimed)
    done = jobs.get(job.id)
    assert done.status == "succeeded" and done.attempts == 2
    assert sorted(r.status for r in done.results) == ["added", "added", "unchanged"]
    assert sorted(d.name for d in store.list_documents()) == ["memo0", "memo1", "memo2"]
    assert jobs.claim() is None
    jobs.close()
    store.close()


def test_a_job_interrupted_twice_fails_with_a_reason(pg_url):
    first = PgJobStore(pg_url)
    job = first.create(["/in/a.pdf"])
    for _ in range(2):
        worker = PgJobStore(pg_url)
        assert worker.claim()[0] == job.id
        worker.close()  # the worker's connection ends: as if killed
        assert first.recover() == [job.id]
    out = first.get(job.id)
    assert out.status == "failed" and "interrupted twice" in out.error
    first.close()


def test_the_server_takes_jobs_from_the_database_when_set(pg_url, tmp_path):
    from docnav.engine import Engine
    from docnav.serving.service import Service
    from docnav.settings import Settings

    service = Service(Engine(Settings(home=tmp_path / "home", database_url=pg_url)))
    assert isinstance(service.jobs, PgJobStore)
    local = Service(Engine(Settings(home=tmp_path / "home")))
    assert type(local.jobs).__name__ == "JobStore"
    service.jobs.close()
