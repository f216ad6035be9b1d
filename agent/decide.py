"""Questions code can settle from statement rows once it has them: a ratio averaged over a
range of fiscal years, a yes/no about a metric's direction ("Is the gross margin improving?")
or its sign ("positive working capital?"), and "improved or declined?".

A 1.5B model reads two numbers and still answers the direction wrongly; it also averages a
three-year range by computing one year. Here the metric is computed in code for each year
(``suggest.per_year`` over the primary statements) and the comparison is here; the model is
shown the result and may overrule it only by reading the pages.
"""

from __future__ import annotations

import re
from typing import Any

from docnav.agent import arith
from docnav.agent.question import QuestionRead
from docnav.types import Fact

# metrics where a fall is the improvement (days to collect, leverage, costs)
_LOWER_IS_BETTER = re.compile(
    r"days\s+(?:sales|inventory)|\bdso\b|\bdio\b|debt|leverage|\bcosts?\b|expenses?", re.I
)
_GOOD_WORDS = re.compile(r"improv|better", re.I)
_BAD_WORDS = re.compile(r"worse|deteriorat", re.I)

Rows = dict[str, Fact]
Year = tuple[int, str, Rows, float]  # fiscal year, expression, rows used, value


def range_average(rows: list[Year]) -> tuple[str, Rows]:
    """One expression averaging the per-year expressions, and every row it uses."""
    expr = "(" + " + ".join(f"({e})" for _, e, _, _ in rows) + f") / {len(rows)}"
    used: Rows = {}
    for _, _, r, _ in rows:
        used.update(r)
    return expr, used


def trend_years(years: list[int]) -> list[int]:
    """The two fiscal years a direction is read between: the one named and the year before,
    or the first and last named."""
    if len(years) == 1:
        return [years[0] - 1, years[0]]
    return [min(years), max(years)]


def _percent(metric: str) -> str:
    return "%" if re.search(r"\*\s*100\s*$", metric) else ""


def trend(qr: QuestionRead, question: str, metric: str, rows: list[Year]) -> dict[str, Any]:
    """Yes/No (or the question's own word for the direction) from two years' values."""
    (y0, _, _, v0), (y1, _, _, v1) = rows[0], rows[-1]
    unit = _percent(metric)
    moved_up = v1 > v0
    why = (
        f"{metric}: FY{y0} {arith.shown(v0)}{unit} -> FY{y1} {arith.shown(v1)}{unit} "
        f"({'up' if moved_up else 'down' if v1 < v0 else 'unchanged'} "
        f"{arith.shown(abs(v1 - v0))}{' points' if unit else ''})"
    )
    if qr.up and qr.down and not qr.yes_no:  # "improved or declined?": the question's word
        word = qr.up if moved_up else qr.down
    else:
        asked = qr.up or qr.down or ""
        wants_up = bool(qr.up) and not _BAD_WORDS.search(asked)
        if _GOOD_WORDS.search(asked) or _BAD_WORDS.search(asked):
            lower_better = bool(_LOWER_IS_BETTER.search(question))
            better = (v1 < v0) if lower_better else (v1 > v0)
            yes = better if _GOOD_WORDS.search(asked) else (v1 != v0 and not better)
        else:
            yes = (v1 > v0) if wants_up else (v1 < v0)
        word = "Yes" if yes else "No"
    return {"word": word, "why": why, "cites": _cites(rows)}


def sign(qr: QuestionRead, metric: str, value: float, rows: Rows, year: int) -> dict[str, Any]:
    """Yes/No for "positive ...?" / "negative ...?" from the computed value's sign."""
    positive = value > 0
    yes = positive if qr.sign == "positive" else value < 0
    why = f"{metric} FY{year} = {arith.shown(value)}{_percent(metric)}"
    return {"word": "Yes" if yes else "No", "why": why, "cites": _cites([(year, "", rows, 0.0)])}


def _cites(rows: list[Year]) -> list[dict[str, Any]]:
    seen, out = set(), []
    for _, _, used, _ in rows:
        for f in used.values():
            key = (f.doc_id, f.page)
            if key not in seen:
                seen.add(key)
                out.append({"doc": f.doc_id, "page": f.page + 1, "quote": f.label})
    return out


def agrees(answer: str, decision: dict[str, Any]) -> bool:
    """The answer starts with the decided word (Yes/No), or says the decided direction word
    and not the other one."""
    word = decision["word"]
    head = re.match(r"\W*(yes|no)\b", answer or "", re.I)
    if word in ("Yes", "No"):
        return bool(head) and head.group(1).lower() == word.lower()
    return bool(re.search(rf"\b{re.escape(word)}", answer or "", re.I))


def higher(
    metric: str,
    entries: list[tuple[str, int, Rows, float]],
    unit: str,
    lower: bool,
    yes_no: bool = False,
) -> dict[str, Any]:
    """Which of two companies has the higher (or, asked so, the lower) value of a metric;
    ``entries`` are (name, fiscal year, rows used, value in one scale for both), the one the
    question names first first. Asked yes or no ("Did A have higher ... than B?"): whether
    the first-named one is it."""
    (n0, y0, _, v0), (n1, _, _, v1) = entries
    hi, lo = (0, 1) if v0 >= v1 else (1, 0)
    pick = lo if lower else hi
    side = "lower" if lower else "higher"
    u = f" {unit}" if unit else _percent(metric)
    why = (
        f"{metric} FY{y0}: {n0} {arith.shown(v0)}{u} vs {n1} {arith.shown(v1)}{u}; "
        f"{entries[pick][0]} {side} by {arith.shown(abs(v0 - v1))}{u}"
    )
    cites = _cites([(y, "", r, v) for _, y, r, v in entries])
    return {
        "word": ("Yes" if pick == 0 else "No") if yes_no else entries[pick][0],
        "why": why,
        "cites": cites,
        "side": side,
        "name": entries[pick][0],
        "order": (hi, lo),
        "with_calc": True,  # the difference's value stands beside the name
    }


def decision_line(decision: dict[str, Any]) -> str:
    """The decision as the first look states it."""
    return (
        f"Decided in code from these rows: {decision['why']}, so the answer is "
        f"{decision['word']}. Start the answer with {decision['word']} and give these figures, "
        "unless the pages show the rows are wrong."
    )
