"""Numbers in filings: every mention also gets a canonical value (value + unit + scale).

"$45.2 million", "$45.2M", "45,200,000" and "45,200" in a table headed "in thousands" all
become ``usd:45200000``; "(1,234)" in a table "in millions" becomes ``usd:-1234000000``.

Canonical scheme: ``<unit>:<value>`` where unit is ``usd``, ``pct`` (value as written: 2.5
for 2.5%), ``bps``, ``shares`` or ``num`` (a bare number with no unit), and value is the
full-scale number rounded to 9 significant digits, written in plain decimal notation (no
exponent, no grouping commas, no trailing zeros, no "+", "-0" written "0"). Equal amounts give
equal strings: "$45.2 million" == "$45,200,000" == "45,200" in a USD table "in thousands".

Scales: a scale word written next to the number ("million", "bn", "$45.2M") always wins; the
table ``scale`` passed by the caller applies only to bare amounts (not to percentages, basis
points, years, or to amounts on a per-share line such as "Earnings per share ... $ 9.09").

Not numbers: stand-alone years (19xx/20xx written without comma, "$" or decimals), dates
("December 31, 2018", "12/31/2018"), references ("Note 12", "Item 7A", "Exhibit 10.1",
"ASC 842", "Form 10-K"), footnote markers ("Revenue(1)", "(1)" outside a table), phone
numbers, ZIP codes after a state, hyphen/slash-joined ids ("2016-02", "10b5-1"), CUSIP-like
ids and digit-led names ("3M", "10-K").

Speed: one compiled master regex scanned with ``finditer``; the Python work per match is a
handful of string checks. Measured ~11 MB/s on FinanceBench 10-K page text (one core).
"""

from __future__ import annotations

import bisect
import re
from decimal import Decimal

from docnav.types import NumberMention

_SCALE_WORDS = {
    "thousand": 1e3,
    "thousands": 1e3,
    "k": 1e3,
    "million": 1e6,
    "millions": 1e6,
    "mm": 1e6,
    "m": 1e6,
    "mn": 1e6,
    "billion": 1e9,
    "billions": 1e9,
    "bn": 1e9,
    "b": 1e9,
    "trillion": 1e12,
    "trillions": 1e12,
    "tn": 1e12,
}
_ABBREV = {"k", "m", "mm", "mn", "b", "bn", "tn"}  # need a currency sign or "45.2M" form
_ABBREV_NO_CUR = {"M", "B", "K", "bn", "Bn", "BN", "MM"}  # "45.2M", "1.5bn": decimals only

# A header that states a table's scale: "(in thousands)", "In millions, except per share",
# "(Millions)", "($ in billions)", "(Dollars in millions)", "000s omitted", "($000)".
_SCALE_RX = re.compile(
    r"(?:\bin\s+|\(\s*(?:\$|dollars|usd|u\.s\.\s+dollars|amounts)?\s*(?:in\s+)?)(thousands|millions|billions)\b"
    r"|\b(thousands|millions|billions)\s+of\s+(?:u\.?s\.?\s+)?dollars\b"
    r"|\((thousands|millions|billions)\b"
    r"|\b(000)['\u2019]?s\s+omitted\b|\bin\s+\$?(000)['\u2019]?s\b"
    r"|\(\s*\$\s?(000)['\u2019]?s?\s*\)|\((000)['\u2019]s\)",
    re.IGNORECASE,
)

