"""The learned page ranker (issue 21 item 4) and the planted-set recall.

``train_page_ranker`` fits a logistic model over the page features of
:mod:`docnav.retrieval.pages` on a synthetic planted corpus only (``docnav synth``: its
filings ingested, its questions' evidence pages as labels), never on FinanceBench, and writes
the weights that ``page_ranker="learned"`` loads. ``planted_recall`` measures page and chunk
recall of search configurations on a planted set's questions (a second corpus for
``docnav bench retrieval``).
"""

from __future__ import annotations

import json
import statistics
import time
from pathlib import Path

import numpy as np

from docnav.bench import git_commit, machine_info
from docnav.engine import Engine
from docnav.retrieval.pages import DATA, FEATURES, as_matrix
from docnav.settings import Settings

KS = (1, 5, 10, 20)


def load_planted(path: Path) -> list[dict]:
    """Planted questions with 0-based evidence pages (``page_index``, else ``page`` - 1)."""
    out = []
    for line in path.read_text().splitlines():
        if not line.strip():
            continue
        q = json.loads(line)
        ev = [(e["doc_name"], e.get("page_index", e["page"] - 1)) for e in q["evidence"]]
        out.append(
            {
                "id": q["id"],
                "question": q["question"],
                "gold": ev,
                "doc_names": q.get("doc_names") or sorted({d for d, _ in ev}),
                "failure_mode": q.get("failure_mode"),
            }
        )
    return out


def planted_engine(synth_dir: Path, home: Path) -> Engine:
    """An engine over ``synth_dir``'s HTML filings, ingested into ``home`` (a no-op when
    already there) and embedded."""
    engine = Engine(Settings(home=home, ingest_edgartools_check=False))
    html = synth_dir / "html"
    sidecar = synth_dir / "documents.jsonl"
    report = engine.ingest(
        [html if html.exists() else synth_dir / "pdf"],
        workers=1,
        sidecar=sidecar if sidecar.exists() else None,
    )
    if report.failed:
        raise RuntimeError(f"{len(report.failed)} synthetic filings failed to ingest")
    engine.index.ensure(dense=True)
    return engine


SEARCH = dict(mode="hybrid", understand="filter", expand=True)


def collect(
    engine: Engine, questions: list[dict], route: str, k: int = 20, negatives: str = "pool"
):
    """Every candidate page's features and label (a gold evidence page) per question.

    ``negatives``: ``pool`` keeps every candidate page; ``company`` keeps only the pages of
    the gold filing's company (other pages of the same filing, the company's filings of other
    years and forms), searched once with the question's years as a filter and once as a boost
    so the other years' pages are candidates too: the hard negatives, the ones a ranking
    within the right company has to tell from the evidence."""
    xs, ys, groups = [], [], []
    doc_list = list(engine.index.docs.values())
    company = {d.name: d.meta.company for d in doc_list}
    modes = ("filter",) if negatives == "pool" else ("filter", "boost")
    for qi, q in enumerate(questions):
        gold = set(q["gold"])
        want = {company.get(d) for d, _ in gold}
        seen: set[tuple[str, int]] = set()
        for understand in modes:
            engine.index.search(
                q["question"],
                k=k,
                unit="page",
                route=route,
                features=True,
                **{**SEARCH, "understand": understand},
            )
            for c in engine.index.last_page_candidates:
                key = (doc_list[c.doc_row].name, c.page)
                if key in seen or (negatives != "pool" and company.get(key[0]) not in want):
                    continue
                seen.add(key)
                xs.append(dict(c.x))
                ys.append(int(key in gold))
                groups.append(qi)
    return as_matrix(xs), np.array(ys), np.array(groups)


