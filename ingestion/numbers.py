"""Numbers in filings: every mention also gets a canonical value (value + unit + scale).

"$45.2 million", "$45.2M", "45,200,000" and "45,200" in a table headed "in thousands" all
become ``usd:45200000``; "(1,234)" in a table "in millions" becomes ``usd:-1234000000``.

Canonical scheme: ``<unit>:<value>`` where unit is ``usd``, ``pct`` (value as written: 2.5
for 2.5%), ``bps``, ``shares`` or ``num`` (a bare number with no unit), and value is the
full-scale number rounded to 9 significant digits, written without exponent or trailing
zeros. Equal amounts give equal strings.
"""

from __future__ import annotations

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
_ABBREV = {"k", "m", "mm", "mn", "b", "bn", "tn"}  # only after a currency sign: "$45.2M"

# A header that states a table's scale: "(in thousands)", "In millions, except per share",
# "(Millions)", "($ in billions)", "(Dollars in millions)", "000s omitted".
_SCALE_RX = re.compile(
    r"(?:\bin\s+|\(\s*(?:\$|dollars|usd|amounts)?\s*(?:in\s+)?)(thousands|millions|billions)\b"
    r"|\b(thousands|millions|billions)\s+of\s+(?:u\.?s\.?\s+)?dollars\b"
    r"|\((thousands|millions|billions)\b"
    r"|\b(000)'?s\s+omitted\b|\bin\s+(000)'?s\b",
    re.IGNORECASE,
)

_NUM_RX = re.compile(
    r"""
    (?=[(\-\u2212\u2013$U\d.])                       # a start character first: lets re skip ahead fast
    (?<![\w.,/$])                                   # not glued to a word or another number
    (?P<lparen>\(\s*)?
    (?P<sign>[-\u2212\u2013](?=\s?[$\d.]))?
    (?P<cur>(?:(?:US)?\$|USD)\s?)?
    (?P<lparen2>\()?
    (?P<digits>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)
    (?P<rparen>\s?\))?
    (?:\s?(?P<pct>%|percent\b|per\scent\b))?
    (?:\s?(?P<scale>thousand|million|billion|trillion|bn|mm|mn|tn|[kmb])(?![a-z]))?
    (?:\s(?P<bps>basis\spoints?|bps)\b)?
    (?:\s(?P<shares>shares)\b)?
    (?![\w-]*\w)                                    # not "10-K", "3M", "2nd"
    """,
    re.VERBOSE | re.IGNORECASE,
)

_MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november|december"
    "|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec"
)
_REF_BEFORE = re.compile(
    rf"(?:\b(?:notes?|items?|parts?|exhibits?|sections?|rule|rules|no|nos|page|pages|pp|p|form|article"
    rf"|schedule|level|tier|phase|class|series|fy|q|{_MONTHS})\.?\s*$)|(?:[a-z]\s?-$)",
    re.IGNORECASE,
)
_YEAR = re.compile(r"(?:19|20)\d\d")


def detect_scale(text: str) -> float | None:
    """The scale a caption or header states (1e3, 1e6, 1e9), or None."""
    m = _SCALE_RX.search(text)
    if not m:
        return None
    word = next(g for g in m.groups() if g).lower()
    return {"thousands": 1e3, "000": 1e3, "millions": 1e6, "billions": 1e9}[word]


def canonical(value: float, unit: str | None) -> str:
    prefix = {"USD": "usd", "%": "pct", "bps": "bps", "shares": "shares"}.get(unit or "", "num")
    d = Decimal(f"{value:.9g}")
    s = format(d, "f")
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    if s in ("-0", ""):
        s = "0"
    return f"{prefix}:{s}"


