"""The real service: `docnav serve` (uvicorn) on 127.0.0.1 in a subprocess, driven over HTTP
like a client would; and a kill -9 in the middle of an ingestion job followed by a restart."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from docnav.ingestion.store import CorpusStore
from tests.serving.conftest import make_settings, search_ask

pytestmark = pytest.mark.shared
DOCNAV = Path(sys.executable).with_name("docnav")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Served:
    """`docnav serve` in a subprocess; ``url``, ``client``; ``kill()`` sends SIGKILL."""

    def __init__(self, home: Path, log: Path, **env: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        full_env = {
            **os.environ,
            "DOCNAV_HOME": str(home),
            "DOCNAV_SERVE_WARM_DENSE": "false",
            "DOCNAV_LOG_JSON": "true",
            **env,
        }
        self.log = log.open("ab")
        self.proc = subprocess.Popen(
            [str(DOCNAV), "serve", "--port", str(self.port)],
            env=full_env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        headers = (
            {"Authorization": f"Bearer {env['DOCNAV_API_KEYS']}"}
            if "DOCNAV_API_KEYS" in env
            else {}
        )
        self.client = httpx.Client(base_url=self.url, headers=headers, timeout=60)
        end = time.monotonic() + 90
        while time.monotonic() < end:
            assert self.proc.poll() is None, log.read_text()[-3000:]
            try:
                if self.client.get("/healthz").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        raise AssertionError("server did not start: " + log.read_text()[-3000:])

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(30)

    def stop(self) -> None:
        self.client.close()
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()
        self.log.close()


def wait_job(
    client: httpx.Client,
    job_id: str,
    until=lambda j: j["status"] not in ("queued", "running"),
    timeout: float = 300,
) -> dict:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        job = client.get(f"/v1/jobs/{job_id}").json()
        if until(job):
            return job
        time.sleep(0.1)
    raise AssertionError(f"job {job_id}: {job}")


def test_serve_upload_search_read(small_pdfs: list[Path], tmp_path: Path):
    srv = Served(tmp_path / "home", tmp_path / "server.log", DOCNAV_API_KEYS="s3cret")
    try:
        c = srv.client
        assert httpx.get(f"{srv.url}/v1/documents").status_code == 401
        assert c.get("/readyz").json()["checks"]["store"]["detail"].startswith("0 documents")
        with small_pdfs[1].open("rb") as fh:
            r = c.post(
                "/v1/documents", files=[("files", (small_pdfs[1].name, fh, "application/pdf"))]
            )
        assert r.status_code == 202, r.text
        job = wait_job(c, r.json()["id"])
        assert job["status"] == "succeeded" and job["pages"] > 0, job
        r = c.post("/v1/search", json={"query": "comparable sales", "mode": "bm25", "k": 3})
        hits = r.json()["hits"]
        assert hits and r.headers["x-request-id"]
        top = hits[0]
        page = c.get(f"/v1/documents/{top['doc_id']}/pages/{top['page_start']}").json()
        words = top["text"].split()[:6]
        assert " ".join(words) in " ".join(page["text"].split())
        metrics = httpx.get(f"{srv.url}/metrics").text
        assert 'docnav_jobs_total{status="succeeded"} 1.0' in metrics
    finally:
        srv.stop()
    log = (tmp_path / "server.log").read_text()
    assert '"path": "/v1/search"' in log and '"request_id"' in log  # JSON access log lines


@pytest.mark.slow
def test_kill9_during_ingestion_job_then_restart(fb_pdfs: Path, tmp_path: Path):
    home = tmp_path / "home"
    names = ["COSTCO_2018_10K", "COSTCO_2021_10K", "MICROSOFT_2021_10K", "BLOCK_2019_10K"]
    srv = Served(home, tmp_path / "server.log")
    files = [
        ("files", (f"{n}.pdf", (fb_pdfs / f"{n}.pdf").read_bytes(), "application/pdf"))
        for n in names
    ]
    job_id = srv.client.post("/v1/documents", files=files).json()["id"]
    mid = wait_job(
        srv.client,
        job_id,
        until=lambda j: (
            j["files_done"] >= 1 or j["status"] != "running" and j["status"] != "queued"
        ),
    )
    assert mid["status"] == "running" and mid["files_done"] < len(names), (
        "the job ended before the kill"
    )
    srv.kill()

    # the catalog after the crash: every document whole, nothing half-written listed
    store = CorpusStore(home / "store")
    docs = store.list_documents()
    assert 1 <= len(docs) < len(names)
    for d in docs:
        assert len(list((store.doc_dir(d.doc_id) / "pages").glob("page-*.txt"))) == d.n_pages
        assert len(store.chunks(d.doc_id)) == d.n_chunks

    srv = Served(home, tmp_path / "server.log")
    try:
        job = wait_job(srv.client, job_id)
        assert job["status"] == "succeeded", job
        assert job["attempts"] == 2 and "resumed" in job["notes"][0]
        statuses = sorted(r["status"] for r in job["results"])
        assert statuses.count("unchanged") == len(docs) and statuses.count("added") == len(
            names
        ) - len(docs)
        assert len(srv.client.get("/v1/documents").json()["documents"]) == len(names)
        assert not [p for p in (home / "store" / "docs").iterdir() if p.name.startswith(".tmp")]
    finally:
        srv.stop()


def test_stream_disconnect_cancels_the_agent(served_home: Path):
    """A real uvicorn server in this process (so the agent stand-in can be watched)."""
    import uvicorn

    from docnav.engine import Engine
    from docnav.serving import create_app

    seen: dict = {}
    engine = Engine(make_settings(served_home))
    engine.ask = search_ask(gate=threading.Event(), seen=seen)(engine)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(engine), host="127.0.0.1", port=port, log_config=None)
    )
    t = threading.Thread(target=server.run, daemon=True)
    t.start()
    try:
        end = time.monotonic() + 30
        while not server.started and time.monotonic() < end:
            time.sleep(0.05)
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as c:
            with c.stream("POST", "/v1/ask", json={"question": "revenue", "stream": True}) as r:
                for line in r.iter_lines():
                    if line.startswith("event: step"):
                        break  # one step seen; hang up while the agent is still working
        end = time.monotonic() + 10
        while not seen.get("cancelled") and time.monotonic() < end:
            time.sleep(0.05)
        assert seen.get("cancelled"), "disconnect did not cancel the agent"
    finally:
        server.should_exit = True
        t.join(15)


def _sse_events(resp: httpx.Response) -> list[tuple[str, str]]:
    events, name, data = [], None, []
    for line in resp.iter_lines():
        if line.startswith("event:"):
            name = line.split(":", 1)[1].strip()
        elif line.startswith("data:"):
            data.append(line.split(":", 1)[1].strip())
        elif not line and name:
            events.append((name, "\n".join(data)))
            name, data = None, []
    return events


@pytest.mark.slow
def test_serve_ask_streamed_with_the_real_model(
    small_pdfs: list[Path], tmp_path: Path, small_gguf: Path, llama_cpp_installed: None
):
    """Upload, then a streamed agent question answered by the 0.5B GGUF through llama.cpp
    inside the real server; then read a page the answer rests on."""
    import json

    srv = Served(
        tmp_path / "home",
        tmp_path / "server.log",
        DOCNAV_LLM_MODEL=str(small_gguf),
        DOCNAV_LLM_CTX="8192",
        DOCNAV_ASK_TIMEOUT_S="1500",
    )
    try:
        c = srv.client
        with small_pdfs[1].open("rb") as fh:
            r = c.post(
                "/v1/documents", files=[("files", (small_pdfs[1].name, fh, "application/pdf"))]
            )
        assert wait_job(c, r.json()["id"])["status"] == "succeeded"
        body = {
            "question": "What were Best Buy's domestic comparable sales in the quarter?",
            "mode": "agent",
            "options": {"max_steps": 3, "max_tokens": 200},
        }
        with c.stream(
            "POST", "/v1/ask", json=body, headers={"Accept": "text/event-stream"}, timeout=1500
        ) as resp:
            assert resp.status_code == 200, resp.read()
            events = _sse_events(resp)
        kinds = [e for e, _ in events]
        assert kinds[-1] == "answer", events[-3:]
        steps = [json.loads(d) for e, d in events if e == "step"]
        assert any(s["kind"] == "model" for s in steps)
        answer = json.loads(events[-1][1])
        assert answer["answer"] and answer["trace"]["llm_calls"] >= 1
        assert len(steps) == len(answer["trace"]["steps"])  # every step was streamed
        cited = [x for x in answer["citations"] if x["verified"]]
        pages = [(x["doc_id"], x["page"]) for x in cited] or [
            tuple(p) for p in answer["trace"]["pages_read"]
        ]
        if pages:  # what the answer rests on can be read back through the API
            doc_id, page = pages[0]
            text = c.get(f"/v1/documents/{doc_id}/pages/{page}").json()["text"]
            assert text.strip()
        hist = c.get(f"/v1/conversations/{answer['thread_id']}").json()
        assert hist["messages"], hist
    finally:
        srv.stop()