_NUM_RX = re.compile(
    r"""
    (?=[(\-\u2212\u2013$U\d.])                      # a start character first: lets re skip ahead fast
    (?<![\w.,/$])                                   # not glued to a word or another number
    (?<![\w][-\u2013])                              # not the tail of "2016-02", "10b5-1", "733-1110"
    (?:
      (?P<skip>                                     # consumed and dropped:
          \(\d{3}\)\s?\d{3}[-.]\d{4}                #   phone "(651) 733-1110"
        | \d+(?:[-/]\d+)+(?![\w.,]?\d)              #   "12/31/2018", "2016-02", "55144-1000"
      )
    |
      (?P<lparen>\(\s*)?
      (?P<sign>[-\u2212\u2013](?=[$\d.]))?          # glued: "- 12" is a dash, "-12" a minus
      (?P<cur>(?:(?:US)?\$|USD)\s?)?
      (?P<lparen2>\()?
      (?P<digits>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)
      (?![.,]?\d)                                   # never a piece of a longer number
      (?P<rparen>\s?\))?
      (?:\s?(?P<pct>%|percent\b|per\scent\b)(?P<rparen3>\))?)?
      (?:\s?(?P<scale>thousand|million|billion|trillion|bn|mm|mn|tn|[kmb])(?![a-z]))?
      (?:\s(?P<bps>basis\spoints?|bps)\b)?
      (?:\s(?P<shares>shares)\b)?
      (?![\w-]*\w)                                  # not "10-K", "3M", "2nd", "1.5x"
      (?!\.[a-z])                                    # not "101.INS", "9.B"
    )
    """,
    re.VERBOSE | re.IGNORECASE,
)

_MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november|december"
    "|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec"
)
# A word right before a bare number that makes it a reference, a label or a date.
_REF_BEFORE = re.compile(
    rf"(?:\b(?:notes?|items?|parts?|exhibits?|sections?|rule|rules|regulation|no|nos|page|pages"
    rf"|pp|p|form|forms|article|schedule|level|tier|phase|class|series|fy|q|asc|asu|topic"
    rf"|subtopic|sfas|fas|ias|ifrs|iso|sab|paragraphs?|clauses?|subsections?|annex|appendix"
    rf"|chapter|step|{_MONTHS})\.?\s*$)"
    # a list after a reference word: "Notes 4 and 5", "Items 7, 7A and 8"
    r"|(?:\b(?:notes?|items?|exhibits?)\s+[\dA-C.]+(?:\s*(?:,|and|&|or|through|to)\s*[\dA-C.]+)*"
    r"\s*(?:,|and|&|or|through|to)\s*$)"
    r"|(?:[a-z]\s?-$)",
    re.IGNORECASE,
)
_STATE_BEFORE = re.compile(r"\b[A-Z]{2},?\s$")  # "St. Paul, MN 55144": a ZIP code
_STRIP_BEFORE = "($ \t\n\r\xa0\u2009\u202f\u2212\u2013-"
_YEAR = re.compile(r"(?:19|20)\d\d")
# Table lines whose amounts are not in the table's scale or not dollars.
_PER_SHARE_LINE = re.compile(
    r"^[^\n]*(?:\bper\s+(?:[\w\u2019']+\s+){0,3}shares?\b|\bEPS\b|\bper\s+(?:ADS|unit)\b)[^\n]*",
    re.IGNORECASE | re.MULTILINE,
)
_SHARE_COUNT_LINE = re.compile(
    r"^[^\n]*(?:\b(?:weighted[\s-]average|number\s+of)\b[^\n]*\bshares\b|\bshares\s+outstanding\b)"
    r"[^\n]*",
    re.IGNORECASE | re.MULTILINE,
)


def _after_number(text: str, pos: int) -> bool:
    """Whether the last visible character before ``pos`` ends a number ("48 (16%)")."""
    before = text[max(0, pos - 8) : pos].rstrip()
    return bool(before) and (before[-1].isdigit() or before[-1] in ")%\u2014")


def _alone_at_edge(text: str, start: int, end: int, head: int, tail: int) -> bool:
    """Whether text[start:end] is alone on the first or the last non-blank line (``head`` /
    ``tail``: where the text's visible content starts / ends)."""
    if end == tail:
        line_start = text.rfind("\n", 0, start) + 1
        return not text[line_start:start].strip()
    if start == head:
        line_end = text.find("\n", end)
        return not text[end : (len(text) if line_end < 0 else line_end)].strip()
    return False