def extract_numbers(
    text: str, scale: float | None = None, unit: str | None = None, allow_years: bool = False
) -> list[NumberMention]:
    """Every numeric mention in ``text``. ``scale``/``unit`` describe a table's bare numbers
    (e.g. 1e6, "USD" for a table "in millions"); a written scale word always wins."""
    out: list[NumberMention] = []
    for m in _NUM_RX.finditer(text):
        lparen, sign, cur, lparen2, digits, rparen, pct, scale_word, bps, shares = m.groups()
        scale_word = scale_word.lower() if scale_word else ""
        if scale_word in _ABBREV and not cur:
            continue  # "3M", "10K", "45 m": a name or another unit, not an amount
        start = m.start(5)
        if not cur and start:
            before = text[max(0, start - 12) : start].rstrip("($ \u2212\u2013-")
            # only a word (or "No.") right before can make this a reference or a date
            if (
                before
                and (before[-1].isalpha() or before[-1] == ".")
                and _REF_BEFORE.search(before)
            ):
                continue  # "Note 12", "Item 7", "December 31", "10-K"
        if (
            not allow_years
            and not (cur or pct or scale_word or bps or shares)
            and _YEAR.fullmatch(digits)
        ):
            continue
        s0 = m.start()
        if s0 >= 2 and text[s0 - 1] == "(" and (text[s0 - 2].isalnum() or text[s0 - 2] in ")*"):
            continue  # "Revenue(1)": a footnote marker
        paren = bool((lparen or lparen2) and rparen)
        if (
            paren
            and not cur
            and scale is None
            and "," not in digits
            and "." not in digits
            and len(digits) <= 2
        ):
            continue  # "(1)" footnote or list marker, not -1
        value = float(digits.replace(",", ""))
        if pct:
            u, applied = "%", 1.0
        elif bps:
            u, applied = "bps", 1.0
        else:
            u = "shares" if shares else ("USD" if cur else unit)
            applied = _SCALE_WORDS[scale_word] if scale_word else (scale or 1.0)
        if paren or sign:
            value = -value
        full = value * applied
        raw = text[s0 : m.end()]
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


def _fmt_grouped(v: float, decimals: int) -> str:
    return f"{v:,.{decimals}f}"


def number_variants(value: float, unit: str | None) -> list[str]:
    """Surface forms the same amount may take in filings (for number-aware search)."""
    a = abs(value)
    out: list[str] = []
    if unit == "%":
        return [f"{a:g}%", f"{a:g} percent"]
    if a == int(a):
        out.append(_fmt_grouped(a, 0))
    for div, word, abbr in ((1e3, "thousand", "K"), (1e6, "million", "M"), (1e9, "billion", "B")):
        scaled = a / div
        if scaled < 0.1 or scaled >= 1e6:
            continue
        s = f"{scaled:,.3f}".rstrip("0").rstrip(".")
        out.append(s)  # as written in a table "in thousands" / "in millions"
        if scaled >= 1:
            out += [f"{s} {word}", f"${s} {word}", f"${s}{abbr}"]
    seen: dict[str, None] = {}
    for v in out:
        seen.setdefault(v, None)
    return list(seen)


_BOUND_L = r"(?:^|[^0-9.,])"
_BOUND_R = r"(?:$|[^0-9.,]|[.,](?:$|[^0-9]))"


def _digits_rx(s: str) -> str:
    """ "45,200" -> 45,?200 ; "45.2" -> 45\\.20* (trailing zeros optional)."""
    whole, _, frac = s.partition(".")
    rx = re.escape(whole).replace(",", ",?")
    if frac:
        rx += r"\." + re.escape(frac) + "0*"
    else:
        rx += r"(?:\.0+)?"
    return rx


def number_regex(text: str) -> str | None:
    """A regex (no look-around, so ripgrep's default engine takes it) that matches the common
    written forms of the number in ``text`` in filing text: with or without "$" and commas,
    scaled to thousands/millions/billions as tables print it, parenthesised when negative."""
    n = parse_number(text)
    if n is None:
        return None
    forms = {f.split(" ")[0].lstrip("$").rstrip("KMB") for f in number_variants(n.value, n.unit)}
    forms.discard("")
    alts = sorted({_digits_rx(f.rstrip("%")) for f in forms}, key=len, reverse=True)
    body = "|".join(alts)
    return rf"{_BOUND_L}\(?\$?\s?(?:{body}){_BOUND_R}"
