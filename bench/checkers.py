"""Answer checkers without an LLM: the numeric verifier and the refusal detector.

Numeric verifier: the numbers of the gold and the model answer are read with ingestion's
number parser (currency, scale words "thousand/million/billion", "$2,018mn", "(1,234)" as
negative, "%"/"percent"), then compared allowing what a human grader allows:

- scale: "$1,577 million" equals a gold "1577" asked "in USD millions" -- the two may differ
  by a power of 1000 when either side writes a scale word or the question names one;
- percentages vs fractions: "2.8%" equals "0.028" (one side a percentage, the other bare);
- sign: "decreased by $229 million" equals "-229" (sign is often carried by a word);
- rounding: within a relative tolerance (default 1%) *or* within half a unit of the last
  digit the less precise side wrote ("8.7" vs "8.738 billion"), when that side has at least
  two significant digits (so "9" never equals 8.7).

Which model number counts: the one the model put in its structured answer (final_answer's
``number``) and the last number of its text (``policy="last"``, the default), or any number of
its text (``"any"``). On the paper's 288 labelled numeric rows "last" agrees with the humans a
little more often (94.4% vs 94.1% at ±1%, results/checkers) and does not reward an answer
that lists many numbers.

Polarity check: when the gold and the answer both open with "Yes" or "No" and they differ,
the answer is wrong whatever follows (on the paper's labelled rows every such answer, 7 of 7,
is labelled incorrect; same polarity decides nothing: 47 of 56 correct), so no judge is asked.
A small judge passes "Yes" against a gold "No" (results/answers-dev60/handcheck.md).

A gold answer is "numeric" when it is one number and at most a few words of unit around it
("$1577.00", "1.9%", "0.66", "77.78"); sentence answers go to the LLM judge.
"""

from __future__ import annotations

import math
import re
from typing import Literal, NamedTuple

from pydantic import BaseModel

from docnav.ingestion.numbers import extract_numbers

Checker = Literal["numeric", "polarity", "judge", "refusal", "none", "error"]
Outcome = Literal["correct", "incorrect", "partial", "refusal", "unjudged", "error"]


class Verdict(BaseModel):
    """How one answer was graded and by which checker."""

    outcome: Outcome
    checker: Checker
    detail: str = ""
    correct_2_5: bool | None = None  # numeric only: correct at the looser ±2.5%


class Num(NamedTuple):
    value: float  # full scale: "$1.2 billion" -> 1.2e9; "2.8%" -> 2.8
    unit: str | None  # "USD", "%", "shares", "bps" or None
    has_scale: bool  # a scale word was written ("million", "bn", "M")
    ulp: float  # value of one unit in the last written digit, at full scale
    sig: int  # significant digits written
    text: str


_PERCENT_WORD = re.compile(r"\s*\b(?:per\s?cent|pct)\b", re.I)
_SCALE_HINT = re.compile(r"\b(?:thousands?|millions?|billions?|mn|bn)\b", re.I)
_DIGITS = re.compile(r"\d[\d,]*(?:\.\d+)?|\.\d+")
_WORD = re.compile(r"[A-Za-z]+")
# words that may stand next to a number in a bare numeric answer
_UNIT_WORDS = {
    "usd",
    "us",
    "dollars",
    "dollar",
    "million",
    "millions",
    "billion",
    "billions",
    "thousand",
    "thousands",
    "mn",
    "bn",
    "m",
    "b",
    "k",
    "percent",
    "per",
    "cent",
    "pct",
    "x",
    "times",
    "ratio",
    "shares",
    "share",
    "approximately",
    "about",
    "around",
    "bps",
    "basis",
    "points",
    "days",
    "in",
    "of",
    "mm",
    "eur",
    "cents",
}


def _num(m) -> Num:  # m: a NumberMention
    d = _DIGITS.search(m.text)
    digits = d.group(0).replace(",", "") if d else "1"
    decimals = len(digits.split(".")[1]) if "." in digits else 0
    sig = len(digits.replace(".", "").lstrip("0")) or 1
    return Num(
        value=m.value,
        unit=m.unit,
        has_scale=m.scale != 1.0,
        ulp=(10.0**-decimals) * m.scale,
        sig=sig,
        text=m.text,
    )


def numbers_in(text: str, allow_years: bool = False) -> list[Num]:
    """The numbers of an answer, each with how precisely it was written."""
    text = _PERCENT_WORD.sub("%", text or "")
    return [_num(m) for m in extract_numbers(text, allow_years=allow_years)]