def detect_scale(text: str) -> float | None:
    """The scale a caption or header states (1e3, 1e6, 1e9), or None."""
    m = _SCALE_RX.search(text)
    if not m:
        return None
    word = next(g for g in m.groups() if g).lower()
    return {"thousands": 1e3, "000": 1e3, "millions": 1e6, "billions": 1e9}[word]


_PREFIX = {"USD": "usd", "%": "pct", "bps": "bps", "shares": "shares"}


def canonical(value: float, unit: str | None) -> str:
    """``<unit>:<value>``: see the module docstring. ``canonical(0.1 + 0.2, "%") == "pct:0.3"``."""
    prefix = _PREFIX.get(unit or "", "num")
    s = format(Decimal(f"{value:.9g}"), "f")
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    if s in ("-0", ""):
        s = "0"
    return f"{prefix}:{s}"


def _line_spans(rx: re.Pattern[str], text: str) -> tuple[list[int], list[int]]:
    starts: list[int] = []
    ends: list[int] = []
    for m in rx.finditer(text):
        starts.append(m.start())
        ends.append(m.end())
    return starts, ends


def _inside(spans: tuple[list[int], list[int]], pos: int) -> bool:
    i = bisect.bisect_right(spans[0], pos) - 1
    return i >= 0 and pos < spans[1][i]


def extract_numbers(
    text: str, scale: float | None = None, unit: str | None = None, allow_years: bool = False
) -> list[NumberMention]:
    """Every numeric mention in ``text``, in order.

    ``scale``/``unit`` describe a table's bare numbers (e.g. 1e6, "USD" for a table "in
    millions"); a written scale word always wins, and percentages, basis points and amounts
    on a per-share line keep scale 1. ``allow_years`` keeps stand-alone years (for parsing a
    single answer such as "2018")."""
    out: list[NumberMention] = []
    per_share = shares_lines = None
    head, tail = len(text) - len(text.lstrip()), len(text.rstrip())
    if "\n" not in text:
        head = tail = -1  # one line (a query, an answer): no page number to drop
    if scale and scale != 1.0 and "share" in text.lower():
        per_share = _line_spans(_PER_SHARE_LINE, text)
        shares_lines = _line_spans(_SHARE_COUNT_LINE, text)
    for m in _NUM_RX.finditer(text):
        if m.group("skip"):
            continue
        lparen, sign, cur, lparen2, digits, rparen, pct, rparen3, scale_raw, bps, shares = m.group(
            "lparen",
            "sign",
            "cur",
            "lparen2",
            "digits",
            "rparen",
            "pct",
            "rparen3",
            "scale",
            "bps",
            "shares",
        )
        scale_word = scale_raw.lower() if scale_raw else ""
        if (
            scale_word in _ABBREV
            and not cur
            and not ("." in digits and scale_raw in _ABBREV_NO_CUR)
        ):
            continue  # "3M", "10K", "45 m": a name or another unit, not an amount
        start = m.start("digits")
        if not cur and start:
            before = text[max(0, start - 28) : start].rstrip(_STRIP_BEFORE)
            # only a word, "No." or a list separator right before can make this a reference
            if before:
                last = before[-1]
                if (last.isalpha() or last in ".,&") and _REF_BEFORE.search(before):
                    continue  # "Note 12", "Item 7", "December 31", "Notes 4 and 5"
                if last == "\u00a7":
                    continue  # "§ 906"
                if (
                    len(digits) == 5
                    and digits.isdigit()
                    and last.isupper()
                    and _STATE_BEFORE.search(text, max(0, start - 5), start)
                ):
                    continue  # "MN 55144"
        has_unit_word = cur or pct or scale_word or bps or shares
        if not allow_years and not has_unit_word and _YEAR.fullmatch(digits):
            continue
        s0 = m.start()
        if s0 >= 2 and text[s0 - 1] == "(" and (text[s0 - 2].isalnum() or text[s0 - 2] in ")*"):
            continue  # "Revenue(1)": a footnote marker
        # "(2.5)%" is negative; "(2.5%)" only in a table (a table scale, or a number right
        # before it as in a row "48 (16%) (8%)"): in prose "$45 million (2.5%)" it is an aside
        paren = bool(
            (lparen or lparen2)
            and (rparen or (rparen3 and (scale is not None or _after_number(text, s0))))
        )
        if (
            paren
            and not cur
            and not pct
            and scale is None
            and "," not in digits
            and "." not in digits
            and len(digits) <= 2
        ):
            continue  # "(1)" footnote or list marker, not -1
        end = m.end()
        if (
            not has_unit_word
            and not paren
            and not sign
            and len(digits) <= 3
            and digits.isdigit()
            and (s0 == head or end == tail)
            and _alone_at_edge(text, s0, end, head, tail)
        ):
            continue  # a page number: alone on the first or last line of the text
        if rparen3 and not paren:
            end = m.start("rparen3")  # "(2.5%)" in prose: the ")" closes the aside
        if lparen and not paren:
            s0 += len(lparen)  # "(2.5% of sales)": the "(" is prose, not a negative sign
        value = float(digits.replace(",", ""))
        if pct:
            u, applied = "%", 1.0
        elif bps:
            u, applied = "bps", 1.0
        else:
            u = "shares" if shares else ("USD" if cur else unit)
            if scale_word:
                applied = _SCALE_WORDS[scale_word]
            elif scale and per_share is not None and _inside(per_share, start):
                applied = 1.0  # "Earnings per share ... $ 9.09" in a table "in millions"
            else:
                applied = scale or 1.0
                if shares_lines is not None and not cur and _inside(shares_lines, start):
                    u = "shares"  # "Weighted average shares outstanding 588.5"
        if paren or sign:
            value = -value
        # 12 significant digits drop the binary noise of the product: "$32.8 billion" is
        # 32,800,000,000, not 32,799,999,999.999996 (whose digits no filing prints)
        full = value * applied if applied == 1.0 else float(f"{value * applied:.12g}")
        raw = text[s0:end]
        stripped = raw.strip()
        s0 += len(raw) - len(raw.lstrip())
        out.append(
            NumberMention.model_construct(  # fields built here are valid by construction
                text=stripped,
                value=full,
                unit=u,
                scale=applied,
                canonical=canonical(full, u),
                start=s0,
            )
        )
    return out


