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
from dataclasses import dataclass, field
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
    unit: str = "chunk"  # "page": pages are the ranked unit (issue 21)
    route: str = ""  # statements | named | filing | diverse, comma-separated
    page_ranker: str = "rrf"  # rrf | learned


ROUTE = "statements,filing,diverse"
ROUTE_ITEMS = ROUTE + ",items"  # + the line-item retriever over statement facts
# + which filing of the year: full-year filings for annual figures, the earnings release for
# non-GAAP measures, the latest filing for a question naming no year
ROUTE_YEAR = ROUTE + ",fullyear,nongaap,undated"
# + the sections a question's topic points at (segments, debt, taxes, ...) of the chosen filing
ROUTE_SECTIONS = ROUTE_YEAR + ",sections"
# + the next two years' 10-Ks (comparative columns) for a question naming one fiscal year, at a
# lower weight; + the company's other filings in places 11-20 for a question naming no year
ROUTE_COMPARATIVES = ROUTE_YEAR + ",comparatives"
ROUTE_SPREAD = ROUTE_YEAR + ",spread"
ROUTE_LATER = ROUTE_YEAR + ",comparatives,spread"
# on top of the default (comparatives): + the topic's sections of the chosen filing in places
# 11-13 (never the top 10); + other companies in the diversity places when no company is named;
# + the latest filing of any form for a question naming no year that looks ahead
ROUTE_TOPICS = ROUTE_COMPARATIVES + ",topics"
ROUTE_COMPANIES = ROUTE_COMPARATIVES + ",companies"
ROUTE_PRESENT = ROUTE_COMPARATIVES + ",present"
ROUTE_ALL3 = ROUTE_COMPARATIVES + ",topics,companies,present"
PAGE_CONFIGS = [
    Config("pages", "hybrid", understand="filter", expand=True, unit="page"),
    Config("pages+filing", "hybrid", understand="filter", expand=True, unit="page", route="filing"),
    Config(
        "pages+statements",
        "hybrid",
        understand="filter",
        expand=True,
        unit="page",
        route="statements",
    ),
    Config(
        "pages+route (named statements only)",
        "hybrid",
        understand="filter",
        expand=True,
        unit="page",
        route="named,filing,diverse",
    ),
    Config(
        "pages+route (no diversity)",
        "hybrid",
        understand="filter",
        expand=True,
        unit="page",
        route="statements,filing",
    ),
    Config("pages+route", "hybrid", understand="filter", expand=True, unit="page", route=ROUTE),
    Config(
        "pages+learned",
        "hybrid",
        understand="filter",
        expand=True,
        unit="page",
        page_ranker="learned",
    ),
    Config(
        "pages+route+learned",
        "hybrid",
        understand="filter",
        expand=True,
        unit="page",
        route=ROUTE,
        page_ranker="learned",
    ),
    Config(
        "pages+route+items",
        "hybrid",
        understand="filter",
        expand=True,
        unit="page",
        route=ROUTE_ITEMS,
    ),
    *(
        Config(
            f"pages+route+{r}",
            "hybrid",
            understand="filter",
            expand=True,
            unit="page",
            route=ROUTE + "," + r,
        )
        for r in ("fullyear", "nongaap", "undated")
    ),
    Config(
        "pages+route+year",
        "hybrid",
        understand="filter",
        expand=True,
        unit="page",
        route=ROUTE_YEAR,
    ),
    Config(
        "pages+route+year+deep",
        "hybrid",
        understand="filter",
        expand=True,
        unit="page",
        route=ROUTE_YEAR + ",deep",
    ),
    Config(
        "pages+route+year+learned",
        "hybrid",
        understand="filter",
        expand=True,
        unit="page",
        route=ROUTE_YEAR,
        page_ranker="learned",
    ),
    Config(
        "pages+route+year+sections",
        "hybrid",
        understand="filter",
        expand=True,
        unit="page",
        route=ROUTE_SECTIONS,
    ),
    Config(
        "pages+route+year+learned-hard",
        "hybrid",
        understand="filter",
        expand=True,
        unit="page",
        route=ROUTE_YEAR,
        page_ranker="learned-hard",
    ),
    Config(
        "pages+route+year+sections+learned-hard",
        "hybrid",
        understand="filter",
        expand=True,
        unit="page",
        route=ROUTE_SECTIONS,
        page_ranker="learned-hard",
    ),
    *(
        Config(f"pages+route+year+{name}", "hybrid", "rrf", "filter", True, unit="page", route=r)
        for name, r in (
            ("comparatives", ROUTE_COMPARATIVES),
            ("spread", ROUTE_SPREAD),
            ("comparatives+spread", ROUTE_LATER),
            ("sections+comparatives", ROUTE_SECTIONS + ",comparatives"),
            ("comparatives+topics", ROUTE_TOPICS),
            ("comparatives+companies", ROUTE_COMPANIES),
            ("comparatives+present", ROUTE_PRESENT),
            ("comparatives+topics+companies+present", ROUTE_ALL3),
        )
    ),
    # the same on BM25 alone (measurable where the store's embeddings are not built)
    Config("bm25 pages", "bm25", understand="filter", expand=True, unit="page"),
    Config("bm25 pages+route", "bm25", understand="filter", expand=True, unit="page", route=ROUTE),
    Config(
        "bm25 pages+learned",
        "bm25",
        understand="filter",
        expand=True,
        unit="page",
        page_ranker="learned",
    ),
    Config(
        "bm25 pages+route+learned",
        "bm25",
        understand="filter",
        expand=True,
        unit="page",
        route=ROUTE,
        page_ranker="learned",
    ),
    Config(
        "bm25 pages+route+items",
        "bm25",
        understand="filter",
        expand=True,
        unit="page",
        route=ROUTE_ITEMS,
    ),
    Config(
        "bm25 pages+route+year",
        "bm25",
        understand="filter",
        expand=True,
        unit="page",
        route=ROUTE_YEAR,
    ),
]


