"""`docnav bench retrieval`: evidence-page recall of each retriever on FinanceBench, LLM-free,
and bm25s against rank-bm25 on the same chunks in one run.

A question counts as found at k when any of its gold evidence pages (``doc_name`` +
0-based ``evidence_page_num``) lies inside the page range of one of the top-k hits.
"shared store" searches all 128 filings (the paper's hardest setting); "single store"
restricts the search to the question's own filing (as the paper's singleStore does).
"""

from __future__ import annotations

import json
import statistics
import time
from pathlib import Path
from typing import NamedTuple

from rich.console import Console

from docnav.bench import git_commit, machine_info
from docnav.engine import Engine
from docnav.retrieval.bm25 import Bm25Index, RankBm25Index
from docnav.retrieval.index import SearchFilters, SearchHit
from docnav.retrieval.rerank import Reranker
from docnav.retrieval.tokenize import chunk_tokens, query_tokens
from docnav.settings import Settings

KS = (1, 5, 10, 20)


class Config(NamedTuple):
    label: str
    mode: str
    fusion: str = "rrf"
    understand: str = "off"  # query understanding: off | filter | boost
    expand: bool = False  # finance-synonym expansion of the BM25 query
    rerank: bool = False
    prefer_latest: bool = True  # a year range ranks its latest filing first


CONFIGS = [
    Config("bm25", "bm25"),
    Config("dense", "dense"),
    Config("hybrid (rrf)", "hybrid"),
    Config("hybrid (weighted)", "hybrid", "weighted"),
    Config("bm25+synonyms", "bm25", expand=True),
    Config("bm25+filters", "bm25", understand="filter", expand=True),
    Config("dense+filters", "dense", understand="filter", expand=True),
    Config("hybrid+boost", "hybrid", understand="boost", expand=True),
    Config("hybrid+filters (no synonyms)", "hybrid", understand="filter"),
    Config(
        "hybrid+filters (no latest-year preference)",
        "hybrid",
        understand="filter",
        expand=True,
        prefer_latest=False,
    ),  # fmt: skip
    Config("hybrid+filters", "hybrid", understand="filter", expand=True),
    Config("hybrid+filters+rerank", "hybrid", understand="filter", expand=True, rerank=True),
]


def _found_rank(hits: list[SearchHit], evidence: list[dict]) -> int | None:
    for rank, h in enumerate(hits, 1):
        for ev in evidence:
            if (
                h.doc_name == ev["doc_name"]
                and h.page_start <= ev["evidence_page_num"] <= h.page_end
            ):
                return rank
    return None


