"""PostgreSQL backend against the file store on the FinanceBench dev store, in one run:
copy time, sizes, keyword recall (PostgreSQL full-text ranking vs bm25s) and vector search
(pgvector HNSW vs the exact numpy scan over the same embeddings), with latencies.

    python -m docnav.bench.pg_backends --home /work/fbhome --database-url postgresql://... \
        --out results/pg-backends

The embeddings are the ones already on disk under ``<home>/indexes`` (no filing is
embedded by this run); questions whose filing has none are left out of the vector rows.
Evidence is found at k when a gold page (doc_name + 0-based page) lies in a top-k chunk's
page range, as in ``docnav bench retrieval``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np

from docnav.bench import git_commit, machine_info
from docnav.ingestion.migrate import copy_store
from docnav.ingestion.store import CorpusStore
from docnav.ingestion.store_pg import PgCorpusStore
from docnav.retrieval.dense import embed, scan, top_k
from docnav.retrieval.index import CorpusIndex, SearchFilters
from docnav.retrieval.pg_search import PgSearch

KS = (1, 5, 10, 20)


def _found(
    hits: list[tuple[str, int, int]], evidence: list[dict], names: dict[str, str]
) -> int | None:
    """1-based rank of the first hit (doc_id, page_start, page_end) holding a gold page."""
    for rank, (doc_id, lo, hi) in enumerate(hits, start=1):
        for ev in evidence:
            if names.get(doc_id) == ev["doc_name"] and lo <= ev["evidence_page_num"] <= hi:
                return rank
    return None


def _summary(ranks: list[int | None], ms: list[float]) -> dict:
    n = len(ranks)
    out = {f"R@{k}": round(100 * sum(r is not None and r <= k for r in ranks) / n, 1) for k in KS}
    out.update(
        questions=n,
        p50_ms=round(statistics.median(ms), 2),
        p95_ms=round(float(np.percentile(ms, 95)), 2),
    )
    return out


def copy_into(src: CorpusStore, dst: PgCorpusStore, names: set[str] | None) -> dict:
    t = time.perf_counter()
    ids = copy_store(_Only(src, names) if names else src, dst)
    secs = time.perf_counter() - t
    chunks = sum(d.n_chunks for d in dst.list_documents())
    return {
        "filings": len(ids),
        "chunks": chunks,
        "seconds": round(secs, 1),
        "chunks_per_s": round(chunks / secs, 1),
    }


class _Only:
    """A store seen through a filter on document names (the copy's source)."""

    def __init__(self, store: CorpusStore, names: set[str]) -> None:
        self.store, self.names = store, names

    def list_documents(self):
        return [d for d in self.store.list_documents() if d.name in self.names]

    def __getattr__(self, name):
        return getattr(self.store, name)


def load_embeddings(
    index: CorpusIndex, search: PgSearch, src_index: Path, versions: dict[str, str]
) -> tuple[dict, float]:
    """The file store's per-filing embedding files (``<home>/indexes/dense-*/<version>.npy``)
    into PostgreSQL; returns the matrices by doc_id and the seconds the insert (with HNSW
    maintenance) took."""
    folder = src_index / index._dense_folder().name
    by_doc: dict[str, np.ndarray] = {}
    for doc_id in index.docs:
        path = folder / f"{versions[doc_id]}.npy"
        if path.exists():
            by_doc[doc_id] = np.asarray(np.load(path), dtype=np.float32)
    search.ensure_table()
    t = time.perf_counter()
    for doc_id, m in by_doc.items():
        search.write_embeddings([(doc_id, i) for i in range(m.shape[0])], m)
    return by_doc, time.perf_counter() - t


def keyword_rows(questions, index: CorpusIndex, search: PgSearch, names) -> dict:
    rows = {}
    for kind in ("shared", "single"):
        got: dict[str, tuple[list, list]] = {
            "bm25s (file store)": ([], []),
            "PostgreSQL full text": ([], []),
        }
        for q in questions:
            f = SearchFilters(doc_ids=[q["doc_name"]]) if kind == "single" else None
            t = time.perf_counter()
            res = index.search(
                q["question"],
                mode="bm25",
                k=max(KS),
                filters=f,
                understand="off",
                expand=False,
                unit="chunk",
                route="",
            )
            ms = (time.perf_counter() - t) * 1000
            hits = [(h.doc_id, h.page_start, h.page_end) for h in res.hits]
            got["bm25s (file store)"][0].append(_found(hits, q["evidence"], names))
            got["bm25s (file store)"][1].append(ms)
            t = time.perf_counter()
            pg = search.keyword(q["question"], max(KS), f)
            ms = (time.perf_counter() - t) * 1000
            hits = [(h.doc_id, h.page_start, h.page_end) for h in pg]
            got["PostgreSQL full text"][0].append(_found(hits, q["evidence"], names))
            got["PostgreSQL full text"][1].append(ms)
        for name, (ranks, ms) in got.items():
            rows[f"{name} / {kind} store"] = _summary(ranks, ms)
    return rows


def vector_rows(questions, index: CorpusIndex, search: PgSearch, by_doc: dict, names) -> dict:
    """Exact numpy scan vs pgvector HNSW over the same embedded filings."""
    chunks = {d: index.store.chunks(d) for d in by_doc}
    ids = list(by_doc)
    matrix = np.vstack([by_doc[d] for d in ids])
    owner = [(d, c) for d in ids for c in chunks[d]]
    qs = [q for q in questions if _doc_id(q, names) in by_doc]
    qvecs = embed([q["question"] for q in qs], index.embedding_model)
    rows, overlap = {}, []
    for kind in ("shared", "single"):
        exact_r, exact_ms, pg_r, pg_ms = [], [], [], []
        for q, v in zip(qs, qvecs, strict=True):
            doc_id = _doc_id(q, names)
            t = time.perf_counter()
            if kind == "single":
                lo = sum(by_doc[d].shape[0] for d in ids[: ids.index(doc_id)])
                rows_ = np.arange(lo, lo + by_doc[doc_id].shape[0])
                top = top_k(scan(matrix[rows_], v), max(KS), rows_)
            else:
                top = top_k(scan(matrix, v), max(KS))
            exact_ms.append((time.perf_counter() - t) * 1000)
            ex = [owner[r] for r, _ in top]
            exact_r.append(
                _found([(d, c.page_start, c.page_end) for d, c in ex], q["evidence"], names)
            )
            f = SearchFilters(doc_ids=[doc_id]) if kind == "single" else None
            t = time.perf_counter()
            pg = search.vector(v, max(KS), f)
            pg_ms.append((time.perf_counter() - t) * 1000)
            pg_r.append(
                _found([(h.doc_id, h.page_start, h.page_end) for h in pg], q["evidence"], names)
            )
            want = {c.id for _, c in ex[:10]}
            overlap.append((kind, len(want & {h.chunk_id for h in pg[:10]}) / max(1, len(want))))
        rows[f"exact numpy scan / {kind} store"] = _summary(exact_r, exact_ms)
        rows[f"pgvector HNSW / {kind} store"] = _summary(pg_r, pg_ms)
        rows[f"pgvector HNSW / {kind} store"]["top10_overlap_with_exact_pct"] = round(
            100 * statistics.mean(o for k, o in overlap if k == kind), 1
        )
    return rows


def _doc_id(q: dict, names: dict[str, str]) -> str | None:
    return next((d for d, n in names.items() if n == q["doc_name"]), None)


def sizes(store: PgCorpusStore, search: PgSearch, index: CorpusIndex, by_doc: dict) -> dict:
    rels = (
        "chunks",
        "chunks_tsv",
        "documents",
        "sections",
        "facts",
        search.table,
        f"{search.table}_hnsw",
    )
    out = {}
    with store._connect() as db:
        for r in rels:
            out[f"pg:{r}"] = db.execute("SELECT pg_total_relation_size(%s)", (r,)).fetchone()[0]
        out["pg:database"] = db.execute("SELECT pg_database_size(current_database())").fetchone()[0]
    # the file store's side for the same filings
    out["file:chunks.jsonl"] = sum(p.stat().st_size for p in store.docs_dir.glob("*/chunks.jsonl"))
    out["file:bm25s index"] = sum(p.stat().st_size for p in (index.folder / "bm25").iterdir())
    out["file:embeddings (.npy, float16)"] = sum(
        m.shape[0] * m.shape[1] * 2 for m in by_doc.values()
    )
    return {k: round(v / 2**20, 1) for k, v in out.items()}  # MiB


# -- parity: docnav's own search (CorpusIndex's ranking) on each backend ---------------------

PARITY_ROWS = "bm25+filters,hybrid+filters,bm25 pages+route+year,pages+route+year"


class _On:
    """What ``docnav bench retrieval``'s measuring loop asks of an engine, for one index."""

    def __init__(self, index: CorpusIndex) -> None:
        self.index = index

    def documents(self) -> list:
        return list(self.index.docs.values())


def parity(
    file_home: Path, pg: PgCorpusStore, cache: Path, questions: list[dict], rows: str
) -> dict:
    """The evidence-recall table of ``docnav bench retrieval`` (``rows``) on the file store
    at ``file_home`` (bm25s + numpy) and on the PostgreSQL store ``pg`` (PgIndex: BM25 and
    pgvector in the database), the same filings; and per question whether the two found the
    first gold page at the same rank."""
    from rich.console import Console

    from docnav.bench.retrieval import _measure, pick_configs
    from docnav.retrieval.backends import PgIndex

    configs = pick_configs(rows) or []
    out: dict = {"rows": [c.label for c in configs], "build_seconds": {}, "tables": {}}
    per: dict[str, dict] = {}
    for name, index in (
        ("file store", CorpusIndex(CorpusStore(file_home / "store"), file_home / "indexes")),
        ("PostgreSQL", PgIndex(pg, folder=cache)),
    ):
        t = time.perf_counter()
        index.ensure(dense=True)
        out["build_seconds"][name] = round(time.perf_counter() - t, 1)
        table, got = _measure(_On(index), configs, questions, None, None, Console(quiet=True))
        out["tables"][name] = table
        per[name] = {(r["config"], r["financebench_id"]): r["page_rank"] for r in got}
        print(name, json.dumps(table)[:2000], flush=True)
    a, b = per["file store"], per["PostgreSQL"]
    out["same_first_gold_page_rank"] = {
        row: f"{sum(a[k] == b[k] for k in a if k[0] == row)}/{sum(1 for k in a if k[0] == row)}"
        for row in dict.fromkeys(k[0] for k in a)
    }
    return out


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--home", type=Path, required=True)
    ap.add_argument("--database-url", required=True)
    ap.add_argument(
        "--questions",
        type=Path,
        default=Path(__file__).resolve().parents[2] / "shared/financebench/questions.jsonl",
    )
    ap.add_argument("--out", type=Path, default=Path("results/pg-backends"))
    ap.add_argument(
        "--all-filings",
        action="store_true",
        help="copy all filings (default: the questions' filings only)",
    )
    ap.add_argument(
        "--pages",
        type=Path,
        default=Path("/tmp/docnav-pg-bench-pages"),
        help="where the PostgreSQL store keeps its page files",
    )
    ap.add_argument(
        "--parity",
        type=Path,
        metavar="FILE_HOME",
        help="only the parity table: docnav's search on the file store at FILE_HOME vs on the "
        "PostgreSQL store already at --database-url/--pages (the same filings)",
    )
    ap.add_argument("--rows", default=PARITY_ROWS, help="the parity table's rows")
    a = ap.parse_args(argv)
    if a.parity:
        return _main_parity(a, argv)
    commit = git_commit()
    questions = [json.loads(x) for x in a.questions.read_text().splitlines() if x.strip()]
    src = CorpusStore(a.home / "store")
    dst = PgCorpusStore(a.pages, a.database_url)
    only = None if a.all_filings else {q["doc_name"] for q in questions}
    result = {
        "command": "python -m docnav.bench.pg_backends " + " ".join(argv or []),
        "measured_at_commit": commit,
        "machine": machine_info(),
    }
    result["copy"] = copy_into(src, dst, only)
    versions = src.versions()
    assert set(dst.versions()) <= set(versions), "doc ids changed in the copy"
    # bm25s over the PostgreSQL store's own chunks: both engines rank the very same rows
    index = CorpusIndex(dst, a.pages.parent / (a.pages.name + "-indexes"))
    index.ensure(dense=False)
    search = PgSearch(dst, index.embedding_model, dim=384)
    by_doc, secs = load_embeddings(index, search, a.home / "indexes", versions)
    result["embeddings_loaded"] = {
        "filings": len(by_doc),
        "rows": int(sum(m.shape[0] for m in by_doc.values())),
        "insert_seconds_with_hnsw": round(secs, 1),
    }
    names = {d.doc_id: d.name for d in dst.list_documents()}
    result["keyword"] = keyword_rows(questions, index, search, names)
    result["vector"] = vector_rows(questions, index, search, by_doc, names)
    result["sizes_mib"] = sizes(dst, search, index, by_doc)
    a.out.mkdir(parents=True, exist_ok=True)
    (a.out / "results.json").write_text(json.dumps(result, indent=2))
    print(json.dumps({k: result[k] for k in ("copy", "keyword", "vector", "sizes_mib")}, indent=2))
    return result


def parity_md(result: dict) -> str:
    """The parity table: each row on each backend, percentages of the questions."""
    cols = ("page_recall@10", "page_recall@20", "recall@10", "right_filing_in_top10")
    lines = [
        "| row / store | backend | page R@10 | page R@20 | chunk R@10 | right filing top 10 "
        "| p50 ms | same first gold page rank |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    file_t, pg_t = result["tables"]["file store"], result["tables"]["PostgreSQL"]
    for row in file_t:
        for name, t in (("file store", file_t), ("PostgreSQL", pg_t)):
            r = t[row]
            vals = [("-" if r.get(c) is None else f"{100 * r[c]:.1f}") for c in cols]
            same = result["same_first_gold_page_rank"][row] if name == "PostgreSQL" else ""
            lines.append(
                f"| {row} | {name} | {' | '.join(vals)} | {r['latency_ms_p50']} | {same} |"
            )
    return (
        f"# Search parity: file store vs PostgreSQL ({result['questions']} FinanceBench dev "
        "questions)\n\n"
        f"Command: `{result['command']}` at commit {result['measured_at_commit']}.\n"
        f"Index load/build seconds: {result['build_seconds']}.\n\n" + "\n".join(lines) + "\n"
    )


def _main_parity(a: argparse.Namespace, argv: list[str] | None) -> dict:
    questions = [json.loads(x) for x in a.questions.read_text().splitlines() if x.strip()]
    pg = PgCorpusStore(a.pages, a.database_url)
    args = argv if argv is not None else sys.argv[1:]
    result = {
        "command": "python -m docnav.bench.pg_backends " + " ".join(args),
        "measured_at_commit": git_commit(),
        "machine": machine_info(),
        "questions": len(questions),
        **parity(a.parity, pg, a.pages.parent / (a.pages.name + "-index-cache"), questions, a.rows),
    }
    a.out.mkdir(parents=True, exist_ok=True)
    (a.out / "parity.json").write_text(json.dumps(result, indent=2))
    (a.out / "parity.md").write_text(parity_md(result))
    print(json.dumps(result["same_first_gold_page_rank"], indent=2))
    return result


if __name__ == "__main__":
    main()
