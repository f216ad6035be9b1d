"""Why a page row misses: each dev question the row does not find in its top 10 pages, put in
one category, counted (LLM-free). Categories, first that applies:

- ``wrong filing: company absent`` — no page of the question's company in the top 10;
- ``wrong filing: other year`` — the company's filings are there, but none of the gold year;
- ``wrong filing: other form, same year`` — a filing of the gold year, of another form;
- ``wrong filing: other (same form and year)`` — e.g. two filings of one form and year;
- ``right filing, gold page ranked 11-20`` / ``ranked 21+`` / ``not a candidate`` — the filing
  is in the top 10 but the gold page is not (``not a candidate``: no retrieved or routed chunk
  on it, so page-pool depth matters).

Each miss is also tagged with the filing its first page comes from (the filing chosen first),
with what its gold page prints (a primary statement, a Note, MD&A,
other), whether the question was routed to a statement and whether that was the gold page's,
and whether the evidence spans several pages. Counts only: no question is named.

``python -m docnav.bench.retrieval_failures HOME QUESTIONS OUT.md [ROW ...]`` writes a table
per row (default ``pages+route``) to OUT.md and the counts to OUT.json.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

from docnav.bench.retrieval import CONFIGS, Config
from docnav.engine import Engine
from docnav.retrieval.route import STATEMENTS
from docnav.settings import Settings

CATEGORIES = (
    "wrong filing: company absent",
    "wrong filing: other year",
    "wrong filing: other form, same year",
    "wrong filing: other (same form and year)",
    "right filing, gold page ranked 11-20",
    "right filing, gold page ranked 21+",
    "right filing, gold page not a candidate",
)


def _page_kind(idx, doc_row: int, page: int) -> str:
    """What a page prints, from its chunks' sections: a statement kind, note, mdna, other."""
    meta = idx._chunk_meta()
    rows = idx._rows_on_page(doc_row, page)
    codes = {int(meta["stmt"][r]) for r in rows} - {0}
    if codes:
        return "statement:" + STATEMENTS[min(codes) - 1]
    if any(meta["note"][r] for r in rows):
        return "note"
    if any(meta["mdna"][r] for r in rows):
        return "mdna"
    return "other"


def _company_year(name: str) -> tuple[str, str]:
    """Company and year as the benchmark names its filings ("AMCOR_2023Q4_EARNINGS"): the
    filings' own metadata spell one company several ways and date some releases by fiscal
    year, others by calendar year."""
    parts = name.upper().split("_")
    return parts[0], parts[1][:4] if len(parts) > 1 else ""


def classify(idx, docs: dict, q: dict, res, ranked_all: list) -> dict | None:
    """None when a gold page is in the top 10 pages; else the miss's category and tags."""
    gold = {(e["doc_name"], e["evidence_page_num"]) for e in q["evidence"]}
    pages = [(p.doc_name, p.page) for p in res.pages]
    if any(p in gold for p in pages[:10]):
        return None
    g = docs[q["doc_name"]]
    top = [docs[n] for n, _ in pages[:10]]
    names = [d.name for d in top]
    if g.name not in names:
        co, year = _company_year(g.name)
        same_co = [d for d in top if _company_year(d.name)[0] == co]
        same_year = [d for d in same_co if _company_year(d.name)[1] == year]
        if not same_co:
            cat = CATEGORIES[0]
        elif not same_year:
            cat = CATEGORIES[1]
        elif any(d.meta.form != g.meta.form for d in same_year):
            cat = CATEGORIES[2]
        else:
            cat = CATEGORIES[3]
    else:
        rank = next((i for i, p in enumerate(pages, 1) if p in gold), None)
        doc_list = list(idx.docs.values())
        in_pool = any((doc_list[c.doc_row].name, c.page) in gold for c in ranked_all)
        if rank is not None and rank <= 20:
            cat = CATEGORIES[4]
        elif in_pool:
            cat = CATEGORIES[5]
        else:
            cat = CATEGORIES[6]
    doc_row = list(idx.docs).index(g.doc_id)
    kinds = {_page_kind(idx, doc_row, e["evidence_page_num"]) for e in q["evidence"]}
    kind = sorted(kinds)[0]
    routed = res.route.statements if res.route is not None else []
    if not routed:
        stmt_tag = "no statement routed"
    elif any(k == f"statement:{s}" for k in kinds for s in routed):
        stmt_tag = "routed to the gold page's statement"
    elif any(k.startswith("statement:") for k in kinds):
        stmt_tag = "routed to another statement"
    else:
        stmt_tag = "routed to a statement, gold is not one"
    first = top[0] if top else None
    if first is None or first.name == g.name:
        lead = "the gold filing"
    elif _company_year(first.name)[0] != _company_year(g.name)[0]:
        lead = "another company's filing"
    elif _company_year(first.name)[1] != _company_year(g.name)[1]:
        lead = "the company's filing of another year"
    else:
        lead = "another filing of the gold year"
    return {
        "category": cat,
        "first_page_from": lead,
        "gold_page": kind,
        "routing": stmt_tag,
        "intent": res.route.intent if res.route is not None else "",
        "multi_page": len({e["evidence_page_num"] for e in q["evidence"]}) > 1,
    }