def pick_configs(rows: str | None) -> list[Config] | None:
    """``rows``: comma-separated row labels, or "bm25" for every BM25-only row (no embeddings
    needed), or "pages" for every page row; None for all rows."""
    if not rows:
        return None
    want = [r.strip() for r in rows.split(",") if r.strip()]
    out = []
    for c in CONFIGS:
        if (
            c.label in want
            or ("bm25" in want and c.mode == "bm25")
            or ("pages" in want and c.unit == "page")
        ):
            out.append(c)
    if not out:
        raise ValueError(f"no benchmark row matches {rows!r}")
    return out


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
    ),
    Config("hybrid+filters", "hybrid", understand="filter", expand=True),
    Config("hybrid+filters+rerank", "hybrid", understand="filter", expand=True, rerank=True),
    *PAGE_CONFIGS,
]


def _page_list(res) -> list[tuple[str, int]]:
    """The ranked pages of a result: its pages (unit "page"), else its hits' pages in order."""
    if res.pages:
        return [(p.doc_name, p.page) for p in res.pages]
    out: list[tuple[str, int]] = []
    for h in res.hits:
        for p in range(h.page_start, h.page_end + 1):
            if (h.doc_name, p) not in out:
                out.append((h.doc_name, p))
    return out


def _page_rank(pages: list[tuple[str, int]], gold: set[tuple[str, int]]) -> int | None:
    return next((i for i, p in enumerate(pages, 1) if p in gold), None)


