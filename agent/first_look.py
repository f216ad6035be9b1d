"""The guided agent's first observation: what RAG would have seen (the same hybrid search with
query understanding, the same k), the chosen filing's outline with its statement pages, the
statement fact rows for the question's line items (where the store has facts) and, for a
multi-part question, its plan of sub-lookups. The model starts from all of it instead of
from an empty page; its first step can be the answer."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from docnav.agent import across, facts_view, printed, suggest
from docnav.agent.compose import compose as compose_terms
from docnav.agent.question import BALANCE, CASHFLOW, INCOME, QuestionRead, formula_terms
from docnav.agent.question import statement_of as item_statement
from docnav.ingestion.store import CorpusStore
from docnav.retrieval.query import QueryAnalysis
from docnav.tools.base import PageRead, ToolContext
from docnav.tools.search import _page_reads  # credits a shown snippet to the pages holding it
from docnav.types import Document, Section

PRIMARY = [INCOME, BALANCE, CASHFLOW]


@dataclass
class Evidence:
    """Pages to read, 1-based inclusive, and why (shown to the model as a next step)."""

    doc: str
    start: int
    end: int
    why: str

    def call(self) -> str:
        return f'read_pages(doc="{self.doc}", start={self.start}, end={self.end})'


@dataclass
class FirstLook:
    text: str
    reads: list[PageRead] = field(default_factory=list)
    chosen: str | None = None  # doc_id of the filing the question is most likely about
    todo: list[Evidence] = field(default_factory=list)  # pages the question needs, in order
    statements: list[Evidence] = field(default_factory=list)  # the filing's primary statements
    refs: dict[str, dict[str, Any]] = field(default_factory=dict)  # "F1" -> fact shown
    suggested: dict[str, Any] | None = None  # a value computed in code from the rows shown
    best: dict[str, Any] | None = None  # the row code would answer a one-value question with
    decision: dict[str, Any] | None = None  # a yes/no or direction decided in code
    composed: dict[str, Any] | None = None  # a total / adjusted figure's terms summed in code
    across: bool = False  # values from several filings or companies (agent.across)
    summary: str = ""


def choose_filing(hits: list[Any]) -> str | None:
    """The filing most of the top hits come from, earlier hits weighing more."""
    votes: dict[str, float] = {}
    for rank, h in enumerate(hits):
        votes[h.doc_id] = votes.get(h.doc_id, 0.0) + 1.0 / (rank + 1)
    return max(votes, key=votes.__getitem__) if votes else None


def section_evidence(doc: Document, sections: list[Section], label: str) -> Evidence | None:
    s = next((x for x in sections if x.label == label), None)
    if s is None:
        return None
    # a statement rarely needs more than its first pages; a note is read from its start
    end = min(s.page_end, s.page_start + (1 if s.kind == "statement" else 2))
    return Evidence(doc.doc_id, s.page_start + 1, end + 1, s.label or s.title)


def _outline(
    doc: Document, sections: list[Section], max_chars: int, named: list[str] | None = None
) -> str:
    """Statements first (with pages), then Items and Notes, one short line each. With
    ``named`` (the lean outline: it is resent with every call) the Items share one line and
    of the Notes only those the question names are listed."""
    head = f"Outline of {doc.doc_id} ({doc.n_pages} pages):"
    stm = [s for s in sections if s.kind == "statement"]
    rest = [s for s in sections if s.kind in ("item", "note")]
    lines = [head]
    if stm:
        lines.append(
            "Financial statements: "
            + "; ".join(f"{s.label or s.title[:40]} {s.page_label}" for s in stm)
        )
    if named is not None:
        return "\n".join(lines + _lean_rest(rest, named, max_chars))
    used = sum(len(x) + 1 for x in lines)
    for s in rest:
        line = f"  {s.id} {s.label + ' ' if s.label and s.label not in s.title else ''}{s.title[:60]} {s.page_label}"
        if used + len(line) > max_chars:
            lines.append(f"  ... {len(rest) - rest.index(s)} more (call outline)")
            break
        lines.append(line)
        used += len(line) + 1
    return "\n".join(lines)


_ITEM_HEAD = re.compile(r"^\s*item\s+\d+[a-z]?\s*[.:\-—]?\s*", re.I)


def _short_title(s: Section, words: int = 3) -> str:
    """An Item's title without its "Item 7." head, cut to a few words."""
    title = _ITEM_HEAD.sub("", s.title).strip(" .")
    return " ".join(title.split()[:words])


