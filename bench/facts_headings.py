"""Rows under a block heading, measured (issue 19): ``python -m docnav.bench.facts_headings
sample|recheck STORE``.

* ``sample STORE DOC...``: a fixed random sample (seed 52, 4 rows per filing) of statement and
  Note rows whose label carries a block heading ("Cost of revenue - Product"), written with
  the page lines that hold the label, for a person to check label, heading, period and value
  by reading the page; verdicts go to ``headings-handcheck.json``.
* ``recheck STORE``: every row of the committed hand-checked facts sample
  (``handcheck.json``) looked up again in STORE's facts (same filing, page, label, period,
  value and unit): the heading change must leave those rows as they were.

STORE is a store whose facts were built by this code (a fresh ingest, or
``docnav.ingestion.facts_backfill.backfill_facts(store, force=True)`` on a copy). No question
text is read.
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

from docnav.agent.facts_view import shown_label
from docnav.ingestion.store import CorpusStore

OUT = Path("results/facts")  # run from the repository root, like every bench --out
KINDS = ("income", "balance", "cashflow", "segment", "note")


def sample(store: CorpusStore, docs: list[str], per_doc: int = 4, seed: int = 52) -> list[dict]:
    rng = random.Random(seed)
    out: list[dict] = []
    for doc in docs:
        rows = [
            f
            for f in store.facts(doc)
            if f.source == "pdf" and f.statement in KINDS and shown_label(f) != f.label
        ]
        seen: set[tuple] = set()
        uniq = []
        for f in rows:  # one period per printed row
            key = (f.page, f.label, f.norm_label)
            if key not in seen:
                seen.add(key)
                uniq.append(f)
        for f in rng.sample(uniq, min(per_doc, len(uniq))):
            text = store.page_path(doc, f.page).read_text(encoding="utf-8")
            lines = [s for s in text.splitlines() if f.label[:25] in s]
            out.append(
                {
                    "doc": doc,
                    "page": f.page + 1,  # as printed in the viewer: 1-based
                    "statement": f.statement,
                    "label": f.label,
                    "shown": shown_label(f),
                    "period": f.period,
                    "column": f.column,
                    "value": f.value,
                    "unit": f.unit,
                    "scale": f.scale,
                    "page_lines": lines[:4],
                }
            )
    return out


def recheck(store: CorpusStore, checked: list[dict]) -> dict:
    """How many hand-checked rows STORE's facts still hold exactly."""
    found, missing = 0, []
    cache: dict[str, list] = {}
    for r in checked:
        facts = cache.setdefault(r["doc"], store.facts(r["doc"]))
        hit = any(
            f.page == r["page"] - 1  # committed 1-based
            and f.label == r["label"]
            and f.period == r["period"]
            and abs(f.value - r["value"]) < 1e-6 * max(1.0, abs(r["value"]))
            and f.unit == r["unit"]
            for f in facts
        )
        found += hit
        if not hit:
            missing.append({k: r[k] for k in ("doc", "page", "label", "period", "value")})
    return {"rows": len(checked), "still_extracted": found, "missing": missing}


def main(argv: list[str]) -> None:
    cmd, root, *docs = argv
    store = CorpusStore(root)
    if cmd == "sample":
        rows = sample(store, docs)
        (OUT / "headings-sample.json").write_text(json.dumps(rows, indent=1) + "\n")
        print(f"{len(rows)} rows from {len({r['doc'] for r in rows})} filings")
    elif cmd == "recheck":
        checked = json.loads((OUT / "handcheck.json").read_text())
        got = recheck(store, checked)
        (OUT / "headings-recheck.json").write_text(json.dumps(got, indent=1) + "\n")
        print(f"{got['still_extracted']} of {got['rows']} hand-checked rows still extracted")
    else:
        raise SystemExit(
            "usage: python -m docnav.bench.facts_headings sample|recheck STORE [DOC...]"
        )


if __name__ == "__main__":
    main(sys.argv[1:])
