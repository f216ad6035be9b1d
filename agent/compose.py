"""Compound questions planned as sub-lookups in code (issue 19 item 4): a total over items
spread through a filing, and a figure with stated adjustments.

- A total ("the total <metric> disclosed in the 10-K, counting every <item>", "aggregate
  <amounts> across all <items>"): every passage of the chosen filing about the item (its own
  words or their finance synonyms, sections titled by it, and the notes those passages point
  to with "see Note N") is listed with its amount, page and sentence; the same amount said
  twice about the same matter counts once; the sum is computed in code.
- An adjusted figure ("<metric> including <A> and excluding <B>", "adjusted to exclude
  <B>", "excluding the effect of <B>"): the base row (a statement or note fact, else the
  sentence that states it) and the sentence stating each part's amount; base + A - B in code.

The model is shown each term (numbered F.., usable in calculator) and the computed value; it
confirms or overrules. Nothing here knows a corpus: the item and parts are the question's own
words, matched against the filing's sentences (stemmed, rarer words weighing more).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Literal

from docnav.agent import arith, facts_view, guards
from docnav.ingestion.numbers import extract_numbers
from docnav.retrieval.synonyms import expand
from docnav.retrieval.tokenize import tokenize
from docnav.tools.base import ToolResult
from docnav.types import Fact, Section

Kind = Literal["total", "adjusted"]

_TOTAL_WORD = re.compile(r"\b(?:total|aggregate|combined|sum|altogether|in\s+all|overall)\b", re.I)
_EVERY = re.compile(
    r"\b(?P<prep>counting|including|across|over|for|of|from|covering)\s+(?P<all>all\s+(?:of\s+)?"
    r"(?:the|its|their)\s+|all\s+|every\s+|each\s+(?:of\s+(?:the|its)\s+)?)(?P<item>[a-z][\w\-&' ]{2,60}?)"
    r"(?=\s*(?:,|\?|\.|;|$|\b(?:including|excluding|disclosed|reported|described|mentioned|in|"
    r"at|as\s+of|during|for|from|on|within|under|and\s+(?:any|all|including)|that|which)\b))",
    re.I,
)
_PART_STOP = (
    r"(?=\s*(?:,|\?|;|\.\s|\.$|$|\b(?:and|but)\s+(?:including|excluding|adjusted|"
    r"net\s+of)\b|\bin\s+(?:usd|us\$|\$|millions|thousands|billions)\b|\(in\b))"
)
_INCLUDE = re.compile(
    r"\b(?:including|adjusted\s+to\s+include|adding\s+back)\s+(?:the\s+(?:amounts?|"
    r"effects?|impacts?)\s+of\s+)?(?P<part>.+?)" + _PART_STOP,
    re.I,
)
_EXCLUDE = re.compile(
    r"\b(?:excluding|adjusted\s+to\s+exclude)\s+(?:the\s+(?:amounts?|"
    r"effects?|impacts?)\s+of\s+)?(?P<part>.+?)" + _PART_STOP,
    re.I,
)
# "adjusted for <A>" without a direction: an add-back (charges added back to earnings) is
# its common sense; the model is told so and may overrule
_ADJUSTED_FOR = re.compile(r"\badjusted\s+for\s+(?:the\s+)?(?P<part>.+?)" + _PART_STOP, re.I)
_ASKS_AMOUNT = re.compile(r"\b(?:what|how\s+much|calculate|compute|determine)\b", re.I)
# everything up to the question's verb: "Based on its 10-K, what were" / "How much was"
_LEAD = re.compile(
    r"^.*?\b(?:what\s+(?:is|was|were|are|would\s+be)|how\s+much\s+(?:is|was|were|are|did)|"
    r"calculate|compute|determine)\s+(?:the\s+)?",
    re.I,
)
_PERIOD_WORDS = re.compile(
    r"\b(?:(?:at|as\s+of|for|in|during|by|over)\s+(?:the\s+)?(?:end\s+of\s+)?)?(?:the\s+)?"
    r"(?:fiscal(?:\s+year)?|fy|year|calendar\s+year|quarter)?\s*'?\d{2,4}\b",
    re.I,
)
_POSSESSIVE = re.compile(r"\b[A-Z0-9][\w.&-]*(?:\s+[A-Z][\w.&-]*)*['\u2019]s?(?!\w)\s*")
_SEE_NOTE = re.compile(r"\bNotes?\s+(\d{1,2}[A-Z]?)\b")
_SEE_ITEM = re.compile(r"\bItem\s+(\d{1,2}[A-Z]?)\b")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z(\"'])")
_ABBREV = re.compile(r"\b(?:U\.S|Inc|Co|Corp|Ltd|No|Nos|vs|e\.g|i\.e|approx)\.$")
_TABLE_LINE = re.compile(r"[\d)%\u2014-]\s*$")
# words that say where an amount stands, not what it is about
_WEAK = set(tokenize("total aggregate combined sum overall amount amounts disclosed reported form"))
MAX_TERMS = 8  # more distinct amounts than this is not a list of items but a whole section
# a profit measure, and a cost that reduced it: excluding the cost adds it back
_PROFIT = re.compile(r"\b(?:income|earnings|profit|ebitda?|eps)\b", re.I)
_COST = re.compile(
    r"\b(?:charges?|expenses?|costs?|loss(?:es)?|impairments?|write-?(?:downs?|offs?)|"
    r"settlements?|severance|restructuring)\b",
    re.I,
)


@dataclass
class Compound:
    """The structure of a compound question, from its words alone."""

    kind: Kind
    metric: str  # what is totalled or adjusted: "total lease obligations"
    item: str = ""  # a total's item noun: "legal matter"
    include: list[str] = field(default_factory=list)  # parts added
    exclude: list[str] = field(default_factory=list)  # parts taken off
    add_back: bool = False  # "adjusted for <A>": A added back, direction assumed


@dataclass
class Passage:
    """One sentence (or a table row) of the filing, with its amounts."""

    page: int  # 0-based
    section: str  # label ("Note 9", "Item 3") or title of the section it sits in
    title: str
    text: str
    toks: set[str]
    amounts: list[Any]  # NumberMention, USD only
    refs: list[str]  # sections it points to ("Note 12", "Item 3")


@dataclass
class Term:
    sign: int  # +1 / -1
    value: float  # USD, full scale
    page: int
    quote: str  # the words around the amount, as printed
    why: str  # "base", "item", "including ...", "excluding ..."
    text: str  # the whole sentence (recorded as shown, for citations)


@dataclass
class Composition:
    lines: list[str]
    refs: dict[str, dict[str, Any]]
    calc: dict[str, Any] | None
    reads: list[tuple[int, str]]  # (0-based page, text shown)


def read_compound(question: str) -> Compound | None:
    """A total over every/all/each <item>, or a figure including / excluding / adjusted for
    stated parts; None for any other question."""
    q = " ".join(question.split())
    if not _ASKS_AMOUNT.search(q):
        return None
    every = _EVERY.search(q)
    # "the total revenue of each segment" asks for a list; "counting each matter" for a sum
    if every and every.group("all").lower().startswith("each"):
        every = every if every.group("prep").lower() not in ("of", "for", "from") else None
    if every and _TOTAL_WORD.search(q):
        item = every.group("item").strip()
        return Compound("total", _metric(q, every.start()), item=item)
    cuts = [m for rx in (_INCLUDE, _EXCLUDE, _ADJUSTED_FOR) for m in rx.finditer(q)]
    if not cuts:
        return None
    first = min(m.start() for m in cuts)
    metric = _metric(q, first)
    if not metric:
        return None
    out = Compound("adjusted", metric)
    out.include = [_part(m) for m in _INCLUDE.finditer(q)]
    out.exclude = [_part(m) for m in _EXCLUDE.finditer(q)]
    adds = [_part(m) for m in _ADJUSTED_FOR.finditer(q)]
    out.include += adds
    out.add_back = bool(adds)
    out.include = [p for p in out.include if p]
    out.exclude = [p for p in out.exclude if p]
    return out if out.include or out.exclude else None


# "during the year", "at period end": the period of the figure, not words of the part
_RELATIVE_PERIOD = re.compile(
    r"\b(?:during|in|for|at|by|over|through|within)\s+(?:the\s+)?(?:fiscal\s+)?"
    r"(?:year|period|quarter)(?:[- ]end(?:ed)?)?\b|\b(?:year|period)[- ]end\b",
    re.I,
)


def _part(m: re.Match[str]) -> str:
    text = _RELATIVE_PERIOD.sub(" ", _PERIOD_WORDS.sub(" ", m.group("part")))
    return " ".join(text.split()).strip(" ,.")


def _metric(q: str, end: int) -> str:
    """The words naming the figure: the question up to ``end``, without its lead ("what
    were"), the company's possessive name and its period."""
    head = _LEAD.sub("", q[:end])
    head = _POSSESSIVE.sub("", head)
    head = _PERIOD_WORDS.sub(" ", head)
    head = re.sub(r"\b(?:disclosed|reported|stated)\b.*$", "", head, flags=re.I)
    head = re.sub(r"\b(?:the|its|their|company|company's|firm)\b", " ", head, flags=re.I)
    return " ".join(head.split()).strip(" ,.")


# -- the filing as sentences -----------------------------------------------------------------


def _is_table_line(line: str) -> bool:
    words = re.findall(r"[A-Za-z]{2,}", line)
    return bool(_TABLE_LINE.search(line)) and len(words) <= 8 and not line.rstrip().endswith(".")


def _sentences(text: str) -> list[str]:
    """Prose split into sentences; a run-in heading ("Legal matters.") joins the next one."""
    parts: list[str] = []
    for piece in _SENTENCE_END.split(text):
        if parts and _ABBREV.search(parts[-1]):
            parts[-1] += " " + piece
        else:
            parts.append(piece)
    out: list[str] = []
    for p in parts:
        if out and len(out[-1].split()) <= 4 and not re.search(r"\d", out[-1]):
            out[-1] += " " + p
        else:
            out.append(p)
    return [x.strip() for x in out if x.strip()]


def _section_at(sections: list[Section], page: int) -> Section | None:
    """The most specific section a page starts in (a Note before the Item holding it)."""
    rank = {"note": 0, "statement": 1, "item": 2}
    live = [s for s in sections if s.page_start <= page <= s.page_end and s.kind in rank]
    started = [s for s in live if s.page_start < page] or live
    return min(started, key=lambda s: (rank[s.kind], -s.page_start), default=None)


def passages(
    store: Any, doc_id: str, n_pages: int, sections: list[Section], scale: float = 1.0
) -> list[Passage]:
    """Every prose sentence of the filing, tagged with the section it sits in. ``scale``: the
    filing's statement scale, which its prose uses for a bare "$4,224" (see :func:`doc_scale`)."""
    out: list[Passage] = []
    for page in range(n_pages):
        out += _page_passages(page, store.page_text(doc_id, page), sections, scale)
    return out


def doc_scale(facts: list[Fact]) -> float:
    """The scale most of the filing's statement rows are printed in (1e6 for "in millions"):
    a filing that prints its statements in millions writes "$4,224" in its MD&A for millions."""
    scales = Counter(
        facts_view.shown_scale(f)[0]
        for f in facts
        if f.unit == "USD" and f.statement in facts_view.PRIMARY
    )
    return scales.most_common(1)[0][0] if scales else 1.0


def _page_passages(
    page: int, text: str, sections: list[Section], scale: float = 1.0
) -> list[Passage]:
    """A page's prose sentences; a heading line starting a section switches the tag mid-page
    and a table row ends the prose before it."""
    heads = [
        (s, s.title.strip())
        for s in sections
        if s.kind in ("note", "item") and s.title and s.page_start <= page <= s.page_end
    ]
    cur = _section_at(sections, page)
    blocks: list[tuple[Section | None, list[str]]] = [(cur, [])]
    for raw in text.splitlines():
        line = raw.strip()
        head = next((s for s, t in heads if line == t), None)
        if head is not None or not line or _is_table_line(line):
            cur = head or cur
            blocks.append((cur, []))
            continue
        blocks[-1][1].append(line)
    return [
        _passage(page, sec, sent, scale)
        for sec, lines in blocks
        for sent in _sentences(" ".join(lines))
    ]


def _passage(page: int, sec: Section | None, text: str, scale: float = 1.0) -> Passage:
    usd = []
    for n in extract_numbers(text):
        if n.unit != "USD":
            continue
        if n.scale == 1.0 and scale > 1.0 and abs(n.value) < 1e6:
            n = n.model_copy(update={"value": n.value * scale, "scale": scale})
        if abs(n.value) >= 1000:
            usd.append(n)
    refs = [f"Note {n}" for n in _SEE_NOTE.findall(text)] + [
        f"Item {n}" for n in _SEE_ITEM.findall(text)
    ]
    return Passage(
        page=page,
        section=(sec.label or sec.title) if sec else "",
        title=sec.title if sec else "",
        text=text,
        toks=set(tokenize(text)),
        amounts=usd,
        refs=refs,
    )


# -- matching ------------------------------------------------------------------------------


def _idf(ps: list[Passage]) -> dict[str, float]:
    df: Counter[str] = Counter()
    for p in ps:
        df.update(p.toks)
    n = len(ps) + 1
    return {t: math.log(n / (1 + c)) + 1.0 for t, c in df.items()}


def _words(phrase: str) -> set[str]:
    return {t for t in tokenize(phrase) if not re.match(r"\d", t)} - _WEAK


def _synonyms(phrase: str) -> set[str]:
    return {t for p in expand(tokenize(phrase)).phrases for t in _words(p)}


def _quote(text: str, n: Any) -> str:
    """The words around an amount, cut at word edges: what a citation quotes."""
    start = n.start if n.start is not None else max(0, text.find(n.text))
    lo = max(0, start - 60)
    hi = min(len(text), start + len(n.text) + 30)
    lo = text.rfind(" ", 0, lo) + 1 if lo else 0
    cut = text.find(" ", hi)
    return text[lo : cut if cut > 0 else len(text)].strip(" ,;")


def _nearest(p: Passage, words: set[str]) -> Any:
    """The amount of a sentence closest to the words it is about."""
    low = p.text.lower()
    spots = [m.start() for w in words for m in re.finditer(re.escape(w[:5]), low)] or [0]
    return min(p.amounts, key=lambda n: min(abs((n.start or 0) - s) for s in spots))


def _term(p: Passage, n: Any, sign: int, why: str) -> Term:
    return Term(sign, float(n.value), p.page, _quote(p.text, n), why, p.text)


def _same_matter(a: Term, b: Term) -> bool:
    """The same amount said twice about the same matter (a note repeating Item 3)."""
    if not math.isclose(a.value, b.value, rel_tol=0.005):
        return False
    wa, wb = _words(a.text), _words(b.text)
    return len(wa & wb) / max(1, min(len(wa), len(wb))) >= 0.3


def _has_phrase(toks: set[str], phrases: list[set[str]]) -> bool:
    return any(ph and ph <= toks for ph in phrases)


def total_terms(c: Compound, ps: list[Passage]) -> list[Term]:
    """Each distinct amount stated about the item: sentences naming it (its words, or a
    finance synonym phrase), sentences of sections titled by it (and the one after a sentence
    naming it, "Legal matters. X sued us." "We accrued $41.2 million."), and the notes that a
    sentence about it points to ("see Note 12")."""
    own = _words(c.item)
    if not own:
        return []
    head = set(tokenize(c.item.split()[-1])) & own or own
    need = min(len(own), 2)
    synonyms = [_words(x) for x in expand(tokenize(f"{c.item} {c.metric}")).phrases]

    def names(p: Passage) -> bool:
        has = p.toks & own
        return (len(has) >= need and bool(has & head)) or _has_phrase(p.toks, synonyms)

    def strong(p: Passage) -> bool:
        return names(p) or bool(set(tokenize(p.title)) & own)

    picked = [p for p in ps if p.amounts and strong(p)]
    for i, p in enumerate(ps[:-1]):
        nxt = ps[i + 1]
        if names(p) and not p.amounts and nxt.amounts and nxt.section == p.section:
            picked.append(nxt)
    # a pointer needs only the head noun: "For a matter settled after year end, see Note 12."
    pointed = {r for p in ps if strong(p) or p.toks & head for r in p.refs}
    for r in pointed:
        inside = [p for p in ps if p.section == r and p.amounts]
        # the note holds the item: its one amount, or the sentences naming it
        picked += [p for p in inside if names(p)] or (inside if len(inside) == 1 else [])
    picked = list({id(p): p for p in picked}.values())
    about = own | set().union(*synonyms) if synonyms else own
    terms: list[Term] = []
    for p in sorted(picked, key=lambda x: (x.page, ps.index(x))):
        t = _term(p, _nearest(p, about), 1, c.item)
        if not any(_same_matter(t, u) for u in terms):
            terms.append(t)
    return terms if 2 <= len(terms) <= MAX_TERMS else []


def _at(p: Passage, n: Any) -> int:
    return n.start if n.start is not None else max(0, p.text.find(n.text))


def _window(p: Passage, n: Any, width: int = 110) -> set[str]:
    """The words around one amount of a sentence: what that amount is about."""
    at = _at(p, n)
    return set(tokenize(p.text[max(0, at - width) : at + len(n.text) + width]))


def _distance(p: Passage, n: Any, words: set[str]) -> float:
    """Mean distance in characters from the amount to the nearest use of each word: of two
    amounts in one sentence, the one the words stand next to."""
    low, at = p.text.lower(), _at(p, n)
    gaps = [
        min((abs(m.start() - at) for m in re.finditer(re.escape(w[:5]), low)), default=200)
        for w in words
    ]
    return sum(min(g, 200) for g in gaps) / max(1, len(gaps))


def _year_fit(p: Passage, years: list[int]) -> float:
    """A sentence about the year asked ranks first; one only about other years last."""
    said = {int(y) for y in re.findall(r"\b(?:19|20)\d{2}\b", p.text)}
    if not years or not said:
        return 0.0
    return 0.2 if said & set(years) else -0.3


def _best_sentence(
    phrase: str,
    ps: list[Passage],
    idf: dict[str, float],
    taken: list[Term],
    years: list[int],
    others: set[str] | None = None,
) -> tuple[Passage, Any] | None:
    """The sentence and amount stating the part: the amount whose surrounding words hold most
    of the phrase's (idf-weighted) words, in the year asked, not an amount already used; an
    amount about another part's own words ("terminated" when looking for "discontinued")
    ranks after one that is not."""
    words = _words(phrase)
    if not words:
        return None
    full = sum(idf.get(w, 1.0) for w in words)
    rivals = (others or set()) - words
    rival_full = sum(idf.get(w, 1.0) for w in rivals) or 1.0
    best: tuple[float, Passage, Any] | None = None
    for p in ps:
        for n in p.amounts:
            if any(math.isclose(n.value, t.value, rel_tol=1e-6) for t in taken):
                continue
            share = sum(idf.get(w, 1.0) for w in words & _window(p, n)) / full
            rival = sum(idf.get(w, 1.0) for w in rivals & _window(p, n)) / rival_full
            score = share - rival / 2 + _year_fit(p, years) - _distance(p, n, words) / 2000
            if share >= 0.6 and (best is None or score > best[0]):
                best = (score, p, n)
    return (best[1], best[2]) if best else None


_QUALIFIERS = set(tokenize("total net"))


def _fact_term(f: Fact, why: str, sign: int = 1) -> Term:
    _, shown = facts_view.fmt_value(f)
    return Term(sign, f.value, f.page, f.label, why, f"{f.label} {shown}")


def _row_for(phrase: str, facts: list[Fact], years: list[int], taken: list[Term]) -> Fact | None:
    """The statement or note row that is exactly the phrase: every word of the phrase in its
    label, in the year asked, and no qualifier the phrase lacks ("Current ...", "Long-term
    ..."): a part of the figure is not the figure."""
    words = _words(phrase) - _QUALIFIERS
    ys = {str(y) for y in years}
    rows = [
        f
        for f in facts
        if f.unit == "USD"
        and (not ys or facts_view.in_period(f, ys))
        and not any(math.isclose(f.value, t.value, rel_tol=1e-6) for t in taken)
    ]
    found = facts_view.candidates(rows, [phrase], years, limit=6, question=phrase)
    for f in found:
        label = _words(f.norm_label or f.label) - _QUALIFIERS
        if words and words <= label | _synonyms(f.label) and not label - words:
            return f
    return None


def _base_term(
    c: Compound, ps: list[Passage], idf: dict[str, float], facts: list[Fact], years: list[int]
) -> Term | None:
    """The figure before adjustments: the row that is exactly it, else the sentence stating
    it ("Total debt was $576.7 million"), else the closest row of the year asked."""
    row = _row_for(c.metric, facts, years, [])
    if row is not None:
        return _fact_term(row, "base")
    # the figure itself, not a sentence about one of its parts
    parts = {w for x in c.include + c.exclude for w in _words(x)}
    hit = _best_sentence(c.metric, ps, idf, [], years, parts)
    if hit is not None and c.metric.lower() in hit[0].text.lower():
        return _term(hit[0], hit[1], 1, "base")
    rows = [f for f in facts if f.unit == "USD"]
    found = facts_view.candidates(rows, [c.metric], years, limit=4, question=c.metric)
    ys = {str(y) for y in years}
    found = [f for f in found if not ys or facts_view.in_period(f, ys)]
    if found:
        return _fact_term(found[0], "base")
    return _term(hit[0], hit[1], 1, "base") if hit else None


def adjusted_terms(
    c: Compound, ps: list[Passage], facts: list[Fact], years: list[int]
) -> list[Term]:
    """Base, then each included and excluded part; [] unless every one is found. A part is
    added when included and taken off when excluded, except a cost in a profit measure:
    income "excluding charges" is the income the charges had reduced, so they are added back."""
    idf = _idf(ps)
    base = _base_term(c, ps, idf, facts, years)
    if base is None:
        return []
    terms = [base]
    for asked, parts in ((1, c.include), (-1, c.exclude)):
        for part in parts:
            others = {w for x in c.include + c.exclude if x != part for w in _words(x)}
            # a row of a note table ("Facility exit costs"), else the sentence stating it
            row = _row_for(part, facts, years, terms)
            hit = None if row else _best_sentence(part, ps, idf, terms, years, others)
            if row is None and hit is None:
                return []
            cost = bool(_PROFIT.search(c.metric) and _COST.search(part))
            sign, why = asked, ("including " if asked > 0 else "excluding ") + part
            if c.add_back and asked > 0:  # "adjusted for <A>": added back, as the line says
                why = f"adding back {part}"
            elif cost:
                sign, why = -asked, f"{'adding back' if asked < 0 else 'taking off'} {part}"
            if row is not None:
                term = _fact_term(row, why, sign)
            elif hit is not None:
                term = _term(hit[0], hit[1], sign, why)
            # a part is a size: a reconciliation prints a charge taken off as "(204)"
            term.value = abs(term.value)
            terms.append(term)
    return terms


# -- shown to the model ----------------------------------------------------------------------


def _scale(terms: list[Term]) -> tuple[float, str]:
    top = max(abs(t.value) for t in terms)
    if top >= 1e6:
        return 1e6, "USD millions"
    return (1e3, "USD thousands") if top >= 1e3 else (1.0, "USD")


def render(c: Compound, terms: list[Term], doc_id: str, first_ref: int) -> Composition:
    """Numbered terms (F.., for calculator), their sum in code, and what the model does."""
    div, unit = _scale(terms)
    refs: dict[str, dict[str, Any]] = {}
    expr = ""
    head = (
        f"Plan (looked up in code): a total over every {c.item}: each amount the filing "
        "states about it, once each (the same amount repeated for the same matter once):"
        if c.kind == "total"
        else f"Plan (looked up in code): {c.metric} with stated adjustments: the figure, then "
        "each part added or taken off:"
    )
    lines = [head]
    for i, t in enumerate(terms):
        ref = f"F{first_ref + i}"
        v = round(t.value / div, 6)
        shown = f"{arith.shown(v)} {unit}"
        refs[ref] = {
            "value": v,
            "doc": doc_id,
            "page": t.page,
            "label": t.quote,
            "period": "",
            "shown": shown,
        }
        expr += ("" if not expr else " + " if t.sign > 0 else " - ") + ref
        sign = "" if c.kind == "total" else ("+ " if t.sign > 0 else "- ")
        lines.append(f'{ref} | {sign}{shown} | {t.why} | {doc_id} p. {t.page + 1} | "{t.quote}"')
    value, _ = arith.evaluate_named(expr, refs)
    lines.append(f"Computed in code: {expr} = {arith.shown(value)} {unit}.")
    if c.add_back:
        lines.append('("adjusted for" read as adding the amount back; if the filing takes it off, ')
        lines[-1] += "call calculator with a minus.)"
    lines.append(
        "Answer with this value and cite the pages above, unless reading a page shows a term "
        "is wrong, double-counted or missing: then call calculator with the right references."
    )
    calc = {"expr": expr, "value": value, "refs": list(refs), "unit": unit}
    return Composition(lines, refs, calc, [(t.page, t.text) for t in terms])


def compose(
    question: str,
    store: Any,
    doc: Any,
    sections: list[Section],
    facts: list[Fact],
    years: list[int],
    first_ref: int = 1,
) -> Composition | None:
    """The compound question's terms in ``doc`` and their value, or None when the question
    is not compound or a term is not found (the first look is then left as it was)."""
    c = read_compound(question)
    if c is None:
        return None
    ps = passages(store, doc.doc_id, doc.n_pages, sections, doc_scale(facts))
    if c.kind == "total":
        terms = total_terms(c, ps)
    else:
        terms = adjusted_terms(c, ps, facts, years)
    return render(c, terms, doc.doc_id, first_ref) if terms else None


def check_answer(number: float | None, memo: dict[str, Any]) -> ToolResult | None:
    """A final answer whose number is not the value composed in code (and the model computed
    none of its own): sent back once with the terms' sum, to take or to overrule."""
    composed = memo.get("composed")
    bounced = memo.setdefault("bounced", [])
    if not composed or number is None or "composed" in bounced:
        return None
    if len(memo.get("calcs") or []) > 1 or guards.agrees(number, composed["value"]):
        return None
    bounced.append("composed")
    shown = f"{arith.shown(composed['value'])} {composed.get('unit', '')}".strip()
    return ToolResult(
        text=f"Check: your answer's number ({number:,g}) is not the value computed in code from "
        f"the terms shown first: {composed['expr']} = {shown}. If those terms are right, call "
        f"final_answer with {shown}, citing their pages; if a term is wrong, double-counted or "
        "missing, call calculator with the right references (F1, F2 ...) or numbers you read.",
        summary=f"answer differs from {composed['expr']} = {shown}",
    )
