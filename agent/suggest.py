"""What code can already work out from the statement facts before the model reads anything:
the best row for each line item and year the question asks about, and, for a textbook ratio or
a growth rate over such rows, its value computed in code.

The guided first look shows this as a suggestion the model can accept (answer at once) or
overrule (read the pages, call calculator with other rows). A small model picks the wrong row
among a dozen candidates and divides badly; choosing the row from the statement the line item
lives in and evaluating the formula in code takes both steps off it.

Only the three primary statements are trusted here: a note or segment table repeats labels
("Total", "Capital expenditures" per segment) that would make a confident wrong suggestion.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from docnav.agent import arith, decide, facts_view, printed
from docnav.agent.question import QuestionRead, formula_terms, read_question, statement_of
from docnav.retrieval.tokenize import tokenize
from docnav.types import Fact

GROWTH = "(new - old) / old * 100"
_KIND = {
    "Income Statement": "income",
    "Balance Sheet": "balance",
    "Cash Flow Statement": "cashflow",
}


@dataclass
class Suggestion:
    lines: list[str] = field(default_factory=list)  # shown to the model, after the fact rows
    calc: dict[str, Any] | None = None  # {"expr", "value", "refs"} when a value was computed
    best: dict[str, Any] | None = None  # the one row a single-value question most likely asks
    # a yes/no (or "improved or declined") decided by code from computed values:
    # {"word": "No", "why": "gross margin FY2022 22.1% -> FY2023 21.3%", "cites": [...]}
    decision: dict[str, Any] | None = None


def best_row(
    facts: list[Fact],
    term: str,
    year: int,
    asked: set[str],
    widen: bool = False,
    asked_text: str = "",
) -> Fact | None:
    """The primary-statement row for ``term`` in fiscal ``year``: the label sharing most words
    with the question ("net PP&E": the net row, not the gross one), then the closest label
    match, then the earlier page (the statement itself before its continuation).

    ``widen`` (a question asking one line item): a label may also match by the question's own
    words ("subscription and services-based revenue" is a revenue row the term alone does
    not reach), and a note or segment row whose every word the question uses ("Services"
    under "Domestic") competes, the share of the label the question covers first; the words
    naming the company ("Best Buy's" in ``asked_text``) do not make a row of that name asked."""
    phrases = facts_view.term_phrases(term)
    toks = set().union(*phrases)
    match_toks = toks | asked if widen else toks
    # each phrase alone (the term, one synonym), with the question's words when widening
    match = [p | asked for p in phrases] if widen else phrases
    own_toks = set(tokenize(term))
    # the statement that prints the item (PP&E: the balance sheet, not the cash flow line
    # "Purchases of PP&E"), where the vocabulary knows it
    home = _KIND.get(statement_of(term) or "")
    scored = []
    per_share = "share" in term.lower()
    for f in facts:
        if not facts_view.in_period(f, {str(year)}):
            continue
        label = set(tokenize(f.norm_label or f.label))
        primary = f.statement in facts_view.PRIMARY
        topic = asked - _possessor(asked_text) if widen else asked
        if not primary and not (widen and label and (label <= topic or _asked_member(f, asked))):
            continue
        if primary and home and f.statement != home:
            continue
        # an amount is not a per-share figure or a share count ("Continuing operations" under
        # earnings per share is not operating income)
        if not per_share and f.unit in ("USD/share", "shares"):
            continue
        # a part under the term's heading ("Casino" under "Revenues", normalised "revenues
        # casino") is not the term's row: the total may be printed without a label
        part = facts_view.specific_words(f.label)
        if part and not part & match_toks:
            continue
        score = facts_view.label_match(f, match, own_toks)
        if score is not None:
            # the term's own words before its synonyms' ("current liabilities" expands to
            # "current assets minus current liabilities": the assets row must not tie); a
            # block heading's words count only where the question uses them
            words = set(tokenize(f.label)) | (label & asked) or label
            own = len(words & own_toks) / len(words)
            hit = len(label & asked)
            # a label the question's words cover whole ("Services") competes; a partial cover
            # does not outrank a closer match to the term ("net" alone makes "Intangible
            # assets - net" a third covered, "Property, plant and equipment - net" a quarter)
            cover = 1.0 if widen and label and label <= asked else 0.0
            scored.append((hit, cover, primary, own, score, -f.page, f))
    scored.sort(key=lambda x: x[:6], reverse=True)
    return scored[0][6] if scored else None


_POSSESSOR = re.compile(r"((?:[A-Z0-9][\w&.-]*\s+){0,3}[A-Z0-9][\w&.-]*)['’]s?(?!\w)")


def _possessor(question: str) -> set[str]:
    """The words of the name a question's possessive names ("Best Buy's", "3M's")."""
    return {t for m in _POSSESSOR.finditer(question) for t in tokenize(m.group(1))}


