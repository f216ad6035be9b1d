"""REST side of document identity (issue 20, cases 1 and 4): two different filings
uploaded under one name both stay; references match literally; ambiguity is refused."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.shared


def _wait_job(c, job_id: str, timeout: float = 120) -> dict:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        job = c.get(f"/v1/jobs/{job_id}").json()
        if job["status"] not in ("queued", "running"):
            return job
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} still {job['status']}")


def _upload(c, name: str, data: bytes, **form) -> dict:
    r = c.post("/v1/documents", files=[("files", (name, data, "application/pdf"))], data=form)
    assert r.status_code == 202, r.text
    return _wait_job(c, r.json()["id"])


def test_two_filings_uploaded_as_10k_pdf_both_stay(make_client, fb_pdfs: Path):
    c = make_client()
    before = {d["doc_id"] for d in c.get("/v1/documents").json()["documents"]}
    first = _upload(c, "10k.pdf", (fb_pdfs / "ULTABEAUTY_2023Q4_EARNINGS.pdf").read_bytes())
    second = _upload(c, "10k.pdf", (fb_pdfs / "AMCOR_2023Q2_10Q.pdf").read_bytes())
    r1, r2 = first["results"][0], second["results"][0]
    assert (r1["status"], r2["status"]) == ("added", "added"), (r1, r2)
    assert r1["doc_id"] != r2["doc_id"]
    docs = {d["doc_id"]: d for d in c.get("/v1/documents").json()["documents"]}
    assert set(docs) == before | {r1["doc_id"], r2["doc_id"]}
    # the first upload's file is not overwritten either
    upload_dir = c.app.state.service.upload_dir
    assert len(list(upload_dir.glob("10k*.pdf"))) == 2
    # both readable, each its own filing
    for r in (r1, r2):
        assert c.get(f"/v1/documents/{r['doc_id']}/pages/1").status_code == 200


def test_document_references_are_literal(make_client):
    c = make_client()
    docs = c.get("/v1/documents").json()["documents"]
    n = len(docs)
    for ref in ("A_", "%25", "B%25", "_"):
        r = c.get(f"/v1/documents/{ref}")
        assert r.status_code == 404, (ref, r.text)
        r = c.delete(f"/v1/documents/{ref}")
        assert r.status_code == 404, (ref, r.text)
    assert len(c.get("/v1/documents").json()["documents"]) == n  # nothing deleted
    assert c.get("/v1/documents", params={"company": "%"}).json()["documents"] == []


def test_an_ambiguous_reference_is_refused(make_client, fb_pdfs: Path):
    c = make_client()
    pdf = (fb_pdfs / "ULTABEAUTY_2023Q4_EARNINGS.pdf").read_bytes()
    a = _upload(c, "report.pdf", pdf)["results"][0]["doc_id"]
    b = _upload(c, "report.pdf", pdf + b"\n% another version\n")["results"][0]
    assert b["status"] == "added" and a in b["note"] and "replace" in b["note"]
    n = len(c.get("/v1/documents").json()["documents"])
    r = c.delete("/v1/documents/repo")  # a prefix of both ids
    assert r.status_code == 409 and r.json()["error"]["code"] == "ambiguous_reference", r.text
    assert len(c.get("/v1/documents").json()["documents"]) == n
    # asked for: the new version replaces the stored one
    v3 = _upload(c, "report.pdf", pdf + b"\n% third\n", replace="true")
    assert v3["status"] == "failed" and "2 stored documents" in v3["results"][0]["error"]
    assert c.delete(f"/v1/documents/{b['doc_id']}").status_code == 200
    v3 = _upload(c, "report.pdf", pdf + b"\n% third\n", replace="true")["results"][0]
    assert v3["status"] == "replaced" and v3["doc_id"] == a