def train_page_ranker(
    synth_dir: Path,
    home: Path,
    out_json: Path = DATA,
    route: str = "statements,filing,diverse",
    c: float = 1.0,
    command: str = "",
    negatives: str = "pool",
) -> dict:
    """Fit the logistic page ranker on ``synth_dir``'s planted questions; write its weights
    (``negatives``: see :func:`collect`)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score

    engine = planted_engine(synth_dir, home)
    questions = load_planted(synth_dir / "questions.jsonl")
    X, y, g = collect(engine, questions, route, negatives=negatives)
    mean, std = X.mean(axis=0), X.std(axis=0)
    std[std == 0] = 1.0
    Z = (X - mean) / std
    # held-out check: train on even questions, score the odd ones
    tr, te = g % 2 == 0, g % 2 == 1
    m = LogisticRegression(C=c, class_weight="balanced", max_iter=2000).fit(Z[tr], y[tr])
    auc = float(roc_auc_score(y[te], m.decision_function(Z[te]))) if y[te].any() else None
    m = LogisticRegression(C=c, class_weight="balanced", max_iter=2000).fit(Z, y)
    weights = {f: round(float(w), 5) for f, w in zip(FEATURES, m.coef_[0], strict=True)}
    result = {
        "name": "learned" if negatives == "pool" else f"learned-{negatives}",
        "features": list(FEATURES),
        "weights": weights,
        "mean": {f: round(float(v), 6) for f, v in zip(FEATURES, mean, strict=True)},
        "std": {f: round(float(v), 6) for f, v in zip(FEATURES, std, strict=True)},
        "intercept": round(float(m.intercept_[0]), 5),
        "about": {
            "model": f"logistic regression (sklearn, C={c}, class_weight=balanced) over "
            "standardised page features; pointwise, label = page is a gold evidence page",
            "trained_on": f"synthetic planted corpus {synth_dir.name} "
            f"({len(engine.documents())} filings, {len(questions)} questions; no FinanceBench)",
            "candidate_pages": int(len(y)),
            "positives": int(y.sum()),
            "route_while_collecting": route,
            "negatives": negatives,
            "heldout_auc_odd_questions": None if auc is None else round(auc, 4),
            "command": command,
            "commit": git_commit(),
        },
    }
    out_json.write_text(json.dumps(result, indent=1) + "\n")
    from docnav.retrieval.pages import load_ranker

    load_ranker.cache_clear()
    return result


def planted_recall(engine: Engine, questions: list[dict], configs) -> dict[str, dict]:
    """Page and chunk recall@k, right filing in the top 10 and p50 ms per configuration."""
    table: dict[str, dict] = {}
    for cfg in configs:
        pr, cr, right, lat = [], [], [], []
        for q in questions:
            gold = set(q["gold"])
            t = time.perf_counter()
            res = engine.index.search(
                q["question"],
                mode=cfg.mode,
                k=max(KS),
                fusion=cfg.fusion,
                understand=cfg.understand,
                expand=cfg.expand,
                unit=cfg.unit,
                route=cfg.route,
                page_ranker=cfg.page_ranker,
            )
            lat.append(time.perf_counter() - t)
            if res.pages:
                plist = [(p.doc_name, p.page) for p in res.pages]
            else:
                plist = []
                for h in res.hits:
                    for p in range(h.page_start, h.page_end + 1):
                        if (h.doc_name, p) not in plist:
                            plist.append((h.doc_name, p))
            pr.append(next((i for i, p in enumerate(plist, 1) if p in gold), None))
            cr.append(
                next(
                    (
                        i
                        for i, h in enumerate(res.hits, 1)
                        if any(h.doc_name == d and h.page_start <= p <= h.page_end for d, p in gold)
                    ),
                    None,
                )
            )
            right.append(any(p[0] in q["doc_names"] for p in plist[:10]))
        n = len(questions)
        table[cfg.label] = {
            **{f"page_recall@{k}": round(sum(1 for r in pr if r and r <= k) / n, 4) for k in KS},
            **{f"recall@{k}": round(sum(1 for r in cr if r and r <= k) / n, 4) for k in KS},
            "right_filing_in_top10": round(statistics.mean(right), 4),
            "latency_ms_p50": round(1000 * statistics.median(lat), 1),
        }
    return table


def planted_section(synth_dir: Path, home: Path, configs) -> dict:
    engine = planted_engine(synth_dir, home)
    questions = load_planted(synth_dir / "questions.jsonl")
    return {
        "corpus": str(synth_dir),
        "filings": len(engine.documents()),
        "chunks": len(engine.index.chunks),
        "questions": len(questions),
        "recall": planted_recall(engine, questions, configs),
    }


def main() -> None:  # python -m docnav.bench.page_ranker SYNTH_DIR HOME [OUT NEGATIVES ROUTE]
    import sys

    synth_dir, home = Path(sys.argv[1]), Path(sys.argv[2])
    out = Path(sys.argv[3]) if len(sys.argv) > 3 else DATA
    negatives = sys.argv[4] if len(sys.argv) > 4 else "pool"
    route = sys.argv[5] if len(sys.argv) > 5 else "statements,filing,diverse"
    cmd = "python -m docnav.bench.page_ranker " + " ".join(sys.argv[1:])
    res = train_page_ranker(synth_dir, home, out, route=route, command=cmd, negatives=negatives)
    print(json.dumps({k: res[k] for k in ("weights", "intercept", "about")}, indent=1))
    _ = machine_info


if __name__ == "__main__":
    main()
