"""What a question asks for, read from its words alone (no model call): the statements or
notes it names, the line items it mentions and where such items are printed, whether it asks
for arithmetic, and its formula when it defines one.

The vocabulary is general finance (US GAAP statement names, common line items and ratio
definitions as textbooks give them); nothing here knows any benchmark question or company.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from docnav.agent.compose import read_compound

# statement labels as structure detection writes them (docnav.ingestion.structure)
INCOME, BALANCE, CASHFLOW = "Income Statement", "Balance Sheet", "Cash Flow Statement"

_NAMED_STATEMENT = [
    (
        INCOME,
        re.compile(
            r"income\s+statements?|statements?\s+of\s+(?:consolidated\s+)?(?:operations|income|"
            r"earnings)|\bp\s*&\s*l\b|profit\s+(?:and|&)\s+loss",
            re.I,
        ),
    ),
    (
        BALANCE,
        re.compile(
            r"balance\s+sheets?|statements?\s+of\s+(?:consolidated\s+)?financial\s+(?:position|"
            r"condition)",
            re.I,
        ),
    ),
    (
        CASHFLOW,
        re.compile(
            r"cash\s*flows?\s+statements?|statements?\s+of\s+(?:consolidated\s+)?cash\s*flows?",
            re.I,
        ),
    ),
]
_NOTE = re.compile(r"\bnote\s+(\d{1,2}[a-z]?)\b", re.I)

# line items -> the statement that prints them (first match wins, longest phrases first)
_ITEM_STATEMENT: list[tuple[str, str]] = [
    ("purchases of property", CASHFLOW),
    ("capital expenditure", CASHFLOW),
    ("capex", CASHFLOW),
    ("cash from operations", CASHFLOW),
    ("operating activities", CASHFLOW),
    ("operating cash flow", CASHFLOW),
    ("free cash flow", CASHFLOW),
    ("dividends", CASHFLOW),
    ("repurchase", CASHFLOW),
    ("buyback", CASHFLOW),
    ("depreciation", CASHFLOW),
    ("investing activities", CASHFLOW),
    ("financing activities", CASHFLOW),
    ("total current assets", BALANCE),
    ("total current liabilities", BALANCE),
    ("current assets", BALANCE),
    ("current liabilities", BALANCE),
    ("total assets", BALANCE),
    ("total liabilities", BALANCE),
    ("working capital", BALANCE),
    ("quick ratio", BALANCE),
    ("current ratio", BALANCE),
    ("inventor", BALANCE),
    ("accounts payable", BALANCE),
    ("payable", BALANCE),
    ("receivable", BALANCE),
    ("property, plant", BALANCE),
    ("pp&e", BALANCE),
    ("ppne", BALANCE),
    ("fixed assets", BALANCE),
    ("goodwill", BALANCE),
    ("cash and cash equivalents", BALANCE),
    ("short-term investments", BALANCE),
    ("marketable securities", BALANCE),
    ("debt", BALANCE),
    ("borrowings", BALANCE),
    ("equity", BALANCE),
    ("revenue", INCOME),
    ("net sales", INCOME),
    ("sales", INCOME),
    ("top line", INCOME),
    ("cost of goods sold", INCOME),
    ("cogs", INCOME),
    ("cost of sales", INCOME),
    ("cost of revenue", INCOME),
    ("gross profit", INCOME),
    ("gross margin", INCOME),
    ("operating income", INCOME),
    ("operating margin", INCOME),
    ("operating profit", INCOME),
    ("ebitda", INCOME),
    ("ebit", INCOME),
    ("net income", INCOME),
    ("net profit", INCOME),
    ("net earnings", INCOME),
    ("earnings per share", INCOME),
    ("eps", INCOME),
    ("interest expense", INCOME),
    ("income tax", INCOME),
    ("tax rate", INCOME),
    ("sg&a", INCOME),
    ("selling, general", INCOME),
    ("research and development", INCOME),
    ("r&d", INCOME),
]

# textbook definitions: (pattern of the ratio's name, expression over named terms)
FORMULAS: list[tuple[re.Pattern[str], str]] = [
    (
        re.compile(r"quick ratio|acid.test", re.I),
        "(cash and cash equivalents + short-term investments + accounts receivable) / total current liabilities",
    ),
    (
        re.compile(r"current ratio|working capital ratio", re.I),
        "total current assets / total current liabilities",
    ),
    (re.compile(r"working capital", re.I), "total current assets - total current liabilities"),
    (re.compile(r"gross (?:profit )?(?:% )?margin", re.I), "gross profit / revenue * 100"),
    (
        re.compile(r"operating (?:income |profit )?(?:% )?margin", re.I),
        "operating income / revenue * 100",
    ),
    (
        re.compile(r"ebitda margin", re.I),
        "(operating income + depreciation and amortization) / revenue * 100",
    ),
    # EBITDA as textbooks define it; a company's "adjusted EBITDA" is its own non-GAAP
    # measure, printed in its release, not computed from statement rows
    (
        re.compile(r"(?<!\badjusted )\bebitda\b(?!\s+margin)", re.I),
        "operating income + depreciation and amortization",
    ),
    (
        re.compile(r"net (?:profit |income )?(?:% )?margin|profit (?:% )?margin", re.I),
        "net income / revenue * 100",
    ),
    (
        re.compile(r"days payable outstanding|\bdpo\b", re.I),
        "365 * accounts payable / cost of goods sold",
    ),
    (re.compile(r"days sales outstanding|\bdso\b", re.I), "365 * accounts receivable / revenue"),
    (
        re.compile(r"days inventory outstanding|\bdio\b", re.I),
        "365 * inventory / cost of goods sold",
    ),
    (re.compile(r"inventory turnover", re.I), "cost of goods sold / average inventory"),
    (
        re.compile(r"fixed asset turnover", re.I),
        "revenue / average net property, plant and equipment",
    ),
    (re.compile(r"asset turnover", re.I), "revenue / average total assets"),
    (
        re.compile(r"capex.{0,30}revenue|capital.intensi", re.I),
        "capital expenditure / revenue * 100",
    ),
    (
        re.compile(r"effective tax rate", re.I),
        "income tax expense / income before income taxes * 100",
    ),
    (re.compile(r"interest coverage", re.I), "EBIT / interest expense"),
    (re.compile(r"debt.to.equity", re.I), "total debt / total equity"),
    (re.compile(r"return on assets|\broa\b", re.I), "net income / average total assets * 100"),
    (re.compile(r"return on equity|\broe\b", re.I), "net income / average total equity * 100"),
    (re.compile(r"dividend payout", re.I), "dividends paid / net income * 100"),
    (re.compile(r"free cash flow", re.I), "cash from operations - capital expenditure"),
    (re.compile(r"growth|(?:percent(?:age)?|%) change|change in", re.I), "(new - old) / old * 100"),
]

_DEFINED = re.compile(
    r"(?:defined?\s+(?:\w+\s+){0,6}?as|calculated\s+as|computed\s+as|formula(?:\s+is)?:?)"
    r"\s*:?\s*(.+?)(?:\.\s|\.$|\?|;|$)",
    re.I,
)
_CALC_WORDS = re.compile(
    r"\b(?:ratio|margin|average|growth|turnover|coverage|days\s+\w+\s+outstanding|per\s+cent|"
    r"percent(?:age)?|proportion|share\s+of|rate|defined?\s+\w*\s*as|calculated\s+as|"
    r"round\s+your\s+answer|how\s+much\s+(?:did|has)\s+\w+\s+(?:increase|decrease|change)|"
    r"(?:year.over.year|yoy)\s+change|change\s+in|difference|sum\s+of|total\s+of)\b",
    re.I,
)
_QUALITATIVE = re.compile(
    r"\b(?:what\s+drove|drivers?|driven|why|explain|reasons?\b|"
    # "which Best Buy product category", "which type of debt": a name is asked, not a figure
    r"which\s+(?:[\w'’]+\s+){0,3}?(?:segments?|regions?|products?|categor(?:y|ies)|types?|"
    r"kinds?|divisions?|countr(?:y|ies)|geograph\w*|brands?)\b|"
    r"what\s+(?:are|were)\s+the|describe|summar|nature\s+(?:of|and|&)|"
    r"purpose\s+of|(?:what|which)\s+(?:industry|industries|sector|business|markets?)\b)",
    re.I,
)
# what asks for a figure even without a line item the reader knows: a question with none of
# these, no line item, no calculation and no yes/no asks for words ("what was the agenda of
# the 8-K", "what are the major acquisitions")
_NUMBER_ASK = re.compile(
    r"\b(?:how\s+(?:much|many|long|big|large)|amount|values?|figures?|numbers?|totals?|sum|"
    r"count|size|price|cost|balance|level|ratio|margin|rate|percent\w*|growth|change|"
    r"increase|decrease|average|round\w*|usd|millions?|billions?|thousands?|dollars?|"
    r"units?|metrics?|decimal|eps|per\s+share)\b|%|\$",
    re.I,
)
# a question asking what caused something: its answer names causes, not only a figure
_REASONS = re.compile(r"\b(?:what\s+drove|drivers?|driven|why|reasons?\b|explain)", re.I)
# a question that starts with an auxiliary verb is answered yes or no first
_YES_NO = re.compile(
    r"(?:is|are|was|were|does|do|did|has|have|had|can|could|will|would|should)\s", re.I
)
# the direction a yes/no or "which" question asks about, and the sign it asks for
_UP = re.compile(
    r"\b(?:improv\w*|increas\w*|grow\w*|grew|ris(?:e|en|es|ing)|rose|higher|expand\w*)\b", re.I
)
_DOWN = re.compile(
    r"\b(?:declin\w*|decreas\w*|fall\w*|fell|drop\w*|lower|worse\w*|deteriorat\w*|"
    r"shr[iu]nk\w*|contract(?:ed|ing|s)?)\b",
    re.I,
)
_SIGN = re.compile(r"\b(positive|negative)\b", re.I)
_OPERATORS = re.compile(
    # not "and": it joins words inside line items ("cash and cash equivalents")
    r"\s+(?:divided\s+by|over|plus|minus|less|times|multiplied\s+by|\+|-|/|\*|x)\s+|[()/*+]",
    re.I,
)
_PERIOD = re.compile(
    r"\b(?:between|from|for|in|of)?\s*(?:fy|fiscal(?:\s+year)?)\s*'?\d{2,4}"
    r"(?:\s*(?:and|to|-)\s*(?:fy|fiscal(?:\s+year)?)?\s*'?\d{2,4})?\b",
    re.I,
)
_FILLER = re.compile(r"^(?:the|a|an|of|average|avg\.?|sum of|total of|between)\s+", re.I)


@dataclass
class QuestionRead:
    """The deterministic reading of one question."""

    statements: list[str] = field(default_factory=list)  # named, or implied by its line items
    named_statements: list[str] = field(default_factory=list)  # only those it names
    notes: list[str] = field(default_factory=list)  # "Note 12"
    items: list[str] = field(default_factory=list)  # line-item phrases it mentions
    calc: bool = False  # asks for a ratio, change, average, margin or a defined formula
    formula: str | None = None  # the question's own, or the textbook one for its ratio
    formula_defined: bool = False  # the question wrote it out
    average: bool = False  # asks for an average (balance items then need the prior year too)
    qualitative: bool = False  # asks for reasons or a description ("what drove", "which segment")
    wordy: bool = False  # asks for no figure at all (_NUMBER_ASK): answered in words
    reasons: bool = False  # asks what caused something ("what drove", "why")
    yes_no: bool = False  # asks yes or no ("Is ...", "Did ...", "Has ...")
    up: str | None = None  # the word asking about a rise ("improving", "increase")
    down: str | None = None  # the word asking about a fall ("decline", "lower")
    sign: str | None = None  # "positive" / "negative": asks about a value's sign
    compound: str | None = None  # "total" over every item / "adjusted" figure (agent.compose)


# a conditional sentence after the question ("If the quick ratio is not a useful metric for
# this company, then state that and explain why.") says what to do when the question does not
# apply; it does not change what is asked (its "explain" made ratio questions descriptions)
_FALLBACK = re.compile(r"(?<=[?.])\s+If\b[^?]*?(?:[.?](?=\s|$)|$)", re.S)


def main_question(question: str) -> str:
    """The question without the conditional fallbacks that follow it."""
    return _FALLBACK.sub("", question).strip() or question


def read_question(question: str) -> QuestionRead:
    q = main_question(question)
    out = QuestionRead()
    for label, rx in _NAMED_STATEMENT:
        if rx.search(q):
            out.named_statements.append(label)
    out.notes = [f"Note {n.upper()}" for n in dict.fromkeys(_NOTE.findall(q))]
    low = q.lower()
    seen_spans: list[tuple[int, int]] = []
    implied: list[str] = []
    for phrase, stmt in _ITEM_STATEMENT:
        for m in re.finditer(rf"(?<![\w&]){re.escape(phrase)}", low):
            if any(a <= m.start() < b for a, b in seen_spans):
                continue
            seen_spans.append((m.start(), m.end()))
            out.items.append(phrase)
            implied.append(stmt)
            break
    defined = _DEFINED.search(q)
    if defined:
        out.formula, out.formula_defined = defined.group(1).strip(), True
    else:
        out.formula = next((f for rx, f in FORMULAS if rx.search(q)), None)
    # a textbook ratio the question names ("return on assets") is arithmetic even without a
    # calculation word, and so is the ratio behind a yes/no ("capital-intensive?"): its value
    # then reaches the answer as the figure that supports it
    out.calc = bool(_CALC_WORDS.search(q) or defined or out.formula) and not (
        _QUALITATIVE.search(q) and not defined
    )
    out.average = bool(re.search(r"\baverage\b|\bavg\b", q, re.I))
    out.qualitative = bool(_QUALITATIVE.search(q)) and not defined
    out.reasons = out.qualitative and bool(_REASONS.search(q))
    compound = read_compound(q)
    if compound is not None:  # a total or an adjusted figure is arithmetic, not a description
        out.compound, out.calc, out.qualitative = compound.kind, True, False
        out.reasons = False
    first = q.strip().split("?")[0]
    # "Has the quick ratio improved or declined?" asks which, not yes or no
    out.yes_no = bool(_YES_NO.match(first)) and not re.search(r"\bor\b", first, re.I)
    out.wordy = not (_NUMBER_ASK.search(q) or out.items or out.calc or out.formula or out.yes_no)
    if out.wordy:  # answered from passages as a description is, and never by a bare number
        out.qualitative = True
    up, down, sign = _UP.search(first), _DOWN.search(first), _SIGN.search(first)
    out.up, out.down = (up.group(0) if up else None), (down.group(0) if down else None)
    out.sign = sign.group(1).lower() if sign else None
    if out.formula:  # the formula's terms point at statements too
        for term in formula_terms(out.formula):
            stmt = statement_of(term)
            if stmt:
                implied.append(stmt)
    out.statements = list(dict.fromkeys(out.named_statements + implied))
    return out


def statement_of(term: str) -> str | None:
    """The statement that prints a line item, by the phrases above."""
    low = term.lower()
    return next(
        (s for phrase, s in _ITEM_STATEMENT if re.search(rf"(?<![\w&]){re.escape(phrase)}", low)),
        None,
    )


def formula_terms(formula: str) -> list[str]:
    """The named values of a formula: "(cash + receivables) / current liabilities" -> the
    three terms; numbers (365, 100) are constants, not values to look up."""
    terms = []
    # periods are the plan's other axis: "FY2018 revenue", "PP&E between FY2017 and FY2018"
    formula = _PERIOD.sub(" ", formula)
    for part in _OPERATORS.split(formula):
        t = _FILLER.sub("", (part or "").strip(" ,.:'\"")).strip()
        t = _FILLER.sub("", t).strip()
        if not t or re.fullmatch(r"[\d.,%\s]+", t) or t.lower() in ("new", "old"):
            continue
        if t.lower() not in (x.lower() for x in terms):
            terms.append(t)
    return terms
