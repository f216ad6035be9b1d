"""The job table's crash recovery and the upload/path guards, without a server."""

from __future__ import annotations

import io
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from docnav.serving.errors import ApiError
from docnav.serving.jobs import JobStore
from docnav.serving.uploads import confine, sanitize_filename, save_upload


def _dead_owner() -> str:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return f"{proc.pid}:0.00"


def test_interrupted_job_resumed_once_then_failed(tmp_path: Path):
    jobs = JobStore(tmp_path / "jobs.sqlite")
    job = jobs.create(["/data/a.pdf", "/data/b.pdf"])
    assert jobs.claim()[0] == job.id and jobs.claim() is None  # one claimant only
    with sqlite3.connect(jobs.path) as db:  # the claiming process died
        db.execute("UPDATE jobs SET owner=? WHERE id=?", (_dead_owner(), job.id))
    assert jobs.recover() == [job.id]
    j = jobs.get(job.id)
    assert j.status == "queued" and "resumed" in j.notes[0]
    jobs.claim()
    with sqlite3.connect(jobs.path) as db:
        db.execute("UPDATE jobs SET owner=? WHERE id=?", (_dead_owner(), job.id))
    jobs.recover()
    j = jobs.get(job.id)
    assert j.status == "failed" and j.attempts == 2 and "interrupted twice" in j.error


def test_running_job_of_a_live_process_is_left_alone(tmp_path: Path):
    jobs = JobStore(tmp_path / "jobs.sqlite")
    job = jobs.create(["/data/a.pdf"])
    jobs.claim()  # owned by this (live) process, as another uvicorn worker would be
    assert JobStore(tmp_path / "jobs.sqlite").recover() == []
    assert jobs.get(job.id).status == "running"


@pytest.mark.parametrize(
    "raw,safe",
    [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\windows\\evil.pdf", "evil.pdf"),
        ("..", "upload"),
        (".bashrc", "bashrc"),
        ("a/b/../c.pdf", "c.pdf"),
        ("r\u00e9sum\u00e9 2023.pdf", "r_sum_2023.pdf"),
        ("x\x00.pdf", "x_.pdf"),
        (None, "upload"),
        ("a" * 300 + ".pdf", "a" * 100 + ".pdf"),
    ],
)
def test_sanitize_filename(raw, safe):
    assert sanitize_filename(raw) == safe


def test_save_upload_checks_content_not_name(tmp_path: Path):
    html = b"<!DOCTYPE html><html><body><p>Item 1. Business</p></body></html>"
    p, replaced = save_upload(io.BytesIO(html), "../filing.txt", tmp_path / "up", 10_000)
    assert p == tmp_path / "up" / "filing.txt.html" and not replaced  # content decides the type
    assert save_upload(io.BytesIO(html), "filing.txt", tmp_path / "up", 10_000) == (p, True)
    with pytest.raises(ApiError) as e:  # a .pdf must be a PDF
        save_upload(io.BytesIO(html), "filing.pdf", tmp_path / "up", 10_000)
    assert e.value.status == 415 and "no %PDF- header" in e.value.message
    with pytest.raises(ApiError) as e:
        save_upload(
            io.BytesIO(b"\x7fELF\x02\x01" + bytes(100)), "tool.txt.exe", tmp_path / "up", 10_000
        )
    assert e.value.status == 415
    with pytest.raises(ApiError) as e:
        save_upload(io.BytesIO(b"%PDF-1.7\n" + bytes(20_000)), "big.pdf", tmp_path / "up", 10_000)
    assert e.value.status == 413
    assert sorted(x.name for x in (tmp_path / "up").iterdir()) == ["filing.txt.html"]


def test_confine(tmp_path: Path):
    root, other = tmp_path / "root", tmp_path / "other"
    (root / "a").mkdir(parents=True)
    other.mkdir()
    (root / "a" / "x.pdf").write_bytes(b"%PDF-1.4")
    (other / "y.pdf").write_bytes(b"%PDF-1.4")
    (root / "a" / "y.pdf").symlink_to(other / "y.pdf")
    (root / "a" / "inner.pdf").symlink_to(root / "a" / "x.pdf")  # a link inside the root is fine
    assert confine(str(root / "a"), [root.resolve()]) == [(root / "a" / "x.pdf").resolve()]
    assert confine(str(root / "a" / "inner.pdf"), [root.resolve()]) == [
        (root / "a" / "x.pdf").resolve()
    ]
    for bad in (str(root / "a" / "y.pdf"), str(root / ".." / "other"), "/etc/passwd"):
        with pytest.raises(ApiError) as e:
            confine(bad, [root.resolve()])
        assert e.value.status == 403, bad
    with pytest.raises(ApiError) as e:
        confine(str(root), [])
    assert e.value.status == 403 and "DOCNAV_INGEST_ROOTS" in e.value.message
    json.dumps(str(e.value))
