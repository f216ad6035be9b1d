"""Every endpoint and its errors, through the real app over a real store (TestClient)."""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path

import pytest

from docnav.agent.llm.base import LLMError
from tests.serving.conftest import FILINGS, search_ask

pytestmark = pytest.mark.shared


def _err(r, status: int, code: str | None = None) -> dict:
    assert r.status_code == status, r.text
    body = r.json()["error"]
    assert body["message"] and body["request_id"] == r.headers["x-request-id"]
    if code:
        assert body["code"] == code, body
    return body


def _wait_job(c, job_id: str, timeout: float = 120) -> dict:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        job = c.get(f"/v1/jobs/{job_id}").json()
        if job["status"] not in ("queued", "running"):
            return job
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} still {job['status']}")


# -- operations ----------------------------------------------------------------------
def test_health_ready_metrics_and_docs(make_client):
    c = make_client()
    assert c.get("/healthz").json()["status"] == "ok"
    ready = c.get("/readyz").json()
    assert ready["ready"] and ready["checks"]["store"]["ok"] and ready["checks"]["index"]["ok"]
    assert "2 documents" in ready["checks"]["store"]["detail"]
    c.get("/v1/documents")
    c.get("/v1/documents/nope")
    text = c.get("/metrics").text
    assert 'docnav_http_requests_total{method="GET",route="/v1/documents",status="200"} 1.0' in text
    assert 'route="/v1/documents/{doc_id}",status="404"' in text
    assert (
        "docnav_http_request_seconds_bucket" in text
        and 'docnav_errors_total{code="not_found"}' in text
    )
    spec = c.get("/openapi.json").json()
    for path in (
        "/v1/ask",
        "/v1/search",
        "/v1/documents",
        "/v1/documents/{doc_id}/pages/{n}",
        "/v1/jobs/{job_id}",
        "/v1/conversations/{thread_id}",
    ):
        assert path in spec["paths"]
    assert c.get("/docs").status_code == 200


def test_request_id_kept_or_made(make_client):
    c = make_client()
    assert (
        c.get("/healthz", headers={"X-Request-ID": "abc-123"}).headers["x-request-id"] == "abc-123"
    )
    made = c.get("/healthz", headers={"X-Request-ID": "bad id\n"}).headers["x-request-id"]
    assert made != "bad id\n" and len(made) == 32


def test_cors_off_by_default_and_on_when_named(make_client):
    pre = {"Origin": "https://app.example", "Access-Control-Request-Method": "POST"}
    c = make_client()
    assert "access-control-allow-origin" not in c.options("/v1/search", headers=pre).headers
    c2 = make_client(cors_origins="https://app.example")
    r = c2.options("/v1/search", headers=pre)
    assert r.headers["access-control-allow-origin"] == "https://app.example"


# -- auth ---------------------------------------------------------------------------------
def test_api_keys(make_client, tmp_path: Path):
    keyfile = tmp_path / "keys"
    keyfile.write_text("# ops keys\nfile-key\n")
    c = make_client(api_keys="k1, k2", api_key_file=keyfile)
    r = c.get("/v1/documents")
    _err(r, 401, "unauthorized")
    assert r.headers["www-authenticate"] == "Bearer"
    _err(c.get("/v1/documents", headers={"Authorization": "Bearer k3"}), 401)
    _err(c.get("/v1/documents", headers={"Authorization": "Basic k1"}), 401)
    _err(c.get("/v1/documents", headers={"Authorization": "Bearer "}), 401)
    _err(c.post("/v1/search", json={"query": "revenue"}), 401)
    for key in ("k1", "k2", "file-key"):
        assert c.get("/v1/documents", headers={"Authorization": f"Bearer {key}"}).status_code == 200
    for open_path in ("/healthz", "/readyz", "/metrics", "/openapi.json"):
        assert c.get(open_path).status_code == 200, open_path


def test_serve_refuses_open_bind_without_keys(tmp_path: Path):
    from docnav.errors import DocnavError
    from docnav.serving.server import check_bind
    from docnav.settings import Settings

    s = Settings(home=tmp_path)
    assert "127.0.0.1 only" in check_bind(s, "127.0.0.1")
    with pytest.raises(DocnavError, match="refusing to bind 0.0.0.0 without API keys"):
        check_bind(s, "0.0.0.0")
    assert "API keys configured" in check_bind(Settings(home=tmp_path, api_keys="x"), "0.0.0.0")


