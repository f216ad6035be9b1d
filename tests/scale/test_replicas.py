"""Two `docnav serve` replicas (real uvicorn processes on 127.0.0.1) sharing one PostgreSQL
and one page-file volume, behind a round-robin client that plays the one port a load
balancer gives (nginx or any other: the replicas keep no state of their own to route by).

* a conversation asked on one replica goes on from the other (LangGraph's Postgres
  checkpointer), with the 0.5B model in llama.cpp as the LLM (two one-call answers in all);
* an ingestion job whose replica is killed with ``kill -9`` in the middle is finished by the
  other replica (row-lock claim, lease recovery), with every file in the catalog once.
"""

from __future__ import annotations

import itertools
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from docnav.ingestion.backend import open_store
from docnav.synth import SynthConfig, generate

pytestmark = pytest.mark.slow

START_S = 120  # a replica's start (imports, schema checks) on a loaded 2-core machine
ASK_S = 1200  # one answer of the 0.5B model, prompt ~2k tokens, on a loaded CPU
N_FILES = 40  # the killed job's files: 2-80 s of work, time to kill it in the middle
JOB_S = 600  # the rest of that job on the survivor, at ~2 s a file on a loaded CPU


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Replica:
    name: str
    url: str
    proc: subprocess.Popen
    log: Path

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:]


class RoundRobin:
    """The one port: each request goes to the next replica in turn; ``served`` records
    which replica answered each request."""

    def __init__(self, replicas: list[Replica]) -> None:
        self._next = itertools.cycle(replicas)
        self.served: list[str] = []

    def request(self, method: str, path: str, **kw) -> httpx.Response:
        r = next(self._next)
        self.served.append(r.name)
        return httpx.request(method, r.url + path, timeout=kw.pop("timeout", ASK_S + 60), **kw)