def run_retrieval_bench(
    pdf_dir: Path,
    questions_path: Path,
    out: Path,
    home: Path,
    console: Console | None = None,
    reranker: Reranker | None = None,
    configs: list[Config] | None = None,
    command: str = "docnav bench retrieval",
) -> dict:
    """``reranker`` adds the +rerank rows (left out without one); ``configs`` picks rows."""
    console = console or Console()
    commit = git_commit()  # at the start: a long run may outlive the commit it ran
    engine = Engine(Settings(home=home))
    report = engine.ingest([pdf_dir], workers=2)
    if report.failed:
        raise RuntimeError(f"{len(report.failed)} filings failed to ingest")
    console.print(f"store: {len(engine.documents())} filings in {engine.store.root}")
    t0 = time.perf_counter()
    engine.index.ensure(dense=True, on_progress=None)
    console.print(
        f"indexes ready in {time.perf_counter() - t0:.0f}s ({len(engine.index.chunks)} chunks)"
    )
    questions = [json.loads(x) for x in questions_path.read_text().splitlines() if x.strip()]
    docs_by_name = {d.name: d for d in engine.documents()}

    configs = [c for c in (configs or CONFIGS) if reranker is not None or not c.rerank]
    rows = []
    table: dict[str, dict] = {}
    for store_kind in ("shared", "single"):
        for cfg in configs:
            name = f"{cfg.label} / {store_kind} store"
            ranks, wrong_year, right_doc, latencies, fallbacks = [], [], [], [], 0
            for q in questions:
                gold = docs_by_name[q["doc_name"]]
                filters = SearchFilters(doc_ids=[gold.doc_id]) if store_kind == "single" else None
                t = time.perf_counter()
                res = engine.index.search(
                    q["question"], mode=cfg.mode, k=max(KS), filters=filters, fusion=cfg.fusion,
                    understand=cfg.understand, expand=cfg.expand, prefer_latest=cfg.prefer_latest,
                    reranker=reranker if cfg.rerank else None,
                )  # fmt: skip
                latencies.append(time.perf_counter() - t)
                hits = res.hits
                fallbacks += cfg.understand == "filter" and res.understand == "boost"
                r = _found_rank(hits, q["evidence"])
                ranks.append(r)
                top5 = hits[:5]
                if top5 and store_kind == "shared":
                    wy = [
                        h
                        for h in top5
                        if docs_by_name[h.doc_name].meta.fiscal_year != gold.meta.fiscal_year
                    ]
                    wrong_year.append(len(wy) / len(top5))
                    right_doc.append(any(h.doc_name == gold.name for h in hits[:10]))
                rows.append({"config": name, "financebench_id": q["financebench_id"], "rank": r})
            n = len(ranks)
            table[name] = {
                **{f"recall@{k}": round(sum(1 for r in ranks if r and r <= k) / n, 4) for k in KS},
                "mrr@20": round(sum(1 / r for r in ranks if r) / n, 4),
                "wrong_fiscal_year_top5": round(statistics.mean(wrong_year), 4)
                if wrong_year
                else None,
                "right_filing_in_top10": round(statistics.mean(right_doc), 4)
                if right_doc
                else None,
                "filter_fallbacks": fallbacks,
                "latency_ms_p50": round(1000 * statistics.median(latencies), 1),
            }
            console.print(f"{name}: " + ", ".join(f"{k}={v}" for k, v in table[name].items()))

    # bm25s against rank-bm25 on the same tokens, same run
    corpus = [chunk_tokens(c) for c in engine.index.chunks]
    qtoks = [query_tokens(q["question"]) for q in questions]
    t = time.perf_counter()
    ours = Bm25Index.build(corpus, method="robertson")
    build_ours = time.perf_counter() - t
    t = time.perf_counter()
    base = RankBm25Index.build(corpus)
    build_base = time.perf_counter() - t
    t = time.perf_counter()
    res_ours = [ours.search(q, 10) for q in qtoks]
    query_ours = (time.perf_counter() - t) / len(qtoks)
    t = time.perf_counter()
    res_base = [base.search(q, 10) for q in qtoks]
    query_base = (time.perf_counter() - t) / len(qtoks)
    overlap = statistics.mean(
        len({r for r, _ in a} & {r for r, _ in b}) / max(len(b), 1)
        for a, b in zip(res_ours, res_base, strict=True)
    )
    engines = {
        "chunks": len(corpus),
        "build_s_bm25s": round(build_ours, 2),
        "build_s_rank_bm25": round(build_base, 2),
        "query_ms_bm25s": round(1000 * query_ours, 2),
        "query_ms_rank_bm25": round(1000 * query_base, 2),
        "query_speedup": round(query_base / query_ours, 1),
        "top10_overlap": round(overlap, 4),
    }
    console.print(f"bm25s vs rank-bm25: {engines}")
    result = {
        "command": command,
        "measured_at_commit": commit,
        "machine": machine_info(),
        "questions": len(questions),
        "embedding_model": engine.settings.embedding_model,
        "reranker": getattr(reranker, "name", None),
        "configs": [c._asdict() for c in configs],
        "recall": table,
        "bm25_engines": engines,
        "per_question": rows,
    }
    _write(result, out)
    return result


