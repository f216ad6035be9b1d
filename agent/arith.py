"""Arithmetic in code for the guided agent: the model names values and writes an expression,
code evaluates it, and the answer's number and citations come from that evaluation.

- :func:`evaluate_named` evaluates an expression whose operands are numbers the model read or
  fact references ("F3", shown with the fact rows), recording where each value came from;
- :func:`sources` finds each literal operand on a page the model was shown, so the values used
  become citations with a quote copied from that page;
- :func:`recompute_stated` re-does arithmetic the model wrote into its answer ("a / b = c"),
  since a small model's division is often wrong while its operands are right.
"""

from __future__ import annotations

import math
import re
from typing import Any

from docnav.tools.access import ToolError
from docnav.tools.calculator import evaluate

_NUM = re.compile(r"(?<![\w.])\d[\d,]*(?:\.\d+)?(?![\w])")
_DIGIT_COMMA = re.compile(r"(?<=\d),(?=\d{3})")
# constants of formulas, not values read from a filing: nothing to cite
_CONSTANTS = {0.0, 1.0, 2.0, 3.0, 4.0, 12.0, 100.0, 360.0, 365.0, 1000.0}
_STATED = re.compile(
    r"(?P<expr>\(?\s*-?\$?\d[\d,]*(?:\.\d+)?(?:\s*[-+*/×÷]\s*\(?\s*-?\$?\d[\d,]*(?:\.\d+)?\s*\)?)+\)?"
    r"(?:\s*[*×]\s*100)?)\s*(?:=|≈|is)\s*(?P<val>-?\$?\d[\d,]*(?:\.\d+)?)\s*(?P<pct>%?)"
)


def shown(value: float) -> str:
    """A result as the model and the reader see it: up to 4 decimals, thousands commas."""
    if abs(value) >= 1e15:
        return f"{value:.6g}"
    return f"{value:,.4f}".rstrip("0").rstrip(".")


def evaluate_named(expression: str, refs: dict[str, dict[str, Any]]) -> tuple[float, list[str]]:
    """Value of ``expression`` with fact references replaced by their shown values; also the
    references used. Unknown references raise a ToolError naming the known ones."""
    used: list[str] = []

    def sub(m: re.Match[str]) -> str:
        key = m.group(0).upper()
        if key not in refs:
            known = ", ".join(sorted(refs)[:20]) or "none shown yet"
            raise ToolError(f"unknown fact reference {m.group(0)} (known: {known})")
        used.append(key)
        return f"({refs[key]['value']!r})"

    text = re.sub(r"\b[Ff]\d{1,3}\b", sub, expression)
    value = evaluate(text)
    if not math.isfinite(value):
        raise ToolError("the result is not a finite number")
    return value, list(dict.fromkeys(used))


def references(expression: str) -> list[str]:
    """The fact references (F1, F2 ...) an expression names, upper-cased, in order, once."""
    return list(dict.fromkeys(m.upper() for m in re.findall(r"\b[Ff]\d{1,3}\b", expression)))


def literals(expression: str) -> list[str]:
    """The numbers written in an expression, as written, constants left out."""
    out = []
    for m in _NUM.finditer(re.sub(r"\b[Ff]\d{1,3}\b", " ", expression)):
        try:
            x = float(m.group(0).replace(",", ""))
        except ValueError:
            continue
        if x not in _CONSTANTS and m.group(0) not in out:
            out.append(m.group(0))
    return out


def _number_rx(written: str) -> re.Pattern[str]:
    digits = written.replace(",", "")
    whole, _, frac = digits.partition(".")
    body = re.escape(whole) + (r"\." + re.escape(frac) if frac else r"(?:\.0+)?")
    return re.compile(rf"(?<![\d.]){body}(?![\d]|\.\d)")


def sources(
    numbers: list[str], reads: dict[tuple[str, int], str], prefer: list[tuple[str, int]]
) -> list[dict[str, Any]]:
    """For each number, a page read that prints it (the most recently read first) and the line
    it is on, as a final_answer citation {doc, page (1-based), quote}."""
    order = list(dict.fromkeys([k for k in reversed(prefer) if k in reads] + list(reads)))
    cites = []
    for w in numbers:
        rx = _number_rx(w)
        for key in order:
            hit = next(
                (ln for ln in reads[key].splitlines() if rx.search(_DIGIT_COMMA.sub("", ln))),
                None,
            )
            if hit:
                cites.append(
                    {"doc": key[0], "page": key[1] + 1, "quote": " ".join(hit.split())[:160]}
                )
                break
    return cites


def recompute_stated(answer: str) -> tuple[str, float | None]:
    """Arithmetic written in the answer, re-done: "1,577 / 32,765 * 100 = 5.2%" becomes
    "... = 4.8131%". Returns the answer (fixed where it was wrong) and the last result."""
    last: float | None = None
    out = answer
    for m in list(_STATED.finditer(answer))[::-1]:
        expr = m.group("expr").strip().replace("×", "*").replace("÷", "/")
        try:
            v = evaluate(expr)
        except ToolError:
            continue
        if not math.isfinite(v):
            continue
        if m.group("pct") and "100" not in expr:
            v *= 100  # "a / b = 4.8%": the stated figure is the ratio in percent
        stated = float(m.group("val").replace(",", "").replace("$", ""))
        if last is None:
            last = v
        if abs(v - stated) > 0.005 * max(abs(v), 1e-9):
            out = out[: m.start("val")] + shown(v) + out[m.end("val") :]
    return out, last