def _wait_healthy(r: Replica) -> None:
    deadline = time.monotonic() + START_S
    while True:
        if r.proc.poll() is not None:
            pytest.fail(f"replica {r.name} exited at start:\n{r.tail()}")
        try:
            if httpx.get(r.url + "/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            pytest.fail(f"replica {r.name} not healthy within {START_S} s:\n{r.tail()}")
        time.sleep(0.3)


@pytest.fixture
def start_replicas(pg_url: str, tmp_path: Path) -> Iterator[Callable[..., list[Replica]]]:
    """``start_replicas(n, **env)``: n `docnav serve` processes with one database URL and
    one home (its ``store/`` is the shared page-file volume)."""
    started: list[Replica] = []
    inbox = tmp_path / "in"
    inbox.mkdir()

    def start(n: int = 2, **env: str) -> list[Replica]:
        base = {
            **os.environ,
            "DOCNAV_DATABASE_URL": pg_url,
            "DOCNAV_HOME": str(tmp_path / "home"),
            "DOCNAV_INGEST_ROOTS": str(inbox),
            "DOCNAV_INGEST_EMBED": "false",  # shared state is the subject, not embeddings
            "DOCNAV_SERVE_WARM_DENSE": "false",
            "DOCNAV_RAG_MODE": "bm25",
            # a ~2k-token prompt on a CPU the benchmarks also use: minutes, not the 300 s default
            "DOCNAV_ASK_TIMEOUT_S": str(ASK_S),
            "OMP_WAIT_POLICY": "PASSIVE",
            **env,
        }
        mine = []
        for i in range(n):
            port = _free_port()
            log = tmp_path / f"replica-{i}.log"
            with log.open("wb") as out:  # the child keeps its own copy of the descriptor
                proc = subprocess.Popen(
                    [sys.executable, "-m", "docnav.cli", "serve", "--port", str(port)],
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    env=base,
                )
            mine.append(
                Replica("AB"[i] if n <= 2 else str(i), f"http://127.0.0.1:{port}", proc, log)
            )
        started.extend(mine)
        for r in mine:
            _wait_healthy(r)
        return mine

    yield start
    for r in started:
        if r.proc.poll() is None:
            r.proc.terminate()
            try:
                r.proc.wait(20)
            except subprocess.TimeoutExpired:
                r.proc.kill()
                r.proc.wait(10)


def _wait_job(lb: RoundRobin, job_id: str, timeout: float = 120) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        job = lb.request("GET", f"/v1/jobs/{job_id}").json()
        if job["status"] in ("succeeded", "partial", "failed"):
            return job
        assert time.monotonic() < deadline, f"job {job_id} still {job['status']}"
        time.sleep(0.3)


def _users(messages: list[dict]) -> list[str]:
    return [m["content"] for m in messages if m["role"] == "user"]


def test_a_thread_asked_on_one_replica_goes_on_on_the_other(
    start_replicas, small_gguf, llama_cpp_installed, tmp_path
):
    # each replica loads the 0.5B model in-process when asked (A for the first question, B
    # for the follow-up): a shared llama.cpp server would load it once, but its server
    # refuses a follow-up's history (an assistant tool call with content null: 422/500)
    a, b = start_replicas(
        DOCNAV_LLM_BACKEND="local",
        DOCNAV_LLM_MODEL=str(small_gguf),
        DOCNAV_LLM_CTX="4096",
        DOCNAV_AGENT_POLICY="free",
    )
    lb = RoundRobin([a, b])
    memo = tmp_path / "in" / "memo.md"
    memo.write_text("# Results\n\nRevenue was $45.2 million in fiscal 2023.\n")
    job = lb.request("POST", "/v1/documents", data={"path": str(memo)})  # A
    assert job.status_code == 202, job.text
    assert _wait_job(lb, job.json()["id"])["status"] == "succeeded"  # B, A, ...: one queue

    # one model call per answer: with max_steps=1 the agent's only call is final_answer
    opts = {"max_steps": 1, "max_tokens": 40, "temperature": 0.0}
    lb = RoundRobin([a, b])
    first = "What was revenue in fiscal 2023?"
    r1 = lb.request(
        "POST", "/v1/ask", json={"question": first, "thread_id": "t-rep", "options": opts}
    )
    assert r1.status_code == 200, r1.text
    second = "And in which fiscal year was that?"
    r2 = lb.request(
        "POST", "/v1/ask", json={"question": second, "thread_id": "t-rep", "options": opts}
    )
    assert r2.status_code == 200, r2.text
    assert lb.served == ["A", "B"]
    seen = {}
    for _ in range(2):  # A, then B: both read the thread B wrote on top of A's
        r = lb.request("GET", "/v1/conversations/t-rep")
        assert r.status_code == 200, r.text
        seen[lb.served[-1]] = r.json()["messages"]
    assert seen["A"] == seen["B"]
    asked = [u for u in _users(seen["A"]) if u in (first, second)]  # not budget notes
    assert asked == [first, second]
    assert [m["role"] for m in seen["A"]].count("assistant") >= 2
    empty = lb.request("GET", "/v1/conversations/never-asked")
    assert empty.status_code == 200 and empty.json()["messages"] == []


def _owner_pid(pg_url: str, job_id: str) -> int | None:
    import psycopg

    with psycopg.connect(pg_url) as db:
        row = db.execute("SELECT owner FROM jobs WHERE id=%s", (job_id,)).fetchone()
    m = re.match(r"[^:]*:(\d+):", row[0] or "") if row else None
    return int(m.group(1)) if m else None


def test_a_job_whose_replica_is_killed_is_finished_by_the_other(start_replicas, pg_url, tmp_path):
    corpus = tmp_path / "synth"
    cfg = SynthConfig(companies=N_FILES // 5, first_year=2024, last_year=2024, formats=["html"])
    generate(cfg, corpus)
    inbox = tmp_path / "in" / "filings"
    (corpus / "html").rename(inbox)
    files = sorted(inbox.iterdir())
    assert len(files) == N_FILES

    a, b = start_replicas()
    lb = RoundRobin([a, b])
    created = lb.request("POST", "/v1/documents", data={"path": str(inbox)})
    assert created.status_code == 202, created.text
    job_id = created.json()["id"]
    by_pid = {a.proc.pid: a, b.proc.pid: b}

    deadline = time.monotonic() + 120
    while True:  # a few files committed, most not: kill its replica now
        job = lb.request("GET", f"/v1/jobs/{job_id}").json()
        if job["status"] == "running" and job["files_done"] >= 3:
            break
        assert job["status"] in ("queued", "running"), job
        assert time.monotonic() < deadline, "the job never got going"
        time.sleep(0.05)
    worker = by_pid[_owner_pid(pg_url, job_id)]
    survivor = b if worker is a else a
    worker.proc.send_signal(signal.SIGKILL)
    worker.proc.wait(30)
    lb = RoundRobin([survivor])  # the balancer drops the dead replica
    done_before = lb.request("GET", f"/v1/jobs/{job_id}").json()["files_done"]
    assert done_before < N_FILES, "the job finished before the kill: nothing was tested"

    job = _wait_job(lb, job_id, timeout=JOB_S)
    assert job["status"] == "succeeded", job
    assert job["attempts"] == 2 and "resumed" in job["notes"][-1]
    assert _owner_pid(pg_url, job_id) == survivor.proc.pid
    statuses = [r["status"] for r in job["results"]]
    assert len(statuses) == N_FILES and set(statuses) <= {"added", "unchanged"}
    assert statuses.count("unchanged") >= done_before  # committed before the kill: kept

    store = open_store(tmp_path / "home" / "store", pg_url)
    try:
        docs = store.list_documents()
        assert len(docs) == N_FILES  # each file once: none lost, none twice
        assert len({d.name for d in docs}) == len({d.content_hash for d in docs}) == N_FILES
        for d in docs:  # every version folder complete
            pages = list((store.doc_dir(d.doc_id) / "pages").glob("page-*.txt"))
            assert len(pages) == d.n_pages, d.doc_id
    finally:
        store.close()
    listed = lb.request("GET", "/v1/documents", params={"limit": 100}).json()
    assert len(listed["documents"]) == N_FILES
