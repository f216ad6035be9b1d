"""`docnav bench retrieval-speed`: index build time, query latency and memory at 1k, 10k and
>= 100k chunks, every engine and its baseline measured in the same run.

Corpora are made from real chunks of an ingested store (read only). Sizes past the real
chunk count replicate the real chunks, each replica perturbed: BM25 token lists drop 10% of
their tokens at random; embedding rows get Gaussian noise (sigma 0.02 per dimension, then
renormalised), because embedding 100k chunks on a 2-core CPU would take most of an hour.
Queries are the questions of a FinanceBench or docnav JSONL file (a `docnav synth` set for
synthetic stores), tokenized and embedded as the search does.

Measured per size: bm25s vs rank-bm25 (rank-bm25's queries are bounded at large sizes, it
is that slow), dense exact (numpy) vs HNSW (faiss) with recall@10 against exact, and hybrid
end to end (query embedding + bm25s + dense + RRF) with and without metadata filters.
Float16 storage is checked on the real embeddings (top-10 overlap with float32).
"""

from __future__ import annotations

import gc
import json
import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from rich.console import Console

from docnav.bench import git_commit, machine_info
from docnav.ingestion import CorpusStore
from docnav.questions import load_questions
from docnav.retrieval.bm25 import Bm25Index, RankBm25Index
from docnav.retrieval.dense import DEFAULT_MODEL, DenseIndex, embed, top_k
from docnav.retrieval.fusion import rrf
from docnav.retrieval.tokenize import chunk_tokens, query_tokens

SIZES = (1_000, 10_000, 100_000)
DEPTH = 50  # candidates per retriever before fusion, as CorpusIndex.search


