"""Honest failures and no disclosure over REST (issue 20 items 2, 7 and 8).

The LLM cases run the real service (`docnav serve`, uvicorn on 127.0.0.1) and the real agent
against a real OpenAI-compatible HTTP backend on 127.0.0.1 that refuses, hangs, then is shut
down; the other cases use the real app over a real store."""

from __future__ import annotations

import http.server
import json
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.serving.test_e2e import Served

pytestmark = pytest.mark.shared
# an absolute POSIX path of two or more parts (what /readyz and job responses used to show)
ABS_PATH = re.compile(r"(?<![\w.:/])/(?!v1/)[\w.-]+/[\w./-]+")


# -- a backend that misbehaves on request ------------------------------------------------------
class Backend:
    """An OpenAI-compatible server on 127.0.0.1 whose ``mode`` decides how it fails:
    "refuse" (HTTP 400 with an internal-looking message) or "hang" (never answers in time);
    ``stop()`` leaves nothing listening (down)."""

    def __init__(self) -> None:
        self.mode = "refuse"
        backend = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                self.rfile.read(int(self.headers.get("content-length") or 0))
                if backend.mode == "hang":
                    time.sleep(5)
                body = json.dumps(
                    {"error": {"message": "rejected by gateway at http://10.0.0.7:8000/internal"}}
                ).encode()
                self.send_response(400)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *a) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/v1"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def llm_service(served_home: Path, tmp_path: Path) -> Iterator[tuple[Served, Backend, Path]]:
    backend = Backend()
    log = tmp_path / "server.log"
    srv = Served(
        served_home,
        log,
        DOCNAV_LLM_BACKEND="openai",
        DOCNAV_LLM_BASE_URL=backend.url,
        DOCNAV_LLM_MODEL="any",
        DOCNAV_LLM_MAX_RETRIES="0",
        DOCNAV_LLM_TIMEOUT_S="1",
    )
    try:
        yield srv, backend, log
    finally:
        srv.stop()
        backend.stop()


def _error(r: httpx.Response, status: int, code: str) -> dict:
    assert r.status_code == status, r.text
    body = r.json()
    assert set(body) == {"error"}, body
    err = body["error"]
    assert err["code"] == code and err["message"] and err["request_id"] == r.headers["x-request-id"]
    return err


def _sse(r: httpx.Response) -> list[tuple[str, str]]:
    events, kind = [], None
    for line in r.iter_lines():
        if line.startswith("event:"):
            kind = line.partition(":")[2].strip()
        elif line.startswith("data:") and kind:
            events.append((kind, line.partition(":")[2].strip()))
            kind = None
    return events


def _no_backend_address(text: str, backend: Backend) -> None:
    assert "127.0.0.1" not in text and f":{backend.port}" not in text, text
    assert "10.0.0.7" not in text and "http://" not in text, text


# -- item 2: a backend failure is an error, never an answer -------------------------------------
@pytest.mark.parametrize("mode", ["agent", "closed-book"])
def test_llm_refused_timeout_down_are_errors_over_real_http(llm_service, mode: str) -> None:
    srv, backend, log = llm_service
    c = srv.client
    ask = {"question": "What was Best Buy's revenue?", "mode": mode}
    for kind, status, code in (("refuse", 502, "llm_refused"), ("hang", 504, "llm_timeout")):
        backend.mode = kind
        r = c.post("/v1/ask", json=ask)
        err = _error(r, status, code)
        assert "no answer" in err["message"]
        _no_backend_address(r.text, backend)
    backend.stop()  # nothing listens there now: down
    r = c.post("/v1/ask", json=ask)
    _error(r, 502, "llm_unavailable")
    _no_backend_address(r.text, backend)
    # the stream ends with an error event, never an answer; no step shows the URL either
    with c.stream("POST", "/v1/ask", json={**ask, "stream": True}) as s:
        events = _sse(s)
    kinds = [k for k, _ in events]
    assert kinds[-1] == "error" and "answer" not in kinds, events
    last = json.loads(events[-1][1])["error"]
    assert last["status"] == 502 and last["code"] == "llm_unavailable"
    for _, data in events:
        _no_backend_address(data, backend)
    assert c.get("/healthz").status_code == 200  # the service stays up
    # the operator's log keeps what the client does not see
    text = log.read_text()
    assert backend.url in text and "10.0.0.7" in text


def test_readyz_with_the_backend_down_shows_no_url(llm_service) -> None:
    srv, backend, _ = llm_service
    backend.stop()
    time.sleep(10.5)  # past the readiness cache of the check made at start-up
    r = srv.client.get("/readyz")
    assert r.status_code == 503 and r.json()["checks"]["llm"]["ok"] is False
    _no_backend_address(r.text, backend)


# -- item 7: a lone surrogate is a 422 with the documented body --------------------------------
SURROGATES = [
    ("/v1/search", b'{"query": "\\ud800"}'),
    ("/v1/search", b'{"query": "net sales", "\\udfff": 1}'),  # in a key (extra="forbid")
    ("/v1/search", b'{"query": "x", "filters": {"company": "\\udbff"}}'),
    ("/v1/ask", b'{"question": "\\ud800 revenue?"}'),
]


