"""Query understanding: which companies, fiscal years and forms a question is about, read
against the catalog, and the :class:`SearchFilters` that follow from it.

Everything is matched against the documents actually in the store: company names (and
former names) and tickers come from the catalog, and a calendar date is mapped to a fiscal
year through the filings' own ``period_end``/``fiscal_year`` pairs (a company whose year ends
in January labels it its own way; nothing is hard-coded per company).

Conventions (documented choices):
- "FY2018", "fiscal 2022", "FY22", a bare year "in 2019" are fiscal-year labels as filings
  print them in their column headers ("Fiscal 2019", "2019").
- "as of / ended / at <date>" is a period end: mapped to the fiscal year whose period
  contains it. "dated / filed / on <date>" is a filing date: its calendar year (an 8-K's year).
- Several years make a range (min..max): "between FY2019 and FY2021", "2022 vs 2021";
  "since 2019" leaves the range open at the top.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from datetime import date, timedelta
from functools import lru_cache

from pydantic import BaseModel, Field

from docnav.ingestion.metadata import normalize_company
from docnav.types import Document


class SearchFilters(BaseModel):
    """Applied before ranking. ``company`` matches leniently and through former names;
    ``companies`` / ``forms`` match any of their entries."""

    company: str | None = None
    companies: list[str] | None = None
    ticker: str | None = None
    form: str | None = None
    forms: list[str] | None = None
    year_min: int | None = None
    year_max: int | None = None
    section_prefix: str | None = None
    doc_ids: list[str] | None = None

    def is_empty(self) -> bool:
        return all(v is None for v in self.model_dump().values())


class QueryAnalysis(BaseModel):
    """What a question names, and the filters that follow (shown to the user)."""

    query: str
    companies: list[str] = Field(default_factory=list)  # catalog names
    tickers: list[str] = Field(default_factory=list)
    years: list[int] = Field(default_factory=list)  # fiscal years named or mapped from dates
    year_min: int | None = None
    year_max: int | None = None
    quarters: list[str] = Field(default_factory=list)  # "Q2 2023"
    forms: list[str] = Field(default_factory=list)  # "10-K", "10-Q", "8-K", "EARNINGS"
    filters: SearchFilters = Field(default_factory=SearchFilters)  # implied by the question
    applied: list[str] = Field(default_factory=list)  # human-readable, in order
    # names found that are a former name of another company found ("Block (formerly Square)":
    # older filings are recorded as "Square, Inc.")
    former: list[str] = Field(default_factory=list)

    def distinct_companies(self) -> list[str]:
        """One catalog name per company: filings recorded as "Amcor" and as "Amcor plc", or
        under a company's former name, are one company to plan for, though the filters keep
        every name to find its filings."""
        out: list[str] = []
        seen: set[str] = set()
        for c in self.companies:
            key = normalize_company(c)
            if key not in seen and c not in self.former:
                seen.add(key)
                out.append(c)
        return out


# -- periods ----------------------------------------------------------------------------------

_MONTHS = {
    m: i
    for i, m in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1
    )
}
_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_Y4 = r"(?:19|20)\d\d"
_DATE = re.compile(
    rf"(?:(?P<m1>{_MONTH})\.?\s*(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?\s*,?\s*(?P<y1>{_Y4})(?!\d)"
    rf"|(?<!\d)(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<m2>{_MONTH})\.?,?\s+(?P<y2>{_Y4})(?!\d)"
    rf"|(?<![\d/])(?P<m3>\d{{1,2}})/(?P<d3>\d{{1,2}})/(?P<y3>{_Y4})(?!\d)"
    rf"|(?<![\d-])(?P<y4>{_Y4})-(?P<m4>\d\d)-(?P<d4>\d\d)(?!\d))",
    re.IGNORECASE,
)
_FILED_BEFORE = re.compile(r"\b(?:dated|filed(?:\s+on)?|released(?:\s+on)?|on)\s*$", re.I)
_ORD = {"first": 1, "second": 2, "third": 3, "fourth": 4, "1st": 1, "2nd": 2, "3rd": 3, "4th": 4}
_QUARTER = re.compile(
    rf"\bq([1-4])\s*(?:'|of\s+)?\s*(?:fy|fiscal(?:\s+year)?)?\s*'?\s*({_Y4}|\d\d)\b"
    rf"|\b(first|second|third|fourth|1st|2nd|3rd|4th)\s+(?:fiscal\s+)?quarter\s+(?:of\s+)?"
    rf"(?:fiscal\s+(?:year\s+)?|fy\s?)?({_Y4})\b",
    re.IGNORECASE,
)
_FY = re.compile(
    rf"\b(?:fy|fiscal\s+(?:year\s+)?)\s*'?\s*({_Y4}|\d\d)\b|\bfy({_Y4}|\d\d)\b", re.IGNORECASE
)
_BARE_YEAR = re.compile(rf"(?<![\d$.,/-])({_Y4})(?![\d%]|,\d|\.\d|\s*(?:million|billion|thousand))")
# a question looking forward ("expects to pay ... in 2024", "matures in 2020") names a year
# inside the filing it asks about, not a filing year, when it marks that filing's fiscal year
_FUTURE = re.compile(
    r"\b(?:expect\w*|will|matur\w*|due|scheduled|plan(?:s|ned)?|anticipat\w*|forecast\w*)\b", re.I
)
_IN_YEAR = re.compile(r"\b(?:in|by|through|until)\s+$", re.I)
_SINCE = re.compile(
    rf"\b(?:since|after|from)\s+(?:fy\s?|fiscal\s+(?:year\s+)?)?({_Y4})\b(?!\s*(?:to|through|-|and))",
    re.I,
)

_FORMS = [
    ("10-K", re.compile(r"\b10-?k\b|\bannual\s+(?:report|filing)\b", re.I)),
    ("10-Q", re.compile(r"\b10-?q\b|\bquarterly\s+(?:report|filing)\b", re.I)),
    ("8-K", re.compile(r"\b8-?k\b|\bcurrent\s+report\b", re.I)),
    (
        "EARNINGS",
        re.compile(r"\bearnings\s+(?:release|report|press\s+release)\b|\bpress\s+release\b", re.I),
    ),
]


def _year(y: str) -> int:
    return int(y) if len(y) == 4 else 2000 + int(y)


def _mkdate(g: dict) -> date | None:
    try:
        for i in "1234":
            if g.get(f"y{i}"):
                m = g[f"m{i}"]
                month = int(m) if m.isdigit() else _MONTHS[m[:3].lower()]
                return date(int(g[f"y{i}"]), month, int(g[f"d{i}"]))
    except (ValueError, KeyError):
        return None
    return None


def fiscal_year_of_date(d: date, documents: Iterable[Document]) -> int:
    """The fiscal year whose period ends on or just after ``d``, read from the documents'
    own (period_end, fiscal_year) pairs; the calendar year when they do not say."""
    docs = [x for x in documents if x.meta.period_end and x.meta.fiscal_year]
    # a filing whose period ends on that date (52/53-week years drift a few days)
    near = [x for x in docs if abs((x.meta.period_end - d).days) <= 3]
    if near:
        return Counter(x.meta.fiscal_year for x in near).most_common(1)[0][0]
    # year ends: annual filings and fourth-quarter releases (a Q2 period end is no year end)
    annual = [x for x in docs if (x.meta.fiscal_period or "").startswith(("FY", "Q4"))]
    if not annual:
        return d.year
    # the company's usual year end and how its fiscal-year label relates to that end's year
    (month, day), _ = Counter(
        (x.meta.period_end.month, x.meta.period_end.day) for x in annual
    ).most_common(1)[0]
    offset = Counter(x.meta.fiscal_year - x.meta.period_end.year for x in annual).most_common(1)[0][
        0
    ]
    end = _clamped(d.year, month, day)
    if d > end + timedelta(days=7):
        end = _clamped(d.year + 1, month, day)
    return end.year + offset


def _clamped(year: int, month: int, day: int) -> date:
    while True:
        try:
            return date(year, month, day)
        except ValueError:
            day -= 1


# -- companies ----------------------------------------------------------------------------------

# words that never identify a company on their own ("American" of American Water Works)
_GENERIC = {
    "american",
    "general",
    "united",
    "first",
    "national",
    "international",
    "global",
    "new",
    "best",
    "great",
    "southern",
    "northern",
    "western",
    "eastern",
    "royal",
    "standard",
    "public",
    "service",
    "services",
    "energy",
    "financial",
    "capital",
    "bank",
    "the",
    "and",
    "of",
    "us",
}
_WORD = re.compile(r"[A-Za-z0-9]+")


def _query_words(text: str) -> list[str]:
    """Words as written, with the same joins normalize_company makes (Wal-Mart, AT&T, 3M's)."""
    s = text.replace("&", " and ").replace("\u2019", "'")
    s = re.sub(r"(?<=\w)-(?=\w)", "", s)
    s = re.sub(r"'s\b", "", s)
    return _WORD.findall(s)


def _company_phrases(documents: list[Document]) -> dict[tuple[str, ...], set[str]]:
    """Normalised name token sequences -> catalog company names they denote."""
    key = tuple(
        sorted({(d.meta.company, tuple(d.meta.former_names)) for d in documents if d.meta.company})
    )
    return _phrases_of(key)


@lru_cache(maxsize=8)
def _phrases_of(
    catalog: tuple[tuple[str, tuple[str, ...]], ...],
) -> dict[tuple[str, ...], set[str]]:
    names: dict[str, set[str]] = {}  # normalised name -> catalog names
    for company, former in catalog:
        for n in (company, *former):
            key = normalize_company(n)
            if key:
                names.setdefault(key, set()).add(company)
    phrases: dict[tuple[str, ...], set[str]] = {}
    for key, owners in names.items():
        phrases.setdefault(tuple(key.split()), set()).update(owners)
    # a shorter leading part ("MGM" of "MGM Resorts International") when it is distinctive
    firsts: Counter[str] = Counter(k.split()[0] for k in names)
    for key, owners in names.items():
        toks = key.split()
        if len(toks) > 1:  # written without spaces: "Footlocker", "BESTBUY"
            phrases.setdefault(("".join(toks),), set()).update(owners)
        if len(toks) > 1 and firsts[toks[0]] == 1 and toks[0] not in _GENERIC and len(toks[0]) > 1:
            phrases.setdefault((toks[0],), set()).update(owners)
    return phrases


def _find_companies(query: str, documents: list[Document]) -> list[str]:
    words = _query_words(query)
    low = [w.lower() for w in words]
    phrases = _company_phrases(documents)
    full = _full_names(tuple(sorted({d.meta.company for d in documents if d.meta.company})))
    found: list[str] = []
    for phrase, owners in sorted(phrases.items(), key=lambda x: -len(x[0])):
        n = len(phrase)
        for i in range(len(low) - n + 1):
            if tuple(low[i : i + n]) != phrase:
                continue
            w = words[i]
            # a one-word short form must be written as a name: capitalised, not sentence-initial
            # unless in capitals ("AMCOR", "MGM"), so "the best" never means Best Buy
            if n == 1 and not (
                w.isupper() or w[0].isdigit() or w[0].isupper() and (i > 0 or phrase in full)
            ):
                continue
            for o in sorted(owners):
                if o not in found:
                    found.append(o)
            break
    return found


def _former_of_others(companies: list[str], documents: list[Document]) -> list[str]:
    """The names among ``companies`` that the catalog records as another one's former name."""
    former: dict[str, set[str]] = {}
    for d in documents:
        if d.meta.company in companies:
            former.setdefault(d.meta.company, set()).update(
                normalize_company(n) for n in d.meta.former_names
            )
    return [
        c
        for c in companies
        if any(normalize_company(c) in names for o, names in former.items() if o != c)
    ]


@lru_cache(maxsize=8)
def _full_names(companies: tuple[str, ...]) -> set[tuple[str, ...]]:
    return {tuple(normalize_company(n).split()) for n in companies}


_TICKER = re.compile(r"(?<![\w$])\$?([A-Z]{2,5})(?![\w])")


def _find_tickers(query: str, documents: list[Document]) -> dict[str, str]:
    known = {d.meta.ticker.upper(): d.meta.company for d in documents if d.meta.ticker}
    return {t: known[t] for t in _TICKER.findall(query) if t in known and known[t]}


# -- the analysis ---------------------------------------------------------------------------------


def analyze_query(query: str, documents: list[Document]) -> QueryAnalysis:
    """Companies, tickers, fiscal years, quarters and forms a question names, read against the
    catalog ``documents``, and the filters they imply."""
    out = QueryAnalysis(query=query)
    applied = out.applied

    companies = _find_companies(query, documents)
    tickers = _find_tickers(query, documents)
    for t, company in tickers.items():
        out.tickers.append(t)
        if company not in companies:
            companies.append(company)
    out.companies = companies
    out.former = _former_of_others(companies, documents)
    mine = [d for d in documents if d.meta.company in set(companies)] if companies else documents

    years: list[int] = []
    spans: list[tuple[int, int]] = []
    filed: list[date] = []

    def taken(a: int, b: int) -> bool:
        return any(a < y and x < b for x, y in spans)

    for m in _DATE.finditer(query):
        d = _mkdate(m.groupdict())
        if d is None:
            continue
        spans.append(m.span())
        if _FILED_BEFORE.search(query[max(0, m.start() - 20) : m.start()]):
            years.append(d.year)
            filed.append(d)
            applied.append(f"date {d.isoformat()} read as a filing date: year {d.year}")
        else:
            fy = fiscal_year_of_date(d, mine)
            years.append(fy)
            applied.append(f"date {d.isoformat()} falls in fiscal year {fy}")
    for m in _QUARTER.finditer(query):
        if taken(*m.span()):
            continue
        spans.append(m.span())
        q = int(m.group(1)) if m.group(1) else _ORD[m.group(3).lower()]
        y = _year(m.group(2) or m.group(4))
        if f"Q{q} {y}" not in out.quarters:
            out.quarters.append(f"Q{q} {y}")
        years.append(y)
    for m in _FY.finditer(query):
        if taken(*m.span()):
            continue
        spans.append(m.span())
        years.append(_year(m.group(1) or m.group(2)))
    open_top = False
    marked = list(years)
    for m in _BARE_YEAR.finditer(query):
        if taken(*m.span()):
            continue
        y = int(m.group(1))
        before = query[max(0, m.start() - 10) : m.start()]
        if marked and y > max(marked) and _FUTURE.search(query) and _IN_YEAR.search(before):
            applied.append(f"{y} read as a future date inside the filing, not a filing year")
            continue
        years.append(y)
    if _SINCE.search(query) and len(set(years)) == 1:
        open_top = True
    out.years = sorted(set(years))
    if out.years:
        out.year_min = out.years[0]
        out.year_max = None if open_top else out.years[-1]

    for form, rx in _FORMS:
        if rx.search(query):
            out.forms.append(form)

    f = out.filters
    named = filed_on(filed, mine if companies else [])
    if named:
        f.doc_ids = [d.doc_id for d in named]
        applied.append("filed on the date named: " + " | ".join(f.doc_ids))
    if companies:
        f.companies = companies
        applied.append("company: " + " | ".join(companies))
    if out.year_min is not None:
        f.year_min, f.year_max = out.year_min, out.year_max
        if out.year_max is None:
            applied.append(f"fiscal year >= {out.year_min}")
        elif out.year_min == out.year_max:
            applied.append(f"fiscal year {out.year_min}")
        else:
            applied.append(f"fiscal years {out.year_min}-{out.year_max}")
    if out.forms:
        f.forms = out.forms
        applied.append("form: " + " | ".join(out.forms))
    return out


# a filing's recorded date can be its report date, a few days before the date it was filed
_FILED_SLACK_DAYS = 7


def filed_on(dates: list[date], documents: list[Document]) -> list[Document]:
    """For each filing date a question names, the company's filing dated closest to it (within
    a week): "the 8-K dated July 1, 2022" is one filing, not every filing of that year."""
    out: list[Document] = []
    for d in dates:
        near = [
            (abs((x.meta.filing_date - d).days), x.doc_id, x)
            for x in documents
            if x.meta.filing_date and abs((x.meta.filing_date - d).days) <= _FILED_SLACK_DAYS
        ]
        if near:
            best = min(near, key=lambda t: (t[0], t[1]))[2]
            if best not in out:
                out.append(best)
    return out


def merge_filters(
    explicit: SearchFilters | None, implied: SearchFilters
) -> tuple[SearchFilters, list[str]]:
    """Implied filters under explicit ones: any dimension the user set wins whole."""
    e = explicit or SearchFilters()
    out = e.model_copy()
    notes: list[str] = []
    if implied.companies:
        if e.company or e.companies or e.ticker:
            notes.append(
                "company from the question ignored: an explicit company/ticker filter is set"
            )
        else:
            out.companies = implied.companies
    if implied.forms:
        if e.form or e.forms:
            notes.append("form from the question ignored: an explicit form filter is set")
        else:
            out.forms = implied.forms
    if implied.year_min is not None:
        if e.year_min is not None or e.year_max is not None:
            notes.append("years from the question ignored: an explicit year filter is set")
        else:
            out.year_min, out.year_max = implied.year_min, implied.year_max
    if implied.doc_ids and not e.doc_ids:
        if e.company or e.companies or e.ticker or e.form or e.forms:
            notes.append("filing named by its date ignored: an explicit filter is set")
        else:
            out.doc_ids = implied.doc_ids
    return out, notes
