"""Statement facts as the guided agent shows them: candidate rows for the question's line
items, each with a short reference ("F3") the calculator accepts.

Facts come from ``CorpusStore.facts(doc_id)`` (issue 19 item 1, built elsewhere). Until a
store has it, :func:`facts_of` returns nothing and the guided policy works from pages alone:
nothing here imports the facts code, so the two plug together when both exist.
"""

from __future__ import annotations

import re
from typing import Any

from docnav.ingestion.facts_labels import shown_label  # the one definition, shared with tools
from docnav.retrieval.synonyms import expand
from docnav.retrieval.tokenize import tokenize
from docnav.types import Fact

SCALES = {"thousand": 1e3, "million": 1e6, "billion": 1e9}
PRIMARY = ("income", "balance", "cashflow")  # the statements a note or segment table repeats


def in_period(f: Fact, years: set[str]) -> bool:
    """The row is of one of ``years`` (fiscal year or as-of date, from its period or column)."""
    return any(y in f"{f.period or ''} {f.column}" for y in years)


def facts_of(store: Any, doc_id: str) -> list[Fact]:
    """The filing's facts, or [] where the store has none (or no facts support yet)."""
    get = getattr(store, "facts", None)
    if get is None:
        return []
    try:
        return list(get(doc_id) or [])
    except Exception:  # noqa: BLE001 - facts are an aid: a store without them is not an error
        return []


def shown_scale(f: Fact) -> tuple[float, str]:
    """The divisor and unit text a row is shown in: the table's own scale ("USD millions"),
    so the numbers match the page the model may also read."""
    words = (f.scale or "").lower()
    div = next((v for k, v in SCALES.items() if k in words), 1.0)
    unit = f.unit or ""
    if unit in ("%", "USD/share"):  # ratios and per-share amounts carry no table scale
        return 1.0, unit
    name = next((k for k in SCALES if k in words), "")
    return div, " ".join(x for x in (unit, f"{name}s" if name else "") if x)


# words that say where a row sits, not what it is: a label made of these alone ("Total",
# "Net", "Other current") matches every term that has one of them
_GENERIC = set(tokenize("total net other current and of the in for"))


def term_phrases(term: str) -> list[set[str]]:
    """A line item's words, then those of each of its finance synonyms, one set per phrase
    ("capex" also matches "purchases of property...")."""
    toks = tokenize(term)
    return [set(toks)] + [set(tokenize(p)) for p in expand(toks).phrases]


# a label with one of these where the term has the other is another row, whatever words
# they share ("Total long-term liabilities" shares "term" with "short-term investments")
_OPPOSITES = (("short", "long"),)


def _opposite(label: set[str], term: set[str]) -> bool:
    return any(
        (a in label and b in term and a not in term) or (b in label and a in term and b not in term)
        for a, b in _OPPOSITES
    )


def label_match(f: Fact, phrases: list[set[str]], own: set[str] = frozenset()) -> float | None:
    """How well the row label matches a term: None when under half of the label's words are
    the term's or its synonyms' (all phrases' words together) or when only generic words
    match; else 1 + how closely one phrase alone (the term or one synonym) fits the label
    (F1 of their words, when at least half), or the share when no phrase does: words of two
    synonyms, "revenue" of "cost of revenue" and "product" of "cost of products sold", make
    "Product" under "Revenue" a weaker cost row than "Total cost of revenue". A
    label that holds all of the term's own words ``own`` (two or more specific ones) matches
    at half even when longer: "operating activities" is "Net cash provided by operating
    activities"."""
    union = set().union(*phrases)
    whole = len(own - _GENERIC) >= 2
    best: float | None = None
    # the printed label as well as the normalised one: normalising may prefix a group heading
    # ("TOTAL ASSETS" under "Other assets"), which must not make the total look partial
    for text in dict.fromkeys((f.label, f.norm_label or f.label)):
        label = set(tokenize(text))
        if not label or not (label - _GENERIC) & union or _opposite(label, union):
            continue
        overlap = len(label & union) / len(label)
        if whole and own <= label:
            overlap = max(overlap, 0.5)
        if overlap < 0.5:
            continue
        # one phrase against the label's specific words, both ways ("Total cost of revenue"
        # is all of "cost of revenue"; "Product" is a third of "cost of products sold")
        core = label - _GENERIC or label
        one = max(2 * len(core & p) / (len(core) + len(p)) for p in phrases if p)
        score = 1 + one if one >= 0.5 else overlap
        if best is None or score > best:
            best = score
    return best


