"""Structure detection over per-page plain text of SEC filings.

:func:`detect_structure` turns the page texts produced by pypdfium2 into an outline
(:class:`~docnav.types.Section`: Parts, Items, Notes, financial statements, exhibits, the
cover) and content :class:`~docnav.types.Block` s (paragraphs and atomic tables) in
reading order. Everything is heuristic and line based, linear in the number of lines:

* Item / Part headings are candidate lines that start with ``Item``/``PART``; table of
  contents pages are recognised and skipped, prose cross-references are rejected by
  their shape, and the surviving candidates are filtered to the heaviest chain that
  follows the canonical order of the form (10-K, 10-Q, 8-K).
* Notes are searched only in the notes area (after a "Notes to ... Financial
  Statements" header) and must form an increasing sequence 1, 2, 3, ...
* Statements ("Balance Sheet", "Income Statement", ...) are page-top titles inside the
  financial statements item (or anywhere, for documents without Items).
* Tables are runs of number-dominated lines; a table block is atomic and never crosses a
  page or a section boundary (one block per page for a table continued over pages).

Pages are 0-based. Page furniture (a "Table of Contents" link at the top of a page, a
bare page number at the bottom) is dropped; all other text ends up in exactly one block.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from docnav.types import Block, Section, StructuredDoc

__all__ = ["detect_structure"]

# --------------------------------------------------------------------------------------
# text normalisation and furniture

_SPACES = str.maketrans({"\xa0": " ", "\u2009": " ", "\u202f": " ", "\u2007": " ", "\t": " "})
_TOP_FURNITURE = re.compile(
    r"^(?:table\s+of\s+contents|index|back\s+to\s+contents)$", re.IGNORECASE
)
_BOTTOM_FURNITURE = re.compile(
    r"^(?:page\s+)?[-–—]?\s*(?:\d{1,4}|[ivxlc]{1,7}|[A-Z]-\d{1,3})\s*[-–—]?$", re.IGNORECASE
)

# --------------------------------------------------------------------------------------
# Items and Parts

_ITEM_RE = re.compile(
    r"^items?\s*(\d{1,2}(?:\.\d{2})?[A-Ca-c]?)\b"
    r"(?:\s*(?:and|&|,|through|-|–|to)\s*\d{1,2}[A-Ca-c]?\b)?"  # "Items 1 and 2."
    r"\s*(.*)$",
    re.IGNORECASE,
)
_PART_RE = re.compile(r"^part\s+(i\s?v|i\s?i\s?i|i\s?i|i|1|2|3|4)\b\s*(.*)$", re.IGNORECASE)
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "1": 1, "2": 2, "3": 3, "4": 4}
_ROMAN_OUT = {1: "I", 2: "II", 3: "III", 4: "IV"}
_TITLE_SEP = re.compile(r"^[\s.:\-–—|)]*")
_TRAILING_PAGENO = re.compile(
    r"(?:\s|\.{2,})(\d{1,3}|[A-Z]-\d{1,3})(?:\s*[-–]\s*\d{1,3})?\s*(?:part\s+[ivx]+)?$",
    re.IGNORECASE,
)
_BARE_NUM = re.compile(r"^\d{1,3}$")
_INDEX_LINE = re.compile(r"^[A-Za-z(\d].*[A-Za-z)’'.]\s+\d{1,3}$")
_CONTINUED = re.compile(r"\(?\bcontinued\b\)?", re.IGNORECASE)

_K_ORDER = {
    "1": 1, "1A": 2, "1B": 3, "1C": 4, "2": 5, "3": 6, "4": 7,
    "5": 11, "6": 12, "7": 13, "7A": 14, "8": 15, "9": 16, "9A": 17, "9B": 18, "9C": 19,
    "10": 21, "11": 22, "12": 23, "13": 24, "14": 25, "15": 31, "16": 32,
}  # fmt: skip
_K_PART_OF = {
    k: (1 if v < 10 else 2 if v < 20 else 3 if v < 30 else 4) for k, v in _K_ORDER.items()
}
_Q_ORDER = {
    1: {"1": 1, "2": 2, "3": 3, "4": 4},
    2: {"1": 11, "1A": 12, "1B": 13, "2": 14, "3": 15, "4": 16, "5": 17, "6": 18},
}
_SQ = re.compile(r"[^a-z0-9]+")


def _squeeze(s: str) -> str:
    """Lower case letters and digits only: "Busines s." -> "business" (pdfium splits words)."""
    return _SQ.sub("", s.lower())


# pdfium sometimes puts a space before a word's last letter ("Busines s", "Statement of
# Incom e"). In titles, a lone lower-case letter after a word of 3+ letters is glued back
# ("a" excepted: it is a word).
_SPLIT_TAIL = re.compile(r"\b([A-Za-z]{3,}) ([b-z])(?=[\s.,:;)\u2019']|$)")


def repair_split_words(title: str) -> str:
    return _SPLIT_TAIL.sub(r"\1\2", title)


_K_TITLES = {
    "1": "business", "1A": "riskfactors", "1B": "unresolved", "1C": "cyber",
    "2": "propert", "3": "legal", "4": "(?:mine|submission|removed|reserved)",
    "5": "market", "6": "(?:selected|reserved)", "7": "management",
    "7A": "(?:quantitative|marketrisk)", "8": "(?:consolidated)?financialstatements",
    "9": "changesin", "9A": "controls", "9B": "otherinformation",
    "9C": "disclosure", "10": "directors", "11": "executivecompensation",
    "12": "securityownership", "13": "certainrelationships",
    "14": "principalaccount", "15": "exhibit", "16": "(?:form10k)?summary",
}  # fmt: skip
_Q_TITLES = {
    1: {"1": "(?:condensed)?(?:consolidated)?financialstatements", "2": "management",
        "3": "(?:quantitative|market)", "4": "controls"},
    2: {"1": "legal", "1A": "riskfactors", "1B": "unresolved",
        "2": "(?:unregistered|purchases|changesinsecurities|issuerpurchases)",
        "3": "defaults", "4": "(?:mine|submission|removed|reserved)",
        "5": "otherinformation", "6": "exhibits"},
}  # fmt: skip
_K_TITLE_RE = {k: re.compile(v) for k, v in _K_TITLES.items()}
_Q_TITLE_RE = {p: {k: re.compile(v) for k, v in d.items()} for p, d in _Q_TITLES.items()}
_K_CANON = {
    "1": "Business", "1A": "Risk Factors", "1B": "Unresolved Staff Comments", "1C": "Cybersecurity",
    "2": "Properties", "3": "Legal Proceedings", "4": "Mine Safety Disclosures",
    "5": "Market for Registrant's Common Equity, Related Stockholder Matters and Issuer Purchases of Equity Securities",
    "6": "Selected Financial Data", "7": "Management's Discussion and Analysis of Financial Condition and Results of Operations",
    "7A": "Quantitative and Qualitative Disclosures About Market Risk", "8": "Financial Statements and Supplementary Data",
    "9": "Changes in and Disagreements with Accountants on Accounting and Financial Disclosure",
    "9A": "Controls and Procedures", "9B": "Other Information",
    "9C": "Disclosure Regarding Foreign Jurisdictions that Prevent Inspections",
    "10": "Directors, Executive Officers and Corporate Governance", "11": "Executive Compensation",
    "12": "Security Ownership of Certain Beneficial Owners and Management and Related Stockholder Matters",
    "13": "Certain Relationships and Related Transactions, and Director Independence",
    "14": "Principal Accountant Fees and Services", "15": "Exhibits and Financial Statement Schedules",
    "16": "Form 10-K Summary",
}  # fmt: skip
_PART_TITLE_RE = re.compile(
    r"^\W{0,3}(?:financial\s+information|other\s+information)", re.IGNORECASE
)
_CONT_END = re.compile(r"(?:[a-z,;(\-–—]|\b(?:see|in|of|the|and|to|our|under|refer|this)\s*)$")

# --------------------------------------------------------------------------------------
# Notes, statements, exhibits


def _spaced(word: str) -> str:
    """A word pdfium may have split with a space ("Fi nancial"): optional space between letters."""
    return r"\s?".join(word)


_NOTES_HEADER = re.compile(
    r"^notes?\s+to\s+(?:the\s+)?"
    rf"(?:(?:condensed|{_spaced('consolidated')}|combined|interim|unaudited)\s+){{0,3}}"
    rf"{_spaced('financial')}\s+{_spaced('statements')}\b\s*(.*)$",
    re.IGNORECASE,
)
_NOTE_WORD = re.compile(r"^note\s*(\d{1,2})(?![\d,]|\.\d)\s*[.:\-–—]?\s*(.*)$", re.IGNORECASE)
_NOTE_NUM = re.compile(r"^(\d{1,2})\s*[.:\-–—]\s+(\S.*)$")
_NOTE_PAREN = re.compile(r"^\((\d{1,2})\)\s+(\S.*)$")
_GAPS_NOTE = ((1, 0.0), (2, 0.5), (3, 1.0), (4, 1.5))
# bare "12." notes: a missed heading or two (a run-in heading pdfium wrapped) must not
# end the chain, so gaps of up to 4 are allowed with a rising penalty
_GAPS_OTHER = ((1, 0.0), (2, 0.5), (3, 1.0), (4, 1.5))
_FS_START = re.compile(
    r"^(?:report\s+of\s+independent\s+registered|index\s+to\s+(?:the\s+)?(?:consolidated\s+)?financial\s+statements|"
    r"(?:consolidated\s+)?financial\s+statements(?:\s+and\s+supplementary\s+data)?$)",
    re.IGNORECASE,
)
_SEC_COVER = re.compile(
    r"securities\s+and\s+exchange\s+commission|form\s+10-?[kq]|form\s+8-?k|commission\s+file\s+number",
    re.IGNORECASE,
)
_PUNCT_START = frozenset(",;)")
_SMALL_WORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "as",
        "at",
        "by",
        "for",
        "from",
        "in",
        "into",
        "of",
        "on",
        "or",
        "the",
        "to",
        "with",
        "without",
        "vs",
        "per",
        "its",
        "their",
        "our",
    ]
)

_STMT_PATTERNS = [
    ("Comprehensive Income", re.compile(r"statements?of(?:consolidated)?comprehensive(?:income|loss|earnings)")),
    ("Income Statement", re.compile(r"(?:statements?of(?:consolidated)?(?:netincome|income|operations|earnings|loss)|incomestatements?)")),
    ("Balance Sheet", re.compile(r"(?:balancesheets?|statements?of(?:consolidated)?financial(?:position|condition))")),
    ("Cash Flow Statement", re.compile(r"(?:statements?of(?:consolidated)?cashflows?|cashflows?statements?)")),
    ("Equity Statement", re.compile(r"statements?of(?:consolidated)?(?:changesin)?[a-z]{0,30}?(?:equity|deficit|investment)")),
]  # fmt: skip
_STMT_PREFIX = re.compile(
    r"^(?:condensed|consolidated|combined|unaudited|interim|the|parent|company|and|registrant)*$"
)
_STMT_BAD = re.compile(
    r"\b(?:notes?\s+to|see|accompanying|included|refer|audited|our|these)\b", re.IGNORECASE
)

_EXHIBIT_RE = re.compile(r"^(?:exhibit|ex)[\s\-–.]*(\d{1,3}(?:\.\d{1,3})?)\s*(.*)$", re.IGNORECASE)
_EXHIBIT_INDEX_RE = re.compile(
    r"^(?:exhibit\s+index|index\s+to\s+exhibits|exhibits?\s+index)\s*(?:\(?continued\)?)?$",
    re.IGNORECASE,
)
_EXHIBIT_LINE = re.compile(r"^(?:exhibit\s+)?\d{1,3}\.\d{1,3}\*?\s")

# --------------------------------------------------------------------------------------
# tables

_NUM_TOKEN = re.compile(
    r"^[(\[]?[-+]?[$€£¥]?[(]?[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?[)\]]?[%x]?[)\]]?\*?,?$|"
    r"^\(?[$€£]?\.\d+\)?%?$"
)
_FILLER_TOKEN = frozenset(
    [
        "$",
        "%",
        "—",
        "–",
        "-",
        "--",
        "—%",
        "-%",
        "nm",
        "n/m",
        "n/a",
        "na",
        "*",
        "€",
        "£",
        ")",
        "(",
        "bps",
        "pts",
        "x",
    ]
)
_YEAR = re.compile(r"^\(?(?:fiscal|fy)?'?(?:19|20)\d\d\)?[,:]?$", re.IGNORECASE)
_PERIOD_WORDS = re.compile(
    r"\b(?:months?\s+ended|weeks?\s+ended|years?\s+ended|quarters?\s+ended|year\s+to\s+date|fiscal\s+(?:year|\d{4})|"
    r"as\s+of|q[1-4]|first\s+quarter|second\s+quarter|third\s+quarter|fourth\s+quarter|"
    r"january|february|march|april|may|june|july|august|september|october|november|december)\b",
    re.IGNORECASE,
)
_SCALE_RE = re.compile(
    r"(?:\bin\s+|\(\s*|\$\s*|amounts\s+|dollars\s+)(?:\w+\s+){0,2}?(thousands|millions|billions)\b|^\(?\s*(thousands|millions|billions)\b",
    re.IGNORECASE,
)
_SCALE_VAL = {"thousands": 1e3, "millions": 1e6, "billions": 1e9}
_BULLET = re.compile(r"^(?:[•●◦▪■□✓➢\-–—*]|\(\w{1,3}\)|[a-z]\.|\d{1,2}\.)\s")
_SENT_END = (".", "?", "!", ".”", '."', ":", ";")


@dataclass
class _Head:
    line: int  # global line index where the section starts
    kind: str
    title: str
    label: str | None
    level_hint: int  # 0 part/exhibit/cover, 1 item, 2 note/statement
    rank: int = 0
    weight: float = 1.0
    extra: dict = field(default_factory=dict)


# --------------------------------------------------------------------------------------
# helpers


def _stmt_heading_shape(s: str) -> bool:
    """A statement title looks like a heading: capitalised words ("Consolidated Balance
    Sheets", "CONDENSED CONSOLIDATED STATEMENTS OF EARNINGS"), not the end of a sentence
    ("... balance sheets.")."""
    if not s[:1].isupper() or s.endswith((".", ",", ";")):
        return False
    return _is_title_like(s[:60]) or s[:40].upper() == s[:40]


def _clean(s: str) -> str:
    return " ".join(s.translate(_SPACES).split())


def _is_title_like(s: str) -> bool:
    """Short, capitalised words (a heading), not a sentence."""
    words = [w for w in re.split(r"[\s/]+", s) if w]
    if not words or len(words) > 16:
        return False
    if not (words[0][:1].isupper() or words[0][:1].isdigit() or words[0][:1] in "“\"'("):
        return False
    if s.upper() == s:
        return True
    caps = tot = 0
    for w in words:
        w2 = w.strip("“”\"'(),:;.-—–")
        if not w2 or w2.lower() in _SMALL_WORDS:
            continue
        tot += 1
        if w2[:1].isupper() or w2[:1].isdigit():
            caps += 1
    return tot == 0 or caps / tot >= 0.6


def _trailing_numbers(tokens: list[str]) -> tuple[int, int]:
    """(numbers, tokens) in the trailing run of numeric / filler tokens."""
    n = k = 0
    for t in reversed(tokens):
        tl = t.lower()
        if _NUM_TOKEN.match(t):
            n += 1
        elif tl in _FILLER_TOKEN or tl.strip("$()") in _FILLER_TOKEN:
            if tl in ("—", "–", "-", "--", "nm", "n/m", "n/a", "—%", "-%"):
                n += 1  # a dash stands for zero
        else:
            break
        k += 1
    return n, k


_TITLE_WORD = r"(?:[A-Z][\w\u2019'&,\-.]*|and|of|the|for|in|on|to|with|from|by|&)"
# words that open a sentence after a run-in title ("8. Debt Short-Term Debt On April 17, ...")
_SENT_OPENERS = (
    "The|We|Our|In|On|As|At|For|During|Effective|Under|This|These|Unless|When|Since|"
    "Beginning|Prior|Following|Certain|Each|All|Substantially|Amounts|Changes|From|Over"
)
# A numbered note heading run into its first sentence, at a line start or after a sentence
# end (or after a table row's last dash): "13. Contingencies and Commitments We are involved
# ...". The title is the run of capitalised words before a sentence, which starts with a
# capitalised word followed by a lower-case one, or with a usual sentence opener; a title
# at the end of the line is taken whole ("3. Acquisitions BioSensics, LLC").
_RUNIN = re.compile(
    r"(?:^|(?<=[.;:)\-\u2013\u2014]\s))"
    rf"((?:Note\s+)?\d{{1,2}}\s*[.:\-\u2013\u2014]\s+[A-Z][\w\u2019'&,\-]*(?:\s+{_TITLE_WORD}){{0,8}})"
    rf"(?:\s+(?=[A-Z][a-z]+\s+[a-z]|(?:{_SENT_OPENERS})\s)|$)"
)
# An Item heading run into the text after the previous sentence: "... presented. Item 7.
# Management's Discussion and Analysis ...". It starts a line when its title is the
# canonical title of that Item (checked in _split_runin_headings).
_RUNIN_ITEM = re.compile(r"(?<=[.;:)\u201d\"]\s)(?:ITEM|Item)\s+(\d{1,2}[A-C]?)\.?\s+(?=[A-Z])")


def _runin_item_title_ok(key: str, after: str) -> bool:
    sq = _squeeze(after[:80])
    rx = _K_TITLE_RE.get(key)
    if rx is not None and rx.match(sq):
        return True
    return any(d[key].match(sq) for d in _Q_TITLE_RE.values() if key in d)


def _split_runin_headings(line: str) -> list[str]:
    """Put a run-in heading on a line of its own (text is kept, only line breaks change).

    Numbered headings ("13. Contingencies and Commitments We are ...") become a line of
    their own, the prose after them starts another; the notes chain (1, 2, 3, ...) later
    decides whether it is a Note. An Item heading after a sentence end starts a new line
    when its title is the Item's canonical one ("... presented. Item 7. Management's ...").
    """
    cuts: list[tuple[int, int]] = []  # (start, end of heading or -1 = cut before only)
    if _HAS_NUM_DOT.search(line):
        for m in _RUNIN.finditer(line):
            if m.group(1).split()[-1].lower() in _SMALL_WORDS:
                continue
            cuts.append((m.start(1), m.end(1)))
    if len(line) > 60 and ("tem " in line or "TEM " in line):
        for m in _RUNIN_ITEM.finditer(line):
            if _runin_item_title_ok(m.group(1).upper(), line[m.end() :]):
                cuts.append((m.start(), -1))
    if not cuts:
        return [line]
    cuts.sort()
    out: list[str] = []
    pos = 0
    for start, end in cuts:
        if start < pos:
            continue
        if start > pos:
            out.append(line[pos:start].strip())
        if end >= 0:
            out.append(line[start:end])
            pos = end
        else:
            pos = start
    rest = line[pos:].strip()
    if rest:
        out.append(rest)
    return [x for x in out if x]


_HAS_NUM_DOT = re.compile(r"\d\s*[.:\-\u2013\u2014]\s+[A-Z]")


# --------------------------------------------------------------------------------------
# main entry


def detect_structure(pages: list[str], form: str | None = None) -> StructuredDoc:
    """Detect the outline and the content blocks of a filing from its per-page text.

    ``pages``: plain text per page (pypdfium2 ``get_text_range()``; ``\\r\\n`` or ``\\n``).
    ``form``: "10-K", "10-Q", "8-K", "EARNINGS" or None (then guessed from the cover).
    """
    # ---- lines ---------------------------------------------------------------------
    texts: list[str] = []  # cleaned line text (no furniture removed)
    page_of: list[int] = []
    keep: list[bool] = []
    page_first: list[int] = []  # first global line index of each page
    page_width: list[int] = []
    for p, raw in enumerate(pages):
        page_first.append(len(texts))
        raw = raw.replace("\ufffe", "-").replace("\x02", "-")
        if "\r\n" in raw:
            # pdfium ends visual lines with CRLF; a bare LF separates text runs of one line
            raw_lines = raw.replace("\n", " ").split("\r ")
        else:
            raw_lines = raw.splitlines()
        ls = [_clean(x) for x in raw_lines]
        ls = [y for x in ls if x for y in _split_runin_headings(x)]
        n = len(ls)
        kp = [True] * n
        if n:
            if _TOP_FURNITURE.match(ls[0]):
                kp[0] = False
            if n > 1 and _BOTTOM_FURNITURE.match(ls[-1]) and len(ls[-1]) <= 12:
                kp[-1] = False
        lens = sorted(len(x) for x in ls)
        page_width.append(max(80, lens[int(len(lens) * 0.9)] if lens else 80))
        texts.extend(ls)
        page_of.extend([p] * n)
        keep.extend(kp)
    page_first.append(len(texts))
    n_lines = len(texts)
    n_pages = len(pages)

    form_u = (form or "").upper().replace(" ", "")
    if not form_u:
        head = " ".join(texts[page_first[0] : page_first[min(2, n_pages)]][:80]).upper()
        if "10-Q" in head or "QUARTERLY REPORT" in head:
            form_u = "10-Q"
        elif "10-K" in head or "ANNUAL REPORT" in head:
            form_u = "10-K"
        elif "8-K" in head or "CURRENT REPORT" in head:
            form_u = "8-K"
    is_q = "10-Q" in form_u or "10Q" in form_u

    # ---- first pass: candidates ------------------------------------------------------
    item_c: list[tuple[int, str, str, str]] = []  # (line, key, rest, raw)
    part_c: list[tuple[int, int, str]] = []
    notes_hdr: list[int] = []
    note_c: list[tuple[int, int, str, int]] = []  # (line, num, title, style)
    exhibit_c: list[tuple[int, str, str]] = []
    exidx_c: list[int] = []
    toc_items = [0] * n_pages
    toc_nums = [0] * n_pages
    toc_total = [0] * n_pages
    exlines = [0] * n_pages
    idx_lines = [0] * n_pages
    for i, s in enumerate(texts):
        c = s[0]
        if s[-1].isdigit() and _INDEX_LINE.match(s):
            idx_lines[page_of[i]] += 1
        if c in "Ii":
            m = _ITEM_RE.match(s)
            if m:
                p = page_of[i]
                toc_total[p] += 1
                if _TRAILING_PAGENO.search(s):
                    toc_items[p] += 1
                item_c.append((i, m.group(1).upper(), m.group(2), s))
                continue
            if _EXHIBIT_INDEX_RE.match(s) or (
                s[:5].lower() == "index" and _EXHIBIT_INDEX_RE.match(s)
            ):
                exidx_c.append(i)
        elif c in "Pp":
            if s[:4].lower() == "part":
                m = _PART_RE.match(s)
                if m:
                    part_c.append((i, _ROMAN[m.group(1).lower().replace(" ", "")], m.group(2)))
                    if _TRAILING_PAGENO.search(s):
                        toc_items[page_of[i]] += 1
        elif c in "Nn":
            if s[:4].lower() == "note":
                if s[:5].lower() == "notes":
                    if _NOTES_HEADER.match(s):
                        notes_hdr.append(i)
                else:
                    m = _NOTE_WORD.match(s)
                    if m:
                        note_c.append((i, int(m.group(1)), m.group(2), 0))
            elif _NOTES_HEADER.match(s) if len(s) < 120 and "otes" in s else False:
                notes_hdr.append(i)
        elif c in "Ee":
            if s[:2].lower() == "ex":
                if _EXHIBIT_INDEX_RE.match(s):
                    exidx_c.append(i)
                else:
                    m = _EXHIBIT_RE.match(s)
                    if m and len(s) <= 60:
                        exhibit_c.append((i, m.group(1), m.group(2)))
                    if _EXHIBIT_LINE.match(s):
                        exlines[page_of[i]] += 1
        elif c.isdigit():
            if len(s) <= 3 and _BARE_NUM.match(s):
                toc_nums[page_of[i]] += 1
            elif len(s) <= 110:
                m = _NOTE_NUM.match(s)
                if m:
                    note_c.append((i, int(m.group(1)), m.group(2), 1))
                elif _EXHIBIT_LINE.match(s):
                    exlines[page_of[i]] += 1
        elif c == "(":
            if len(s) <= 110 and s[1:2].isdigit():
                m = _NOTE_PAREN.match(s)
                if m:
                    note_c.append((i, int(m.group(1)), m.group(2), 2))
        elif c.isupper() and len(s) < 120 and "otes" in s and " to " in s.lower():
            if _NOTES_HEADER.match(s):
                notes_hdr.append(i)

    # ---- TOC pages ---------------------------------------------------------------------
    toc_page = [False] * n_pages
    for p in range(n_pages):
        if toc_items[p] >= 3 or (toc_total[p] >= 4 and toc_nums[p] >= 3):
            toc_page[p] = True
        elif toc_total[p] >= 5 and p < max(6, n_pages // 10):
            # many Item lines close together near the front: an index without numbers
            first, last = page_first[p], page_first[p + 1]
            span = last - first
            if span and toc_total[p] / span >= 0.25:
                toc_page[p] = True

    # index pages (a list of titles with page numbers: TOC, index to financial statements)
    for p in range(n_pages):
        if idx_lines[p] >= 6 and idx_lines[p] >= 0.3 * (page_first[p + 1] - page_first[p]):
            toc_page[p] = True

    heads: list[_Head] = []

    # ---- Items and Parts ---------------------------------------------------------------
    def prev_line(i: int) -> str | None:
        j = i - 1
        if j < 0 or page_of[j] != page_of[i]:
            return None
        return texts[j]

    def next_line(i: int) -> str:
        j = i + 1
        if j < n_lines and page_of[j] == page_of[i]:
            return texts[j]
        return ""

    # An index page after the front matter ("ITEM 8. FINANCIAL STATEMENTS" followed by an index
    # to the statements) still opens with a real heading: its first lines may be one.
    front = max(5, n_pages // 15)

    def heading_atop_index(i: int, p: int) -> bool:
        return p >= front and i - page_first[p] < 3 and not _TRAILING_PAGENO.search(texts[i])

    options: list[tuple[int, int, float, _Head]] = []  # (line, rank, weight, head)
    for i, key, rest, raw in item_c:
        p = page_of[i]
        if toc_page[p] and not heading_atop_index(i, p):
            continue
        rest_s = _TITLE_SEP.sub("", rest, count=1)
        if rest[:1] in _PUNCT_START or rest_s[:1].islower() or rest_s[:1] in _PUNCT_START:
            continue
        if rest_s[:3].lower() in ("of ", "and") or rest_s[:4].lower() in ("and ", "thro"):
            continue
        prev = prev_line(i)
        upper_head = raw[:4] == "ITEM"
        if (
            prev is not None
            and _CONT_END.search(prev)
            and len(prev) >= 0.6 * page_width[p]
            and not upper_head
        ):
            continue  # a wrapped cross-reference in prose
        title_src = rest_s
        if not title_src:
            title_src = next_line(i)
        if "." in key:  # 8-K item "2.02"
            a, b = key.split(".")
            try:
                rank = 1000 + int(a) * 100 + int(b[:2])
            except ValueError:
                continue
            w = 2.0 if _is_title_like(title_src[:80]) or upper_head else 1.0
            h = _Head(i, "item", "", f"Item {key}", 1)
            options.append((i, rank, w, h))
            continue
        if is_q:
            for part in (1, 2):
                r = _Q_ORDER[part].get(key)
                if r is None:
                    continue
                tre = _Q_TITLE_RE[part].get(key)
                strong = bool(tre and tre.match(_squeeze(title_src[:80])))
                if not strong and not (_is_title_like(title_src[:80]) or not rest_s):
                    continue
                w = 3.0 if strong else 1.0
                h = _Head(i, "item", "", f"Item {key}", 1, extra={"part": part})
                options.append((i, r, w, h))
        else:
            r = _K_ORDER.get(key)
            if r is None:
                continue
            strong = bool(_K_TITLE_RE[key].match(_squeeze(title_src[:80])))
            if not strong:
                if len(rest_s) > 100 or not (_is_title_like(title_src[:80]) or not rest_s):
                    continue
            w = 3.0 if strong else 1.0
            h = _Head(i, "item", "", f"Item {key}", 1, extra={"part": _K_PART_OF[key]})
            options.append((i, r, w, h))
    for i, pnum, rest in part_c:
        p = page_of[i]
        if toc_page[p]:
            continue
        rest_s = _TITLE_SEP.sub("", rest, count=1)
        if rest[:1] in _PUNCT_START or rest_s[:1].islower() or len(rest_s) > 60:
            continue
        if rest_s and not (_PART_TITLE_RE.match(rest_s) or _is_title_like(rest_s)):
            continue
        if rest_s.lower().startswith(("item", "of ")):
            continue
        prev = prev_line(i)
        if prev is not None and _CONT_END.search(prev) and len(prev) >= 0.6 * page_width[p]:
            continue
        if is_q and pnum > 2:
            continue
        rank = (pnum - 1) * 10
        h = _Head(i, "part", "", f"Part {_ROMAN_OUT[pnum]}", 0, extra={"part": pnum})
        options.append((i, rank, 1.5, h))
    options.sort(key=lambda o: (o[0], o[1]))
    # heaviest chain with strictly increasing line and rank (quadratic in candidates only)
    m = len(options)
    best = [0.0] * m
    prv = [-1] * m
    for a in range(m):
        la, ra, wa, _ = options[a]
        bb, bp = 0.0, -1
        for b in range(a):
            lb, rb, _, _ = options[b]
            if lb < la and rb < ra and best[b] >= bb:
                bb, bp = best[b], b
        best[a] = bb + wa
        prv[a] = bp
    chosen: list[_Head] = []
    if m:
        a = max(range(m), key=lambda k: (best[k], k))
        while a >= 0:
            chosen.append(options[a][3])
            a = prv[a]
        chosen.reverse()
    # titles
    for h in chosen:
        s = texts[h.line]
        t = s
        if h.kind == "item":
            mm = _ITEM_RE.match(s)
            rest = _TITLE_SEP.sub("", mm.group(2), count=1) if mm else ""
            if not rest:
                nl = next_line(h.line)
                if nl and len(nl) < 120 and not _ITEM_RE.match(nl):
                    t = f"{s} {nl}"
            elif (
                len(s) > 130
                and not is_q
                and h.label[5:] in _K_CANON
                and _K_TITLE_RE[h.label[5:]].match(_squeeze(rest[:80]))
            ):
                # heading run into the paragraph: use the canonical title
                t = f"{h.label}. {_K_CANON[h.label[5:]]}"
            elif len(s) > 130:
                # heading run into the paragraph ("ITEM 1. BUSINESS MGM Resorts ...")
                words = s.split()
                cut = 2
                while cut < len(words) and (
                    words[cut].upper() == words[cut] or words[cut].lower() in _SMALL_WORDS
                ):
                    cut += 1
                t = " ".join(words[: max(cut, 3)])
        else:
            mm = _PART_RE.match(s)
            if mm and not mm.group(2):
                nl = next_line(h.line)
                if nl and _PART_TITLE_RE.match(nl):
                    t = f"{s} {nl}"
        h.title = t[:160]
    heads.extend(chosen)
    items = [h for h in chosen if h.kind == "item"]
    item_lines = [h.line for h in items]

    def item_range(pred) -> tuple[int, int] | None:
        """(start, end) line range of the first item matching pred (end exclusive)."""
        for h in items:
            if pred(h):
                end = n_lines
                for h2 in chosen:
                    if h2.line > h.line and (h2.kind == "part" or h2.kind == "item"):
                        end = h2.line
                        break
                return h.line, end
        return None

    if is_q:
        fin = item_range(lambda h: h.label == "Item 1" and h.extra.get("part") == 1)
    else:
        fin = item_range(lambda h: h.label == "Item 8")
    last_item_line = item_lines[-1] if item_lines else -1

    # ---- exhibits ------------------------------------------------------------------------
    ex_heads: list[_Head] = []
    for i, num, rest in exhibit_c:
        p = page_of[i]
        if i < last_item_line or toc_page[p] or exlines[p] >= 4:
            continue
        # must be at the top of its page (first three kept lines)
        j, k = page_first[p], 0
        while j < i and k < 3:
            if keep[j]:
                k += 1
            j += 1
        if j != i:
            continue
        if rest and (rest[:1].islower() or rest[:1] in ",;)" or len(rest) > 50):
            continue
        ex_heads.append(_Head(i, "exhibit", texts[i][:160], f"Exhibit {num}", 0))
    # keep only one header per exhibit number run (same exhibit repeated on each page)
    dedup: list[_Head] = []
    for h in ex_heads:
        if dedup and dedup[-1].label == h.label:
            continue
        dedup.append(h)
    heads.extend(dedup)
    for i in exidx_c:
        if toc_page[page_of[i]] or (i < last_item_line and not items):
            continue
        heads.append(_Head(i, "exhibit", texts[i], "Exhibit Index", 2))
        break

    # ---- notes ---------------------------------------------------------------------------
    area_start = area_end = None
    hdr_ok: list[int] = []
    for i in notes_hdr:
        if toc_page[page_of[i]]:
            continue
        mm = _NOTES_HEADER.match(texts[i])
        rest = mm.group(1) if mm else ""
        if rest and (_TRAILING_PAGENO.search(texts[i]) and len(rest) < 12):
            continue
        if rest and (rest[:1].islower() or rest[:1] in ",;" or "note" in rest.lower()[:12]):
            if not _CONTINUED.match(rest.strip("–—- ")):
                if not rest.lower().startswith(
                    ("(unaudited", "(continued", "(in ", "(dollar", "(amount", "(table")
                ):
                    continue
        if len(texts[i]) > 110:
            continue
        hdr_ok.append(i)

    def enclosing_end(line: int) -> int:
        # the next Item/Part/exhibit after `line`
        end = n_lines
        for h in heads:
            if h.line > line and h.level_hint <= 1 and h.line < end:
                end = h.line
        return end

    def note_chain(lo: int, hi: int, explicit_only: bool) -> tuple[float, list[_Head]]:
        """The best increasing chain of note headings in lines [lo, hi) and its score."""
        cands = []
        for i, num, title, style in note_c:
            if not (lo <= i < hi) or toc_page[page_of[i]]:
                continue
            if explicit_only and style != 0:
                continue
            t = title.strip()
            head_text = texts[i]
            if style == 0 and not t:
                nl = next_line(i)
                if nl and len(nl) < 100 and _is_title_like(nl):
                    t = nl
                    head_text = f"{texts[i]} {nl}"  # "Note 1" / "Basis of Presentation"
                elif _CONTINUED.search(texts[i]):
                    continue
            if not t or t[:1].islower() or t[:1] in ",;)(":
                if not (style == 0 and t[:1] == "("):
                    continue
            if style == 0:
                if t.lower().startswith(("and ", "to ", "for ", "of ", "in ", "as ", "on ", "at ")):
                    continue
                tl = t[:80]
                w0 = tl.split()[0] if tl.split() else ""
                if not (
                    _is_title_like(tl)
                    or (len(w0) >= 3 and w0.isupper())
                    or _is_title_like(tl.split(".")[0])
                    or _is_title_like(tl.split(":")[0])
                ):
                    continue
                if _CONTINUED.search(t[:60]):
                    continue
            else:
                if (
                    len(t) > 90
                    or not _is_title_like(t)
                    or t.endswith((".", ";"))  # a title wrapped after "," goes on
                    and not t.endswith("etc.")
                ):
                    continue
                if _CONTINUED.search(t):
                    continue
            prev = prev_line(i)
            if (
                prev is not None
                and len(prev) >= 0.6 * page_width[page_of[i]]
                and _CONT_END.search(prev)
            ):
                if not (t.upper() == t):
                    continue
            cands.append((i, num, style, head_text[:120]))
        # longest chain n -> n+1 (or n+2) per style; prefer explicit "Note" style
        bestc: list[tuple[float, list[int]]] = []
        for style in (0, 1, 2):
            cs = [c for c in cands if c[2] == style]
            if not cs:
                continue
            score: list[float] = []
            back: list[int] = []
            last_by_num: dict[int, int] = {}
            for a, (_i, num, _, _) in enumerate(cs):
                sc, bk = 1.0 if num <= 2 else 0.0, -1
                if num == 1:
                    sc = 1.0
                for d, pen in _GAPS_NOTE if style == 0 else _GAPS_OTHER:
                    b = last_by_num.get(num - d)
                    if b is not None and score[b] > 0 and score[b] + 1 - pen > sc:
                        sc, bk = score[b] + 1 - pen, b
                score.append(sc)
                back.append(bk)
                if sc > 0 and (num not in last_by_num or sc >= score[last_by_num[num]]):
                    last_by_num[num] = a
            if not score:
                continue
            a = max(range(len(cs)), key=lambda k: (score[k], -k))
            chain = []
            while a >= 0:
                chain.append(a)
                a = back[a]
            chain.reverse()
            bonus = 0.5 if style == 0 else 0.0
            bestc.append((score[chain[-1]] + bonus, [cs[k] for k in chain]))
        out: list[_Head] = []
        best_sc = 0.0
        if bestc:
            sc, chain = max(bestc, key=lambda x: x[0])
            if len(chain) >= 2 or (chain and chain[0][2] == 0):
                best_sc = sc
                for i, num, _style, t in chain:
                    out.append(_Head(i, "note", t, f"Note {num}", 2))
        return best_sc, out

    first_ex = min(
        (h.line for h in heads if h.kind == "exhibit" and h.line > last_item_line),
        default=n_lines,
    )
    note_heads: list[_Head] = []
    explicit_only = False
    inside = [i for i in hdr_ok if fin is not None and fin[0] <= i < fin[1]]
    if inside:
        area_start, area_end = inside[0], fin[1]
        _, note_heads = note_chain(area_start, area_end, False)
    elif hdr_ok:
        # no notes header inside the financial statements item: the statements are on
        # F-pages after the Items, in an annual-report exhibit (Exhibit 13), or the document
        # has no Items at all. Every distinct area opened by a notes header is tried and the
        # one with the best chain of note headings wins (the first one on a tie).
        cand = [i for i in hdr_ok if fin is None or i >= fin[0]] or hdr_ok
        best: tuple[float, int, int, list[_Head]] | None = None
        seen_end: set[int] = set()
        for i in cand:
            end = enclosing_end(i)
            if end in seen_end:
                continue
            seen_end.add(end)
            sc, hs = note_chain(i, end, False)
            if best is None or sc > best[0]:
                best = (sc, i, end, hs)
        assert best is not None
        _, area_start, area_end, note_heads = best
        if item_lines and area_start > last_item_line and area_start < first_ex:
            # financial statements placed after the last Item (F-pages): a free-standing section
            fs_line = area_start
            for p in range(page_of[last_item_line] + 1, page_of[area_start] + 1):
                j, k = page_first[p], 0
                while j < page_first[p + 1] and k < 3:
                    if keep[j]:
                        k += 1
                        if _FS_START.match(texts[j]) and not toc_page[p]:
                            fs_line = j
                            break
                    j += 1
                if fs_line != area_start:
                    break
            heads.append(_Head(fs_line, "other", texts[fs_line][:160], None, 0, extra={"fs": True}))
            fin = (fs_line, enclosing_end(fs_line))
            area_end = min(area_end, fin[1])
    elif fin is not None:
        area_start, area_end = fin
        explicit_only = True
        _, note_heads = note_chain(area_start, area_end, True)
    if area_start is not None:
        if not explicit_only and (not note_heads or area_start < note_heads[0].line):
            heads.append(
                _Head(
                    area_start,
                    "other",
                    texts[area_start][:160],
                    None,
                    2,
                    extra={"notes_header": True},
                )
            )
    heads.extend(note_heads)

    # ---- statements ----------------------------------------------------------------------
    if (
        item_lines
        and area_start is not None
        and note_heads
        and not (fin is not None and fin[0] <= area_start < fin[1])
    ):
        # notes outside the financial statements item (an annual-report exhibit): the
        # statements are the pages just before the notes, inside the same exhibit
        st_lo = max(
            [h.line for h in heads if h.level_hint <= 1 and h.line <= area_start]
            + [page_first[max(0, page_of[area_start] - 20)]]
        )
        st_hi = area_start
    elif fin is not None:
        st_lo, st_hi = (
            fin[0],
            (area_start if area_start is not None and fin[0] <= area_start < fin[1] else fin[1]),
        )
    else:
        st_lo, st_hi = 0, (area_start if area_start is not None else n_lines)
    stmt_heads: list[_Head] = []
    last_label, last_page = None, -5
    p0 = page_of[st_lo] if st_lo < n_lines else n_pages
    p1 = page_of[st_hi - 1] if 0 < st_hi <= n_lines else -1
    for p in range(p0, p1 + 1):
        if toc_page[p]:
            continue
        j, k = page_first[p], 0
        hi = page_first[p + 1]
        found = None
        while j < hi and k < 6:
            if not keep[j]:
                j += 1
                continue
            k += 1
            s = texts[j]
            if j < st_lo or j >= st_hi:
                j += 1
                continue
            if (
                len(s) <= 110
                and not _TRAILING_PAGENO.search(s)
                and ("tat" in s or "TAT" in s or "hee" in s or "HEE" in s)
            ):
                if not _STMT_BAD.search(s) and _stmt_heading_shape(s):
                    sq = _squeeze(s)
                    for label, rx in _STMT_PATTERNS:
                        mm = rx.search(sq)
                        if mm and _STMT_PREFIX.match(sq[: mm.start()]):
                            found = (j, label)
                            break
                if found:
                    break
            j += 1
        if found is None:
            continue
        j, label = found
        if label == last_label and p - last_page <= 1:
            last_page = p
            continue  # continuation of the same statement
        if label == "Income Statement" and "comprehensive" in texts[j].lower():
            pass
        stmt_heads.append(_Head(j, "statement", texts[j][:160], label, 2))
        last_label, last_page = label, p
    heads.extend(stmt_heads)

    # ---- cover ---------------------------------------------------------------------------
    heads.sort(key=lambda h: (h.line, h.level_hint))
    first_line = heads[0].line if heads else n_lines
    if n_lines and page_of[0] == 0 and first_line > 0:
        cover_end_page = page_of[first_line] if first_line < n_lines else n_pages - 1
        toc_first = next((p for p in range(n_pages) if toc_page[p]), None)
        if toc_first is not None and toc_first <= cover_end_page:
            cover_end_page = max(0, toc_first - 1) if toc_first > 0 else 0
        if _SEC_COVER.search(" ".join(texts[page_first[0] : page_first[1]][:60])):
            heads.insert(
                0, _Head(0, "cover", "Cover", "Cover", 0, extra={"cover_end": cover_end_page})
            )
        else:  # a press release or other document: its first line is its title
            heads.insert(0, _Head(0, "other", texts[0][:160], None, 0, extra={"preamble": True}))
        # text after the cover but before the first heading (TOC pages): an "other" section
        if (
            toc_first is not None
            and first_line < n_lines
            and page_first[toc_first] < first_line
            and toc_first > 0
        ):
            heads.insert(
                1,
                _Head(
                    page_first[toc_first],
                    "other",
                    "Table of Contents",
                    None,
                    0,
                    extra={"preamble": True},
                ),
            )
    heads.sort(key=lambda h: (h.line, h.level_hint))

    # ---- build sections (stack) -------------------------------------------------------------
    sections: list[Section] = []
    starts: list[int] = []
    stack: list[tuple[int, int]] = []  # (section index, level)
    heads_of: list[_Head] = []
    for h in heads:
        heads_of.append(h)
        if (
            h.kind in ("part", "cover")
            or (h.kind == "exhibit" and h.level_hint == 0)
            or h.kind == "other"
            and h.level_hint == 0
        ):
            level = 0
        elif h.kind == "item":
            level = 1
        else:
            level = -1  # relative: under the innermost Part/Item/exhibit
        if level >= 0:
            while stack and stack[-1][1] >= level:
                stack.pop()
            if h.kind == "item" and stack and sections[stack[-1][0]].kind != "part":
                # items never nest under cover/exhibit/other
                while stack and sections[stack[-1][0]].kind != "part":
                    stack.pop()
        else:
            while stack and (stack[-1][1] >= 2 or heads_of[stack[-1][0]].level_hint >= 2):
                stack.pop()
            while (
                stack
                and heads_of[stack[-1][0]].kind == "cover"
                or stack
                and heads_of[stack[-1][0]].extra.get("preamble")
            ):
                stack.pop()
            level = stack[-1][1] + 1 if stack else 0
            level = min(level, 2)
            while stack and stack[-1][1] >= level:
                stack.pop()
        parent = sections[stack[-1][0]].id if stack else None
        sid = f"s{len(sections):04d}"
        p = page_of[h.line] if h.line < n_lines else n_pages - 1
        sections.append(
            Section(id=sid, title=h.title or texts[h.line][:160], kind=h.kind, label=h.label, level=level,
                    parent=parent, page_start=p, page_end=p)
        )  # fmt: skip
        starts.append(h.line)
        stack.append((len(sections) - 1, level))

    # page_end: where the next sibling-or-higher starts
    def at_page_top(line: int) -> bool:
        p = page_of[line]
        for j in range(page_first[p], line):
            if keep[j]:
                return False
        return True

    open_: list[int] = []
    for k, sec in enumerate(sections):
        ln = starts[k]
        while open_ and sections[open_[-1]].id != sec.parent:
            o = open_.pop()
            pe = page_of[ln] - 1 if at_page_top(ln) else page_of[ln]
            sections[o].page_end = max(sections[o].page_start, pe)
        open_.append(k)
    for o in open_:
        sections[o].page_end = max(sections[o].page_start, n_pages - 1)
    for k, sec in enumerate(sections):
        if sec.kind == "cover":
            ce = heads[k].extra.get("cover_end")
            if ce is not None:
                sec.page_end = max(0, min(sec.page_end, ce))
    # the innermost section of each line: walk starts in order
    # ---- blocks ------------------------------------------------------------------------------
    blocks: list[Block] = []
    sec_at = [None] * 0
    bounds = starts + [n_lines]
    # active section per segment: the innermost section whose range contains the line; since
    # sections are nested and ordered, the innermost at a start line is the section starting
    # there (the last one when several start on the same line).
    seg_list: list[tuple[int, int, str | None]] = []
    if not sections:
        seg_list.append((0, n_lines, None))
    else:
        if starts[0] > 0:
            seg_list.append((0, starts[0], None))
        for k in range(len(sections)):
            a, b = bounds[k], bounds[k + 1]
            if b > a:
                seg_list.append((a, b, sections[k].id))
    del sec_at
    for a, b, sid in seg_list:
        # split by page
        i = a
        while i < b:
            p = page_of[i]
            e = min(b, page_first[p + 1])
            _segment_blocks(texts, keep, i, e, p, page_width[p], sid, blocks)
            i = e
    for sec in sections:
        sec.title = repair_split_words(sec.title)
    _scale_across_page_breaks(blocks)
    return StructuredDoc(sections=sections, blocks=blocks)


def _scale_across_page_breaks(blocks: list[Block]) -> None:
    """A table at the top of a page with no scale of its own takes the scale of a scale line
    ending the page before ("(in millions)" printed above a page break), or of the same
    section's table it continues."""
    for k in range(1, len(blocks)):
        b, prev = blocks[k], blocks[k - 1]
        if b.type != "table" or b.scale is not None or prev.page_end != b.page_start - 1:
            continue
        if prev.section_id != b.section_id:
            continue
        if prev.type == "table":
            b.scale = prev.scale
        else:
            tail = prev.text[-120:]
            mm = _SCALE_RE.search(tail)
            if mm and len(tail.split(". ")[-1]) < 120:
                b.scale = _SCALE_VAL[(mm.group(1) or mm.group(2)).lower()]


# --------------------------------------------------------------------------------------
# blocks of one page segment


def _is_header_line(s: str) -> bool:
    toks = s.split()
    if not toks:
        return False
    yrs = sum(1 for t in toks if _YEAR.match(t))
    if yrs and yrs >= len(toks) - 1:
        return True
    if yrs >= 2 and _trailing_numbers(toks)[0] == yrs:
        return True  # "(Millions, except per share amounts) 2018 2017 2016"
    if yrs and _PERIOD_WORDS.search(s):
        return True
    if _PERIOD_WORDS.search(s) and len(s) < 90 and not s.endswith("."):
        return True
    return False


def _segment_blocks(
    texts: list[str],
    keep: list[bool],
    a: int,
    b: int,
    page: int,
    width: int,
    sid: str | None,
    out: list[Block],
) -> None:
    lines = [texts[i] for i in range(a, b) if keep[i]]
    n = len(lines)
    if not n:
        return
    # classify rows
    strong = [False] * n
    weak = [False] * n
    for k, s in enumerate(lines):
        toks = s.split()
        nn, kk = _trailing_numbers(toks)
        if nn >= 2 or (nn >= 1 and kk == len(toks) and len(toks) >= 1 and not _BARE_NUM.match(s)):
            strong[k] = True
        elif (
            nn == 1
            and len(toks) - kk <= 12
            and not s.endswith(".")
            or _YEAR.match(toks[-1])
            and len(toks) <= 6
            and _is_header_line(s)
        ):
            weak[k] = True
    short = 0.62 * width
    tables: list[tuple[int, int]] = []
    k = 0
    while k < n:
        if not strong[k]:
            k += 1
            continue
        start = k
        end = k + 1  # exclusive
        gap = 0
        nstrong = 1
        j = k + 1
        while j < n:
            if strong[j] or weak[j]:
                nstrong += strong[j]
                end = j + 1
                gap = 0
            else:
                s = lines[j]
                if gap >= 3 or (len(s) >= short and s.endswith(_SENT_END)) or len(s) > 1.1 * width:
                    break
                gap += 1
            j += 1
        if nstrong >= 2 or (end - start >= 2 and nstrong >= 1 and any(weak[start:end])):
            # extend upwards over caption / scale / header lines
            c = start
            up = 0
            while c > 0 and up < 4:
                s = lines[c - 1]
                if (c - 1) < (tables[-1][1] if tables else 0):
                    break
                if len(s) < short and not s.endswith(_SENT_END[:4]) and not s.endswith((";", ",")):
                    c -= 1
                    up += 1
                    continue
                if s.endswith(",") and _is_header_line(s):
                    # "Years Ended December 31," is a column head, and the scale line above
                    # it belongs to the table too
                    c -= 1
                    up += 1
                    continue
                if _SCALE_RE.search(s) and len(s) < 90:
                    c -= 1
                    up += 1
                    continue
                break
            tables.append((c, end))
            k = end
        else:
            k = max(k + 1, j)
    # emit blocks in order
    pos = 0
    for ts, te in tables:
        if ts > pos:
            _text_blocks(lines[pos:ts], page, width, sid, out)
        tl = lines[ts:te]
        first_row = next(
            (q for q in range(ts, te) if strong[q] and not _is_header_line(lines[q])), te
        )
        pre = lines[ts:first_row]
        headers = [s for s in pre if _is_header_line(s)]
        caption_lines = []
        for s in pre:
            if s in headers or _SCALE_RE.search(s):
                break
            caption_lines.append(s)
        caption = " ".join(caption_lines) or None
        if caption is None and out and out[-1].type == "text" and out[-1].text.endswith(":"):
            cap = out[-1].text
            caption = cap[cap.rfind(". ") + 2 :] if ". " in cap else cap
            caption = caption[-300:]
        scale = None
        for s in pre + lines[first_row : first_row + 2]:
            mm = _SCALE_RE.search(s)
            if mm:
                scale = _SCALE_VAL[(mm.group(1) or mm.group(2)).lower()]
                break
        out.append(
            Block(type="table", text="\n".join(tl), page_start=page, page_end=page, section_id=sid,
                  caption=caption, headers=headers, scale=scale)
        )  # fmt: skip
        pos = te
    if pos < n:
        _text_blocks(lines[pos:], page, width, sid, out)


def _text_blocks(
    lines: list[str], page: int, width: int, sid: str | None, out: list[Block]
) -> None:
    short = 0.72 * width
    cur: list[str] = []
    prev = ""
    for s in lines:
        if cur and (len(prev) < short or _BULLET.match(s)):
            out.append(
                Block(type="text", text=_join(cur), page_start=page, page_end=page, section_id=sid)
            )
            cur = []
        cur.append(s)
        prev = s
    if cur:
        out.append(
            Block(type="text", text=_join(cur), page_start=page, page_end=page, section_id=sid)
        )


def _join(parts: list[str]) -> str:
    if len(parts) == 1:
        return parts[0]
    out = parts[0]
    for s in parts[1:]:
        if (
            out.endswith("-")
            and not out.endswith(" -")
            and out[-2:-1].isalpha()
            and s[:1].islower()
        ):
            out = out + s
        else:
            out = out + " " + s
    return out