_MEMBER = re.compile(r"\[([^\]]+)\]$")


def _asked_member(f: Fact, asked: set[str]) -> bool:
    """An iXBRL fact of a dimension member the question names ("Cost Of Goods And Services
    Sold [Product]" for "products cost of sales"): the member's words are all asked."""
    m = _MEMBER.search(f.label) if f.source == "xbrl" else None
    return bool(m) and set(tokenize(m.group(1))) <= asked


def _operand(ref: str, f: Fact) -> str:
    # an outflow printed in parentheses on the cash flow statement (capex, dividends paid) is
    # a size in a ratio, not a negative number
    return f"abs({ref})" if f.statement == "cashflow" and f.value < 0 else ref


def _substitute(formula: str, terms: list[str], refs: dict[str, str]) -> str:
    expr = formula
    for t in sorted(terms, key=len, reverse=True):  # "total current assets" before "assets"
        expr = re.sub(re.escape(t), refs[t], expr, flags=re.I)
    return expr


def suggest(
    facts: list[Fact],
    items: list[str],
    formula: str | None,
    formula_defined: bool,
    years: list[int],
    ref_of: Any,
    question: str = "",
    qr: QuestionRead | None = None,
    more_facts: Callable[[], list[Fact]] | None = None,
) -> Suggestion:
    """``ref_of(fact) -> "F3"`` names a row (adding it to the rows shown when it is new);
    ``more_facts()``: the company's other filings' facts, where a metric the chosen filing
    does not print may be printed (an earnings release)."""
    out = Suggestion()
    asked = facts_view.asked_words(question)
    if not facts or not years:
        return out
    qr = qr or read_question(question)
    items = _main_items(items)
    if _printed_metric(
        out, qr, question, facts, formula, formula_defined, years, ref_of, more_facts
    ):
        return out
    if _over_years(out, qr, question, asked, facts, formula, formula_defined, items, years, ref_of):
        return out
    if formula == GROWTH and items and len(years) >= 2:
        old_y, new_y = min(years), max(years)
        new, old = best_row(facts, items[0], new_y, asked), best_row(facts, items[0], old_y, asked)
        if new is None or old is None:
            return out
        rn, ro = ref_of(new), ref_of(old)
        return _computed(
            out,
            f"({rn} - {ro}) / {ro} * 100",
            {rn: new, ro: old},
            f"{items[0]} growth FY{old_y} to FY{new_y}",
        )
    if formula and not formula_defined and len(years) == 1:
        found = textbook_expr(facts, formula, years[0], asked, ref_of)
        if found is not None:
            _computed(out, *found, formula)
        if found and out.calc and qr.yes_no and qr.sign:  # "positive working capital?"
            out.decision = decide.sign(qr, formula, out.calc["value"], found[1], years[0])
            out.lines.append(_decision_line(out.decision))
        return out
    if not formula and items:
        f = best_row(facts, items[0], max(years), asked, widen=True, asked_text=question)
        if f is not None:
            text = _set_best(out, f, ref_of)
            out.lines.append(
                f"Best match in the statements: {ref_of(f)} {facts_view.shown_label(f)}, "
                f"{f.period or f.column} = {text} ({f.statement} p. {f.page + 1}). Check it "
                "against the question and answer with it, or read the page."
            )
    return out


def _main_items(items: list[str]) -> list[str]:
    """Line items without those inside another ("revenue" inside "cost of revenue": the
    question asks the cost)."""
    return [i for i in items if not any(i != j and i in j for j in items)]