def gold_number(gold: str) -> Num | None:
    """The gold answer's number when the gold *is* a number (plus unit words), else None."""
    nums = numbers_in(gold, allow_years=True)
    if len(nums) != 1:
        return None
    rest = gold.replace(nums[0].text, " ")
    words = [w.lower() for w in _WORD.findall(rest)]
    if len([w for w in words if w not in _UNIT_WORDS]) > 0 or len(words) > 4:
        return None
    return nums[0]


def _close(a: float, b: float, tol: float) -> bool:
    if b == 0:
        return abs(a) < 1e-9
    return abs(a - b) <= tol * abs(b) + 1e-12


def match_numbers(gold: Num, got: Num, tol: float = 0.01, scale_hint: bool = False) -> str | None:
    """How ``got`` matches ``gold`` ("exact", "rounding", "scale x1e6", "pct/fraction", "sign"),
    or None when it does not."""
    units = {gold.unit, got.unit}
    # a scale shift between amounts of one kind ("$1,577 million" vs "$1577.00", or a bare gold
    # when the question names the scale) within the tolerance; between a bare gold and a dollar
    # amount only when the digits agree exactly, so a ratio (42.69 days) never matches
    # "$43,046 million"
    same_kind = gold.unit == got.unit or (
        units <= {None, "USD"} and (scale_hint or gold.unit == "USD")
    )
    factors: list[tuple[float, str, float]] = [(1.0, "", tol)]
    if (gold.has_scale or got.has_scale or scale_hint) and "%" not in units:
        t = tol if same_kind else 0.0
        factors += [(1000.0**k, f"scale x1e{3 * k}", t) for k in (-3, -2, -1, 1, 2, 3)]
    if (gold.unit == "%") != (got.unit == "%") and None in units:
        # got "2.8%" vs gold 0.028, or the reverse; a dollar amount is never a percentage
        factors += [(0.01 if got.unit == "%" else 100.0, "pct/fraction", tol)]
    for f, how, t in factors:
        g_val, v = gold.value, got.value * f
        for sign_how, vv in (("", v), ("sign", -v)):
            if _close(vv, g_val, t):
                return " ".join(x for x in (how, sign_how) if x) or "within tolerance"
            # rounding to the less precise side: the gold's precision is what was asked for;
            # a model's coarser number needs >= 2 significant digits ("9" is not 8.7)
            ulp_got, ulp_gold = got.ulp * abs(f), gold.ulp
            ok_sig = ulp_gold >= ulp_got or got.sig >= 2
            if ok_sig and abs(vv - g_val) <= 0.5 * max(ulp_got, ulp_gold) * (1 + 1e-9):
                return " ".join(x for x in (how, sign_how, "rounding") if x)
    return None


_UNIT_SCALE = {"thousand": 1e3, "million": 1e6, "mn": 1e6, "billion": 1e9, "bn": 1e9}


def _structured(value: float, unit: str | None) -> Num | None:
    """The number of the model's final_answer (``value`` + ``unit`` such as "USD millions",
    "%") as a Num at full scale."""
    found = numbers_in(f"{value:.10f}".rstrip("0").rstrip("."), allow_years=True)
    if not found:
        return None
    n = found[0]
    u = (unit or "").lower()
    scale = next((v for k, v in _UNIT_SCALE.items() if re.search(rf"\b{k}s?\b", u)), 1.0)
    kind = (
        "%" if ("%" in u or "percent" in u) else ("USD" if re.search(r"usd|\$|dollar", u) else None)
    )
    return n._replace(value=n.value * scale, unit=kind, has_scale=scale != 1.0, ulp=n.ulp * scale)


