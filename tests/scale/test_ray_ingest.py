"""Ingestion as local Ray tasks into PostgreSQL, on real synthetic filings with the real
embedding model: every file lands once with the file store's chunks and one vector per
chunk, a rerun changes nothing, and a worker killed with SIGKILL mid-run (Ray retries its
task) loses and duplicates nothing."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from pathlib import Path

import psutil
import pytest

from docnav.ingestion.pipeline import IngestOptions, ingest_paths
from docnav.ingestion.store import CorpusStore
from docnav.ray_ingest import _store, ingest_file, ingest_with_ray
from docnav.retrieval.dense import DEFAULT_MODEL
from docnav.retrieval.pg_search import PgSearch
from docnav.synth import generate
from docnav.synth.generate import SynthConfig

ray = pytest.importorskip("ray")
pytestmark = pytest.mark.slow  # local Ray + the embedding model in two workers: ~1 min


@pytest.fixture(scope="module")
def local_ray():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


@pytest.fixture(scope="module")
def filings(tmp_path_factory) -> tuple[Path, dict[str, int]]:
    """Five synthetic EDGAR HTML filings (a 10-Q, three 10-Ks, an 8-K) and each one's chunk
    count in the file store."""
    cfg = SynthConfig(
        companies=3,
        first_year=2024,
        last_year=2024,
        formats=["html"],
        quarters=[2],
        quarterly_companies=1,
    )
    out = tmp_path_factory.mktemp("synth")
    generate(cfg, out)
    store = CorpusStore(tmp_path_factory.mktemp("file-store"))
    report = ingest_paths(store, [out / "html"])
    assert {r.status for r in report.files} == {"added"} and len(report.files) == 5
    return out / "html", {d.name: d.n_chunks for d in store.list_documents()}


def _landed(root: Path, url: str) -> tuple[dict[str, int], int, dict[str, str]]:
    """(chunks per filing name, vectors stored, version folders) of the PostgreSQL store."""
    store = _store(str(root.resolve()), url)
    docs = store.list_documents()
    chunks = {d.name: len(store.chunks(d.doc_id)) for d in docs}
    assert len(chunks) == len(docs), "a filing stored twice"
    search = PgSearch(store, DEFAULT_MODEL, dim=384)
    assert search.missing() == []
    (vectors,) = store._rows(f"SELECT count(*) FROM {search.table}")[0]
    assert sorted(p.name for p in store.docs_dir.iterdir()) == sorted(store.versions().values())
    return chunks, vectors, store.versions()


def test_lands_in_postgres_like_the_file_store_and_a_rerun_changes_nothing(
    local_ray, pg_url, filings, tmp_path
):
    html, want = filings
    root = tmp_path / "store"
    lines: list[str] = []
    report = ingest_with_ray(
        [html],
        root,
        pg_url,
        embedding_model=DEFAULT_MODEL,
        on_result=lambda r: lines.append(r.path),
    )
    assert sorted(r.status for r in report.files) == ["added"] * 5
    assert len(lines) == 5  # one progress call per finished file
    chunks, vectors, versions = _landed(root, pg_url)
    assert chunks == want and vectors == sum(want.values())

    again = ingest_with_ray([html], root, pg_url, embedding_model=DEFAULT_MODEL)
    assert sorted(r.status for r in again.files) == ["unchanged"] * 5
    assert _landed(root, pg_url) == (chunks, vectors, versions)


def _kill_busy_workers(stop: threading.Event, killed: list[str]) -> None:
    """SIGKILL the first worker seen running a parse task, then the first running an
    embedding task (Ray names a busy worker process after its task)."""
    wanted = ["ray::ingest_file", "ray::embed_document"]
    while wanted and not stop.is_set():
        for p in psutil.process_iter(["pid", "cmdline"]):
            title = " ".join(p.info["cmdline"] or [])
            if wanted and title.startswith(wanted[0]):
                os.kill(p.info["pid"], signal.SIGKILL)
                killed.append(wanted.pop(0))
                break
        time.sleep(0.02)


def test_a_worker_killed_mid_run_loses_and_duplicates_nothing(local_ray, pg_url, filings, tmp_path):
    html, want = filings
    root = tmp_path / "store"
    stop, killed = threading.Event(), []
    watcher = threading.Thread(target=_kill_busy_workers, args=(stop, killed), daemon=True)
    watcher.start()
    try:
        report = ingest_with_ray([html], root, pg_url, embedding_model=DEFAULT_MODEL, max_retries=3)
    finally:
        stop.set()
        watcher.join()
    assert killed == ["ray::ingest_file", "ray::embed_document"]
    # a parse killed after its commit is retried and finds its own commit: "unchanged"
    assert {r.status for r in report.files} <= {"added", "unchanged"}, report.files
    assert len(report.files) == 5
    chunks, vectors, _ = _landed(root, pg_url)
    assert chunks == want and vectors == sum(want.values())


def test_a_task_killed_after_its_commit_finds_its_commit(local_ray, pg_url, tmp_path):
    """The narrowest window, made certain: the worker dies after the commit, before it
    returns; Ray's retry sees the content hash in the catalog and writes nothing."""
    src = tmp_path / "src"
    src.mkdir()
    for i in range(2):
        (src / f"memo{i}.md").write_text(f"# Memo {i}\n\nRevenue was ${i + 1}.5 million.\n")
    root = tmp_path / "store"
    marker = tmp_path / "killed-once"

    @ray.remote(max_retries=2)
    def dies_after_commit(path: str) -> object:
        r = ingest_file(path, str(root), pg_url, IngestOptions())
        if not marker.exists():  # the first attempt: the worker process dies after its commit
            marker.write_text(path)
            os.kill(os.getpid(), signal.SIGKILL)
        return r

    files = sorted(str(p) for p in src.iterdir())
    results = ray.get([dies_after_commit.remote(f) for f in files])
    by_path = {r.path: r.status for r in results}
    assert by_path[marker.read_text()] == "unchanged"
    assert set(by_path.values()) <= {"added", "unchanged"}
    store = _store(str(root), pg_url)
    assert sorted(d.name for d in store.list_documents()) == ["memo0", "memo1"]


def test_docnav_ingest_ray(local_ray, pg_url, filings, tmp_path):
    """`docnav ingest --ray [ADDRESS] PATHS`: one line per finished file, the report, exit 0;
    without DOCNAV_DATABASE_URL a one-line error and exit 1."""
    from typer.testing import CliRunner

    from docnav.cli import app

    html, want = filings
    env = {"DOCNAV_HOME": str(tmp_path / "home"), "DOCNAV_DATABASE_URL": pg_url}
    r = CliRunner().invoke(app, ["ingest", "--ray", "local", str(html), "--json"], env=env)
    assert r.exit_code == 0, r.output
    lines = [ln for ln in r.stderr.splitlines() if ln.startswith("added")]
    assert len(lines) == 5 and all("chunks" in ln for ln in lines), r.stderr
    report = json.loads(r.stdout)
    assert sum(f["chunks"] for f in report["files"]) == sum(want.values())

    r = CliRunner().invoke(
        app, ["ingest", "--ray", str(html)], env={**env, "DOCNAV_DATABASE_URL": ""}
    )
    assert r.exit_code == 1 and "set DOCNAV_DATABASE_URL" in r.output
    assert "Traceback" not in r.output
