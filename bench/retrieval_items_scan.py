"""The line-item weight as a named setting: page recall of hybrid pages+route+items on
FinanceBench dev (shared and single store) for a few weights of the line-item retriever in
the rrf page ranker (``retrieval.pages.ITEMS_WEIGHT``); 0 = line items off.

``python -m docnav.bench.retrieval_items_scan HOME QUESTIONS W [W ...]`` prints one line per
store and weight (the store must be embedded and hold facts).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import docnav.retrieval.pages as pages_mod
from docnav.engine import Engine
from docnav.retrieval.index import SearchFilters
from docnav.settings import Settings

ROUTE = "statements,filing,diverse,items"


def scan(home: Path, questions: Path, weights: list[float]) -> list[dict]:
    engine = Engine(Settings(home=home))
    idx = engine.index
    idx.ensure(dense=True)
    qs = [json.loads(x) for x in questions.read_text().splitlines() if x.strip()]
    docs = {d.name: d for d in engine.documents()}
    out = []
    for store in ("shared", "single"):
        for w in weights:
            pages_mod.ITEMS_WEIGHT = w
            f10 = f20 = right = 0
            for q in qs:
                flt = (
                    SearchFilters(doc_ids=[docs[q["doc_name"]].doc_id])
                    if store == "single"
                    else None
                )
                r = idx.search(
                    q["question"],
                    mode="hybrid",
                    k=20,
                    filters=flt,
                    understand="filter",
                    expand=True,
                    unit="page",
                    route=ROUTE,
                )
                gold = {(e["doc_name"], e["evidence_page_num"]) for e in q["evidence"]}
                rank = next(
                    (i for i, p in enumerate(r.pages, 1) if (p.doc_name, p.page) in gold), None
                )
                f10 += bool(rank and rank <= 10)
                f20 += bool(rank and rank <= 20)
                right += q["doc_name"] in [p.doc_name for p in r.pages[:10]]
            n = len(qs)
            row = {
                "store": store,
                "items_weight": w,
                "page_recall@10": round(f10 / n, 4),
                "page_recall@20": round(f20 / n, 4),
                "right_filing_in_top10": round(right / n, 4),
            }
            print(json.dumps(row), flush=True)
            out.append(row)
    pages_mod.ITEMS_WEIGHT = 1.0
    return out


if __name__ == "__main__":
    scan(Path(sys.argv[1]), Path(sys.argv[2]), [float(a) for a in sys.argv[3:]])