def rss_mb() -> float:
    """Resident set size of this process now, MiB (Linux /proc; 0 elsewhere)."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return 0.0
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def timed(fn: Callable[[], object]) -> tuple[object, float]:
    t = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t


def latencies(fn: Callable[[int], object], n: int) -> dict:
    lat = []
    for i in range(n):
        t = time.perf_counter()
        fn(i)
        lat.append(1000 * (time.perf_counter() - t))
    lat.sort()
    return {
        "p50_ms": round(statistics.median(lat), 3),
        "p95_ms": round(lat[min(len(lat) - 1, int(0.95 * len(lat)))], 3),
        "queries": n,
    }


def built(fn: Callable[[], object]) -> tuple[object, dict]:
    """Run a build, reporting its seconds and the RSS it added (MiB, after a GC)."""
    gc.collect()
    before = rss_mb()
    obj, secs = timed(fn)
    gc.collect()
    return obj, {"build_s": round(secs, 3), "rss_added_mb": round(rss_mb() - before, 1)}


# -- corpus ----------------------------------------------------------------------------


class RealCorpus:
    """Token lists, doc ids and (where available) embeddings of real chunks."""

    def __init__(
        self, tokens: list[list[str]], doc_of: np.ndarray, docs: list[dict], emb: np.ndarray
    ) -> None:
        self.tokens = tokens
        self.doc_of = doc_of  # row -> index into docs
        self.docs = docs  # {"name", "company", "year"}
        self.emb = emb  # float32, normalised; all chunks' rows or a sample


def load_real(
    store_root: Path,
    embeddings: Path | None,
    embed_sample: int,
    console: Console,
    max_docs: int | None = None,
) -> tuple[RealCorpus, str]:
    """Real chunks from the store; embeddings from an index folder of per-document ``.npy``
    files (``<home>/indexes/dense-*``), or from a ``.npz`` of ``texts`` + ``matrix`` (rows
    matched to chunks by text; written by a previous run), else a sample embedded now."""
    store = CorpusStore(store_root)
    if embeddings is not None and embeddings.suffix == ".npz":
        if embeddings.exists():
            return _from_npz(store, embeddings, console, max_docs)
    versions = store.versions()
    docs, tokens, doc_of, parts = [], [], [], []
    texts: list[str] = []
    for d in store.list_documents()[:max_docs]:
        chunks = store.chunks(d.doc_id)
        if not chunks:
            continue
        if embeddings is not None and embeddings.is_dir():
            path = embeddings / f"{versions[d.doc_id]}.npy"
            if not path.exists():
                continue
            m = np.load(path, mmap_mode="r")
            if m.shape[0] != len(chunks):
                continue
            parts.append(np.asarray(m, dtype=np.float32))
        di = len(docs)
        docs.append(
            {
                "name": d.name,
                "company": d.meta.company,
                "year": d.meta.fiscal_year,
                "form": d.meta.form,
            }
        )
        for c in chunks:
            tokens.append(chunk_tokens(c))
            doc_of.append(di)
            texts.append(c.text)
    console.print(f"real chunks: {len(tokens)} from {len(docs)} filings")
    if parts:
        emb = np.vstack(parts)
        source = f"real {DEFAULT_MODEL} embeddings of all {len(emb)} chunks (index folder)"
    else:
        rng = np.random.default_rng(0)
        pick = np.sort(rng.choice(len(texts), min(embed_sample, len(texts)), replace=False))
        console.print(f"embedding a sample of {len(pick)} real chunks ...")
        emb = embed([texts[i] for i in pick])
        if embeddings is not None:  # a .npz path that does not exist yet: cache the sample
            embeddings.parent.mkdir(parents=True, exist_ok=True)
            np.savez(embeddings, texts=np.array([texts[i] for i in pick]), matrix=emb)
        source = f"real {DEFAULT_MODEL} embeddings of a random sample of {len(pick)} chunks"
    return RealCorpus(tokens, np.asarray(doc_of), docs, emb.astype(np.float32)), source


def _from_npz(
    store: CorpusStore, path: Path, console: Console, max_docs: int | None
) -> tuple[RealCorpus, str]:
    data = np.load(path)
    by_text = {str(t): i for i, t in enumerate(data["texts"])}
    matrix = np.asarray(data["matrix"], dtype=np.float32)
    docs, tokens, doc_of, rows = [], [], [], []
    for d in store.list_documents()[:max_docs]:
        di = len(docs)
        docs.append(
            {
                "name": d.name,
                "company": d.meta.company,
                "year": d.meta.fiscal_year,
                "form": d.meta.form,
            }
        )
        for c in store.chunks(d.doc_id):
            tokens.append(chunk_tokens(c))
            doc_of.append(di)
            if c.text in by_text:
                rows.append(by_text.pop(c.text))  # each embedded text used once
    console.print(f"real chunks: {len(tokens)}; {len(rows)} embedded ones matched in {path}")
    source = (
        f"real {DEFAULT_MODEL} embeddings of a random sample of {len(rows)} chunks "
        f"(cached in {path.name})"
    )
    return RealCorpus(tokens, np.asarray(doc_of), docs, matrix[rows]), source


def _rows(m: int, n: int, rng: np.random.Generator) -> tuple[np.ndarray, int]:
    """Indices of ``n`` rows over ``m`` real ones, and where the replicas start (``n`` when
    there are none): a random subset when ``n <= m``, else every real row then repeats."""
    if n <= m:
        return np.sort(rng.choice(m, n, replace=False)), n
    return np.resize(np.arange(m), n), m


def grow(real: RealCorpus, n: int, seed: int = 0) -> tuple[list[list[str]], np.ndarray, np.ndarray]:
    """``n`` rows of tokens (with their filings) and ``n`` embedding rows: real ones first,
    then perturbed replicas (10% of tokens dropped; embedding noise sigma 0.02,
    renormalised). Tokens and embeddings are grown separately: the embedded sample may be
    smaller than the tokenized corpus; latency does not depend on which text a row holds."""
    rng = np.random.default_rng(seed)
    rows, first = _rows(len(real.tokens), n, rng)
    tokens = [real.tokens[r] for r in rows[:first]]
    for r in rows[first:]:
        t = real.tokens[r]
        keep = rng.random(len(t)) >= 0.1
        tokens.append([w for w, k in zip(t, keep, strict=True) if k])
    erows, efirst = _rows(len(real.emb), n, rng)
    emb = real.emb[erows]
    noise = rng.normal(0, 0.02, (n - efirst, emb.shape[1])).astype(np.float32)
    emb[efirst:] += noise
    emb[efirst:] /= np.linalg.norm(emb[efirst:], axis=1, keepdims=True)
    return tokens, real.doc_of[rows], emb


# -- the run -----------------------------------------------------------------------------


def run_retrieval_speed_bench(
    store_root: Path,
    questions_path: Path,
    out: Path,
    embeddings: Path | None = None,
    sizes: tuple[int, ...] = SIZES,
    embed_sample: int = 1500,
    queries: int = 100,
    rank_bm25_budget_s: float = 20.0,
    threads: int = 2,
    query_threads: int = 1,
    max_docs: int | None = None,
    console: Console | None = None,
) -> dict:
    console = console or Console()
    import faiss
    import torch

    faiss.omp_set_num_threads(threads)
    t_start = time.perf_counter()
    real, source = load_real(store_root, embeddings, embed_sample, console, max_docs)
    qs = load_questions(questions_path)[:queries]
    qtok = [query_tokens(q.question) for q in qs]
    qvec = embed([q.question for q in qs])
    nq = len(qs)
    # one short query gains nothing from intra-op threads, and on a shared CPU they wait on
    # each other: measured 232 ms (1 thread) vs 2.6 s (2 threads) p50 at load average 13
    torch_threads = torch.get_num_threads()
    torch.set_num_threads(query_threads)  # restored at the end
    qtext = [q.question for q in qs]
    query_embedding = latencies(lambda i: embed([qtext[i]]), min(nq, 30))
    console.print(f"query embedding: {query_embedding}")
    # a filter as the engine makes from a question: its company and fiscal year +-1
    names = {d["name"]: i for i, d in enumerate(real.docs)}
    filt = []
    for q in qs:
        d = real.docs[names[q.doc_name]] if q.doc_name in names else None
        filt.append((d["company"], d["year"]) if d else (None, None))

    result: dict = {
        "command": " ".join(
            [
                "docnav bench retrieval-speed",
                f"--store {store_root}",
                f"--questions {questions_path}",
            ]
            + ([f"--embeddings {embeddings}"] if embeddings else [])
            + [f"--sizes {','.join(str(x) for x in sizes)}", f"--queries {queries}"]
            + [f"--threads {threads}", f"--out {out}"]
        ),
        "measured_at_commit": git_commit(),
        "machine": machine_info() | {"threads": threads},
        "embeddings": source,
        "real_chunks": len(real.tokens),
        "embedded_rows": int(real.emb.shape[0]),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "queries": nq,
        "questions": str(questions_path),
        "store": str(store_root),
        "float16": _float16_check(real.emb, qvec),
        "query_threads": query_threads,
        "query_embedding": query_embedding,
        "sizes": {},
    }
    console.print(f"float16 vs float32: {result['float16']}")
    for n in sizes:
        console.print(f"[bold]{n} chunks[/bold]")
        result["sizes"][str(n)] = _one_size(
            real,
            n,
            qtext,
            qtok,
            qvec,
            filt,
            rank_bm25_budget_s,
            threads,
            console,
        )
    torch.set_num_threads(torch_threads)
    result["total_s"] = round(time.perf_counter() - t_start, 1)
    result["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    _write(result, out)
    return result


def _float16_check(emb: np.ndarray, qvec: np.ndarray) -> dict:
    e16 = emb.astype(np.float16).astype(np.float32)
    overlaps, exact = [], 0
    for q in qvec:
        a = [r for r, _ in top_k(emb @ q, 10)]
        b = [r for r, _ in top_k(e16 @ q, 10)]
        overlaps.append(len(set(a) & set(b)) / 10)
        exact += a == b
    return {
        "rows": int(emb.shape[0]),
        "top10_overlap_mean": round(float(np.mean(overlaps)), 4),
        "top10_overlap_min": round(float(np.min(overlaps)), 4),
        "same_top10_order": round(exact / len(qvec), 4),
        "max_abs_error": float(np.abs(e16 - emb).max()),
        "bytes_per_row": {"float32": emb.shape[1] * 4, "float16": emb.shape[1] * 2},
    }


def _one_size(real, n, qtext, qtok, qvec, filt, rank_budget, threads, console) -> dict:
    tokens, doc_of, emb = grow(real, n)
    nq = len(qtok)
    row: dict = {"chunks": n}

    # BM25: bm25s against rank-bm25 on the same tokens
    bm, row["bm25s"] = built(lambda: Bm25Index.build(tokens))
    row["bm25s"] |= latencies(lambda i: bm.search(qtok[i], DEPTH), nq)
    rb, row["rank_bm25"] = built(lambda: RankBm25Index.build(tokens))
    one = latencies(lambda i: rb.search(qtok[i], DEPTH), 1)  # bound the rest by the budget
    rq = max(3, min(nq, int(rank_budget * 1000 / max(one["p50_ms"], 1e-3))))
    # each rank-bm25 query is followed by the same bm25s query, so both see the same load
    # (the machine is shared; a load spike during one engine's block would skew the ratio)
    paired: list[float] = []
    rank: list[float] = []
    for i in range(rq):
        t = time.perf_counter()
        rb.search(qtok[i], DEPTH)
        rank.append(1000 * (time.perf_counter() - t))
        t = time.perf_counter()
        bm.search(qtok[i], DEPTH)
        paired.append(1000 * (time.perf_counter() - t))
    rank.sort()
    row["rank_bm25"] |= {
        "p50_ms": round(statistics.median(rank), 3),
        "p95_ms": round(rank[min(len(rank) - 1, int(0.95 * len(rank)))], 3),
        "queries": rq,
    }
    row["bm25s_paired_p50_ms"] = round(statistics.median(paired), 3)
    row["bm25_speedup_p50"] = round(row["rank_bm25"]["p50_ms"] / row["bm25s_paired_p50_ms"], 1)
    rb = None  # free it before the dense part
    gc.collect()
    console.print(
        f"  bm25s {row['bm25s']['p50_ms']} ms, rank-bm25 {row['rank_bm25']['p50_ms']} ms "
        f"({row['bm25_speedup_p50']}x)"
    )

    # dense: exact numpy scan against HNSW (both always measured; the index switches at
    # ann_threshold)
    exact, row["dense_exact"] = built(lambda: _exact_index(emb))
    row["dense_exact"] |= latencies(lambda i: exact.search_vector(qvec[i], 10), nq)
    ann, row["dense_hnsw"] = built(lambda: _ann_index(emb, threads))
    row["dense_hnsw"] |= latencies(lambda i: ann.search_vector(qvec[i], 10), nq)
    truth = [{r for r, _ in exact.search_vector(q, 10)} for q in qvec]
    row["dense_hnsw"]["recall@10"] = round(
        float(
            np.mean(
                [
                    len(t & {r for r, _ in ann.search_vector(q, 10)}) / 10
                    for t, q in zip(truth, qvec, strict=True)
                ]
            )
        ),
        4,
    )
    console.print(
        f"  dense exact {row['dense_exact']['p50_ms']} ms, hnsw {row['dense_hnsw']['p50_ms']} ms "
        f"(recall@10 {row['dense_hnsw']['recall@10']}, build {row['dense_hnsw']['build_s']} s)"
    )

    # hybrid end to end: embed the query, bm25s + dense (exact or HNSW as the index would
    # choose at the default threshold) + RRF; with filters, the mask is built per query
    from docnav.settings import Settings

    deployed = Settings().retrieval.ann_threshold  # this run's environment, as `docnav` reads it
    dense = ann if n >= deployed else exact
    ann.ann_threshold = deployed  # forced to 0 above; now as deployed
    # metadata as the index holds it: per-row codes, so a filter is a vectorised compare
    codes = {c: i for i, c in enumerate(sorted({d["company"] or "" for d in real.docs}))}
    companies = np.array([codes[d["company"] or ""] for d in real.docs])[doc_of]
    years = np.array([d["year"] or 0 for d in real.docs])[doc_of]

    # a broad filter (annual reports only) keeps most rows: past the threshold HNSW filters
    ten_k = np.array([(d["form"] or "").upper() == "10-K" for d in real.docs])[doc_of]

    def hybrid(i: int, filtered: bool, embed_query: bool = False, broad: bool = False) -> list:
        mask = ten_k if broad else None
        if filtered and filt[i][0]:
            company, year = filt[i]
            mask = (companies == codes[company]) & (np.abs(years - (year or 0)) <= 1)
        q = embed([qtext[i]])[0] if embed_query else qvec[i]
        lists = {
            "bm25": bm.search(qtok[i], DEPTH, mask),
            "dense": dense.search_vector(q, DEPTH, mask),
        }
        return rrf(lists)[:10]

    row["hybrid"] = latencies(lambda i: hybrid(i, False), nq)
    row["hybrid"]["dense_path"] = dense.last_path
    row["hybrid_filtered"] = latencies(lambda i: hybrid(i, True), nq)
    row["hybrid_filtered"]["dense_path"] = dense.last_path
    row["hybrid_broad_filter"] = latencies(lambda i: hybrid(i, False, broad=True), nq)
    row["hybrid_broad_filter"]["dense_path"] = dense.last_path
    row["hybrid_broad_filter"]["rows_kept"] = int(ten_k.sum())
    # end to end: the query embedded in the call (fewer queries: the encoder dominates)
    row["hybrid_filtered_e2e"] = latencies(lambda i: hybrid(i, True, True), min(nq, 30))
    row["rss_mb_after"] = round(rss_mb(), 1)
    console.print(
        f"  hybrid {row['hybrid']['p50_ms']} ms, hybrid+filters {row['hybrid_filtered']['p50_ms']} ms,"
        f" with query embedding {row['hybrid_filtered_e2e']['p50_ms']} ms"
    )
    bm = exact = ann = dense = None
    gc.collect()
    return row


def _exact_index(emb: np.ndarray) -> DenseIndex:
    d = DenseIndex(emb, ann_threshold=10**12)
    d._work()  # the float32 working copy is part of its build and memory
    return d


def _ann_index(emb: np.ndarray, threads: int) -> DenseIndex:
    d = DenseIndex(emb.astype(np.float16), ann_threshold=0)  # float16 on disk, as stored
    d.ensure_ann(threads=threads)
    return d


# -- output ------------------------------------------------------------------------------


def _write(result: dict, out: Path) -> None:
    from docnav.extras import pyplot

    plt = pyplot()  # a clear error naming the bench extra when matplotlib is absent

    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(result, indent=2))
    sizes = list(result["sizes"])
    engines = [
        ("rank_bm25", "rank-bm25"),
        ("bm25s", "bm25s"),
        ("dense_exact", "dense exact"),
        ("dense_hnsw", "dense HNSW"),
        ("hybrid", "hybrid"),
        ("hybrid_filtered", "hybrid + filters"),
        ("hybrid_broad_filter", "hybrid + 10-K filter"),
        ("hybrid_filtered_e2e", "hybrid + filters, query embedded"),
    ]
    fig, ax = plt.subplots(figsize=(10, 4.5))
    x = np.arange(len(sizes))
    w = 0.8 / len(engines)
    for i, (key, label) in enumerate(engines):
        vals = [result["sizes"][s][key]["p50_ms"] for s in sizes]
        ax.bar(x + i * w, vals, w, label=label)
    ax.set_yscale("log")
    ax.set_xticks(x + w * (len(engines) - 1) / 2, [f"{int(s):,} chunks" for s in sizes])
    ax.set_ylabel("query p50, ms (log)")
    ax.set_title(f"Retrieval query latency, {result['machine']['threads']} threads")
    ax.legend(fontsize=8, ncol=3)
    fig.tight_layout()
    fig.savefig(out / "latency.png", dpi=110)
    plt.close(fig)

    f16 = result["float16"]
    lines = [
        "# Retrieval speed and memory",
        "",
        f"Command: `{result['command']}` (repo root, ../shared beside it); commit "
        f"{result['measured_at_commit']}; {result['machine']['platform']}, "
        f"{result['machine']['cpus']} CPUs (shared with other jobs), "
        f"{result['machine']['threads']} threads for index builds. Total run "
        f"{result['total_s']} s. Load average (1, 5, 15 min) at start "
        f"{result['load_average_at_start']}, at end {result['load_average_at_end']}: "
        "latencies are inflated by whatever else ran on the machine.",
        "",
        f"Corpora: {result['real_chunks']:,} chunks of the store {result.get('store', '')} "
        f"({result['embedded_rows']:,} of them embedded); sizes up to that count are random "
        "subsets, larger sizes replicate them with "
        "perturbation (BM25: 10% of tokens dropped per replica; embeddings: Gaussian noise "
        f"sigma 0.02 per dimension, renormalised). Embeddings: {result['embeddings']}. "
        f"Queries: {result['queries']} questions of "
        f"{Path(result.get('questions', 'questions.jsonl')).name}. Latencies are per query, one "
        "at a time; RSS added is the process's resident memory after the build minus before.",
        "",
        "| chunks | engine | build s | RSS added MiB | p50 ms | p95 ms | queries | note |",
        "| ---: | --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for s in sizes:
        r = result["sizes"][s]
        for key, label in engines:
            e = r[key]
            note = ""
            if key == "rank_bm25":
                note = (
                    f"bm25s {r['bm25_speedup_p50']}x faster (p50, each query paired with the "
                    f"same bm25s query: {r['bm25s_paired_p50_ms']} ms)"
                )
            if key == "dense_hnsw":
                note = f"recall@10 vs exact {e['recall@10']}"
            if key == "hybrid":
                note = f"bm25s + dense ({e['dense_path']}) + RRF, query vector given"
            if key == "hybrid_filtered":
                note = f"company + fiscal year +-1 mask; dense {e['dense_path']}"
            if key == "hybrid_broad_filter":
                note = f"keeps {e['rows_kept']:,} rows; dense {e['dense_path']}"
            if key == "hybrid_filtered_e2e":
                note = "as above plus embedding the query"
            lines.append(
                f"| {int(s):,} | {label} | {e.get('build_s', '')} | {e.get('rss_added_mb', '')} | "
                f"{e['p50_ms']} | {e['p95_ms']} | {e['queries']} | {note} |"
            )
    big = [s for s in sizes if int(s) >= 50_000]
    lines += ["", "## Against the goals", ""]
    for s in big:
        r = result["sizes"][s]
        lines.append(
            f"- {int(s):,} chunks: bm25s is {r['bm25_speedup_p50']}x faster than rank-bm25 per "
            f"query (goal >= 300x: {'met' if r['bm25_speedup_p50'] >= 300 else 'NOT met'}); "
            f"hybrid + filters p50 {r['hybrid_filtered']['p50_ms']} ms without the query "
            f"embedding, {r['hybrid_filtered_e2e']['p50_ms']} ms with it (goal <= 50 ms: "
            f"{'met' if r['hybrid_filtered_e2e']['p50_ms'] <= 50 else 'NOT met'} end to end; "
            f"the query embedding alone is {result['query_embedding']['p50_ms']} ms p50 on "
            f"{result['query_threads']} torch thread(s) here)."
        )
    lines += [
        "",
        "## Float16 storage",
        "",
        f"On {f16['rows']:,} real embeddings, float16 rows keep {100 * f16['top10_overlap_mean']:.1f}% "
        f"of the float32 top 10 on average (worst query {100 * f16['top10_overlap_min']:.0f}%; "
        f"identical order for {100 * f16['same_top10_order']:.0f}% of queries), max abs error "
        f"{f16['max_abs_error']:.1e}, at half the bytes ({f16['bytes_per_row']['float16']} vs "
        f"{f16['bytes_per_row']['float32']} per row).",
        "",
        "![latency](latency.png)",
    ]
    (out / "report.md").write_text("\n".join(lines) + "\n")
