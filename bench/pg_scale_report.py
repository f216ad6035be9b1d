"""results.json, report.md and pg_scale.png of `docnav bench pg-scale`."""

from __future__ import annotations

import json
from pathlib import Path

KINDS = (
    ("keyword", "keyword"),
    ("vector_hnsw", "vector (HNSW)"),
    ("vector_exact", "vector (exact scan)"),
    ("hybrid", "hybrid"),
    ("hybrid_filtered", "hybrid + company/year filter"),
    ("keyword_bm25", "keyword, PG BM25 postings (PgIndex's)"),
    ("hybrid_bm25", "hybrid, PG BM25 postings"),
    ("hybrid_filtered_bm25", "hybrid + filter, PG BM25 postings"),
)
BACKENDS = (("file", "file store"), ("postgres", "PostgreSQL"))


def write_results(result: dict, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(result, indent=2, default=str) + "\n")
    if result.get("sizes"):
        _plot(result, out / "pg_scale.png")
    (out / "report.md").write_text("\n".join(report_lines(result)) + "\n")


def _plot(result: dict, path: Path) -> None:
    import numpy as np

    from docnav.extras import pyplot

    plt = pyplot()
    sizes = list(result["sizes"])
    fig, axes = plt.subplots(1, len(sizes), figsize=(6.5 * len(sizes), 5.5), squeeze=False)
    for ax, s in zip(axes[0], sizes, strict=True):
        row = result["sizes"][s]
        x = np.arange(len(KINDS))
        for k, (b, label) in enumerate(BACKENDS):
            vals = [row[b].get(key, {}).get("p50_ms", 0) for key, _ in KINDS]
            ax.bar(x + k * 0.4, vals, 0.4, label=label)
        ax.set_yscale("log")
        ax.set_xticks(x + 0.2, [lbl for _, lbl in KINDS])
        plt.setp(ax.get_xticklabels(), fontsize=7, rotation=35, ha="right")
        ax.set_ylabel("query p50, ms (log)")
        ax.set_title(f"{int(s):,} chunks")
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def report_lines(r: dict) -> list[str]:
    L = ["# docnav at 100k and 1M chunks: the file store vs PostgreSQL, ingest throughput", ""]
    L += _runs(r)
    if r.get("corpus"):
        L += _corpus(r["corpus"])
    for s, row in r.get("sizes", {}).items():
        L += _size(int(s), row)
    if r.get("sizes"):
        L += ["![query latency](pg_scale.png)", ""]
    if r.get("ingest"):
        L += _ingest(r["ingest"])
    return L


def _runs(r: dict) -> list[str]:
    L = ["## How it was measured", ""]
    for run in r.get("runs", []):
        m, srv = run["machine"], run["server"]
        L.append(
            f"- `{run['command']}` at commit {run['measured_at_commit']}; {m['cpus']} CPUs, "
            f"{m['platform']}; PostgreSQL {srv['version']} + pgvector {srv['pgvector']} "
            f"(shared_buffers {srv['shared_buffers']}, work_mem {srv['work_mem']}, fsync "
            f"{srv['fsync']}); load average (1, 5, 15 min) at start {run['load_at_start']}, "
            f"at end {run.get('load_at_end', '(not finished)')}."
        )
    L += [
        "",
        "The machine is shared (another long benchmark ran beside this one; this one ran at "
        "nice 19, PostgreSQL too): absolute milliseconds carry that load, ratios within one "
        "size of one run are what to read. Each size's load average before and after is in "
        "its section.",
        "",
    ]
    return L