def _set_best(out: Suggestion, f: Fact, ref_of: Any) -> str:
    """``out.best`` from row ``f``; returns its value as shown."""
    value, text = facts_view.fmt_value(f)
    out.best = {
        "ref": ref_of(f),
        "value": value,
        "text": text,
        "label": f.label,
        "period": f.period or f.column,
        "page": f.page + 1,
        "doc": f.doc_id,
        "scale": facts_view.shown_scale(f)[0],  # the shown value times this = USD
        "outflow": f.statement == "cashflow" and f.value < 0,
    }
    if f.statement == "cashflow" and f.value < 0:  # "(1,577)": an amount paid out
        text = f"{text.lstrip('-')} paid out (printed in parentheses)"
    return text


def _printed_metric(
    out: Suggestion,
    qr: QuestionRead,
    question: str,
    facts: list[Fact],
    formula: str | None,
    formula_defined: bool,
    years: list[int],
    ref_of: Any,
    more_facts: Callable[[], list[Fact]] | None,
) -> bool:
    """A metric the question names and a filing prints ("adjusted EBITDA", "free cash
    flow"): its printed row of the asked year is the suggestion, not a textbook computation.
    A qualified metric ("adjusted ...") no filing prints is not computed from GAAP rows
    either. True when it filled ``out``; False: compute as before."""
    m = printed.asked_metric(question, qr) if question and not qr.qualitative else None
    if m is None or qr.average:
        return False
    found = _printed_finder(facts, m, question, more_facts)
    printed_growth = m.text.lower().endswith("growth")  # "organic sales growth": a printed rate
    if formula == GROWTH and m.qualified and len(years) >= 2 and not printed_growth:
        new, old = found(max(years)), found(min(years))
        if new is None or old is None:
            return False
        rn, ro = ref_of(new), ref_of(old)
        what = f"{m.text} growth FY{min(years)} to FY{max(years)}, printed rows"
        _computed(out, f"({rn} - {ro}) / {ro} * 100", {rn: new, ro: old}, what)
        return out.calc is not None
    named = bool(formula) and not formula_defined and formula != GROWTH
    if not (m.qualified or named) or (len(years) != 1 and not printed_growth):
        return False
    f = found(max(years))
    if f is None:
        if not m.qualified:
            return False
        out.lines.append(
            f"No row of these filings' statement facts is labelled '{m.text}': it is the "
            "company's own measure (an earnings release or the MD&A's non-GAAP table prints "
            "it, with its adjustments); find it there, do not compute it from GAAP rows."
        )
        return True
    text = _set_best(out, f, ref_of)
    out.lines.append(
        f"Printed by the filing: {ref_of(f)} {facts_view.shown_label(f)}, "
        f"{f.period or f.column} = {text} ({f.doc_id} p. {f.page + 1}). This is the "
        f"company's own figure for {m.text}: answer with it, not with a computed value."
    )
    return True


def _printed_finder(
    facts: list[Fact], m: printed.Metric, question: str, more: Callable[[], list[Fact]] | None
) -> Callable[[int], Fact | None]:
    """year -> the row printing ``m`` among the chosen filing's facts and the company's other
    filings' (read once)."""
    pool: list[list[Fact]] = []

    def find(year: int) -> Fact | None:
        if not pool:
            pool.append(more() if more is not None else [])
        return printed.printed_row(facts, m, year, question, pool[0])

    return find


def _over_years(
    out: Suggestion,
    qr: QuestionRead,
    question: str,
    asked: set[str],
    facts: list[Fact],
    formula: str | None,
    formula_defined: bool,
    items: list[str],
    years: list[int],
    ref_of: Any,
) -> bool:
    """A metric over several fiscal years: averaged over a named range, or compared between
    two years for a direction question. True when it filled ``out``."""
    if qr.qualitative:
        return False
    if formula and not formula_defined and formula != GROWTH:
        metric, is_formula = formula, True
    elif items:
        metric, is_formula = items[0], False
    else:
        return False
    if qr.average and len(years) >= 2:
        span = list(range(min(years), max(years) + 1))[:6]
        rows = per_year(facts, metric, is_formula, span, asked, ref_of)
        if rows is None:
            return False
        expr, used = decide.range_average(rows)
        _computed(out, expr, used, f"{metric}, average of FY{span[0]}-FY{span[-1]}")
        return out.calc is not None
    if (qr.up or qr.down) and (qr.yes_no or (qr.up and qr.down)) and not qr.average:
        rows = per_year(facts, metric, is_formula, decide.trend_years(years), asked, ref_of)
        if rows is None:
            return False
        (_, e0, r0, _), (_, e1, r1, _) = rows
        _computed(out, f"({e1}) - ({e0})", {**r0, **r1}, f"change in {metric}")
        out.decision = decide.trend(qr, question, metric, rows)
        out.lines.append(_decision_line(out.decision))
        return True
    return False


