"""Column heads -> periods: "FY2019", "Q3 2024", "9M 2024" (year to date), or an as-of date
"2019-12-31".

A column head alone is often just "2019"; the table's caption lines ("Years Ended December
31,", "At December 31") say whether it is a duration or a point in time. The head's own words
win over the caption's. The fiscal year is the year the period ends in, unless the head prints
"Fiscal 2019" (which then is the fiscal year).
"""

from __future__ import annotations

import re
from datetime import date

__all__ = ["period_from_dates", "period_of"]

_MONTHS = {
    m: i + 1
    for i, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ]
    )
    for m in names
}
_MONTH_RX = "|".join(sorted(_MONTHS, key=len, reverse=True))
_DATE = re.compile(rf"\b({_MONTH_RX})\.?\s+(\d{{1,2}})\b", re.IGNORECASE)
_MONTH_ONLY = re.compile(rf"\b({_MONTH_RX})\b", re.IGNORECASE)
_YEAR = re.compile(r"(?<![\d,.$])(?:fiscal\s+|fy\s?'?)?((?:19|20)\d\d)(?![\d,])", re.IGNORECASE)
_FISCAL_YEAR = re.compile(r"\b(?:fiscal(?:\s+year)?|fy)\s*'?((?:19|20)\d\d)\b", re.IGNORECASE)
_QUARTER = re.compile(
    r"\b(?:three|3)[\s-]+months?\b|\b(?:thirteen|13|twelve|12|fourteen|14|sixteen|16)[\s-]+weeks?\b"
    r"|\bquarters?\s+ended\b|\b(?:first|second|third|fourth)\s+quarter\b|\bq([1-4])\b",
    re.IGNORECASE,
)
_HALF = re.compile(
    r"\b(?:six|6)[\s-]+months?\b|\b(?:twenty[\s-]six|26|twenty[\s-]four|24|28)[\s-]+weeks?\b",
    re.IGNORECASE,
)
_NINE = re.compile(
    r"\b(?:nine|9)[\s-]+months?\b|\b(?:thirty[\s-]nine|39|thirty[\s-]six|36|40)[\s-]+weeks?\b",
    re.IGNORECASE,
)
_YEARLY = re.compile(
    r"\b(?:years?|fiscal|twelve\s+months|12\s+months|fifty[\s-]two|52|fifty[\s-]three|53)\b",
    re.IGNORECASE,
)
_ENDED = re.compile(r"\b(?:ended|ending|for\s+the)\b", re.IGNORECASE)
_AS_OF = re.compile(r"\b(?:as\s+of|at|balance)\b", re.IGNORECASE)
_CHANGE = re.compile(r"\b(?:change|vs\.?|versus|increase|decrease|variance)\b|%", re.IGNORECASE)
_QWORD = {"first": 1, "second": 2, "third": 3, "fourth": 4}


def _duration(text: str) -> str | None:
    if _QUARTER.search(text):
        return "Q"
    if _HALF.search(text):
        return "6M"
    if _NINE.search(text):
        return "9M"
    if _YEARLY.search(text):
        return "FY"
    return None


def _end_date(text: str, year: int) -> date | None:
    m = _DATE.search(text)
    if not m:
        return None
    try:
        return date(year, _MONTHS[m.group(1).lower()], int(m.group(2)))
    except ValueError:
        return None


def period_of(
    head: str,
    caption: str = "",
    statement: str = "other",
    doc_period: str | None = None,
    doc_period_end: date | None = None,
) -> str | None:
    """The period a column stands for, or None (no year, or a change/ratio column).

    ``caption``: the table's caption lines; ``statement``: the Fact statement kind (a balance
    sheet column is a point in time); ``doc_period`` ("Q2 2023") and ``doc_period_end``: the
    filing's own period, used to number a quarter that ends when the filing's quarter ends
    (fiscal quarters need not follow the calendar)."""
    years = [int(y) for y in _YEAR.findall(head)]
    if not years or len(set(years)) > 1 or _CHANGE.search(head):
        return None
    year = years[0]
    fm = _FISCAL_YEAR.search(head)
    end = _end_date(head, year) or (
        _end_date(caption, year) if not _MONTH_ONLY.search(head) else None
    )
    dur = _duration(head) or _duration(caption)
    as_of = statement == "balance" or (
        not _duration(head) and _AS_OF.search(head + " " + caption) and not _ENDED.search(head)
    )
    if (
        as_of
        and end is not None
        and (statement == "balance" or dur is None or not _ENDED.search(caption))
    ):
        return end.isoformat()
    same = _same_calendar(end, doc_period_end)
    doc_fy = _doc_fy(doc_period)
    if fm:
        year = int(fm.group(1))
    elif same and doc_fy and end is not None and doc_period_end is not None:
        # the filing's own fiscal calendar: a quarter ending 2022-12-31 is Q2 of fiscal 2023
        # when the filing says its period "Q2 2023" ends that day
        year = doc_fy - (doc_period_end.year - end.year)
    if dur in (None, "FY"):
        return f"FY{year}"
    if dur != "Q":
        return f"{dur} {year}"
    m = re.match(r"Q([1-4])\b", doc_period or "")
    if m and (same or end is None):
        return f"Q{m.group(1)} {year}"
    if end is not None:
        return f"Q{(end.month - 1) // 3 + 1} {year}"
    return f"FY{year}"  # a quarter we cannot number: at least the year


def _doc_fy(doc_period: str | None) -> int | None:
    m = re.search(r"((?:19|20)\d\d)", doc_period or "")
    return int(m.group(1)) if m else None


def _same_calendar(end: date | None, doc_end: date | None) -> bool:
    """Whether a column's end date falls on the filing's period end in its own year (52/53
    week years move the day by up to a week)."""
    if end is None or doc_end is None:
        return False
    try:
        other = doc_end.replace(year=end.year)
    except ValueError:  # 29 February
        other = doc_end.replace(year=end.year, day=28)
    return abs((end - other).days) <= 8


def period_from_dates(
    start: date | None,
    end: date | None,
    *,
    instant: bool = False,
    doc_period: str | None = None,
    doc_period_end: date | None = None,
) -> str | None:
    """An XBRL context's period in the same words: an instant is its ISO date; a duration of
    about a year "FY2024", a quarter "Q3 2024", six / nine months "6M 2024" / "9M 2024" (the
    fiscal year from the filing's own calendar when the end date falls on its period end)."""
    if end is None:
        return None
    if instant or start is None:
        return end.isoformat()
    days = (end - start).days
    year = end.year
    doc_fy = _doc_fy(doc_period)
    if doc_fy and doc_period_end and _same_calendar(end, doc_period_end):
        year = doc_fy - (doc_period_end.year - end.year)
    if days > 340:
        return f"FY{year}"
    if 80 <= days <= 100:
        m = re.match(r"Q([1-4])\b", doc_period or "")
        if m and _same_calendar(end, doc_period_end):
            return f"Q{m.group(1)} {year}"
        return f"Q{(end.month - 1) // 3 + 1} {year}"
    if 170 <= days <= 190:
        return f"6M {year}"
    if 260 <= days <= 280:
        return f"9M {year}"
    return f"{start.isoformat()}..{end.isoformat()}"