def parse_number(text: str) -> NumberMention | None:
    """The first number in a short string such as a gold answer ("$1577.00", "1.9%", "2018")."""
    found = extract_numbers(text, allow_years=True)
    return found[0] if found else None


# ---------------------------------------------------------------- number-aware search


def _plain(x: float, max_decimals: int = 6) -> str:
    """Shortest grouped decimal form: 45200000 -> "45,200,000"; 0.66 -> "0.66"."""
    s = f"{abs(x):,.{max_decimals}f}"
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return s


def _exact(x: float, decimals: int) -> bool:
    return abs(x - round(x, decimals)) <= 1e-9 * max(1.0, abs(x))


_WORDS = ((1e3, "thousand", "K"), (1e6, "million", "M"), (1e9, "billion", "B"))


def _table_forms(a: float, unit: str | None) -> list[str]:
    """Digit strings (no sign, no "$") the absolute amount ``a`` is printed as: full-scale
    and, when exact to a realistic precision, scaled to thousands / millions / billions."""
    forms = [_plain(a)]
    if unit in ("%", "bps"):
        return forms
    for div, _, _ in _WORDS:
        scaled = a / div
        decimals = 1 if div == 1e3 else 3  # "45,200" / "45.2" / "1.234 billion"; not "1.577"
        if scaled >= (1.0 if div == 1e3 else 0.1) and _exact(scaled, decimals):
            forms.append(_plain(round(scaled, decimals)))
    return list(dict.fromkeys(forms))