def analyse(idx, docs: dict, questions: list[dict], cfg: Config) -> dict:
    misses = []
    for q in questions:
        res = idx.search(
            q["question"],
            mode=cfg.mode,
            k=20,
            understand=cfg.understand,
            expand=cfg.expand,
            unit="page",
            route=cfg.route,
            page_ranker=cfg.page_ranker,
            features=True,
        )
        m = classify(idx, docs, q, res, getattr(idx, "last_page_candidates", []))
        if m is not None:
            misses.append(m)
    count = {
        key: dict(Counter(m[key] for m in misses))
        for key in ("category", "first_page_from", "gold_page", "routing", "intent", "multi_page")
    }
    by_cat = {
        c: dict(Counter(m["gold_page"] for m in misses if m["category"] == c)) for c in CATEGORIES
    }
    return {
        "row": cfg.label,
        "questions": len(questions),
        "misses@10": len(misses),
        "counts": count,
        "gold_page_by_category": by_cat,
    }


def to_markdown(r: dict) -> str:
    n = r["questions"]
    lines = [
        f"### {r['row']} / shared store: {r['misses@10']} of {n} questions miss at page R@10",
        "",
        "| category | misses | gold page prints |",
        "| --- | ---: | --- |",
    ]
    for c in CATEGORIES:
        k = r["counts"]["category"].get(c, 0)
        kinds = ", ".join(f"{a} {b}" for a, b in sorted(r["gold_page_by_category"][c].items()))
        lines.append(f"| {c} | {k} | {kinds} |")
    for key, title in (
        ("first_page_from", "the misses' first page comes from"),
        ("routing", "statement routing of the misses"),
        ("intent", "filing intent read from the misses"),
        ("multi_page", "evidence on several pages"),
    ):
        vals = ", ".join(f"{a}: {b}" for a, b in sorted(r["counts"][key].items(), key=str))
        lines.append(f"\n{title}: {vals}")
    return "\n".join(lines) + "\n"


def main(home: Path, questions: Path, out: Path, rows: list[str]) -> None:
    engine = Engine(Settings(home=home))
    idx = engine.index
    idx.ensure(dense=True)
    qs = [json.loads(x) for x in questions.read_text().splitlines() if x.strip()]
    docs = {d.name: d for d in engine.documents()}
    by_label = {c.label: c for c in CONFIGS}
    results = [analyse(idx, docs, qs, by_label[r]) for r in rows]
    md = [
        "# Where `docnav bench retrieval` page rows miss (dev 60, shared store, LLM-free)",
        "",
        f"Command: `python -m docnav.bench.retrieval_failures {home} {questions} {out} "
        + " ".join(f"'{r}'" for r in rows)
        + "`",
        "",
    ]
    md += [to_markdown(r) for r in results]
    out.write_text("\n".join(md), encoding="utf-8")
    out.with_suffix(".json").write_text(json.dumps(results, indent=1), encoding="utf-8")
    print("\n".join(md))


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]), sys.argv[4:] or ["pages+route"])
