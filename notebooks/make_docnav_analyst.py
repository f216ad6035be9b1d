"""Writes notebooks/docnav_analyst.ipynb (outputs empty): run after editing the cells here.

    .venv/bin/python notebooks/make_docnav_analyst.py

The analyst's notebook, beside the tour: real filings (four FinanceBench 10-Ks of two
retailers), the statement facts as a pandas DataFrame across years, a chart across years and
companies, then search -> read -> ask with citations as links to the cited pages. Public API
only (``docnav.engine.Engine``, ``docnav.settings.Settings``). The cells are kept in this
script so a change is reviewed as Python, not as notebook JSON."""

from __future__ import annotations

from pathlib import Path

from make_docnav_tour import write_notebook

CELLS: list[tuple[str, str]] = [
    (
        "md",
        """\
# docnav for analysts: line items across years, charts, cited answers

Four 10-Ks of two retailers from FinanceBench (Costco FY2016 and FY2018, Best Buy FY2017 and
FY2019), read with docnav's Python API:

1. ingest the filings
2. the statement facts as a pandas DataFrame: revenue and operating income per fiscal year,
   each value with the filing and page it was read from
3. a chart of a metric across years and companies
4. search -> read -> ask, with every citation a link to the cited page of the filing

It needs `../shared/financebench` beside the repository (or `DOCNAV_SHARED`) and, for the chart,
matplotlib (`pip install -e '.[bench]'`; the `dev` extra includes it). Everything but the
last cell takes seconds: the filings are ingested without embeddings and searched with BM25. The
ask cell uses the configured LLM in `rag` mode (the embedded CPU model by default: a minute or
more; a GPU server with `DOCNAV_LLM_BACKEND=openai DOCNAV_LLM_BASE_URL=...`);
`DOCNAV_NOTEBOOK_ASK=0` skips it.""",
    ),
    (
        "code",
        """\
import os
from pathlib import Path

import pandas as pd
from IPython.display import Markdown, display

from docnav.engine import Engine
from docnav.settings import Settings

SHARED = Path(os.environ.get("DOCNAV_SHARED", Path.cwd().parent.parent / "shared")).resolve()
PDFS = SHARED / "financebench" / "pdfs"
FILINGS = ["COSTCO_2016_10K", "COSTCO_2018_10K", "BESTBUY_2017_10K", "BESTBUY_2019_10K"]
COMPANIES = ["Costco", "Best Buy"]

# rag reads BM25 hits here: embedding four 10-Ks takes minutes on a CPU
engine = Engine(Settings(rag_mode="bm25"))
print(f"filings from {PDFS}, store in {engine.settings.store_dir}")""",
    ),
    (
        "md",
        """\
## 1. Ingest

Unchanged files are skipped by content hash, so a second run is instant. `embed=False` defers
the embeddings (the default builds them now, for dense and hybrid search).""",
    ),
    (
        "code",
        """\
report = engine.ingest([PDFS / f"{name}.pdf" for name in FILINGS], embed=False)
print(f"{len(report.files)} files, {len(report.failed)} failed")
docs = pd.DataFrame(
    [
        {"doc_id": d.doc_id, "company": d.meta.company, "form": d.meta.form,
         "period": d.meta.fiscal_period, "pages": d.n_pages}
        for d in engine.documents() if d.name in FILINGS
    ]
)
docs""",
    ),
    (
        "md",
        """\
## 2. Line items across years

`engine.facts` looks up statement line items by company and metric words (synonyms included:
"revenue" also finds "net sales"); each row is one printed table row with its value per period,
its scale and the 1-based page. A 10-K prints three years, so two 10-Ks of a company cover five;
where two filings print the same year, the later filing's figure is kept (restatements).""",
    ),
    (
        "code",
        """\
# metric -> words to look for; check the label column: a metric whose best row differs from
# filing to filing (net income vs "net earnings from continuing operations") mixes definitions
METRICS = {"Revenue": "total revenue", "Operating income": "operating income"}


def line_items(company: str) -> pd.DataFrame:
    rows = []
    for name, words in METRICS.items():
        best = {}  # per filing: its best-scoring income statement row
        for r in engine.facts(company=company, metric=words, limit=30):
            if r.statement == "income" and r.doc_id not in best:
                best[r.doc_id] = r
        for r in best.values():
            for period, value in r.values.items():
                if period.startswith("FY"):
                    rows.append({"company": company, "metric": name, "year": int(period[2:]),
                                 "usd_m": value * r.scale_factor / 1e6, "label": r.label,
                                 "doc_id": r.doc_id, "page": r.page})
    df = pd.DataFrame(rows).sort_values("doc_id")
    return df.drop_duplicates(["company", "metric", "year"], keep="last")


facts = pd.concat([line_items(c) for c in COMPANIES], ignore_index=True)
table = facts.pivot_table(index=["company", "metric"], columns="year", values="usd_m")
print(f"{len(facts)} values from {facts.doc_id.nunique()} filings (USD millions)")
table""",
    ),
    (
        "md",
        """\
Where each figure comes from: the filing and the page it is printed on.""",
    ),
    (
        "code",
        """\
facts[facts.metric == "Revenue"][["company", "year", "usd_m", "label", "doc_id", "page"]]""",
    ),
    (
        "md",
        """\
## 3. A metric across years and companies

Revenue and operating margin (operating income / revenue), computed from the DataFrame.
Best Buy's fiscal year ends in late January or early February, Costco's at the start of
September: the years are each company's own fiscal years.""",
    ),
    (
        "code",
        """\
%matplotlib inline
import matplotlib.pyplot as plt

wide = facts.pivot_table(index=["company", "year"], columns="metric", values="usd_m")
wide["Operating margin %"] = 100 * wide["Operating income"] / wide["Revenue"]
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 3.5))
for company, part in wide.groupby(level="company"):
    years = part.index.get_level_values("year")
    ax1.plot(years, part["Revenue"] / 1000, marker="o", label=company)
    ax2.plot(years, part["Operating margin %"], marker="o", label=company)
ax1.set_title("Revenue, USD billions")
ax2.set_title("Operating margin, %")
for ax in (ax1, ax2):
    ax.set_xlabel("fiscal year")
    ax.legend()
fig.tight_layout()
plt.show()
wide.round(1)""",
    ),
    (
        "md",
        """\
## 4. Search -> read -> ask

Search ranks pages (BM25 here), each hit links to its page of the filing (`#page=N` opens a
PDF at that page in most viewers). Reading a page is `engine.page_text`; asking in `rag` mode
gives the model the top passages, and every citation comes back with the page it quotes and
whether the quote was found on a page the model read.""",
    ),
    (
        "code",
        """\
def page_link(doc_id: str, page: int) -> str:
    \"\"\"A Markdown link to 1-based ``page`` of the filing's source file.\"\"\"
    d = engine.document(doc_id)
    return f"[{d.name} p. {page}]({Path(d.source_path).resolve().as_uri()}#page={page})"


question = "What were Best Buy's merchandise inventories at the end of fiscal 2019?"
res = engine.search(question, mode="bm25", k=5)
lines = [f"applied: {'; '.join(res.analysis.applied)}", ""] if res.analysis else []
for i, h in enumerate(res.hits, 1):
    page = h.page if h.page is not None else h.page_start  # 1-based, as citations
    lines.append(f"{i}. {page_link(h.doc_id, page)} · {h.section_path.split(' > ')[-1]}")
display(Markdown("\\n".join(lines)))""",
    ),
    (
        "code",
        """\
top = res.hits[0]
top_page = top.page if top.page is not None else top.page_start
text = engine.page_text(top.doc_id, top_page)
print(f"{top.doc_name} p. {top_page}:")
print("\\n".join(line for line in text.splitlines() if "nventor" in line)[:800])""",
    ),
    (
        "code",
        """\
if os.environ.get("DOCNAV_NOTEBOOK_ASK", "1") == "0":
    print("ask skipped (DOCNAV_NOTEBOOK_ASK=0): no LLM call in this run")
else:
    ans = engine.ask(question, mode="rag", doc="BESTBUY_2019_10K")
    cites = [
        f"- {page_link(c.doc_id, c.page)}: \\"{c.quote[:120]}\\" "
        f"({'quote found on a page the model read' if c.verified else 'quote not found'})"
        for c in ans.citations
    ]
    display(Markdown(f"**{ans.answer}**\\n\\n" + "\\n".join(cites or ["(no citations)"])))""",
    ),
]


def main() -> Path:
    return write_notebook(CELLS, Path(__file__).with_name("docnav_analyst.ipynb"))


if __name__ == "__main__":
    print(main())