def number_variants(value: float, unit: str | None) -> list[str]:
    """Surface forms the same amount may take in filings (for number-aware search/grep).

    ``number_variants(45_200_000, "USD")`` gives "45,200,000", "$45,200,000", "45,200" (a table
    in thousands), "45.2" (in millions), "45.2 million", "$45.2 million", "$45.2M", ...;
    negatives add "(45,200)" and "-45,200,000" forms."""
    a = abs(value)
    neg = value < 0
    p = _plain(a)
    if unit == "%":
        out = [f"{p}%", f"{p} percent"]
        if neg:
            out = [f"({p})%", f"({p}%)", f"-{p}%", *out]
        return out
    if unit == "bps":
        return [f"{p} basis points", f"{p} bps"]
    dollar = "$" if unit == "USD" else ""
    out = [p]
    if dollar:
        out.append(f"${p}")
    if "," in p:
        out.append(p.replace(",", ""))
    for div, word, abbr in _WORDS:
        scaled = a / div
        decimals = 1 if div == 1e3 else 3
        if not (scaled >= (1.0 if div == 1e3 else 0.1) and _exact(scaled, decimals)):
            continue
        s = _plain(round(scaled, decimals))
        out.append(s)  # as printed in a table "in thousands" / "in millions"
        if scaled < 1e4 and (scaled >= 1 or div > 1e3):  # "$1,500 million", not "$45,200K"
            out.append(f"{s} {word}")
            if dollar:
                out += [f"${s} {word}", f"${s}{abbr}"]
        if unit == "shares" and div > 1e3:
            out.append(f"{s} {word} shares")
    if unit == "shares":
        out.append(f"{p} shares")
    if neg:  # "(45,200)", "$(45.2)", "-45,200,000", "-$45.2 million"
        paren = [f"({f})" if f[0].isdigit() else f"$({f[1:]})" for f in out if " " not in f]
        out = paren + [f"-{f}" for f in out]
    return list(dict.fromkeys(out))


def _digits_rx(s: str) -> str:
    """ "45,200" -> 45,?200(?:\\.0+)? ; "45.2" -> 45\\.20* (trailing zeros optional)."""
    whole, _, frac = s.partition(".")
    rx = re.escape(whole).replace(",", ",?")
    if frac:
        rx += r"\." + re.escape(frac) + "0*"
    else:
        rx += r"(?:\.0+)?"
    return rx


# Bounds without look-around (ripgrep's default engine has none): no digit, "." or "," glued
# on the left; on the right no digit, and "." / "," only as punctuation (not followed by a
# digit). Amounts also refuse a "%" right after them.
_BOUND_L = r"(?:^|[^0-9.,])"
_BOUND_R = r"(?:$|[^0-9.,%]|[.,](?:$|[^0-9]))"
_BOUND_R_PCT = r"(?:$|[^0-9.,]|[.,](?:$|[^0-9]))"


def number_regex(text: str) -> str | None:
    """A regex that finds the number in ``text`` ("$45.2 million", "45,200,000", "2.5%") as
    filings write it: with or without "$" and thousands commas, with trailing zeros, scaled to
    thousands / millions / billions as tables print it, parenthesised or signed when negative.
    Both signs match (a table prints a loss as "(1,234)"). Uses no look-around, so Python's
    ``re``, PCRE and Rust's ``regex`` (ripgrep) all take it. None when ``text`` has no number.
    """
    n = parse_number(text)
    if n is None:
        return None
    forms = _table_forms(abs(n.value), n.unit)
    body = "|".join(sorted({_digits_rx(f) for f in forms}, key=len, reverse=True))
    if n.unit == "%":
        return rf"{_BOUND_L}\(?[-\u2212]?(?:{body})\)?\s?(?:%|percent|per cent){_BOUND_R_PCT}"
    if n.unit == "bps":
        return rf"{_BOUND_L}(?:{body})\s?(?:basis points?|bps)"
    return rf"{_BOUND_L}\(?\$?\s?(?:{body}){_BOUND_R}"
