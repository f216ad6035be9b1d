"""Document metadata (company, ticker, CIK, form, fiscal year/period, dates) from a filing's text.

Content is primary. Precedence per field: ``hints`` (iXBRL dei facts, keep their own source)
> content > ``sidecar`` (a FinanceBench ``documents.jsonl`` line) > file name (a weak hint).
Every filled field is recorded in ``DocumentMeta.sources``; what cannot be found stays None.

Only the cover (first few pages) is parsed with regular expressions; the rest of the document
is touched only by cheap substring checks (signature page, "(Registrant)"), so a document costs
well under 5 ms.

Conventions (documented choices):

* ``form``: "10-K", "10-Q", "8-K" when the SEC cover says so (amendments fold into the base
  form); "EARNINGS" for a bare earnings/press release without an SEC cover (an 8-K that wraps a
  release stays "8-K"). Other SEC forms found on a cover ("20-F", "10-KT" -> "10-K") are kept.
* ``fiscal_year`` follows the filing's own label when the label is tied to the period
  ("fiscal 2022 ... ended January 28, 2023", "Third Quarter 2022 Form 10-Q", "Q4 FY23").
  Without such a label: 10-K -> the year of the period end, except a period ending January 1-7
  (a 52/53-week year that ends on the Saturday nearest December 31) -> the previous year;
  10-Q -> the year in which the fiscal year ends (period end + the remaining quarters), same
  January 1-7 rule; 8-K -> the year of the "Date of Report" (a calendar year; an 8-K under
  Item 2.02 that names the quarter it reports takes that quarter's period instead).
* ``fiscal_period``: "FY2023" for annual reports, "Q3 2024" for quarters. A release reporting
  "fourth quarter and full year 2022" is "Q4 2022"; a release of "fiscal 2023 results" that
  names no quarter is "FY2023".
* ``cik`` only when "CIK" / "Central Index Key" is written; the Commission File Number is not it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from pathlib import Path

from docnav.types import DocumentMeta

__all__ = [
    "company_matches",
    "extract_metadata",
    "former_names",
    "load_sidecar",
    "normalize_company",
    "normalize_form",
]

_COVER_PAGES = 6  # pages parsed with regexes
_COVER_CHARS = 60_000  # at most this many characters of them (HTML "pages" can be long)

# ---------------------------------------------------------------------------------------------
# text helpers

_WS = re.compile(r"\s+")
_LIGATURES = str.maketrans(
    {"\ufb01": "fi", "\ufb02": "fl", "\u00a0": " ", "\u2011": "-", "\u2010": "-"}
)


def _collapse(text: str) -> str:
    return _WS.sub(" ", text.translate(_LIGATURES)).strip()


_MONTHS = {
    "jan": 1,
    "feb": 2,
    "mar": 3,
    "apr": 4,
    "may": 5,
    "jun": 6,
    "jul": 7,
    "aug": 8,
    "sep": 9,
    "sept": 9,
    "oct": 10,
    "nov": 11,
    "dec": 12,
}
_MONTH_RE = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
)
# "December 31, 2018" | "Dec. 31 2018" | "31 December 2018" | "12/8/2022"
_DATE_RE = (
    rf"(?:(?P<m1>{_MONTH_RE})\.?\s*(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?\s*,?\s*(?P<y1>(?:19|20)\d\d)(?!\d)"
    rf"|(?<!\d)(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:day\s+of\s+)?(?P<m2>{_MONTH_RE})\.?,?\s+(?P<y2>(?:19|20)\d\d)(?!\d)"
    rf"|(?<![\d/])(?P<m3>\d{{1,2}})/(?P<d3>\d{{1,2}})/(?P<y3>(?:19|20)\d\d)(?!\d))"
)
_DATE = re.compile(_DATE_RE, re.IGNORECASE)


def _mkdate(m: re.Match) -> date | None:
    g = m.groupdict()
    try:
        if g.get("m1"):
            return date(int(g["y1"]), _MONTHS[g["m1"][:3].lower()], int(g["d1"]))
        if g.get("m2"):
            return date(int(g["y2"]), _MONTHS[g["m2"][:3].lower()], int(g["d2"]))
        if g.get("m3"):
            return date(int(g["y3"]), int(g["m3"]), int(g["d3"]))
    except (ValueError, KeyError):
        return None
    return None


def _first_date(text: str) -> date | None:
    for m in _DATE.finditer(text):
        d = _mkdate(m)
        if d:
            return d
    return None


_FISCAL = r"(?:fi|-)?s\s?cal"  # "fiscal", "fis cal", "-scal" (lost ligature)
_ORD = {"first": 1, "second": 2, "third": 3, "fourth": 4, "1st": 1, "2nd": 2, "3rd": 3, "4th": 4}
_ORD_RE = r"(?:(?:fi|-)rst|second|third|fourth|1st|2nd|3rd|4th)"


def _ordinal(word: str) -> int:
    w = word.lower()
    return 1 if w.endswith("rst") else _ORD[w]


# ---------------------------------------------------------------------------------------------
# forms

_FORM_ALIASES = {
    "10K": "10-K",
    "10K405": "10-K",
    "10KT": "10-K",
    "10KSB": "10-K",
    "10KA": "10-K",
    "10KANNUALREPORT": "10-K",
    "ANNUALREPORT": "10-K",
    "10KANNUAL": "10-K",
    "10Q": "10-Q",
    "10QT": "10-Q",
    "10QA": "10-Q",
    "10QSB": "10-Q",
    "8K": "8-K",
    "8KA": "8-K",
    "EARNINGS": "EARNINGS",
    "EARNINGSRELEASE": "EARNINGS",
    "PRESSRELEASE": "EARNINGS",
    "EX991": "EARNINGS",
    "20F": "20-F",
    "40F": "40-F",
    "6K": "6-K",
}


def normalize_form(form: str | None) -> str | None:
    """ "10k" -> "10-K", "10-Q/A" -> "10-Q", "8k" -> "8-K", "Earnings" -> "EARNINGS";
    "10k_annualreport" -> "10-K". Unknown strings -> None."""
    if not form:
        return None
    key = re.sub(r"[^A-Z0-9]", "", form.upper())
    return _FORM_ALIASES.get(key)


_COVER_FORM = re.compile(
    r"\bFORM\s*(10\s?-\s?K|10\s?-\s?Q|8\s?-\s?K|20\s?-\s?F|40\s?-\s?F|6\s?-\s?K)(?:\s?/\s?A|T|405)?\b",
    re.IGNORECASE,
)
_SEC = re.compile(r"SECURITIES\s+AND\s+EXCHANGE\s+COMMISSION", re.IGNORECASE)
_ANNUAL = re.compile(r"ANNUAL\s+REPORT\s+PURSUANT\s+TO\s+SECTION\s+13", re.IGNORECASE)
_QUARTERLY = re.compile(r"QUARTERLY\s+REPORT\s+PURSUANT\s+TO\s+SECTION\s+13", re.IGNORECASE)
_CURRENT = re.compile(r"CURRENT\s+REPORT\s+Pursuant\s+to\s+Section\s+13", re.IGNORECASE)


def _cover_form(head: str) -> tuple[str | None, int]:
    """Form named on an SEC cover and where the cover starts; (None, -1) when there is none."""
    for m in _COVER_FORM.finditer(head):
        b0 = max(0, m.start() - 400)
        before = head[b0 : m.start()]
        after = head[m.end() : m.end() + 400]
        sec = _SEC.search(before)
        if sec and not re.search(r"Washington", before[sec.end() :], re.IGNORECASE):
            sec = None  # "... filings with the Securities and Exchange Commission ... Form 10-K"
        if sec or _ANNUAL.search(after) or _QUARTERLY.search(after) or _CURRENT.search(after):
            return normalize_form(m.group(1)), (b0 + sec.start()) if sec else m.start()
    for rx, form in ((_ANNUAL, "10-K"), (_QUARTERLY, "10-Q"), (_CURRENT, "8-K")):
        m = rx.search(head[:20000])
        if m and _SEC.search(head[max(0, m.start() - 1500) : m.start()]):
            return form, max(0, m.start() - 1500)
    return None, -1


_RELEASE = re.compile(
    r"\b(?:reports?|reported|announces?|announced|posts?|delivers?)\b.{0,120}?"
    r"\b(?:results|earnings|net\s+income|net\s+sales|revenues?|EPS)\b",
    re.IGNORECASE,
)
_QUARTER_RESULTS = re.compile(rf"\b{_ORD_RE}[\s-]+quarter\b.{{0,120}}?\bresults\b", re.IGNORECASE)

# ---------------------------------------------------------------------------------------------
# company names

_SUFFIXES = {
    "inc",
    "incorporated",
    "corp",
    "corporation",
    "co",
    "company",
    "companies",
    "ltd",
    "limited",
    "plc",
    "llc",
    "lp",
    "llp",
    "nv",
    "sa",
    "ag",
    "se",
    "holdings",
    "holding",
    "group",
    "the",
}
_SUFFIX_CAPS = {
    "INC.": "Inc.",
    "INC": "Inc.",
    "CO.": "Co.",
    "CORP.": "Corp.",
    "CORP": "Corp.",
    "PLC": "plc",
    "LTD.": "Ltd.",
    "LTD": "Ltd.",
    "LLC": "LLC",
    "L.P.": "L.P.",
    "N.V.": "N.V.",
    "S.A.": "S.A.",
    "AG": "AG",
    "SE": "SE",
    "LP": "LP",
    "LLP": "LLP",
    "OF": "of",
    "AND": "and",
    "THE": "The",
}
_NAME_TOKEN = re.compile(r"^(?:[A-Z0-9][\w.,&'’\-!]*|&|and|of|de|du|la|plc|inc\.?)$")


def _trailing_name(text: str, max_tokens: int = 10) -> str | None:
    """The run of name-like tokens at the end of ``text`` ("... 001-37622 SQUARE, INC." -> "SQUARE, INC.")."""
    toks = text.strip().split(" ")
    out: list[str] = []
    for tok in reversed(toks):
        if (
            not tok
            or not _NAME_TOKEN.match(tok)
            or re.fullmatch(r"[\d.,\-/]+", tok)
            or tok.endswith(")")
        ):
            break
        if re.search(r"\d", tok) and not re.search(r"[A-Za-z]", tok):
            break
        out.append(tok)
        if len(out) >= max_tokens:
            break
    while out and out[-1].lower() in {"and", "of", "&", "de", "du", "la"}:  # leading connector
        out.pop()
    if not out:
        return None
    name = " ".join(reversed(out)).strip(" ,;:")
    letters = re.sub(r"[^A-Za-z]", "", name)
    if len(letters) < 2 or name.lower() in {"the", "inc.", "company", "commission"}:
        return None
    return name


_BAD_NAME = re.compile(
    r"(?i)\b(?:securities|exchange|commission|washington|report|pursuant|form\s*10|form\s*8|"
    r"registrant|quarterly|annual|table of contents|index)\b"
)


def _clean_name(name: str | None) -> str | None:
    if not name:
        return None
    # small capitals extracted as "MGM R ESORTS I NTERNATIONAL"
    name = re.sub(r"\b([A-Z]) ([A-Z]{2,})\b", r"\1\2", name)
    name = re.sub(r"^[\d\-–]{3,}(?=[A-Z])", "", name)  # "001-36743Apple Inc." (cells run together)
    name = name.strip(" ,;:-–—_").strip()
    name = re.sub(r"\s*\((?:the\s+)?[“\"][^)]*\)\s*$", "", name)  # ("Costco" or the "Company")
    if not name or _BAD_NAME.search(name) or len(name) > 80:
        return None
    return name


def _pretty_name(name: str, text: str) -> str:
    """Registrant names written in capitals get the casing used elsewhere in the text, else a
    title-case ("3M COMPANY" -> "3M Company"; acronyms without vowels such as "MGM" stay)."""
    if not name.isupper():
        return name
    for m in re.finditer(re.escape(name), text, re.IGNORECASE):
        s = m.group(0)
        if not s.isupper() and s[:1].isupper():
            return s
    words = []
    for w in name.split(" "):
        core = w.rstrip(",")
        tail = w[len(core) :]
        if core in _SUFFIX_CAPS:
            words.append(_SUFFIX_CAPS[core] + tail)
        elif (
            re.search(r"\d", core)
            or (len(core) <= 4 and not re.search(r"[AEIOUY]", core))
            or "&" in core
        ):
            words.append(w)
        else:
            words.append("-".join(p[:1] + p[1:].lower() for p in core.split("-")) + tail)
    return " ".join(words)


_EXACT = re.compile(r"\(?\s*Exact\s+name\s+of\s+(?:the\s+)?registrant", re.IGNORECASE)
_CORP_LINE = re.compile(
    r"^(?:THE\s+)?[A-Z0-9][A-Z0-9&.,'’\- ]{0,60}?\b(?:INC\.?|INCORPORATED|CORPORATION|CORP\.?|COMPANY|CO\.|PLC|"
    r"LTD\.?|LIMITED|LLC|L\.P\.|N\.V\.|S\.A\.|HOLDINGS|GROUP|INTERNATIONAL)$"
)
_TICKER_PAREN = re.compile(
    r"\((?:NYSE|NASDAQ|Nasdaq|NYSE\s*American|NASDAQ\s*GS|Nasdaq\s*GS|TSX|ASX|LSE)\s*:\s*([A-Z]{1,5}(?:\.[A-Z])?)\)"
)
_HEADLINE = re.compile(
    r"^\s*(?:Exhibit\s+99\.\d+\s+)?(?:NEWS\s+RELEASE\s+|PRESS\s+RELEASE\s+)?"
    r"([A-Z][\w.,&'’\- ]{1,70}?)\s+(?:Reports|REPORTS|Announces|ANNOUNCES|Reported|Posts|Delivers|reports|announces)\b"
)


def _company_from_cover(cover: str, raw_pages: list[str]) -> str | None:
    m = _EXACT.search(cover)
    if m:
        before = cover[max(0, m.start() - 300) : m.start()]
        before = re.split(r"_{2,}|-{3,}|[–—]{2,}|\(\s*Mark\s+One\s*\)", before)[-1]
        name = _clean_name(_trailing_name(before))
        if name:
            return name
    # cover lines in capitals ending with a corporate suffix (3M's cover has no "Exact name" label)
    for page in raw_pages[:2]:
        stop = page.find("Indicate by check mark")
        for line in (page[:stop] if stop > 0 else page[:4000]).splitlines():
            line = line.strip().strip("_").strip()
            if _CORP_LINE.match(line) and not _BAD_NAME.search(line):
                return line
    return None


def _company_from_release(head: str) -> str | None:
    m = _TICKER_PAREN.search(head[:6000])
    if m:
        before = head[max(0, m.start() - 200) : m.start()].rstrip()
        before = re.sub(r"\s*\([^()]*\)\s*$", "", before)  # ("Costco" or the "Company")
        before = re.split(r"--|\s[-–—]\s|[–—]|\)\s", before)[-1]
        name = _clean_name(_trailing_name(before))
        if name:
            return name
    m = _HEADLINE.search(head[:400])
    if m:
        return _clean_name(m.group(1))
    return None


_ATTRIB = re.compile(
    r"attributable to ([A-Z][\w.,&'’\- ]{1,60}?(?:Inc\.|Corporation|Company|plc|Ltd\.|LLC|N\.V\.|Co\.))"
)
_REGISTRANT = re.compile(r"\(\s*Registrant\s*\)")


_SIGNER = re.compile(
    r"caused\s+this\s+report\s+to\s+be\s+signed\s+on\s+its\s+behalf\s+by\s+the\s+undersigned"
    r"(?:[\s,]+thereunto\s+duly\s+authorized)?\.?\s*(?:Date:?\s*" + _DATE_RE + r"\s*)?"
    r"(?P<name>[^/]{2,90}?)\s*(?:\(\s*Registrant\s*\)\s*)?(?:By|BY)\s*:?\s*/",
)


def _company_fallback(head: str, pages: list[str]) -> str | None:
    """When the cover carries the name only as a logo: the signature block ("... duly authorized.
    FOOT LOCKER, INC. By: /s/ ..."), "(Registrant)", statement captions."""
    for p in pages:
        if _is_signature_page(p):
            m = _SIGNER.search(_collapse(p))
            if m:
                name = _clean_name(_trailing_name(m.group("name")))
                if name:
                    return name
            break
    for i in range(len(pages) - 1, max(-1, len(pages) - 60), -1):
        p = pages[i]
        if "(Registrant)" in p or "( Registrant )" in p:
            t = _collapse(p)
            m = _REGISTRANT.search(t)
            if m:
                name = _clean_name(_trailing_name(t[max(0, m.start() - 200) : m.start()]))
                if name:
                    return name
    m = _ATTRIB.search(head)
    if m:
        return _clean_name(m.group(1))
    return None


_FORMER = [
    re.compile(
        r"\b(?:we|the Company|the Registrant)\s+changed\s+(?:our|its)\s+(?:corporate\s+|legal\s+)?name\s+from\s+"
        r"[“\"]?([A-Z][\w.,&'’\- ]{1,60}?)[”\"]?\s+to\s+[“\"]?([A-Z][\w.,&'’\- ]{1,60}?)[”\"]?[.,;]",
        re.IGNORECASE,
    ),
    re.compile(r"\bFormerly\s+known\s+as\s+([A-Z][\w.,&'’\- ]{1,60}?)(?:\s*\([^)]*\))?,\s+we\b"),
    re.compile(r"(?i:formerly)\s*[“\"]([A-Z][\w.,&'’\- ]{1,60}?)[,.]?[”\"]\s*\)"),
]


def former_names(pages: list[str], company: str | None = None) -> list[str]:
    """Names the registrant says it was formerly known as ("we changed our name from Square to
    Block", "WALMART INC. (formerly "WAL-MART STORES, INC.")", "Formerly known as Bell Atlantic
    Corporation, we were incorporated ..."). Statements about subsidiaries or products are not
    taken. Used to build a corpus-level alias table for :func:`company_matches`."""
    text = _collapse(" ".join(pages[:12]))[:200_000]
    out: list[str] = []
    for m in _FORMER[0].finditer(text):
        new = m.group(2)
        if company is None or company_matches(new, company):
            out.append(m.group(1).strip())
    for rx in _FORMER[1:]:
        for m in rx.finditer(text):
            if rx is _FORMER[2] and company is not None:
                ctx = text[max(0, m.start() - 120) : m.start()]
                if not company_matches(_trailing_name(ctx.rstrip(" (")) or "", company):
                    continue
            out.append(m.group(1).strip())
    seen: dict[str, str] = {}
    for n in out:
        seen.setdefault(normalize_company(n), n)
    return [v for k, v in seen.items() if k]


def normalize_company(name: str) -> str:
    """Lower-case, '&' -> 'and', punctuation dropped, legal suffixes and a leading 'The' removed."""
    s = name.lower().replace("&", " and ").replace("’", "'")
    s = re.sub(r"(?<=\w)-(?=\w)", "", s)  # Wal-Mart -> walmart
    s = re.sub(r"(?<=\b\w)\.(?=\w\.)", "", s)  # N.V. -> nv.
    s = re.sub(r"[^a-z0-9 ]+", " ", s)
    toks = [t for t in s.split() if t]
    while toks and toks[-1] in _SUFFIXES:
        toks.pop()
    while toks and toks[0] == "the":
        toks.pop(0)
    return " ".join(toks)


def _names_match(a: str, b: str) -> bool:
    na, nb = normalize_company(a), normalize_company(b)
    if not na or not nb:
        return False
    if na == nb or na.replace(" ", "") == nb.replace(" ", ""):
        return True
    ta, tb = na.split(), nb.split()
    short, long_ = (ta, tb) if len(ta) <= len(tb) else (tb, ta)
    if long_[: len(short)] == short:
        return True
    # "BESTBUY" vs "best buy co": the shorter written without spaces equals a prefix of the longer
    joined = "".join(short)
    acc = ""
    for t in long_:
        acc += t
        if acc == joined:
            return True
        if len(acc) >= len(joined):
            break
    return False


def company_matches(
    name: str | None, other: str | None, aliases: Mapping[str, Iterable[str]] | None = None
) -> bool:
    """Lenient comparison of company names: case, punctuation, '&'/'and', a leading 'The', legal
    suffixes (Inc, Corp, Co, Company, Ltd, plc, Corporation, Holdings, Group) are ignored and a
    shorter name matches a longer one it starts ("Costco" ~ "Costco Wholesale Corporation").

    ``aliases`` maps a name to other names of the same company (e.g. built from
    :func:`former_names`: {"Block, Inc.": ["Square, Inc."]}); it is applied both ways."""
    if not name or not other:
        return False
    if _names_match(name, other):
        return True
    if not aliases:
        return False
    groups: list[set[str]] = []
    for k, vs in aliases.items():
        groups.append({normalize_company(k), *(normalize_company(v) for v in vs)})

    def variants(n: str) -> set[str]:
        out = {n}
        for g in groups:
            if any(_names_match(n, x) for x in g if x):
                out |= g
        return out

    return any(_names_match(x, y) for x in variants(name) for y in variants(other) if x and y)


# ---------------------------------------------------------------------------------------------
# tickers, CIK

_TRADING_SYMBOL = re.compile(r"Trading\s*Symbols?(?:\s*\(s\))?", re.IGNORECASE)
_EXCHANGE = r"(?:The\s+)?(?:New\s+York\s+Stock\s+Exchange|NYSE|Nasdaq|NASDAQ|Chicago\s+Stock\s+Exchange|Cboe|CBOE)"
_TICKER_ROW = re.compile(rf"(?<![\w$.])([A-Z]{{1,5}}(?:\.[A-Z])?)\s+{_EXCHANGE}")
_NOT_TICKER = {
    "SHARE",
    "STOCK",
    "VALUE",
    "PAR",
    "PER",
    "NOTES",
    "DUE",
    "CLASS",
    "COMMON",
    "NONE",
    "INC",
    "A",
    "B",
    "C",
    "THE",
    "AND",
    "OF",
    "ON",
    "USD",
    "US",
    "LLC",
    "PLC",
    "N",
    "V",
}
_CIK = re.compile(
    r"\b(?:CIK|Central\s+Index\s+Key)\s*(?:No\.?|Number|#|code)?\s*[:#]?\s*(\d{1,10})\b",
    re.IGNORECASE,
)


def _ticker(cover: str, head: str) -> str | None:
    m = _TRADING_SYMBOL.search(cover)
    if m:
        seg = cover[m.end() : m.end() + 800]
        for t in _TICKER_ROW.finditer(seg):
            if t.group(1) not in _NOT_TICKER:
                return t.group(1)
    m = _TICKER_PAREN.search(head[:20000])
    if m:
        return m.group(1)
    return None


# ---------------------------------------------------------------------------------------------
# periods

_PERIOD_END = re.compile(
    rf"for\s+the\s+(?:{_FISCAL}\s+)?(?P<kind>year|quarterly\s+period|quarter|period|{_FISCAL}\s+quarter)"
    rf"\s+ended\s*:?\s*{_DATE_RE}",
    re.IGNORECASE,
)
_RELEASE_PERIOD = re.compile(
    rf"\b(?P<kind>quarter|year|weeks|months|period)\b(?:\s*\([^)]{{0,40}}\))?(?:\s+of\s+{_FISCAL}\s+(?:year\s+)?\d{{4}},?)?"
    rf"\s+ended\s*:?\s*{_DATE_RE}",
    re.IGNORECASE,
)
_DATE_OF_REPORT = re.compile(
    rf"Date\s+of\s+(?:Report|report|REPORT)\s*(?:\(\s*Date\s+of\s+earliest\s+event\s+reported\s*\))?\s*:?\s*{_DATE_RE}",
    re.IGNORECASE,
)
_DATE_BEFORE_REPORT = re.compile(rf"{_DATE_RE}\s*\(?\s*Date\s+of\s+Report", re.IGNORECASE)
_Q_BY_MONTHS = [
    (
        re.compile(
            r"\b(?:nine|9)\s+months\s+ended|\b(?:thirty[\s-]nine|39|36|40)[\s-]+weeks\s+ended",
            re.IGNORECASE,
        ),
        3,
    ),
    (
        re.compile(
            r"\b(?:six|6)\s+months\s+ended|\b(?:twenty[\s-]six|26|24|28)[\s-]+weeks\s+ended|three\s+and\s+six\s+months",
            re.IGNORECASE,
        ),
        2,
    ),
    (
        re.compile(
            r"\b(?:three|3)\s+months\s+ended|\b(?:thirteen|twelve|sixteen|13|12|16)[\s-]+weeks\s+ended",
            re.IGNORECASE,
        ),
        1,
    ),
]
_QUARTER_LABEL = re.compile(
    rf"\b(?P<ord>{_ORD_RE})[\s-]+quarter\s+(?:of\s+)?(?:(?:{_FISCAL}|FY)\s*(?:year\s+)?)?(?P<y>(?:19|20)\d\d)\b",
    re.IGNORECASE,
)
_QN_LABEL = re.compile(
    r"\bQ(?P<q>[1-4])\s*(?:FY|F|fiscal\s*)\s*'?(?P<y>(?:19|20)?\d\d)\b", re.IGNORECASE
)
_FY_LABEL_BEFORE = re.compile(
    rf"{_FISCAL}\s+(?:year\s+)?(?P<y>(?:19|20)\d\d)\W{{1,4}}(?:\w+\W+){{0,8}}?ended\s+{_DATE_RE}",
    re.IGNORECASE,
)
_FY_LABEL_AFTER = re.compile(
    rf"ended\s+{_DATE_RE}\s*,?\s*\(\s*[“\"]?\s*(?:{_FISCAL}\s+(?:year\s+)?|FY\s?)(?P<y>(?:19|20)\d\d)",
    re.IGNORECASE,
)


def _months_later(d: date, months: int) -> date:
    y, m = divmod(d.month - 1 + months, 12)
    return date(d.year + y, m + 1, min(d.day, 28))


def _fy_of_end(d: date) -> int:
    """Fiscal year of a fiscal-year end date by default: its year, except January 1-7 (52/53-week
    years closing on the Saturday nearest December 31) -> the previous year."""
    return d.year - 1 if d.month == 1 and d.day <= 7 else d.year


def _bound_fy_label(text: str, period_end: date) -> int | None:
    """A fiscal-year label the text ties to this period end ("fiscal 2022 ... ended January 28, 2023",
    "ended February 1, 2020 ("fiscal 2020")"), when plausible (end year or the one before)."""
    for rx in (_FY_LABEL_AFTER, _FY_LABEL_BEFORE):
        for m in rx.finditer(text):
            d = _mkdate(m)
            if d == period_end:
                y = int(m.group("y"))
                if y in (period_end.year, period_end.year - 1):
                    return y
    return None


def _quarter_from_text(text: str) -> int | None:
    for rx, q in _Q_BY_MONTHS:
        if rx.search(text):
            return q
    return None


def _two_digit(y: str) -> int:
    v = int(y)
    return v + 2000 if v < 100 else v


def _release_period(text: str) -> tuple[int | None, int | None]:
    """(quarter or None, fiscal year) from an earnings release headline / first lines."""
    head = text[:1500]
    best: tuple[int, int | None, int] | None = None  # (pos, q, year)
    for m in _QUARTER_LABEL.finditer(head):
        best = (m.start(), _ordinal(m.group("ord")), int(m.group("y")))
        break
    m2 = _QN_LABEL.search(head)
    if m2 and (best is None or m2.start() < best[0]):
        best = (m2.start(), int(m2.group("q")), _two_digit(m2.group("y")))
    if best is None:
        # "Fourth Quarter and Full Year 2022", "Third Quarter and Year-to-Date ... for Fiscal 2023"
        m = re.search(
            rf"\b(?P<ord>{_ORD_RE})[\s-]+quarter\b.{{0,80}}?\b(?:{_FISCAL}\s+(?:year\s+)?|year\s+|FY\s?)?(?P<y>(?:19|20)\d\d)\b",
            head,
            re.IGNORECASE,
        )
        if m:
            best = (m.start(), _ordinal(m.group("ord")), int(m.group("y")))
    if best is not None:
        return best[1], best[2]
    m = re.search(
        rf"\b(?:{_FISCAL}\s+(?:year\s+)?|full[\s-]year\s+|FY\s?)(?P<y>(?:19|20)\d\d)\s+(?:\w+\s+){{0,3}}?results",
        head,
        re.IGNORECASE,
    )
    if m:
        return None, int(m.group("y"))
    return None, None


# ---------------------------------------------------------------------------------------------
# signature / filing date

_SIGNED_RX = re.compile(
    r"duly\s+caused\s+this\s+(?:report|annual\s+report|quarterly\s+report)", re.IGNORECASE
)


def _is_signature_page(p: str) -> bool:
    return "duly" in p and _SIGNED_RX.search(p) is not None


def _signature_date(pages: list[str], after: date | None) -> date | None:
    for p in pages:
        if not _is_signature_page(p):
            continue
        t = _collapse(p)
        i = t.find("caused this")
        for m in _DATE.finditer(t, max(i, 0)):
            d = _mkdate(m)
            if d and (after is None or timedelta(0) < d - after <= timedelta(days=400)):
                return d
        return None
    return None


# ---------------------------------------------------------------------------------------------
# file name and sidecar

_FN_FORM = re.compile(
    r"(?i)(?<![A-Za-z0-9])(10-?K(?:405|T)?|10-?Q|8-?K|EARNINGS|annual[_-]?report)(?![A-Za-z0-9])"
)
_FN_YEAR = re.compile(r"(?<![\d-])((?:19|20)\d\d)(?:Q([1-4]))?(?![\d]|-\d\d-)")


def _from_filename(file_name: str) -> dict:
    stem = Path(file_name).name
    stem = re.sub(r"\.(pdf|html?|txt|md|htm)$", "", stem, flags=re.IGNORECASE)
    out: dict = {}
    m = _FN_FORM.search(stem)
    if m:
        f = normalize_form(m.group(1))
        if f:
            out["form"] = f
    stem_no_dates = re.sub(r"(19|20)\d\d-\d\d-\d\d", " ", stem)
    m = _FN_YEAR.search(stem_no_dates)
    if m:
        out["fiscal_year"] = int(m.group(1))
        if m.group(2):
            out["fiscal_period"] = f"Q{m.group(2)} {m.group(1)}"
        elif out.get("form") == "10-K":
            out["fiscal_period"] = f"FY{m.group(1)}"
    lead = re.split(r"[_\s.]|-(?=\d)", stem, maxsplit=1)[0]
    if lead and re.search(r"[A-Za-z]", lead) and not _FN_FORM.fullmatch(lead) and len(lead) >= 2:
        out["company"] = lead
    return out


def load_sidecar(path: str | Path) -> dict[str, dict]:
    """Read a FinanceBench-style ``documents.jsonl``: one JSON object a line, keyed by ``doc_name``."""
    out: dict[str, dict] = {}
    with Path(path).open(encoding="utf-8") as fh:
        for line in fh:
            line = line.strip()
            if not line:
                continue
            row = json.loads(line)
            if "doc_name" in row:
                out[str(row["doc_name"])] = row
    return out


def _from_sidecar(sc: dict) -> dict:
    out: dict = {}
    if sc.get("company"):
        out["company"] = str(sc["company"])
    form = normalize_form(str(sc.get("doc_type") or "")) if sc.get("doc_type") else None
    if form:
        out["form"] = form
    per = sc.get("doc_period")
    if per is not None and str(per).strip().isdigit():
        out["fiscal_year"] = int(str(per).strip())
        m = re.search(r"(?i)((?:19|20)\d\d)Q([1-4])", str(sc.get("doc_name") or ""))
        if m:
            out["fiscal_period"] = f"Q{m.group(2)} {m.group(1)}"
        elif form == "10-K":
            out["fiscal_period"] = f"FY{out['fiscal_year']}"
    for k in ("ticker", "cik"):
        if sc.get(k):
            out[k] = str(sc[k])
    return out


# ---------------------------------------------------------------------------------------------
# main entry

_FIELDS = (
    "company",
    "ticker",
    "cik",
    "form",
    "fiscal_year",
    "fiscal_period",
    "period_end",
    "filing_date",
)


def _from_content(pages: list[str]) -> dict:
    raw = pages[:_COVER_PAGES]
    head = _collapse("\n".join(raw))[:_COVER_CHARS]
    out: dict = {}
    form, cover_at = _cover_form(head)
    cover = head[cover_at : cover_at + 12000] if cover_at >= 0 else ""

    if form is None and (_RELEASE.search(head[:2000]) or _QUARTER_RESULTS.search(head[:2000])):
        form = "EARNINGS"
    if form:
        out["form"] = form

    # company
    name = None
    if cover:
        name = _company_from_cover(cover, raw)
    if name is None and form in ("EARNINGS", None):
        name = _company_from_release(head)
    if name is None and form is not None:
        name = _company_fallback(head, pages)
    if name:
        out["company"] = _pretty_name(name, head)

    t = _ticker(cover, head) if (cover or form) else None
    if t:
        out["ticker"] = t
    m = _CIK.search(head)
    if m:
        out["cik"] = m.group(1).zfill(10)

    # period
    period_end = None
    if form in ("10-K", "10-Q", "20-F", "40-F"):
        m = _PERIOD_END.search(cover or head)
        if m:
            period_end = _mkdate(m)
    elif form == "EARNINGS":
        m = _RELEASE_PERIOD.search(head[:4000])
        if m:
            period_end = _mkdate(m)
    if period_end:
        out["period_end"] = period_end

    fy: int | None = None
    q: int | None = None
    if form in ("10-K", "20-F", "40-F") and period_end:
        fy = _bound_fy_label(head, period_end) or _fy_of_end(period_end)
        out["fiscal_period"] = f"FY{fy}"
    elif form == "10-Q" and period_end:
        q = _quarter_from_text(head)
        if q is None and len(pages) > _COVER_PAGES:  # statements after a long table of contents
            q = _quarter_from_text(
                _collapse("\n".join(pages[_COVER_PAGES : 3 * _COVER_PAGES]))[:_COVER_CHARS]
            )
        labels = [
            (_ordinal(m.group("ord")), int(m.group("y"))) for m in _QUARTER_LABEL.finditer(head)
        ] + [(int(m.group("q")), _two_digit(m.group("y"))) for m in _QN_LABEL.finditer(head)]
        if q is None:
            near = [lq for lq, ly in labels if ly in (period_end.year, period_end.year + 1)]
            q = near[0] if near else None
        if q is not None:
            fy_end = _months_later(period_end, 3 * (4 - q))
            fy = _fy_of_end(fy_end)
            for lq, ly in labels:
                if lq == q and ly in (fy, fy - 1):
                    fy = ly
                    break
            out["fiscal_period"] = f"Q{q} {fy}"
    elif form == "EARNINGS":
        q, fy = _release_period(head)
        if fy is None and period_end:
            fy = period_end.year
        if fy is not None:
            out["fiscal_period"] = f"Q{q} {fy}" if q else f"FY{fy}"
    elif form == "8-K":
        m = _DATE_OF_REPORT.search(cover or head) or _DATE_BEFORE_REPORT.search(cover or head)
        report = _mkdate(m) if m else None
        if report:
            out["filing_date"] = report
            fy = report.year
        if re.search(r"Item\s*2\.02", head, re.IGNORECASE):
            # results announced in the 8-K: "... results for the fourth quarter and fiscal 2022"
            body = head[head.lower().find("item 2.02") :]
            rq, ry = _release_period(body[:1500])
            if ry is not None:
                fy, q = ry, rq
                out["fiscal_period"] = f"Q{rq} {ry}" if rq else f"FY{ry}"
            m = _RELEASE_PERIOD.search(body[:3000])
            if m and _mkdate(m):
                out["period_end"] = _mkdate(m)
    if fy is not None:
        out["fiscal_year"] = fy

    # filing date
    if "filing_date" not in out:
        if form in ("10-K", "10-Q", "20-F", "40-F"):
            d = _signature_date(pages, period_end)
            if d:
                out["filing_date"] = d
        elif form == "EARNINGS":
            d = _first_date(head[:600])
            if d and (period_end is None or d >= period_end):
                out["filing_date"] = d
    return out


def extract_metadata(
    pages: list[str],
    file_name: str | None = None,
    sidecar: dict | None = None,
    hints: DocumentMeta | None = None,
) -> DocumentMeta:
    """Metadata of one filing from its per-page text. See the module docstring for the rules."""
    values: dict = {}
    sources: dict = {}

    def fill(d: dict, source: str) -> None:
        for k in _FIELDS:
            v = d.get(k)
            if v is not None and values.get(k) is None:
                values[k] = v
                sources[k] = source

    if hints is not None:
        for k in _FIELDS:
            v = getattr(hints, k)
            if v is not None:
                values[k] = v
                sources[k] = hints.sources.get(k, "xbrl")
    fill(_from_content(pages or []), "content")
    if sidecar:
        fill(_from_sidecar(sidecar), "sidecar")
    if file_name:
        fill(_from_filename(file_name), "filename")
    if values.get("form"):
        values["form"] = normalize_form(values["form"]) or values["form"]
    return DocumentMeta(**values, sources=sources)