def _lean_rest(rest: list[Section], named: list[str], max_chars: int) -> list[str]:
    """The lean outline's Items (one line) and Notes (the named ones; a count for the rest)."""
    items = [s for s in rest if s.kind == "item"]
    notes = [s for s in rest if s.kind == "note"]
    lines = []
    if items:
        line = "Items: " + "; ".join(
            f"{s.label or ''} {_short_title(s)} {s.page_label}".strip() for s in items
        )
        cap = max_chars // 3  # the later Items (governance, exhibits) go first
        lines.append(line if len(line) <= cap else line[:cap].rsplit(";", 1)[0] + "; …")
    picked = [s for s in notes if s.label in named]
    lines += [f"  {s.id} {s.title[:60]} {s.page_label}" for s in picked]
    if len(notes) > len(picked):
        a, b = min(s.page_start for s in notes) + 1, max(s.page_end for s in notes) + 1
        lines.append(f"Notes: {len(notes)} on pp. {a}-{b} (call outline for their titles)")
    return lines


def _hits_block(
    ctx: ToolContext, hits: list[Any], max_chars: int, lean: bool = False
) -> tuple[str, list[PageRead]]:
    """Retrieval's top hits, each cut to its share of ``max_chars``; ``lean`` labels a hit
    with the last part of its section path only (the most specific; the rest repeats)."""
    if not hits:
        return "Retrieval found no passage for the question.", []
    # a small window shows fewer hits rather than stubs of all of them (~420 characters each)
    hits = hits[: max(2, min(len(hits), max_chars // 420))]
    per_hit = max(300, max_chars // len(hits) - 120)
    lines, reads = [f"Top {len(hits)} passages retrieval found for the question:"], []
    for i, h in enumerate(hits, 1):
        a, b = h.page_start + 1, h.page_end + 1
        pages = f"p. {a}" if a == b else f"pp. {a}-{b}"
        snippet = h.text if len(h.text) <= per_hit else h.text[:per_hit] + " …"
        path = h.section_path.rsplit(" > ", 1)[-1][:80] if lean else h.section_path
        lines.append(f"[{i}] {h.doc_id} {pages} | {path}\n{snippet.strip()}")
        reads += _page_reads(ctx, h, snippet.removesuffix(" …"))
    return "\n\n".join(lines), reads


def plan_lines(qr: QuestionRead, analysis: QueryAnalysis, where: dict[str, Evidence]) -> list[str]:
    """Sub-lookups of a multi-part question: each value x period x company, with where it is
    printed; empty when the question is one lookup."""
    # the formula's values; a change or growth ("(new - old) / old") names none: the items
    terms = (formula_terms(qr.formula) if qr.formula else []) or list(dict.fromkeys(qr.items))
    years = list(analysis.years)
    if len(years) >= 2 and qr.average:
        years = list(range(min(years), max(years) + 1))
    elif len(years) == 1 and qr.average and any(item_statement(t) == BALANCE for t in terms):
        years = [years[0] - 1, years[0]]  # an average balance needs the opening balance too
    distinct = analysis.distinct_companies()
    companies = distinct if len(distinct) >= 2 else [""]
    periods = [f"FY{y}" for y in years] or [""]
    notes = qr.notes if len(qr.notes) >= 2 else []
    parts = len(terms) * len(periods) * len(companies) + len(notes)
    if parts < 2 and not (qr.calc and qr.formula):
        return []
    lines = ["Plan (look up each value, then compute):"]
    n = 0
    for c in companies:
        for t in terms:
            stmt = item_statement(t)
            ev = where.get(stmt or "")
            loc = f" — {ev.why} pp. {ev.start}-{ev.end} of {ev.doc}" if ev and not c else ""
            for p in periods:
                n += 1
                lines.append(f"V{n}: {t}" + "".join(f", {x}" for x in (p, c) if x) + loc)
    for note in notes:
        n += 1
        ev = where.get(note)
        loc = f" — pp. {ev.start}-{ev.end} of {ev.doc}" if ev else ""
        lines.append(f"V{n}: the amount in {note}{loc}")
    if qr.calc and qr.formula:
        lines.append(
            f"Then call calculator on: {qr.formula} (write the numbers you read, or fact "
            "references F1, F2 ...); the answer's value is its result."
        )
    elif qr.calc:
        lines.append("Then call calculator with the expression over these values.")
    return lines


def _add_composed(
    out: FirstLook,
    parts: list[str],
    question: str,
    store: CorpusStore,
    doc: Document,
    sections: list[Section],
    analysis: QueryAnalysis,
) -> None:
    """A total over several items or a figure with stated adjustments: each term with its
    page (F.., after the rows shown), their value computed in code, first among the parts."""
    facts = facts_view.facts_of(store, doc.doc_id)
    comp = compose_terms(
        question, store, doc, sections, facts, list(analysis.years), len(out.refs) + 1
    )
    if comp is None:
        return
    parts.insert(0, "\n".join(comp.lines))
    out.refs.update(comp.refs)
    out.reads += [PageRead(doc_id=doc.doc_id, page=p, text=t) for p, t in comp.reads]
    pages = dict.fromkeys(p + 1 for p, _ in comp.reads)
    out.todo[:0] = [Evidence(doc.doc_id, p, p, "page of a term computed above") for p in pages]
    # the terms' sum is the calculation; no single row answers the question
    out.suggested, out.composed, out.best = comp.calc, comp.calc, None


def build_first_look(
    question: str,
    qr: QuestionRead,
    analysis: QueryAnalysis,
    hits: list[Any],
    ctx: ToolContext,
    *,
    show_hits: bool = True,
    show_facts: bool = True,
    show_plan: bool = True,
    max_chars: int = 12000,
    lean: bool = False,
) -> FirstLook:
    store: CorpusStore = ctx.store
    out = FirstLook(text="")
    parts: list[str] = []
    saved = 0  # characters the lean outline leaves out: not handed on to the hits
    chosen = choose_filing(hits)
    doc = store.get_document(chosen) if chosen else None
    sections = store.sections(doc.doc_id) if doc else []
    where: dict[str, Evidence] = {}
    if doc:
        out.chosen = doc.doc_id
        for label in PRIMARY + qr.notes:
            ev = section_evidence(doc, sections, label)
            if ev:
                where[label] = ev
        out.statements = [where[x] for x in PRIMARY if x in where]
        wanted = qr.notes + qr.statements
        out.todo = [where[x] for x in dict.fromkeys(wanted) if x in where]
    # the pages of the top hits come after the pages the question names
    for h in hits[:3]:
        out.todo.append(Evidence(h.doc_id, h.page_start + 1, h.page_end + 1, "top search hit"))
    budget = max_chars
    # two fiscal years printed in different filings, or two companies: one sub-lookup each
    ac = across.plan(question, qr, analysis, store, doc) if show_facts and show_plan else None
    if ac is not None:
        parts.append("\n".join(ac.lines))
        out.refs, out.reads = across.shown_refs(ac), across.page_reads(ac)
        out.suggested, out.decision, out.across = across.suggested(ac), ac.decision, True
        out.todo[:0] = [Evidence(d, p, p, "statement row") for d, p in across.row_pages(ac)]
    if show_plan and not qr.qualitative and ac is None:
        plan = plan_lines(qr, analysis, where)
        if plan:
            parts.append("\n".join(plan))
    if qr.qualitative:
        # reasons and descriptions are in the prose (MD&A, Notes), not in a row of numbers: fact
        # rows pull a small model into answering "what drove" with a number
        parts.append(
            "The question asks for reasons or a description: answer in words from the passages "
            "above when they hold it (answer now, citing them), else read the pages they point "
            "to (MD&A, Notes); a number alone does not answer it."
        )
    if qr.yes_no:
        parts.append("The question asks yes or no: start the answer with Yes or No, then why.")
    if show_facts and doc and not qr.qualitative and ac is None:
        facts = facts_view.facts_of(store, doc.doc_id)
        terms = formula_terms(qr.formula) if qr.formula else []
        # a formula the question defines names the rows; the defined name ("working capital
        # ratio") is no row, and its words ("capital") would put "Capitalized costs" first
        rows = facts_view.candidates(
            facts,
            list(dict.fromkeys(terms + qr.items)),
            analysis.years,
            question=qr.formula if qr.formula_defined and qr.formula else question,
        )
        named = [(f"F{i}", f) for i, f in enumerate(rows, 1)]

        def ref_of(f: Any) -> str:
            for r, g in named:
                if g is f:
                    return r
            named.append((f"F{len(named) + 1}", f))
            return named[-1][0]

        hint = suggest.suggest(
            facts,
            qr.items,
            qr.formula,
            qr.formula_defined,
            list(analysis.years),
            ref_of,
            question=question,
            qr=qr,
            more_facts=printed.company_facts(store, doc),
        )
        if named:
            use = (
                "reference them as F1, F2 ... in calculator"
                if qr.calc or qr.formula
                else "the answer is one of these values as printed: no calculation"
            )
            rows_text = facts_view.render(named, doc.doc_id)
            if len(rows_text) > max_chars // 3:  # a small window: the first rows, whole lines
                rows_text = rows_text[: max_chars // 3].rsplit("\n", 1)[0]
            parts.append(
                f"Statement line items that may hold the values ({use}):\n"
                + rows_text
                + "".join("\n" + x for x in hint.lines)
            )
            for ref, f in named:
                v, text = facts_view.fmt_value(f)
                out.refs[ref] = {
                    "value": v,
                    "doc": f.doc_id,
                    "page": f.page,
                    "label": f.label,
                    "period": f.period or f.column,
                    "shown": text,
                }
                out.reads.append(PageRead(doc_id=f.doc_id, page=f.page, text=f"{f.label} {text}"))
            out.suggested = hint.calc
            out.best = hint.best
            out.decision = hint.decision
    if show_plan and doc and qr.compound:
        _add_composed(out, parts, question, store, doc, sections, analysis)
    if doc and show_hits:
        # prose questions spend the room on the passages; the outline is a pointer only
        room = min(1200 if qr.qualitative else 2500, max_chars // 4)
        outline = _outline(doc, sections, room)
        if lean:  # resent with every call: the statements and what the question names
            short = _outline(doc, sections, room, named=qr.notes)
            saved, outline = len(outline) - len(short), short
        parts.append(outline)
        if out.todo and out.todo[0].why != "top search hit":
            first = out.todo[0]
            parts.append(f"The question needs the {first.why}: {first.call()}")
    used = sum(len(p) for p in parts) + saved
    if show_hits:
        floor = min(2000, max_chars // 4)
        room = max(floor, budget - used)
        if lean and (out.suggested or out.decision):
            room = floor  # code computed the value from the rows shown: the hits only back it
        elif lean and out.refs:
            room = min(room, max_chars // 3)  # the statement rows are shown: fewer passages
        block, reads = _hits_block(ctx, hits, room, lean=lean)
        parts.insert(0, block)
        out.reads += reads
    out.text = "\n\n".join(parts)
    out.summary = (
        f"first look: {len(hits)} hits, filing {out.chosen or 'none'}, "
        f"{len(out.statements)} statements, {len(out.refs)} facts"
    )
    return out