@pytest.mark.parametrize("path, body", SURROGATES)
def test_lone_surrogate_is_a_422_not_a_500(make_client, path: str, body: bytes) -> None:
    c = make_client()
    r = c.post(path, content=body, headers={"content-type": "application/json"})
    err = _error(r, 422, "validation")
    assert err["details"] and all(d["loc"] and d["msg"] for d in err["details"])


def test_lone_surrogate_over_real_http(llm_service) -> None:
    srv, _, _ = llm_service
    r = srv.client.post(
        "/v1/search", content=b'{"query":"\\ud800"}', headers={"content-type": "application/json"}
    )
    _error(r, 422, "validation")


# -- item 8: one error format; no server paths ------------------------------------------------
BAD_BODIES = [
    ("/v1/search", {"query": ""}),
    ("/v1/search", {"query": "x", "k": "many"}),
    ("/v1/search", {"query": "x", "surprise": 1}),
    ("/v1/search", []),
    ("/v1/ask", {"question": "q", "mode": "telepathy"}),
    ("/v1/ask", {"question": "q", "thread_id": "../../x"}),
]


def test_validation_errors_use_the_documented_body(make_client) -> None:
    c = make_client()
    for path, body in BAD_BODIES:
        err = _error(c.post(path, json=body), 422, "validation")
        assert err["message"].startswith("invalid request: "), err
        assert all(set(d) == {"loc", "msg", "type"} for d in err["details"]), err
    r = c.post("/v1/search", content=b"{not json", headers={"content-type": "application/json"})
    assert _error(r, 422, "validation")["details"][0]["type"] == "json_invalid"
    # query and path parameters too
    _error(c.get("/v1/documents", params={"year": "soon"}), 422, "validation")
    _error(c.get("/v1/documents/x/pages/one"), 422, "validation")
    _error(c.get("/v1/jobs", params={"limit": 0}), 422, "validation")
    spec = c.get("/openapi.json").json()  # the spec says so as well
    assert "details" in spec["components"]["schemas"]["ErrorBody"]["properties"]


def _no_server_paths(r: httpx.Response, *roots: Path) -> None:
    for root in roots:
        assert str(root) not in r.text, (r.request.url, r.text[:2000])
    assert not ABS_PATH.search(r.text), (r.request.url, ABS_PATH.search(r.text), r.text[:2000])


def test_no_server_paths_in_responses(
    make_client, served_home: Path, fb_pdfs: Path, tmp_path: Path
) -> None:
    root = tmp_path / "corpus"
    (root / "filings").mkdir(parents=True)
    (root / "filings" / "broken.pdf").write_bytes(b"%PDF-1.7\n garbage")
    c = make_client(ingest_roots=str(root))
    for r in (c.get("/readyz"), c.get("/v1/documents")):
        assert r.status_code == 200, r.text
        _no_server_paths(r, served_home, root)
    docs = c.get("/v1/documents").json()["documents"]
    assert {d["source_path"] for d in docs} == {d["name"] + ".pdf" for d in docs}
    doc_id = docs[0]["doc_id"]
    _no_server_paths(c.get(f"/v1/documents/{doc_id}"), served_home)
    # an upload (good and corrupt) and a server-path job: the job shows file names
    pdf = (fb_pdfs / "ULTABEAUTY_2023Q4_EARNINGS.pdf").read_bytes()
    up = c.post(
        "/v1/documents",
        files=[("files", ("ulta.pdf", pdf)), ("files", ("bad.pdf", b"%PDF-1.7\n x"))],
    )
    assert up.status_code == 202, up.text
    _no_server_paths(up, served_home)
    path_job = c.post("/v1/documents", data={"path": str(root / "filings")})
    assert path_job.status_code == 202, path_job.text
    _no_server_paths(path_job, root)
    for job_id in (up.json()["id"], path_job.json()["id"]):
        job = _wait_job(c, job_id)
        assert job.status_code == 200 and job.json()["errors"] >= 1, job.text
        _no_server_paths(job, served_home, root)
    assert {r["path"] for r in c.get(f"/v1/jobs/{up.json()['id']}").json()["results"]} == {
        "ulta.pdf",
        "bad.pdf",
    }
    _no_server_paths(c.get("/v1/jobs"), served_home, root)
    # errors that name a path say the name only
    outside = tmp_path / "private" / "secret.txt"
    outside.parent.mkdir()
    outside.write_text("secret")
    for p in (str(outside), str(root / "missing.pdf")):
        r = c.post("/v1/documents", data={"path": p})
        assert r.status_code in (403, 404), r.text
        _no_server_paths(r, root, tmp_path)
    removed = c.delete(f"/v1/documents/{doc_id}")
    assert removed.status_code == 200, removed.text
    _no_server_paths(removed, served_home)


def _wait_job(c, job_id: str, timeout: float = 120):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        r = c.get(f"/v1/jobs/{job_id}")
        if r.json()["status"] not in ("queued", "running"):
            return r
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} still running")