def _corpus(c: dict) -> list[str]:
    return [
        "## Corpora",
        "",
        f"Real chunks: all {c['real_chunks']:,} chunks of the {c['real_filings']} FinanceBench "
        f"filings in `{c['home']}` (read only), with their stored {c['embeddings']} embeddings. "
        "A size past that count replicates them: replica r of a filing is a new filing whose "
        "company is renamed `R<r> <company>`; each replicated chunk's **text drops 10% of its "
        "words at random** (the same words leave its BM25 tokens and its PostgreSQL text), its "
        "**embedding is the real vector plus Gaussian noise (sigma 0.02 per dimension), "
        "renormalised**; the PostgreSQL `record` column holds the real chunk's JSON. Nothing "
        "was embedded for the corpora; the "
        f"{c['queries']} questions of `{c['questions']}` were embedded once up front and "
        "the same query vectors go to both backends. The filtered row asks, for each question "
        f"about a stored filing ({c['with_filter']} of them), for its company and fiscal year, "
        "question i on replica i mod R (another company each), so a filter keeps about one "
        "filing whatever the size; both backends decide the passing filings with the same "
        "rules (docnav's `doc_passes`, lenient company names): the file store masks rows, PostgreSQL puts "
        "`doc_id = ANY(...)` into each query.",
        "",
        "File store: bm25s (`Bm25Index`) and the dense index as docnav uses them (exact numpy "
        "scan on float32 rows; faiss HNSW, inner product; float16 `.npy` on disk); hybrid = "
        "bm25s top 50 + dense top 50 (HNSW above docnav's ann_threshold) + RRF. PostgreSQL: "
        "the schema `PgCorpusStore` and `PgSearch` create (chunks with a stored `tsvector`, "
        "GIN; one embedding table with pgvector HNSW, cosine), bulk-loaded with COPY (binary "
        "COPY for vectors), indexes built after the COPY, searched with `PgSearch.keyword` / "
        "`PgSearch.vector` and RRF of their top 50 (PgSearch.hybrid's fusion, query vector "
        "given). Latencies: one query at a time; a slow engine gets a time budget and answers "
        "as many questions as fit it (at least 5; the count is in the table). HNSW recall@10 "
        "is measured against the exact numpy scan of the same vectors, over all the questions.",
        "",
    ]