def _decision_line(decision: dict[str, Any]) -> str:
    return (
        f"Decided in code from these rows: {decision['why']}, so the answer is "
        f"{decision['word']}. Start the answer with {decision['word']} and give these figures, "
        "unless the pages show the rows are wrong."
    )


def textbook_expr(
    facts: list[Fact], formula: str, year: int, asked: set[str], ref_of: Any
) -> tuple[str, dict[str, Fact]] | None:
    """A textbook ratio over one fiscal year's rows, as an expression over row references;
    an "average" balance is the mean of the year's closing and opening (the prior year-end)
    rows, both printed on the balance sheet. None when a term has no row of its own."""
    terms = formula_terms(formula)
    if not terms:
        return None
    averaged = [t for t in terms if re.search(rf"\baverage\s+{re.escape(t)}", formula, re.I)]
    rows = {t: best_row(facts, t, year, asked) for t in terms}
    prior = {t: best_row(facts, t, year - 1, asked) for t in averaged}
    found = [f for f in [*rows.values(), *prior.values()] if f is not None]
    # a row standing for two terms ("income before income taxes" and "income tax
    # expense" both matching the tax line) means a label matched loosely: no suggestion
    if len(found) < len(rows) + len(prior) or len({id(f) for f in found}) < len(found):
        return None
    refs = {t: _operand(ref_of(f), f) for t, f in rows.items() if f is not None}
    for t, f in prior.items():
        refs[f"average {t}"] = f"(({refs[t]} + {_operand(ref_of(f), f)}) / 2)"  # type: ignore[arg-type]
    keys = [*(f"average {t}" for t in averaged), *terms]
    return _substitute(formula, keys, refs), {ref_of(f): f for f in found}


def per_year(
    facts: list[Fact], metric: str, is_formula: bool, years: list[int], asked: set[str], ref_of: Any
) -> list[decide.Year] | None:
    """The metric (a textbook formula, or one line item's row) in each of ``years``; None when
    any year lacks its rows, or when one row would stand for two years (a column whose period
    fits both: comparing it with itself decides nothing)."""
    out: list[decide.Year] = []
    seen: set[int] = set()
    for y in years:
        if is_formula:
            found = textbook_expr(facts, metric, y, asked, ref_of)
        else:
            f = best_row(facts, metric, y, asked)
            found = (ref_of(f), {ref_of(f): f}) if f is not None else None
        got = evaluate(*found) if found else None
        if found is None or got is None:
            return None
        ids = {id(f) for f in found[1].values()}
        if ids & seen:
            return None
        seen |= ids
        out.append((y, found[0], found[1], got[0]))
    return out


def evaluate(expr: str, used: dict[str, Fact]) -> tuple[float, list[str]] | None:
    """The expression's value over the rows as shown (in their table's scale), or None."""
    shown = {r: {"value": facts_view.fmt_value(f)[0]} for r, f in used.items()}
    try:
        return arith.evaluate_named(expr, shown)
    except Exception:  # noqa: BLE001 - a zero denominator or odd row: no value
        return None


def _rows_text(used: dict[str, Fact]) -> str:
    return "; ".join(
        f"{r} = {facts_view.fmt_value(f)[1]} ({f.label}, {f.period or f.column}, "
        f"{f.statement} p. {f.page + 1})"
        for r, f in used.items()
    )


def _computed(out: Suggestion, expr: str, used: dict[str, Fact], what: str) -> Suggestion:
    got = evaluate(expr, used)
    if got is None:
        return out
    value, names = got
    out.calc = {"expr": expr, "value": value, "refs": names}
    rows = _rows_text(used)
    out.lines.append(
        f"Computed in code from the statement rows ({what}): {expr} = {arith.shown(value)}, "
        f"where {rows}. If these rows are the right ones, answer with this value; otherwise "
        "call calculator with the right rows."
    )
    return out
