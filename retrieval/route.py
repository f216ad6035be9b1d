"""Routing read from a question: which financial statements it points at and which kind of
filing of the year should answer it.

- **Statements.** A question that names a statement ("relying on the cash flow statement",
  "balance sheet") or a line item that lives in one (capex, inventories, PP&E, net sales,
  operating income) points at that statement. Named statements are read from the words;
  line items through the finance-synonym groups (``data/finance_synonyms.json``) and the
  statement each group's items are printed in (``data/statement_items.json``). General to US
  GAAP filings: nothing here knows a company or a benchmark question.
- **Which filing of the year.** Annual metrics come from the annual report (10-K) before a
  10-Q, an 8-K or an earnings release of the same fiscal year, unless the question names a
  quarter, a filing date or a form; a question about an event (a meeting, a vote, an
  appointment, an agreement announced) points at the 8-K; a fourth quarter lives in the
  earnings release (no 10-Q covers it). With ``nongaap``, an annual question about an
  adjusted / non-GAAP measure points at the earnings release first (companies print those
  there, not in the statements) and routes to no statement through its line items.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, Field

from docnav.retrieval.synonyms import expand as expand_query

DATA = Path(__file__).parent / "data" / "statement_items.json"

# statement kinds as codes, the same in the index's per-chunk array
STATEMENTS = ("income", "balance", "cashflow", "equity", "comprehensive")
STATEMENT_CODE = {s: i + 1 for i, s in enumerate(STATEMENTS)}

# a statement section's canonical label (ingestion's outline) -> statement kind
_LABELS = {
    "income statement": "income",
    "balance sheet": "balance",
    "cash flow statement": "cashflow",
    "equity statement": "equity",
    "comprehensive income": "comprehensive",
}
_TITLE_RX = [  # when the label is missing: the printed title
    ("comprehensive", re.compile(r"comprehensive", re.I)),
    ("cashflow", re.compile(r"cash\s*flows?", re.I)),
    ("balance", re.compile(r"balance\s+sheets?|financial\s+position|financial\s+condition", re.I)),
    ("equity", re.compile(r"(?:stockholders|shareholders|changes\s+in)\W+(?:\w+\W+)?equity", re.I)),
    ("income", re.compile(r"income|operations|earnings", re.I)),
]

_NAMED = [  # statements named in a question
    (
        "cashflow",
        re.compile(
            r"\bcash[\s-]*flows?\s+statements?\b|\bstatements?\s+of\s+cash\s+flows?\b", re.I
        ),
    ),
    (
        "balance",
        re.compile(
            r"\bbalance\s+sheets?\b|\bstatements?\s+of\s+financial\s+(?:position|condition)\b", re.I
        ),
    ),
    (
        "income",
        re.compile(
            r"\bincome\s+statements?\b|\bstatements?\s+of\s+(?:income|operations|earnings)\b|\bp\s*&\s*l\b|\bprofit\s+and\s+loss\b",
            re.I,
        ),
    ),
    (
        "equity",
        re.compile(
            r"\bstatements?\s+of\s+(?:changes\s+in\s+)?(?:stockholders|shareholders)\W+equity\b",
            re.I,
        ),
    ),
]

_QUARTER_WORDS = re.compile(
    r"\bq[1-4]\b|\bq[1-4]\s*'?\s*(?:fy)?\s*\d{2,4}\b|\bquarter(?:ly)?\b|\bh[12]\b|\b(?:first|second)\s+half\b"
    r"|\b(?:three|six|nine)\s+months\b|\byear[\s-]+to[\s-]+date\b|\bytd\b",
    re.I,
)
_Q4 = re.compile(
    r"\bq4\b|\bq4\s*'?\s*(?:fy)?\s*\d{2,4}\b|\bfourth\s+quarter\b|\b4th\s+quarter\b", re.I
)
_EVENT = re.compile(
    r"\bagenda\b|\bannounce(?:d|s|ment)?\b|\bappoint(?:ed|s|ment)?\b|\bnominees?\b|\bvot(?:e|es|ed|ing)\b"
    r"|\b(?:annual|special)\s+meeting\b|\bshareholders?\s+meeting\b|\bresign(?:ed|s|ation)?\b"
    r"|\bsuccessor\b|\bnew\s+(?:ceo|cfo|chief)\b|\bdeparture\b|\bagreement\s+(?:was\s+)?(?:signed|entered)\b"
    r"|\bentered\s+into\b|\bfiling\s+dated\b|\bdated\b",
    re.I,
)

# a question that looks ahead ("expect to pay", "in the future", "guidance"): with no year named
# it asks what the company expects now, which its latest filing of any form says (route present)
_FORWARD = re.compile(
    r"\bexpect(?:s|ed|ing)?\b|\banticipat(?:e|es|ed|ing)\b|\bin\s+the\s+future\b"
    r"|\bgoing\s+forward\b|\bguidance\b|\boutlook\b|\bforecast(?:s|ed)?\b|\bplan(?:s|ned)?\s+to\b",
    re.I,
)

_NON_GAAP = re.compile(
    r"\badjusted\b|\bnon[\s-]*gaap\b|\borganic\b|\bexclud(?:e|es|ing)\b[^?.]{0,60}"
    r"\b(?:impacts?|items|one[\s-]*offs?|effects?|movements?)\b",
    re.I,
)


# Section topics (route ``sections``): words of a question -> the titles of the sections
# (Notes, Items, MD&A parts) that hold such disclosures in any 10-K / 10-Q. Generic to US
# filings: a topic is a kind of disclosure, never a company's or a question's wording.
SECTION_TOPICS: dict[str, tuple[str, str]] = {
    # topic: (question words, section title words)
    "segments": (
        r"\bsegments?\b|\bgeographic(?:al)?\b|\bregions?\b|\bproduct\s+(?:lines?|categor)",
        r"segment|geographic",
    ),
    "debt": (
        r"\bdebt\b|\bborrowings?\b|\bcredit\s+facilit|\bmaturit(?:y|ies)\b|\bnotes\s+payable\b",
        r"\bdebt\b|borrowings|financing\s+arrangements|credit\s+facilit",
    ),
    "restructuring": (r"\brestructuring\b", r"restructuring"),
    "taxes": (
        r"\btax\s+rate\b|\bincome\s+tax(?:es)?\b|\btax\s+(?:expense|benefit)\b",
        r"income\s+tax",
    ),
    "acquisitions": (
        r"\bacqui(?:re|red|res|sitions?)\b|\bdivest|\bspin[\s-]*off\b",
        r"acquisition|business\s+combination|divestiture|discontinued",
    ),
    "pensions": (
        r"\bpensions?\b|\bretirees?\b|\bretirement\b|\bpostretirement\b",
        r"pension|retirement|employee\s+benefit",
    ),
    "derivatives": (
        r"\bderivatives?\b|\bhedg(?:e|es|ing)\b|\bswaps?\b",
        r"derivative|hedg|financial\s+instruments",
    ),
    "leases": (r"\bleases?\b|\blease\s+liabilit", r"\bleases?\b"),
    "risk": (r"\brisks?\b", r"risk\s+factors|market\s+risk"),
    "business": (
        r"\bbusiness\s+model\b|\bindustry\b|\boperate\s+in\b|\bwhat\s+(?:does|do)\b.{0,40}\b(?:do|sell|make)\b",
        r"item\s*1\.?\W*business|^business$",  # "Item 1. Business", "Item 1. - Business"
    ),
    "stores": (r"\bstores?\b|\bwarehouses?\b|\blocations\b|\bsquare\s+f(?:ee|oo)t", r"properties"),
    "legal": (
        r"\blitigation\b|\blawsuits?\b|\blegal\b|\bcontingenc",
        r"legal\s+proceedings|contingenc|litigation",
    ),
    "dividends": (
        r"\bdividends?\b|\bbuybacks?\b|\brepurchases?\b",
        r"market\s+for\s+(?:the\s+)?registrant|equity|stockholders|shareholders",
    ),
}


@lru_cache(maxsize=1)
def _topic_rx() -> list[tuple[str, re.Pattern, re.Pattern]]:
    return [(t, re.compile(q, re.I), re.compile(s, re.I)) for t, (q, s) in SECTION_TOPICS.items()]


def section_topics(query: str) -> list[str]:
    """The section topics a question's words point at (route ``sections``)."""
    return [t for t, q, _ in _topic_rx() if q.search(query)]