def _size(n: int, row: dict) -> list[str]:
    f, p = row["file"], row["postgres"]
    L = [
        f"## {n:,} chunks ({row['filings']:,} filings)",
        "",
        f"Load average before {row['load_before']}, after {row['load_after']}; this size "
        f"took {row['seconds']} s.",
        "",
        "| query | file store p50 ms | p95 ms | n | PostgreSQL p50 ms | p95 ms | n | PG / file (p50) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for key, label in KINDS:
        a, b = f.get(key), p.get(key)
        cells = []
        for e in (a, b):
            cells += [str(e["p50_ms"]), str(e["p95_ms"]), str(e["queries"])] if e else ["-"] * 3
        ratio = f"{b['p50_ms'] / a['p50_ms']:.1f}x" if a and b and a["p50_ms"] else ""
        L.append(f"| {label} | " + " | ".join(cells) + f" | {ratio} |")
    ld = p["load"]
    idx = {k: v["build_s"] for k, v in ld["indexes"].items()}
    L += ["", _hnsw_line(f, p, ld), ""]
    L += [
        "| build / load | seconds |",
        "| --- | ---: |",
        f"| file: tokens of the grown corpus (bench-side preparation) | {f['tokens_s']} |",
        f"| file: bm25s index | {f['bm25s']['build_s']} |",
        f"| file: faiss HNSW | {f.get('dense_hnsw', {}).get('build_s', 'not built')} |",
        f"| PostgreSQL: COPY documents | {ld['documents_copy_s']} |",
        f"| PostgreSQL: COPY chunks (tsvector computed on insert) | {ld['chunks_copy_s']} |",
        f"| PostgreSQL: COPY embeddings (binary) | {ld['embeddings_copy_s']} |",
    ]
    L += [
        f"| PostgreSQL: CREATE INDEX {k} | {'not built at this size' if v is None else v} |"
        for k, v in idx.items()
    ]
    for k, v in ld.get("bm25_postings", {}).get("indexes", {}).items():
        L.append(f"| PostgreSQL: CREATE INDEX {k} (BM25 postings) | {v['build_s']} |")
    if "bm25_postings" in ld:
        bp = ld["bm25_postings"]
        L.append(f"| PostgreSQL: COPY BM25 postings ({bp['postings']:,} rows) | {bp['copy_s']} |")
    L += [f"| PostgreSQL: ANALYZE | {ld['analyze_s']} |", "", "| on disk | MiB |", "| --- | ---: |"]
    L += [
        f"| file: bm25s index files | {f['bm25s']['disk_mb']} |",
        f"| file: embeddings .npy (float16) | {f['dense_exact']['disk_mb']} |",
        f"| file: faiss HNSW (written with faiss.write_index) | "
        f"{f.get('dense_hnsw', {}).get('disk_mb', 'not built')} |",
    ]
    L += [f"| PostgreSQL: {k} | {v} |" for k, v in p["sizes_mib"].items()]
    L += [
        "",
        f"Memory: the benchmark process's RSS after the file-store engines were built and "
        f"queried: {f['rss_mb']:,} MiB (grown corpus, bm25s, float32 rows, faiss graph; bm25s "
        f"added {f['bm25s']['rss_added_mb']} MiB, faiss "
        f"{f.get('dense_hnsw', {}).get('rss_added_mb', '-')} MiB). "
        f"PostgreSQL server processes' PSS after the queries: {p['server_pss_mb']} MiB "
        "(shared buffers counted once; the OS page cache is not in it).",
        "",
    ]
    return L


def _hnsw_line(f: dict, p: dict, ld: dict) -> str:
    hf = f.get("hybrid_filtered")
    kept = (
        f"The filter keeps {hf['rows_kept_mean']:,} rows on average (file store dense path: "
        f"{hf['dense_path']})."
        if hf
        else "No question is about a filing of this corpus: no filtered row."
    )
    if "vector_hnsw" not in f:
        return (
            "No HNSW graph at this size (neither faiss nor pgvector; see the notes): vector "
            "search is an exact scan on both backends (numpy over float32 rows; PostgreSQL "
            f"a sequential scan of the embedding table), hybrid uses it. {kept}"
        )
    hn = "; ".join(
        v["sql"].split(" USING ")[1] for v in ld["indexes"].values() if "hnsw" in v["sql"]
    )
    return (
        f"HNSW recall@10 against the exact scan: faiss {f['vector_hnsw']['recall@10']} (m "
        f"{f['dense_hnsw']['m']}, ef_construction {f['dense_hnsw']['ef_construction']}), "
        f"pgvector {p['vector_hnsw']['recall@10']} (ef_search {p['vector_hnsw']['ef_search']}; "
        f"{hn}). {kept}"
    )


def _ingest(g: dict) -> list[str]:
    o, m = g["ray_overhead"], g["model_no_embed"]
    runs = [
        ("process pool (1st)", g["pool"][0]["seconds"]),
        ("local Ray, cold", g["ray_cold"]["seconds"]),
        ("local Ray, warm", g["ray_warm"]["seconds"]),
        ("process pool (2nd)", g["pool"][1]["seconds"]),
    ]
    L = [
        "## Ingest throughput: process pool vs local Ray (into PostgreSQL)",
        "",
        f"{g['files']} synthetic EDGAR HTML filings (`{g['corpus']}`, {g['chunks']:,} chunks), "
        f"parse + chunk + commit into a fresh PostgreSQL schema per run, {g['workers']} workers; "
        f"no embedding in these runs (Ray {g['ray_version']}).",
        "",
        "| run | seconds | filings/s | chunks/s |",
        "| --- | ---: | ---: | ---: |",
    ]
    L += [f"| {name} | {s} | {g['files'] / s:.2f} | {g['chunks'] / s:.1f} |" for name, s in runs]
    emb = g["embed_throughput"]
    L += [
        "",
        f"Ray's own costs: `ray.init` {o['init_s']:.2f} s, first task {o['first_task_s']:.2f} s, "
        f"a trivial task's round trip {1000 * o['noop_task_s']:.2f} ms (200 in flight).",
        "",
        "Embedding throughput, measured apart (real FinanceBench chunk texts, "
        "all-MiniLM-L6-v2, CPU): "
        + "; ".join(
            f"{v['ms_per_chunk']} ms per chunk on {t} thread(s) ({v['chunks']} chunks)"
            for t, v in emb.items()
        )
        + ".",
        "",
        f"Per-task costs (one file at a time, one thread, {g['stage_files']} filings): "
        + ", ".join(f"{k} {v:.4f} s" for k, v in g["model"]["mean_s_per_file"].items())
        + f" per filing ({g['model']['chunks_per_file']:.1f} chunks).",
        "",
        "Scaling model (docnav.bench.ray_ingest.scaling_model): T(N) = S + F x max((p + 2o) / "
        "N, c), p the parallel work per file, o a task's overhead, c the commit (one writer "
        "at a time), S the start-up (ray.init + the cold run's extra). Without embedding "
        f"(what the runs above did): p = {m['parallel_s_per_file']:.4f} s, c = "
        f"{m['serial_s_per_file']:.4f} s, knee at N = {m['n_knee']}; with embedding: p = "
        f"{g['model']['parallel_s_per_file']:.4f} s, knee at N = {g['model']['n_knee']}.",
        "",
        f"| N workers | predicted s, these {g['files']} filings, no embedding | with embedding "
        "| with embedding, 50,000 filings |",
        "| ---: | ---: | ---: | ---: |",
    ]
    for n in m["predicted_s"]:
        L.append(
            f"| {n} | {m['predicted_s'][n]:.1f} | {g['model']['predicted_s'][n]:.1f} | "
            f"{g['model_50k_filings'][n]:,.0f} |"
        )
    L += [""]
    return L