# -- documents -----------------------------------------------------------------------------
def test_documents_outline_pages_sections(make_client):
    c = make_client()
    docs = c.get("/v1/documents").json()["documents"]
    assert sorted(d["name"] for d in docs) == sorted(FILINGS)
    q = next(d for d in docs if d["name"] == "BESTBUY_2024Q2_10Q")
    assert [
        d["doc_id"] for d in c.get("/v1/documents", params={"form": "10-Q"}).json()["documents"]
    ] == [q["doc_id"]]
    detail = c.get(f"/v1/documents/{q['doc_id']}").json()
    assert detail["document"]["n_pages"] == q["n_pages"] and detail["outline"]
    page = c.get(f"/v1/documents/{q['doc_id']}/pages/1").json()
    assert page["page"] == 1 and page["text"] == c.app.state.service.engine.page_text(
        q["doc_id"], 1
    )
    _err(c.get(f"/v1/documents/{q['doc_id']}/pages/{q['n_pages'] + 1}"), 404, "not_found")
    _err(c.get(f"/v1/documents/{q['doc_id']}/pages/0"), 404)
    assert c.get(f"/v1/documents/{q['doc_id']}/pages/one").status_code == 422
    _err(c.get("/v1/documents/no-such-doc"), 404, "not_found")
    # a section by id, by its full path and by label all give the same pages
    entry = next(e for e in detail["outline"] if e["label"])
    by_id = c.get(f"/v1/documents/{q['doc_id']}/sections/{entry['id']}").json()
    by_path = c.get(f"/v1/documents/{q['doc_id']}/sections/{entry['path']}").json()
    by_label = c.get(f"/v1/documents/{q['doc_id']}/sections/{entry['label']}").json()
    assert by_id["section"]["id"] == by_path["section"]["id"] == entry["id"]
    assert by_label["section"]["label"] == entry["label"]
    assert [p["page"] for p in by_id["pages"]][0] == entry["page_start"]  # both 1-based
    _err(c.get(f"/v1/documents/{q['doc_id']}/sections/Note 999"), 404)


def test_delete_document(make_client):
    c = make_client()
    doc = c.get("/v1/documents").json()["documents"][0]
    assert c.delete(f"/v1/documents/{doc['doc_id']}").json()["doc_id"] == doc["doc_id"]
    _err(c.get(f"/v1/documents/{doc['doc_id']}"), 404)
    _err(c.delete(f"/v1/documents/{doc['doc_id']}"), 404)
    hits = c.post("/v1/search", json={"query": "revenue", "mode": "bm25"}).json()["hits"]
    assert hits and all(h["doc_id"] != doc["doc_id"] for h in hits)  # index followed the catalog