def section_matches(title: str, topics: list[str]) -> bool:
    """Whether a section title (its last part) is one the topics point at."""
    return any(s.search(title) for t, _, s in _topic_rx() if t in topics)


class Route(BaseModel):
    """What a question points at (shown in ``applied``)."""

    named: list[str] = Field(default_factory=list)  # statements named in the words
    items: list[str] = Field(default_factory=list)  # statements implied by line items
    item_groups: list[str] = Field(default_factory=list)  # the line items that implied them
    # annual | nongaap | quarter | q4 | event | form (a form is named) | present (route present)
    intent: str = "annual"
    forms: list[str] = Field(default_factory=list)  # preferred forms, best first
    sections: list[str] = Field(default_factory=list)  # section topics (route "sections")

    @property
    def statements(self) -> list[str]:
        return list(dict.fromkeys(self.named + self.items))

    def describe(self) -> list[str]:
        out = []
        if self.named:
            out.append("statement named: " + ", ".join(self.named))
        if self.items:
            out.append(
                "statement of the line items ("
                + ", ".join(self.item_groups)
                + "): "
                + ", ".join(self.items)
            )
        if self.forms:
            out.append(f"filing of the year ({self.intent}): " + " > ".join(self.forms))
        elif self.intent == "present":
            out.append("filing (present): the latest of any form")
        if self.sections:
            out.append("sections: " + ", ".join(self.sections))
        return out