def _write(result: dict, out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(result, indent=2))
    table = result["recall"]
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.2), sharey=True)
    for ax, kind in zip(axes, ("shared", "single"), strict=True):
        names = [n for n in table if n.endswith(f"/ {kind} store")]
        for i, n in enumerate(names):
            vals = [100 * table[n][f"recall@{k}"] for k in KS]
            style = "-" if "filters" in n or "boost" in n else "--"
            ax.plot(
                KS, vals, style, marker="o", color=plt.cm.tab20(i % 20), label=n.split(" / ")[0]
            )
        ax.set_xticks(KS, [f"@{k}" for k in KS])
        ax.set_title(f"{kind} store: evidence-page recall ({result['questions']} questions)")
        ax.set_ylim(0, 100)
        ax.legend(fontsize=7)
    axes[0].set_ylabel("% of questions with a gold page in the top k")
    fig.tight_layout()
    fig.savefig(out / "recall.png", dpi=110)
    plt.close(fig)

    e = result["bm25_engines"]
    lines = [
        "# Retrieval benchmark (LLM-free)",
        "",
        f"Command: `{result['command']}` (repo root, ../shared beside it), measured at commit "
        f"{result['measured_at_commit']}. Embeddings: "
        f"`{result['embedding_model']}`. A question is found at k when one of its gold evidence pages "
        "lies in the page range of a top-k hit. Shared store = all 128 filings; single store = the "
        "question's own filing.",
        "",
        "Rows: `+filters` = companies, fiscal years and forms read from the question and applied "
        "before ranking (falling back to a boost when they leave nothing); `+boost` = the same, "
        'ranked first instead of filtered; with a range of years ("FY2019 - FY2021") the '
        "latest filing in the range ranks first unless marked; `+synonyms` = finance-synonym expansion of the BM25 "
        "query (weight 0.3); `+filters` rows include synonyms unless marked. All rows drop "
        "question-instruction words from the BM25 query. Right filing = the gold filing among "
        "the top-10 hits. p50 ms = wall time per search as measured in this run (on a shared "
        "machine, compare rows of one run only); query embeddings are cached per question "
        "text, so only the first row that embeds a question (`dense`) pays for embedding it.",
        "",
        "| retriever / store | R@1 | R@5 | R@10 | R@20 | MRR@20 | wrong FY in top 5 | right filing in top 10 | p50 ms |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for n, r in table.items():
        wy = (
            ""
            if r["wrong_fiscal_year_top5"] is None
            else f"{100 * r['wrong_fiscal_year_top5']:.0f}%"
        )
        rf = r.get("right_filing_in_top10")
        rf = "" if rf is None else f"{100 * rf:.0f}%"
        lines.append(
            f"| {n} | {100 * r['recall@1']:.1f} | {100 * r['recall@5']:.1f} | {100 * r['recall@10']:.1f} | "
            f"{100 * r['recall@20']:.1f} | {r['mrr@20']:.3f} | {wy} | {rf} | {r['latency_ms_p50']} |"
        )
    lines += [
        "",
        "Reranker: "
        + (
            f"`{result['reranker']}`."
            if result.get("reranker")
            else "none given, so no +rerank rows."
        ),
        "",
        f"## bm25s against rank-bm25, same {e['chunks']} chunks and tokens, same run",
        "",
        "| | bm25s (robertson) | rank-bm25 (BM25Okapi) |",
        "| --- | ---: | ---: |",
        f"| build | {e['build_s_bm25s']} s | {e['build_s_rank_bm25']} s |",
        f"| query (mean of {result['questions']}) | {e['query_ms_bm25s']} ms | {e['query_ms_rank_bm25']} ms |",
        "",
        f"bm25s answers {e['query_speedup']}x faster; top-10 overlap {100 * e['top10_overlap']:.1f}% "
        "(differences come from terms in over half the chunks, whose idf Okapi floors at "
        "epsilon x mean idf and bm25s at 0).",
        "",
        "![recall](recall.png)",
    ]
    (out / "report.md").write_text("\n".join(lines) + "\n")