# -- search ---------------------------------------------------------------------------------
def test_search_and_bad_bodies(make_client):
    c = make_client(max_k=20)
    r = c.post("/v1/search", json={"query": "comparable sales", "mode": "bm25", "k": 5})
    assert r.status_code == 200, r.text
    body = r.json()
    assert 0 < len(body["hits"]) <= 5 and body["mode"] == "bm25"
    assert all(h["page_start"] <= h["page_end"] for h in body["hits"])
    f = {"query": "comparable sales", "mode": "bm25", "filters": {"form": "10-Q"}}
    assert {h["form"] for h in c.post("/v1/search", json=f).json()["hits"]} == {"10-Q"}
    _err(c.post("/v1/search", json={"query": "x", "mode": "bm25", "k": 21}), 422, "k_too_large")
    for bad in (
        {"query": ""},
        {"query": "x", "k": 0},
        {"query": "x", "mode": "psychic"},
        {"query": "x", "k": "many"},
        {"query": "x", "surprise": 1},
        {},
        [],
        {"query": "x", "filters": {"year_min": "soon"}},
    ):
        assert c.post("/v1/search", json=bad).status_code == 422, bad
    r = c.post("/v1/search", content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 422
    big = c.post(
        "/v1/search", content=b"x" * (2 << 20), headers={"content-type": "application/json"}
    )
    _err(big, 413, "too_large")


# -- uploads and ingestion jobs ---------------------------------------------------------------
def test_upload_ingests_a_real_filing(make_client, fb_pdfs: Path):
    c = make_client()
    pdf = (fb_pdfs / "ULTABEAUTY_2023Q4_EARNINGS.pdf").read_bytes()
    r = c.post(
        "/v1/documents", files=[("files", ("../../etc/Ulta Q4!.pdf", pdf, "application/pdf"))]
    )
    assert r.status_code == 202, r.text
    job = _wait_job(c, r.json()["id"])
    assert job["status"] == "succeeded" and job["files_done"] == 1 and job["pages"] > 0, job
    upload_dir = c.app.state.service.upload_dir
    assert job["inputs"] == ["Ulta_Q4_.pdf"]  # a file name: no server paths to clients
    assert (upload_dir / "Ulta_Q4_.pdf").is_file()
    assert not list(upload_dir.glob(".upload-*"))  # no partial files left
    doc_id = job["results"][0]["doc_id"]
    assert c.get(f"/v1/documents/{doc_id}").json()["document"]["n_pages"] == job["pages"]
    # the same bytes again: unchanged, nothing re-ingested
    again = _wait_job(c, c.post("/v1/documents", files=[("files", ("x.pdf", pdf))]).json()["id"])
    assert again["results"][0]["status"] == "unchanged"
    assert [j["id"] for j in c.get("/v1/jobs").json()["jobs"]][:2] == [again["id"], job["id"]]


def test_upload_refusals(make_client, fb_pdfs: Path):
    c = make_client(upload_max_mb=0.05)
    exe = b"MZ\x90\x00" + os.urandom(2000)
    _err(c.post("/v1/documents", files=[("files", ("setup.pdf", exe))]), 415, "unsupported_type")
    _err(c.post("/v1/documents", files=[("files", ("run.sh", b"#!/bin/sh\nrm -rf /\n"))]), 415)
    _err(c.post("/v1/documents", files=[("files", ("empty.pdf", b""))]), 422, "empty_file")
    pdf = (fb_pdfs / "AMCOR_2023Q4_EARNINGS.pdf").read_bytes()
    assert len(pdf) > 0.05e6
    _err(c.post("/v1/documents", files=[("files", ("big.pdf", pdf))]), 413, "too_large")
    _err(c.post("/v1/documents", data={"force": "true"}), 422, "nothing_to_ingest")
    svc = c.app.state.service
    assert not [p for p in svc.upload_dir.rglob("*") if p.is_file()]
    assert c.get("/v1/jobs").json()["jobs"] == []
    _err(c.get("/v1/jobs/nope"), 404)


def test_html_sniffed_and_renamed(make_client):
    c = make_client()
    html = (
        b"<html><body><h1>Item 7. Management's Discussion</h1><p>Revenue grew 5%.</p></body></html>"
    )
    r = c.post("/v1/documents", files=[("files", ("notes", html))])
    assert r.status_code == 202, r.text
    assert Path(r.json()["inputs"][0]).name == "notes.html"


def test_server_side_paths_confined(make_client, tmp_path: Path, fb_pdfs: Path):
    root = tmp_path / "corpus"
    outside = tmp_path / "private"
    root.mkdir()
    outside.mkdir()
    (outside / "secret.txt").write_text("not for the corpus")
    os.symlink(outside / "secret.txt", root / "link.txt")
    os.symlink(outside, root / "linkdir")
    real = root / "filings" / "ULTA.pdf"
    real.parent.mkdir()
    real.write_bytes((fb_pdfs / "ULTABEAUTY_2023Q4_EARNINGS.pdf").read_bytes())
    (root / "filings" / "escape.txt").symlink_to(outside / "secret.txt")

    off = make_client()
    _err(off.post("/v1/documents", data={"path": str(real)}), 403, "path_ingest_off")

    c = make_client(ingest_roots=str(root))
    for bad in (
        str(outside / "secret.txt"),
        str(root / "link.txt"),
        str(root / "linkdir"),
        str(root / ".." / "private" / "secret.txt"),
        "../private/secret.txt",
    ):
        _err(c.post("/v1/documents", data={"path": bad}), 403, "outside_roots")
    _err(c.post("/v1/documents", data={"path": str(root / "missing.pdf")}), 404)
    r = c.post("/v1/documents", data={"path": "filings"})  # relative to the first root
    assert r.status_code == 202, r.text
    assert r.json()["inputs"] == ["ULTA.pdf"]  # the escaping link was skipped; names only
    job = _wait_job(c, r.json()["id"])
    assert job["status"] == "succeeded", job


# -- ask ----------------------------------------------------------------------------------------
def test_ask_json(make_client):
    seen: dict = {}
    c = make_client(ask=search_ask(seen=seen))
    r = c.post(
        "/v1/ask",
        json={
            "question": "What were comparable sales?",
            "mode": "agent",
            "filters": {"form": "10-Q"},
            "thread_id": "t-1",
        },
    )
    assert r.status_code == 200, r.text
    ans = r.json()
    cite = ans["citations"][0]
    page = c.get(f"/v1/documents/{cite['doc_id']}/pages/{cite['page']}").json()
    assert cite["quote"] in " ".join(page["text"].split())
    assert seen["filters"].form == "10-Q" and seen["thread_id"] == "t-1"
    assert ans["trace"]["tool_calls"] == 1
    metrics = c.get("/metrics").text
    assert 'docnav_llm_tokens_total{direction="in"} 420.0' in metrics
    assert 'docnav_tool_calls_total{tool="search"} 1.0' in metrics


def test_ask_streams_steps_then_answer(make_client):
    c = make_client(ask=search_ask())
    for kw in (
        {"json": {"question": "net sales", "stream": True}},
        {"json": {"question": "net sales"}, "headers": {"Accept": "text/event-stream"}},
    ):
        with c.stream("POST", "/v1/ask", **kw) as r:
            assert r.status_code == 200
            assert r.headers["content-type"].startswith("text/event-stream")
            events = _sse(r.iter_lines())
        kinds = [e["event"] for e in events]
        assert kinds == ["step", "step", "step", "answer"], kinds
        assert json.loads(events[1]["data"])["tool"] == "search"
        assert json.loads(events[-1]["data"])["citations"]


def _sse(lines) -> list[dict]:
    events, cur = [], {}
    for line in lines:
        if not line.strip():
            if cur.get("event"):
                events.append(cur)
            cur = {}
        elif ":" in line and not line.startswith(":"):
            k, _, v = line.partition(":")
            cur[k] = v.strip()
    return events


def test_ask_limits_and_errors(make_client):
    gate = threading.Event()
    seen: dict = {}
    c = make_client(ask=search_ask(gate=gate, seen=seen), ask_concurrency=1, retry_after_s=7)
    _err(c.post("/v1/ask", json={"question": "x" * 2001}), 422, "question_too_long")
    for bad in (
        {"question": ""},
        {"question": "q", "mode": "telepathy"},
        {"question": 3},
        {"question": "q", "thread_id": "../../x"},
        {"question": "q", "options": {"max_steps": 0}},
    ):
        assert c.post("/v1/ask", json=bad).status_code == 422, bad
    _err(
        c.post("/v1/ask", json={"question": "q", "options": {"max_steps": 3}}),
        422,
        "unsupported_option",
    )
    # one slot: a question waiting on the gate holds it; the next gets 503 + Retry-After
    holder = threading.Thread(
        target=lambda: seen.update(first=c.post("/v1/ask", json={"question": "revenue"}))
    )
    holder.start()
    while "cancel" not in seen:
        time.sleep(0.01)
    r = c.post("/v1/ask", json={"question": "revenue"})
    _err(r, 503, "busy")
    assert r.headers["retry-after"] == "7"
    gate.set()
    holder.join(30)
    assert seen["first"].status_code == 200
    assert c.post("/v1/ask", json={"question": "revenue"}).status_code == 200  # slot freed
    assert "docnav_ask_rejected_total 1.0" in c.get("/metrics").text


def test_ask_timeout_cancels(make_client):
    seen: dict = {}
    c = make_client(ask=search_ask(gate=threading.Event(), seen=seen), ask_timeout_s=0.5)
    _err(c.post("/v1/ask", json={"question": "revenue"}), 504, "timeout")
    end = time.monotonic() + 5
    while not seen.get("cancelled") and time.monotonic() < end:
        time.sleep(0.02)
    assert seen.get("cancelled"), "the agent was not told to stop"
    assert c.app.state.service.ask_slots.acquire(timeout=5)  # the slot came back


def test_llm_errors_are_502_and_service_stays_up(make_client):
    def down(engine):
        def ask(question, mode="agent", **kw):
            raise LLMError("connection refused: http://127.0.0.1:9/v1")

        return ask

    down.factory = True
    c = make_client(ask=down)
    body = _err(c.post("/v1/ask", json={"question": "revenue"}), 502, "llm_unavailable")
    assert "unavailable" in body["message"] and "127.0.0.1" not in body["message"]
    with c.stream("POST", "/v1/ask", json={"question": "revenue", "stream": True}) as r:
        events = _sse(r.iter_lines())
    assert [e["event"] for e in events] == ["error"]
    err = json.loads(events[0]["data"])["error"]  # the error responses' format
    assert err["code"] == "llm_unavailable" and err["status"] == 502 and err["request_id"]
    assert c.get("/healthz").status_code == 200


def test_unexpected_errors_are_plain_500(make_client):
    c = make_client()

    def boom(*a, **kw):
        raise RuntimeError("secret internals")

    c.app.state.service.engine.documents = boom
    r = c.get("/v1/documents")
    body = _err(r, 500, "internal")
    assert "secret" not in r.text and "Traceback" not in r.text and body


def test_conversations(make_client):
    from docnav.errors import NotFoundError

    def history(thread_id):
        if thread_id != "t-1":
            raise NotFoundError(f"no thread {thread_id}")
        return [{"role": "user", "content": "revenue?"}, {"role": "assistant", "content": "$1"}]

    c = make_client(conversation=history)
    assert c.get("/v1/conversations/t-1").json()["messages"][1]["role"] == "assistant"
    _err(c.get("/v1/conversations/t-2"), 404)


def test_readyz_asks_an_openai_compatible_backend(make_client):
    import http.server
    import socket

    class Models(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            self.send_response(200 if self.path == "/v1/models" else 404)
            self.end_headers()
            self.wfile.write(b'{"data": []}')

        def log_message(self, *a):
            pass

    backend = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Models)
    threading.Thread(target=backend.serve_forever, daemon=True).start()
    try:
        up = f"http://127.0.0.1:{backend.server_address[1]}/v1"
        c = make_client(llm_backend="openai", llm_base_url=up)
        llm = c.get("/readyz").json()["checks"]["llm"]
        assert llm["ok"] is True and "answered 200" in llm["detail"]
    finally:
        backend.shutdown()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]  # nothing listens here once the socket closes
    down = make_client(
        llm_backend="openai", llm_base_url=f"http://127.0.0.1:{closed}/v1", wait=False
    )
    end = time.monotonic() + 60
    while not down.get("/readyz").json()["checks"]["index"]["ok"] and time.monotonic() < end:
        time.sleep(0.05)
    r = down.get("/readyz")
    assert r.status_code == 503 and r.json()["checks"]["llm"]["ok"] is False
    assert down.get("/healthz").status_code == 200  # up, just not ready