@lru_cache(maxsize=2)
def item_statements(path: str | None = None) -> dict[str, list[str]]:
    """Synonym group name -> the statements its line items are printed in."""
    raw = json.loads(Path(path or DATA).read_text())
    return {k: list(v) for k, v in raw["groups"].items()}


@lru_cache(maxsize=2)
def not_printed(path: str | None = None) -> frozenset[str]:
    """Synonym groups of measures no primary statement prints (non-GAAP, MD&A)."""
    return frozenset(json.loads(Path(path or DATA).read_text()).get("not_printed", []))


@lru_cache(maxsize=2)
def item_terms(path: str | None = None) -> list[tuple[str, re.Pattern, list[str]]]:
    """Line items without a synonym group: (name, word pattern, statements)."""
    raw = json.loads(Path(path or DATA).read_text())
    return [
        (k, re.compile(r"\b" + re.escape(k).replace(r"\ ", r"\s+") + r"\b", re.I), list(v))
        for k, v in raw.get("terms", {}).items()
    ]


def section_statement(label: str | None, title: str) -> str | None:
    """Statement kind of an outline section of kind "statement"."""
    if label and label.lower() in _LABELS:
        return _LABELS[label.lower()]
    for kind, rx in _TITLE_RX:
        if rx.search(title or ""):
            return kind
    return None


def read_route(
    query: str,
    qtoks: list[str],
    quarters: list[str],
    forms: list[str],
    filing_date: bool = False,
    groups: list[str] | None = None,
    nongaap: bool = False,
    sections: bool = False,
    present: bool = False,
) -> Route:
    """Statements and the filing kind a question points at. ``qtoks`` are its query tokens,
    ``quarters``/``forms`` what query understanding read, ``filing_date`` whether it named a
    filing date ("8-K dated 1 July 2022"), ``groups`` the synonym groups the query fired
    (computed from ``qtoks`` when not given), ``nongaap`` whether adjusted measures point at
    the earnings release, ``sections`` whether to read section topics, ``present`` whether a
    question that names no year (the caller knows) and looks ahead asks the latest filing of any
    form (intent "present", no preferred form)."""
    r = Route()
    for kind, rx in _NAMED:
        if rx.search(query):
            r.named.append(kind)
    statements_of = item_statements()
    fired = expand_query(qtoks).groups if groups is None else groups
    if any(g in not_printed() for g in fired):
        fired = []  # "adjusted EBITDA" is an MD&A measure, not the statements' EBITDA
    for g in fired:
        for kind in statements_of.get(g, []):
            if kind not in r.named and kind not in r.items:
                r.items.append(kind)
            if g not in r.item_groups and kind not in r.named:
                r.item_groups.append(g)
    for name, rx, kinds in item_terms():
        if rx.search(query):
            for kind in kinds:
                if kind not in r.named and kind not in r.items:
                    r.items.append(kind)
                if name not in r.item_groups and kind not in r.named:
                    r.item_groups.append(name)
    if forms:
        r.intent, r.forms = "form", list(forms)
    elif _Q4.search(query) or any(q.startswith("Q4") for q in quarters):
        r.intent, r.forms = "q4", ["EARNINGS", "8-K"]
    elif quarters or _QUARTER_WORDS.search(query):
        r.intent, r.forms = "quarter", ["10-Q", "EARNINGS", "8-K"]
    elif filing_date or _EVENT.search(query):
        r.intent, r.forms = "event", ["8-K"]
    elif present and _FORWARD.search(query):
        r.intent, r.forms = "present", []
    elif nongaap and _NON_GAAP.search(query):
        r.intent, r.forms = "nongaap", ["EARNINGS", "10-K"]
        r.items, r.item_groups = [], []  # an adjusted figure is not the statement's line
    else:
        r.intent, r.forms = "annual", ["10-K"]
    if sections:
        r.sections = section_topics(query)
    return r
