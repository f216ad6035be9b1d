"""Pages as the ranked unit: evidence is a page, so candidate chunks (BM25, dense, and the
statement pages a question is routed to) are pooled per page, each page gets features, a
page ranker scores them, routing rules put the named statement's pages of the chosen filing
first, and the best chunk of each page is what is shown.

Page rankers (``page_ranker``):

- ``rrf``: the page's best chunk's fused rank plus a little of its other chunks' (a page
  holding several matching chunks beats one holding a single one of the same rank).
- ``learned``: a logistic model over the features below, trained only on the synthetic
  planted corpus (``docnav bench page-ranker``), weights in ``data/page_ranker.json``;
  ``learned-hard`` the same trained on hard negatives only (the other pages of the gold
  filing's company: same filing, other years and forms), ``data/page_ranker_hard.json``.

Routing (``route``): ``statements`` puts the pages of the statements a question names, or
whose line items it names, of the chosen filing first; ``filing`` picks that filing among the
candidates by the filing kind the question points at (the 10-K for annual figures, the 8-K
for an event, a 10-Q or release for a quarter) before the retrieval score; ``diverse`` keeps
the best pages of the runner-up filings in the last two of the first ten places; ``items``
adds the line-item retriever (:mod:`.line_items`: BM25 over the statement facts' row labels
and their synonyms) as one more ranked input, its pages joining the candidates. Refinements of
``filing`` (:mod:`.filings`): ``fullyear`` (an annual figure from a filing covering the whole
year: a Q4 / full-year release next to the 10-K, a quarter's release after it), ``nongaap``
(adjusted / non-GAAP measures from the earnings release first, no statement routing through
their line items), ``undated`` (a question naming no year prefers the latest filing of the
kind it points at); ``deep`` ranks the chosen filing's chunks within that filing alone too, so
its page pool is as deep as a single-filing search's; ``sections`` reads the question's topic
(segments, debt, taxes, restructuring, ... :data:`.route.SECTION_TOPICS`) and ranks the chosen
filing's sections of that topic (a Note, an Item) alone, so their pages join the pool with the
rank they have inside those sections (feature ``section``).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
from pydantic import BaseModel, Field

DATA = Path(__file__).parent / "data" / "page_ranker.json"
# trained on hard negatives only: the pages of the gold filing's company (bench/page_ranker.py)
DATA_HARD = Path(__file__).parent / "data" / "page_ranker_hard.json"
ITEMS_WEIGHT = 1.0  # rrf ranker: weight of the line-item retriever's reciprocal rank
# route "topics": the pages of the question's topic sections placed right after the first ten;
# a topic read from words is a weaker signal than the retrievers', so it never displaces them
TOPIC_PLACES = 3

FEATURES = (
    "rrf",  # best chunk on the page: 60 / (60 + fused rank)
    "rrf_rest",  # log1p of the other chunks' 60 / (60 + rank)
    "bm25",  # best BM25 score on the page / best BM25 score of the query's candidates
    "dense",  # best cosine on the page minus the best cosine of the candidates
    "stmt_named",  # the page prints a statement the question names
    "stmt_item",  # the page prints the statement a named line item lives in
    "statement",  # the page prints any primary statement
    "table",  # a table chunk lies on the page
    "note",  # the page is in a Note
    "mdna",  # the page is in MD&A
    "period",  # share of the question's years written on the page
    "number",  # a number the question writes is on the page
    "doc_score",  # the filing's score / the best filing's score
    "doc_first",  # the page is in the chosen filing
    "form_pref",  # the filing is of the kind the question points at (1 first choice, .5 later)
    "latest",  # the filing is the latest of a year range
    "items",  # the page's rank among the line-item retriever's pages: 60 / (60 + rank)
    "section",  # the page is in a section the question's topic points at (route "sections")
)


class PageHit(BaseModel):
    doc_id: str
    doc_name: str
    page: int  # 0-based
    score: float
    routed: bool = False  # put first by statement routing
    statements: list[str] = Field(default_factory=list)
    chunk_ids: list[str] = Field(default_factory=list)  # candidate chunks on the page, best first
    features: dict[str, float] | None = None  # only when asked for


@dataclass
class PageRanker:
    name: str
    weights: dict[str, float] = field(default_factory=dict)
    mean: dict[str, float] = field(default_factory=dict)
    std: dict[str, float] = field(default_factory=dict)
    intercept: float = 0.0
    about: dict = field(default_factory=dict)

    def score(self, x: dict[str, float]) -> float:
        if self.name == "rrf":
            # the line-item list is fused like a third retriever: its reciprocal rank is added
            return x["rrf"] + 0.25 * x["rrf_rest"] + ITEMS_WEIGHT * x.get("items", 0.0)
        s = self.intercept
        for f, w in self.weights.items():
            s += w * (x.get(f, 0.0) - self.mean.get(f, 0.0)) / (self.std.get(f, 1.0) or 1.0)
        return s

    def to_json(self) -> dict:
        return {
            "name": self.name,
            "features": list(self.weights),
            "weights": self.weights,
            "mean": self.mean,
            "std": self.std,
            "intercept": self.intercept,
            "about": self.about,
        }


@lru_cache(maxsize=4)
def load_ranker(spec: str = "rrf") -> PageRanker:
    """``rrf`` (built in), ``learned`` / ``learned-hard`` (the shipped weights) or a path to a
    weights JSON."""
    if spec == "rrf":
        return PageRanker("rrf")
    path = {"learned": DATA, "learned-hard": DATA_HARD}.get(spec) or Path(spec)
    raw = json.loads(path.read_text())
    return PageRanker(
        name=raw.get("name", "learned"),
        weights=raw["weights"],
        mean=raw["mean"],
        std=raw["std"],
        intercept=raw.get("intercept", 0.0),
        about=raw.get("about", {}),
    )


@dataclass
class PageCandidate:
    doc_row: int
    page: int
    chunks: list[tuple[int, float]] = field(default_factory=list)  # (row, fused rr), best first
    x: dict[str, float] = field(default_factory=dict)
    score: float = 0.0
    routed: bool = False
    boosted: bool = False
    statements: set[str] = field(default_factory=set)


def order_pages(
    cands: list[PageCandidate],
    doc_order: list[int],
    diverse: bool,
    top: int = 10,
    spread: bool = False,
    later: list[int] | None = None,
    topical: list[PageCandidate] | None = None,
    group: dict[int, str] | None = None,
) -> list[PageCandidate]:
    """Routed pages first, then by score; with ``diverse`` the last two of the first ``top``
    places hold the best pages of the next filings (in ``doc_order``) when the first
    ``top - 2`` come from fewer filings; with ``spread`` the next ``top`` places open with the
    best page of each filing (in ``doc_order``) not yet among the first ``top``; ``later``
    filings (route ``comparatives``) have their two best pages not yet shown open them;
    ``topical`` pages (route ``topics``, best first) not yet shown follow, TOPIC_PLACES of them.
    ``group`` (filing -> company, route ``companies``) makes ``diverse`` hand its places to
    the filings of companies absent from the first ``top - 2`` instead of other filings."""
    ranked = sorted(cands, key=lambda c: (not c.routed, not c.boosted, -c.score, c.doc_row, c.page))
    if diverse and len(ranked) > top:
        ranked = _diversify(ranked, doc_order, top - 2, top - 2, 2, group)
    if spread:
        ranked = _diversify(ranked, doc_order, top, top, top)
    extra: list[PageCandidate] = []
    if later and len(ranked) > top:
        rest = ranked[top:]
        extra = [c for d in later for c in [c for c in rest if c.doc_row == d][:2]]
    if topical and len(ranked) > top:
        head = {id(c) for c in ranked[:top]} | {id(c) for c in extra}
        extra += [c for c in topical if id(c) not in head][:TOPIC_PLACES]
    if extra:
        ids = {id(c) for c in extra}
        ranked = ranked[:top] + extra + [c for c in ranked[top:] if id(c) not in ids]
    return ranked


def _diversify(
    ranked: list[PageCandidate],
    doc_order: list[int],
    head_n: int,
    at: int,
    n: int,
    group: dict[int, str] | None = None,
) -> list[PageCandidate]:
    """From place ``at`` on, up to ``n`` best pages of the filings (in ``doc_order``) absent
    from the first ``head_n``, then the rest in order (route ``spread``: a question naming no
    year puts the latest filing first, and its other filings next). With ``group`` a filing
    counts as present when a filing of its group (its company) is, and the absent groups come
    in the order of their best pages: with no company named, the filing order's form
    preference says nothing about which company is asked about, the pages' scores do."""

    def key(d: int) -> int | str:
        return group.get(d, d) if group else d

    if len(ranked) <= at:
        return ranked
    seen = {key(c.doc_row) for c in ranked[:head_n]}
    extra: list[PageCandidate] = []
    if group:
        doc_order = list(dict.fromkeys(c.doc_row for c in ranked[at:]))
    for d in doc_order:
        if len(extra) == n:
            break
        if key(d) in seen:
            continue
        best = next((c for c in ranked[at:] if c.doc_row == d), None)
        if best is not None:
            extra.append(best)
            seen.add(key(d))
    ids = {id(c) for c in extra}
    return ranked[:at] + extra + [c for c in ranked[at:] if id(c) not in ids]


def sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, x))))


def year_share(text_by_page: list[str], years: list[int]) -> float:
    if not years:
        return 0.0
    return sum(any(str(y) in t for t in text_by_page) for y in years) / len(years)


def as_matrix(rows: list[dict[str, float]]) -> np.ndarray:
    return np.array([[r.get(f, 0.0) for f in FEATURES] for r in rows], dtype=np.float64)