PLANTED_CONFIGS = [
    c
    for c in CONFIGS
    if c.label in ("bm25+filters", "hybrid+filters")
    or (
        c.unit == "page"
        and c.route
        in (
            "",
            ROUTE,
            ROUTE_ITEMS,
            ROUTE_YEAR,
            ROUTE_YEAR + ",deep",
            ROUTE_SECTIONS,
            ROUTE_COMPARATIVES,
            ROUTE_SPREAD,
            ROUTE_LATER,
            ROUTE_SECTIONS + ",comparatives",
            ROUTE_TOPICS,
            ROUTE_COMPANIES,
            ROUTE_PRESENT,
            ROUTE_ALL3,
        )
    )
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


@dataclass
class _Tally:
    """One row of the recall table while its questions are asked."""

    ranks: list[int | None] = field(default_factory=list)  # first hit on a gold page
    page_ranks: list[int | None] = field(default_factory=list)  # first gold page in the page list
    wrong_year: list[float] = field(default_factory=list)  # shared store: top-5 of other years
    right_doc: list[bool] = field(default_factory=list)  # shared store: own filing in top 10
    latencies: list[float] = field(default_factory=list)
    page_ms: list[float] = field(default_factory=list)
    fallbacks: int = 0  # understand=filter fell back to boost

    def figures(self) -> dict:
        n = len(self.ranks)
        ranks, pranks = self.ranks, self.page_ranks
        return {
            **{f"recall@{k}": round(sum(1 for r in ranks if r and r <= k) / n, 4) for k in KS},
            "mrr@20": round(sum(1 / r for r in ranks if r) / n, 4),
            **{
                f"page_recall@{k}": round(sum(1 for r in pranks if r and r <= k) / n, 4) for k in KS
            },
            "page_mrr@20": round(sum(1 / r for r in pranks if r and r <= 20) / n, 4),
            "wrong_fiscal_year_top5": round(statistics.mean(self.wrong_year), 4)
            if self.wrong_year
            else None,
            "right_filing_in_top10": round(statistics.mean(self.right_doc), 4)
            if self.right_doc
            else None,
            "filter_fallbacks": self.fallbacks,
            "latency_ms_p50": round(1000 * statistics.median(self.latencies), 1),
            "pages_ms_p50": round(statistics.median(self.page_ms), 2) if self.page_ms else None,
        }


def run_retrieval_bench(
    pdf_dir: Path,
    questions_path: Path,
    out: Path,
    home: Path,
    console: Console | None = None,
    reranker: Reranker | None = None,
    configs: list[Config] | None = None,
    command: str = "docnav bench retrieval",
    previous: Path | None = None,
    planted: Path | None = None,
    planted_home: Path | None = None,
    partial_dense: bool = False,
) -> dict:
    """``reranker`` adds the +rerank rows (left out without one); ``configs`` picks rows;
    rows of ``previous`` (a results.json) that this run does not measure are carried over,
    marked; ``planted`` (a ``docnav synth`` folder) adds the planted set's recall.
    ``partial_dense`` uses the filings' embeddings already on disk and embeds nothing (the
    others get zero vectors): then only the single store's rows and the shared store's BM25
    rows are measured, because a shared-store dense search would see only some filings."""
    console = console or Console()
    commit = git_commit()  # at the start: a long run may outlive the commit it ran
    engine = Engine(Settings(home=home))
    report = engine.ingest([pdf_dir], workers=2)
    if report.failed:
        raise RuntimeError(f"{len(report.failed)} filings failed to ingest")
    console.print(f"store: {len(engine.documents())} filings in {engine.store.root}")
    configs = [c for c in (configs or CONFIGS) if reranker is not None or not c.rerank]
    need_dense = any(c.mode != "bm25" for c in configs)
    embedded = _prepare_indexes(engine, need_dense, partial_dense, console)
    questions = [json.loads(x) for x in questions_path.read_text().splitlines() if x.strip()]
    table, rows = _measure(engine, configs, questions, reranker, embedded, console)
    planted_res = None
    if planted is not None:
        planted_res = _planted(planted, planted_home or home.parent / "planted-home", need_dense)
        for n, r in planted_res["recall"].items():
            console.print(f"planted {n}: " + ", ".join(f"{k}={v}" for k, v in r.items()))
    engines = _bm25_engines(engine, questions)
    console.print(f"bm25s vs rank-bm25: {engines}")
    result = {
        "command": command,
        "measured_at_commit": commit,
        "machine": machine_info(),
        "questions": len(questions),
        "embedding_model": engine.settings.retrieval.embedding_model,
        "reranker": getattr(reranker, "name", None),
        "configs": [c._asdict() for c in configs],
        "recall": table,
        "partial_dense": None
        if embedded is None
        else sorted(d.name for d in engine.documents() if d.doc_id in embedded),
        "carried_over": _carried_over(previous, table),
        "planted": planted_res,
        "bm25_engines": engines,
        "per_question": rows,
    }
    _write(result, out)
    return result


def _prepare_indexes(
    engine: Engine, need_dense: bool, partial_dense: bool, console: Console
) -> set[str] | None:
    """Build (or load) the indexes; with ``partial_dense``, the ids of the filings whose
    embeddings were on disk (None otherwise)."""
    t0 = time.perf_counter()
    embedded = None
    if need_dense and partial_dense:
        embedded = _load_partial_dense(engine)
        console.print(f"partial embeddings: {len(embedded)} of {len(engine.documents())} filings")
    else:
        engine.index.ensure(dense=need_dense, on_progress=None)
    console.print(
        f"indexes ready in {time.perf_counter() - t0:.0f}s ({len(engine.index.chunks)} chunks)"
    )
    return embedded


def _measure(
    engine: Engine,
    configs: list[Config],
    questions: list[dict],
    reranker: Reranker | None,
    embedded: set[str] | None,
    console: Console,
) -> tuple[dict[str, dict], list[dict]]:
    """Every config on the shared and the single store: the recall table and per-question rows."""
    docs_by_name = {d.name: d for d in engine.documents()}
    rows: list[dict] = []
    table: dict[str, dict] = {}
    for store_kind in ("shared", "single"):
        for cfg in configs:
            if _skipped(cfg, store_kind, embedded, questions, docs_by_name):
                continue
            name = f"{cfg.label} / {store_kind} store"
            tally = _Tally()
            for q in questions:
                gold = docs_by_name[q["doc_name"]]
                filters = SearchFilters(doc_ids=[gold.doc_id]) if store_kind == "single" else None
                r, pr = _ask(engine, cfg, q, filters, reranker, tally, docs_by_name)
                rows.append(
                    {
                        "config": name,
                        "financebench_id": q["financebench_id"],
                        "rank": r,
                        "page_rank": pr,
                    }
                )
            table[name] = tally.figures()
            console.print(f"{name}: " + ", ".join(f"{k}={v}" for k, v in table[name].items()))
    return table, rows


def _skipped(
    cfg: Config,
    store_kind: str,
    embedded: set[str] | None,
    questions: list[dict],
    docs_by_name: dict,
) -> bool:
    """With partial embeddings, dense rows are measured only where every filing searched
    has its embeddings: never on the shared store, on the single store when all do."""
    if embedded is None or cfg.mode == "bm25":
        return False
    if store_kind == "shared":
        return True  # a shared-store dense search would see only the embedded filings
    return any(docs_by_name[q["doc_name"]].doc_id not in embedded for q in questions)


def _ask(
    engine: Engine,
    cfg: Config,
    q: dict,
    filters: SearchFilters | None,
    reranker: Reranker | None,
    tally: _Tally,
    docs_by_name: dict,
) -> tuple[int | None, int | None]:
    """One question under one config, counted in ``tally``: its hit rank and page rank."""
    gold = docs_by_name[q["doc_name"]]
    t = time.perf_counter()
    res = engine.index.search(
        q["question"],
        mode=cfg.mode,
        k=max(KS),
        filters=filters,
        fusion=cfg.fusion,
        understand=cfg.understand,
        expand=cfg.expand,
        prefer_latest=cfg.prefer_latest,
        reranker=reranker if cfg.rerank else None,
        unit=cfg.unit,
        route=cfg.route,
        page_ranker=cfg.page_ranker,
    )
    tally.latencies.append(time.perf_counter() - t)
    if "pages" in res.timings:
        tally.page_ms.append(res.timings["pages"])
    hits = res.hits
    tally.fallbacks += cfg.understand == "filter" and res.understand == "boost"
    r = _found_rank(hits, q["evidence"])
    tally.ranks.append(r)
    plist = _page_list(res)
    pr = _page_rank(plist, {(e["doc_name"], e["evidence_page_num"]) for e in q["evidence"]})
    tally.page_ranks.append(pr)
    top5 = [p[0] for p in plist[:5]] if res.pages else [h.doc_name for h in hits[:5]]
    if top5 and filters is None:  # the shared store
        wy = [n for n in top5 if docs_by_name[n].meta.fiscal_year != gold.meta.fiscal_year]
        tally.wrong_year.append(len(wy) / len(top5))
        top10 = [p[0] for p in plist[:10]] if res.pages else [h.doc_name for h in hits[:10]]
        tally.right_doc.append(gold.name in top10)
    return r, pr


def _carried_over(previous: Path | None, table: dict[str, dict]) -> dict[str, dict]:
    """Rows of a previous results.json that this run did not measure, marked with the commit
    they were measured at."""
    carried: dict[str, dict] = {}
    if previous is not None and previous.exists():
        old = json.loads(previous.read_text())
        for name, r in old.get("recall", {}).items():
            if name not in table:
                carried[name] = {**r, "from": r.get("from") or old.get("measured_at_commit")}
        for name, r in old.get("carried_over", {}).items():  # carried before: keep carrying
            if name not in table and name not in carried:
                carried[name] = r
    return carried


def _planted(planted: Path, planted_home: Path, need_dense: bool) -> dict:
    from docnav.bench.page_ranker import planted_section

    pconf = [c for c in PLANTED_CONFIGS if need_dense or c.mode == "bm25"]
    return planted_section(planted, planted_home, pconf)


def _bm25_engines(engine: Engine, questions: list[dict]) -> dict:
    """bm25s against rank-bm25 on the same tokens, same run: build and query time, overlap."""
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
    return {
        "chunks": len(corpus),
        "build_s_bm25s": round(build_ours, 2),
        "build_s_rank_bm25": round(build_base, 2),
        "query_ms_bm25s": round(1000 * query_ours, 2),
        "query_ms_rank_bm25": round(1000 * query_base, 2),
        "query_speedup": round(query_base / query_ours, 1),
        "top10_overlap": round(overlap, 4),
    }


def _load_partial_dense(engine: Engine) -> set[str]:
    """The dense index from the per-filing embeddings on disk, zero rows for the filings not
    embedded yet (never saved); returns the embedded filings' ids."""
    import numpy as np

    from docnav.retrieval.dense import DenseIndex

    idx = engine.index
    idx.ensure(dense=False)
    folder = idx._dense_folder()
    counts: dict[str, int] = {}
    for c in idx.chunks:
        counts[c.doc_id] = counts.get(c.doc_id, 0) + 1
    parts: list = []
    have: set[str] = set()
    for doc_id, n in counts.items():
        if idx._usable(folder, doc_id, n):
            parts.append(np.asarray(idx._load_emb(folder, doc_id), dtype=np.float32))
            have.add(doc_id)
        else:
            parts.append(n)
    dim = next((p.shape[1] for p in parts if not isinstance(p, int)), 384)
    parts = [np.zeros((p, dim), dtype=np.float32) if isinstance(p, int) else p for p in parts]
    idx.dense = DenseIndex(np.vstack(parts), idx.embedding_model)
    return have


def _write(result: dict, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(result, indent=2))
    plot(result, out)
    _report(result, out)


def plot(result: dict, out: Path) -> None:
    """recall.png from a results dict (page rows draw their page recall)."""
    from docnav.extras import pyplot

    plt = pyplot()  # a clear error naming the bench extra when matplotlib is absent

    table = result["recall"]
    fig, axes = plt.subplots(1, 2, figsize=(16, 5), sharey=False)
    for ax, kind in zip(axes, ("shared", "single"), strict=True):
        names = [n for n in table if n.endswith(f"/ {kind} store")]
        for i, n in enumerate(names):
            key = "page_recall" if "pages" in n else "recall"  # a page row: its page recall
            vals = [100 * table[n][f"{key}@{k}"] for k in KS]
            style = "-" if "filters" in n or "boost" in n or "pages" in n else "--"
            ax.plot(
                KS, vals, style, marker="o", color=plt.cm.tab20(i % 20), label=n.split(" / ")[0]
            )
        ax.set_xticks(KS, [f"@{k}" for k in KS])
        ax.set_title(f"{kind} store: evidence-page recall ({result['questions']} questions)")
        ax.set_ylim(0, 100)
        ax.legend(fontsize=6, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    axes[0].set_ylabel("% of questions with a gold page in the top k")
    fig.tight_layout()
    fig.savefig(out / "recall.png", dpi=110)
    plt.close(fig)


def _report(result: dict, out: Path) -> None:
    table = result["recall"]

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
        "R@k = chunk recall (a gold page inside one of the top-k hits' page ranges, as before); "
        "page R@k = a gold page among the top-k ranked pages (rows `pages...` rank pages and show "
        "each page's best chunk; chunk rows rank their hits' pages in order). Rows `pages`: "
        "pages as the unit (hybrid+filters candidates pooled per page); `+filing`: the filing "
        "kind the question points at (10-K for annual figures, 8-K for events, 10-Q/release for "
        "quarters) chosen first; `+statements`: the pages of the statement the question names, "
        "or whose line item it names, of the chosen filing first; `+route` = both plus "
        "diversity (the last two of the first ten places hold the runner-up filings' best "
        "pages); `+learned` = the logistic page ranker trained on the synthetic planted corpus "
        "only (`retrieval/data/page_ranker.json`) instead of the pooled RRF score.",
        "",
        "| retriever / store | R@1 | R@5 | R@10 | R@20 | MRR@20 | page R@1 | page R@5 | page R@10 | page R@20 | wrong FY in top 5 | right filing in top 10 | p50 ms |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for n, r in table.items():
        lines.append(_row(n, r))
    if result.get("carried_over"):
        lines += [
            "",
            "Rows not measured in this run, carried over unchanged from the previous results "
            "(commit in brackets; their p50 ms come from that run's machine load):",
            "",
            "| retriever / store | R@1 | R@5 | R@10 | R@20 | MRR@20 | page R@1 | page R@5 | page R@10 | page R@20 | wrong FY in top 5 | right filing in top 10 | p50 ms |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        for n, r in result["carried_over"].items():
            lines.append(_row(f"{n} [{str(r.get('from'))[:7]}]", r))
    if result.get("planted"):
        lines += _planted_lines(result["planted"])
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


def _row(n: str, r: dict) -> str:
    """One row of the recall table (page columns empty for rows without page recall)."""
    wy = r.get("wrong_fiscal_year_top5")
    wy = "" if wy is None else f"{100 * wy:.0f}%"
    rf = r.get("right_filing_in_top10")
    rf = "" if rf is None else f"{100 * rf:.0f}%"
    pr = " | ".join(
        f"{100 * r[f'page_recall@{k}']:.1f}" if f"page_recall@{k}" in r else "" for k in KS
    )
    return (
        f"| {n} | {100 * r['recall@1']:.1f} | {100 * r['recall@5']:.1f} | {100 * r['recall@10']:.1f} | "
        f"{100 * r['recall@20']:.1f} | {r['mrr@20']:.3f} | {pr} | {wy} | {rf} | {r['latency_ms_p50']} |"
    )


def _planted_lines(pl: dict) -> list[str]:
    lines = [
        "",
        f"## Planted synthetic set: {pl['questions']} questions over {pl['filings']} filings "
        f"({pl['chunks']} chunks), `{pl['corpus']}`",
        "",
        "| retriever | page R@1 | page R@5 | page R@10 | page R@20 | R@1 | R@5 | R@10 | R@20 | right filing in top 10 | p50 ms |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for n, r in pl["recall"].items():
        lines.append(
            f"| {n} | "
            + " | ".join(f"{100 * r[f'page_recall@{k}']:.1f}" for k in KS)
            + " | "
            + " | ".join(f"{100 * r[f'recall@{k}']:.1f}" for k in KS)
            + f" | {100 * r['right_filing_in_top10']:.0f}% | {r['latency_ms_p50']} |"
        )
    return lines