def check_numeric(
    gold: str,
    answer: str,
    *,
    question: str = "",
    structured: float | None = None,
    structured_unit: str | None = None,
    gold_value: float | None = None,
    gold_unit: str | None = None,
    tol: float = 0.01,
    loose_tol: float = 0.025,
    policy: Literal["any", "last"] = "last",
) -> Verdict | None:
    """Grade a numeric gold; None when the gold is not a number (the judge decides then).
    ``gold_value``/``gold_unit`` (a question file's answer_value) make any gold numeric;
    ``structured`` is the number of the model's final_answer, checked before its text."""
    g = gold_number(gold)
    if gold_value is not None and math.isfinite(gold_value):
        if g is None or not _close(g.value, gold_value, 1e-6):
            g = Num(gold_value, gold_unit, False, 0.0, 15, gold)
    if g is None:
        return None
    hint = bool(_SCALE_HINT.search(question))
    written = numbers_in(answer)
    got = written[-1:] if policy == "last" else written
    if structured is not None and math.isfinite(structured):
        s = _structured(structured, structured_unit)
        if s is not None:
            # a JSON number loses its written precision (10.0 arrives as 10, whose rounding
            # unit would pass 10.3); the answer text, when it writes the same value, keeps it
            same = next((n for n in written if _close(n.value, s.value, 1e-9)), None)
            if same is not None and same.ulp < s.ulp:
                s = s._replace(ulp=same.ulp, sig=max(s.sig, same.sig))
        got = ([s] if s else []) + got
    if not got:
        return Verdict(outcome="incorrect", checker="numeric", detail="no number in the answer")
    for n in got:
        how = match_numbers(g, n, tol, hint)
        if how:
            return Verdict(
                outcome="correct",
                checker="numeric",
                detail=f"{n.text} = {g.text} ({how})",
                correct_2_5=True,
            )
    loose = next((n for n in got if match_numbers(g, n, loose_tol, hint)), None)
    shown = ", ".join(n.text for n in got[:4])
    return Verdict(
        outcome="incorrect",
        checker="numeric",
        detail=f"gold {g.text}; answer has {shown}"
        + (f" ({loose.text} within ±{loose_tol:.1%})" if loose else ""),
        correct_2_5=loose is not None,
    )


# -- refusals ------------------------------------------------------------------------------

_SOURCE = r"(?:text|context|filings?|documents?|information|excerpts?|evidence|passages?|statements?|data|report|pages?)"
_REFUSAL = re.compile(
    r"""(
      \bI\s+(?:do\s+not|don't|cannot|can't|am\s+unable\s+to|am\s+not\s+able\s+to)
            \s+(?:have|access|provide|determine|calculate|answer|find|browse|say|verify|see)
    | \bas\s+an\s+ai\b
    | \bI'?m\s+sorry\b | \bI\s+apologi[sz]e\b
    | \b(?:unable|not\s+able|impossible|not\s+possible)\s+to\s+(?:\w+\s+)?(?:provide|determine|
            calculate|answer|find|compute|identify|assess|say|confirm|give)
    | \b(?:cannot|can\s?not|can't)\s+(?:be\s+)?(?:provide|determine|calculate|answer|find|
            compute|identify|assess|confirm|give|derive)
    | \bSOURCE\s+(?:provided\s+|given\s+)?(?:does|do|did)(?:\s+not|n't)\s+(?:explicitly\s+|
            specifically\s+|directly\s+)?(?:provide|contain|include|mention|specify|state|
            disclose|list|give|have|show|offer)
    | \b(?:is|are|was|were)\s+not\s+(?:explicitly\s+|specifically\s+|directly\s+)?(?:provided|
            available|mentioned|included|specified|stated|disclosed|given|listed|found|shown)
    | \bno\s+(?:specific\s+|relevant\s+|such\s+|direct\s+)?(?:information|data|details|mention)\b
    | \bnot\s+found\s+in\s+the\s+SOURCE
    | \b(?:insufficient|not\s+enough)\s+(?:information|data)
    | \b(?:not|no)\b[^.]{0,30}\benough\s+(?:information|data)
    | \b(?:you|we|one)\s+would\s+(?:typically\s+|first\s+)?(?:need|look|refer|have\s+to)
    | \bI\s+would\s+(?:typically\s+)?(?:need|refer)
    | ^\s*no\s+answer\b
    )""".replace("SOURCE", _SOURCE),
    re.I | re.X,
)


def is_refusal(answer: str, not_found: bool = False) -> bool:
    """The model declined or said the information is missing (counted apart from wrong
    answers). Only the answer's first 300 characters count: a long worked answer that says
    in passing that one figure "is not provided" has still answered."""
    if not_found:
        return True
    text = (answer or "").strip()
    if not text or text == "(empty answer)":
        return True
    return bool(_REFUSAL.search(text[:300]))


_POLARITY = re.compile(r"^\W*(yes|no)\b", re.I)


def polarity(text: str) -> str | None:
    """ "Yes" or "No" when the text opens with that word (markup and case aside), else None."""
    m = _POLARITY.match(text or "")
    return m.group(1).capitalize() if m else None


def opposite_polarity(gold: str, answer: str) -> str | None:
    """ "gold opens with No, the answer with Yes" when both open with Yes/No and differ."""
    g, a = polarity(gold), polarity(answer)
    if not g or not a or g == a:
        return None
    return f"gold opens with {g}, the answer with {a}"