def test_cli_serve_refuses_open_bind(tmp_path: Path, monkeypatch):
    from typer.testing import CliRunner

    from docnav.cli import app

    monkeypatch.delenv("DOCNAV_API_KEYS", raising=False)
    r = CliRunner().invoke(app, ["serve", "--home", str(tmp_path), "--host", "0.0.0.0"])
    assert r.exit_code == 1
    assert "refusing to bind 0.0.0.0 without API keys" in r.output


def test_refused_multi_upload_leaves_no_new_files(make_client, fb_pdfs: Path):
    c = make_client()
    pdf = (fb_pdfs / "AMCOR_2023Q4_EARNINGS.pdf").read_bytes()
    files = [("files", ("good.pdf", pdf)), ("files", ("bad.pdf", b"MZ\x90\x00" + bytes(100)))]
    _err(c.post("/v1/documents", files=files), 415)
    assert not [p for p in c.app.state.service.upload_dir.rglob("*") if p.is_file()]


def test_shutdown_stops_questions_in_flight(make_client):
    seen: dict = {}
    c = make_client(ask=search_ask(gate=threading.Event(), seen=seen))
    t = threading.Thread(target=lambda: seen.update(r=c.post("/v1/ask", json={"question": "q"})))
    t.start()
    while "cancel" not in seen:
        time.sleep(0.01)
    c.app.state.service.stop()  # what the lifespan does at shutdown
    t.join(10)
    assert seen.get("cancelled") and seen["r"].status_code == 200