# words that frame the question, not the row it asks for: "the year end FY2018 net PPNE" asks
# the PP&E row, not "Ending balance"
_FRAME = set(tokenize("year years end ending fiscal fy quarter quarterly period annual month"))


def focus(question: str) -> str:
    """The part of a question that asks: its first sentence ending in "?", after a colon that
    opens it ("Assume that you are a public equities analyst. Answer ... shown in the balance
    sheet: what is the year end FY2018 net PPNE for 3M?"): the preamble's words are not the
    line item ("equities" is not a row of it). The whole text when no sentence asks."""
    asks = [x for x in re.split(r"(?<=[?.!])\s+", question.strip()) if x.rstrip().endswith("?")]
    text = asks[0] if asks else question
    return text.rsplit(":", 1)[-1] if ":" in text else text


# words that join others: "cash flows from financing activities" shares "from" with "cash
# flow from operating activities", which must not count as asked
_FUNCTION = set(
    tokenize("a an the of in on from for by to at as and or is was were did does do how much what")
)


def asked_words(question: str) -> set[str]:
    """The words a row's label may share with what the question asks (see :func:`focus`)."""
    return set(tokenize(focus(question))) - _FRAME - _FUNCTION


def specific_words(text: str) -> set[str]:
    """A label's words less those that only say where a row sits ("total", "net", ...)."""
    return set(tokenize(text)) - _GENERIC


def direct_match(f: Fact, own: set[str]) -> float:
    """Share of the row label's specific words (not "total", "net", ...) that the term itself
    has, synonyms left out: the synonym map puts a ratio's parts in one group ("cash and cash
    equivalents" also finds "total current liabilities"), so a row named like the term must
    come before rows only a synonym reaches."""
    best = 0.0
    for text in dict.fromkeys((f.label, f.norm_label or f.label)):
        label = specific_words(text)
        if label:
            best = max(best, len(label & own) / len(label))
    return best


def candidates(
    facts: list[Fact], terms: list[str], years: list[int], limit: int = 12, question: str = ""
) -> list[Fact]:
    """Rows whose label shares words with a term (or its synonyms), in the question's years
    first, then rows named like the term itself before rows only a synonym reaches (a term
    the question defines, "working capital ratio", must not pull "Capitalized costs" ahead of
    "Total current assets"), then those whose label words the question itself uses ("net
    PP&E" puts "Property, plant and equipment — net" before the gross row), then the closer
    name, then those of the primary statements (a note repeats their labels); the best few
    new rows per term so every term gets candidates."""
    asked = asked_words(question)
    if not facts or not terms:
        return []
    ys = {str(y) for y in years}
    per_term = max(2, limit // max(1, len(terms)))
    picked: list[Fact] = []
    for term in terms:
        phrases = term_phrases(term)
        if not any(phrases):
            continue
        own = set(tokenize(term))
        scored = []
        for f in facts:
            overlap = label_match(f, phrases, own)
            if overlap is None:
                continue
            label = set(tokenize(f.norm_label or f.label))
            in_year = bool(ys) and in_period(f, ys)
            primary = f.statement in PRIMARY
            direct = direct_match(f, own)
            named = direct > 0
            scored.append(
                (in_year, named, len(label & asked), direct, primary, overlap, -f.page, f)
            )
        scored.sort(key=lambda x: x[:7], reverse=True)
        fresh = [x[-1] for x in scored if x[-1] not in picked]
        picked += fresh[:per_term]
    return picked[:limit]


def fmt_value(f: Fact) -> tuple[float, str]:
    div, unit = shown_scale(f)
    v = f.value / div
    return v, f"{v:,.4f}".rstrip("0").rstrip(".") + (f" {unit}" if unit else "")


def render(rows: list[tuple[str, Fact]], doc_name: str) -> str:
    """One line per fact: reference, label (with its block heading), period, value in the
    table's scale, filing and page (a row of another filing names that filing)."""
    lines = []
    for ref, f in rows:
        _, shown = fmt_value(f)
        where = f"{f.statement} p. {f.page + 1}" if f.statement != "other" else f"p. {f.page + 1}"
        doc = f.doc_id or doc_name
        lines.append(f"{ref} | {shown_label(f)} | {f.period or f.column} | {shown} | {doc} {where}")
    return "\n".join(lines)


REF = re.compile(r"\bF(\d{1,3})\b")
