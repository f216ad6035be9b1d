"""The numeric verifier and the refusal detector: unit cases, a table of real FinanceBench answer
pairs (gold from questions.jsonl, model answers and human labels from the paper's
paper_results/), and agreement with the human labels on every labelled row."""

from __future__ import annotations

from pathlib import Path

import pytest

from docnav.bench.answers_validate import validate_numeric, validate_polarity, validate_refusals
from docnav.bench.checkers import check_numeric, gold_number, is_refusal, opposite_polarity
from docnav.bench.judge import Grader

SHARED_FB = Path(__file__).resolve().parents[2].parent / "shared" / "financebench"


def _ok(gold: str, answer: str, **kw) -> bool:
    v = check_numeric(gold, answer, **kw)
    assert v is not None, f"gold {gold!r} should count as numeric"
    assert v.checker == "numeric"
    return v.outcome == "correct"


@pytest.mark.parametrize(
    "gold, answer, question",
    [
        ("$1,577 million", "1577", "What is the FY2018 capex (in USD millions)?"),
        ("1577", "$1,577 million", ""),  # same digits: the scale word is the only difference
        ("$1577.00", "The FY2018 capex for 3M is $1,577 million.", ""),
        ("(1,234)", "-1234", ""),
        ("-1234", "a loss of (1,234)", ""),
        ("24.5%", "0.245", ""),
        ("0.245", "24.5%", ""),
        ("1.2 billion", "1,200 million", ""),
        ("$2,018mn", "Adjusted EBITDA was $2.018 billion", ""),
        ("$8.70", "Net PP&E was $8.738 billion.", "Answer in USD billions."),
        ("2.8%", "growth of 2.8 percent", ""),
        ("63.86", "DPO is about 64 days", ""),  # rounded to the model's precision
        ("$0.40", "$0.4", ""),
        ("-$229 million", "Verizon's debt decreased by $229 million.", ""),  # sign in words
    ],
)
def test_numeric_equivalences(gold: str, answer: str, question: str) -> None:
    assert _ok(gold, answer, question=question)


@pytest.mark.parametrize(
    "gold, answer",
    [
        ("$1577.00", "$1,600 million"),  # 1.5% off, not a rounding of 1577
        ("42.69", "Accounts payable were $43,046 million"),  # a ratio is not a dollar amount
        ("$0.40", "a 40% share"),  # a dollar amount is not a percentage
        ("8.7", "9"),  # one significant digit is no rounding evidence
        ("1.73", "1.70"),
        ("$5409.00", "$11,395 million"),
        ("24.5%", "24.5 million"),
        ("$382.00", "no figure given"),
    ],
)
def test_numeric_mismatches(gold: str, answer: str) -> None:
    assert not _ok(gold, answer)


def test_loose_tolerance_reported_apart() -> None:
    v = check_numeric("1.73", "The ratio is 1.70.", tol=0.01, loose_tol=0.025)
    assert v is not None and v.outcome == "incorrect" and v.correct_2_5 is True
    v = check_numeric("1.73", "The ratio is 1.70.", tol=0.02)
    assert v is not None and v.outcome == "correct"


def test_structured_number_with_unit_words() -> None:
    v = check_numeric(
        "$1577.00",
        "3M spent about 1.6 billion dollars",
        question="(in USD millions)",
        structured=1577.0,
        structured_unit="USD millions",
    )
    assert v is not None and v.outcome == "correct"


def test_structured_number_keeps_the_precision_the_text_wrote() -> None:
    # FinanceBench 02981 (oracle, 1.5B): final_answer {"answer": "10.0%", "value": 10.0}; the
    # JSON value arrives as 10 and its rounding unit of 1 passed the gold 10.3%
    v = check_numeric("10.3%", "10.0%", structured=10.0, structured_unit="%")
    assert v is not None and v.outcome == "incorrect"
    # a model that really wrote the coarser "10%" still gets the rounding rule
    v = check_numeric("10.3%", "10%", structured=10.0, structured_unit="%")
    assert v is not None and v.outcome == "correct"
    v = check_numeric(
        "$1577.00", "$1,577 million", structured=1577.0, structured_unit="USD millions"
    )
    assert v is not None and v.outcome == "correct"


@pytest.mark.parametrize(
    "gold, numeric",
    [
        ("$1577.00", True),
        ("1.9%", True),
        ("0.66", True),
        ("77.78", True),
        ("USD 1,577 million", True),
        ("2018", True),
        ("The consumer segment shrunk by 0.9% organically.", False),
        ("Yes, his name is Richard A. Johnson", False),
        ("36%. The answer here assumes FY2023 refers to the 12 months ended", False),
        ("Developed Rest of the World", False),
    ],
)
def test_numeric_gold_detection(gold: str, numeric: bool) -> None:
    assert (gold_number(gold) is not None) is numeric


# Real pairs: gold as in questions.jsonl, a model answer and its human label from
# paper_results/, and the scale the question names where the answer's digits need it.
REAL_PAIRS = [
    ("$1577.00", "The FY2018 capital expenditure amount for 3M is $1,577 million USD.", True),
    (
        "$5409.00",
        "The year-end FY2019 total amount of inventories for Best Buy is $5,409 million USD.",
        True,
    ),
    (
        "$382.00",
        "In FY2020, Block (formerly known as Square) generated $381.6 million in cash flow from operating activities.",
        True,
    ),
    (
        "$303.00",
        "The year-end FY2018 amount of accounts payable for MGM Resorts is $302.6 million.",
        True,
    ),
    (
        "$303.00",
        "The year-end FY2018 amount of accounts payable for MGM Resorts is $302,578,000. When expressed in USD millions, this is $302.578 million.",
        True,
    ),
    (
        "$5409.00",
        "Based on the provided information, the year-end FY2019 total amount of inventories for Best Buy is $11,395 million USD.",
        False,
    ),
    (
        "$8.70",
        "The year end FY2018 net PP&E (Property, Plant, and Equipment) for 3M is $8.738 billion.",
        True,
    ),
    (
        "$382.00",
        "Block (formerly known as Square) generated $381,603,000 in cash flow from operating activities in FY2020.",
        True,
        "in USD millions",
    ),
    ("$59268.00", "At the end of FY2021, Costco had total assets of USD 59,268 million.", True),
    (
        "$303.00",
        "The year end FY2018 amount of accounts payable for MGM Resorts is $302,578 thousand, which is $302.578 million.",
        True,
    ),
    ("$32780.00", "The FY2016 COGS (Cost of Goods Sold) for Microsoft is $32,780 million.", True),
    (
        "77.78",
        "Pfizer expects to incur costs of approximately $700 million in connection with separating Upjohn.",
        False,
    ),
    (
        "1.73",
        "The working capital ratio for Block (formerly known as Square) for FY2016 is 1.73.",
        True,
    ),
    (
        "$382.00",
        "According to the information provided, Block (formerly known as Square) generated $25.3 billion in net cash provided by operating activities in fiscal year 2020.",
        False,
    ),
    (
        "$59268.00",
        "Sure! Based on the information provided in the balance sheet, Costco had $45,400 million in total assets at the end of FY2021.",
        False,
    ),
    (
        "$303.00",
        "Based on the information provided in the balance sheet, the year-end FY2018 amount of accounts payable for MGM Resorts is $302,578,000.",
        True,
        "in USD millions",
    ),
    (
        "7.9%",
        "So, the FY2018 - FY2020 3-year average of capex as a % of revenue for MGM Resorts is 7.9%.",
        True,
    ),
    ("2.8%", "Therefore, the growth rate is 0.028.", True),
]


@pytest.mark.parametrize("pair", REAL_PAIRS, ids=lambda p: p[0])
def test_real_financebench_pairs(pair: tuple) -> None:
    gold, answer, human_correct, *hint = pair  # hint: the question's "(in USD millions)"
    assert _ok(gold, answer, question=hint[0] if hint else "") is human_correct


@pytest.mark.parametrize(
    "answer, refusal",
    [
        ("I'm sorry, but the provided context does not include information on the COGS.", True),
        ("As an AI, I don't have real-time data or future data.", True),
        ("The document does not provide the year end FY2018 net PPNE for 3M.", True),
        ("The information needed to calculate the DPO is not provided in the given text.", True),
        ("Not found in the filings: no page gives the FY2019 figure.", True),
        ("No answer: LLM backend error: connection refused.", True),
        ("", True),
        ("The FY2018 capital expenditure amount for 3M is $1,577 million.", False),
        ("American Water Works does not have positive working capital in FY2022.", False),
        ("No. Microsoft decreased its debt by $2.5bn in FY 2023 vs FY 2022.", False),
        ("Yes, it's spinning off Upjohn.", False),
    ],
)
def test_refusal_detection(answer: str, refusal: bool) -> None:
    assert is_refusal(answer) is refusal


def test_not_found_flag_is_a_refusal() -> None:
    assert is_refusal("The figure for FY2019.", not_found=True)


def test_grader_says_which_checker_decided() -> None:
    g = Grader(judge=None)
    assert g.grade("q", "$1577.00", "It was $1,577 million.").checker == "numeric"
    v = g.grade("q", "$1577.00", "I'm sorry, the context does not include capex.")
    assert (v.outcome, v.checker) == ("refusal", "refusal")
    v = g.grade("q", "Yes, it's spinning off Upjohn.", "Yes, Pfizer is spinning off Upjohn.")
    assert (v.outcome, v.checker) == ("unjudged", "none")
    # a right number wins over refusal wording around it
    v = g.grade(
        "q", "$1577.00", "The text does not provide it directly, but capex was $1,577 million."
    )
    assert v.outcome == "correct"
    # a question file's answer_value makes a sentence gold numeric
    v = g.grade(
        "q", "Northwind, by $1.2 billion", "By 1,200 million.", gold_value=1.2e9, gold_unit="USD"
    )
    assert (v.outcome, v.checker) == ("correct", "numeric")


@pytest.fixture(scope="module")
def paper():
    if not (SHARED_FB / "paper_results").is_dir():
        pytest.skip(f"{SHARED_FB} is absent: put the project's shared/ folder beside the repo")
    from docnav.bench.datasets import load_paper_results
    from docnav.questions import load_questions

    qs = {q.id: q for q in load_questions(SHARED_FB / "questions.jsonl")}
    return load_paper_results(SHARED_FB / "paper_results"), qs


def test_numeric_verifier_agrees_with_human_labels(paper) -> None:
    rows, qs = paper
    res = validate_numeric(rows, qs, 0.01, 0.025)
    agree = res["policies"]["last @ ±1.0%"]["agreement"]
    print(f"numeric verifier: {agree:.1%} agreement on {res['rows']} labelled rows")
    assert res["rows"] >= 250  # every numeric-gold row of the 16 configurations
    assert agree >= 0.90


def test_refusal_detector_agrees_with_human_labels(paper) -> None:
    rows, _ = paper
    res = validate_refusals(rows)
    print(f"refusals: {res['agreement']:.1%} agreement on {res['rows']} rows")
    assert res["rows"] == 960
    assert res["agreement"] >= 0.93 and res["precision"] >= 0.9 and res["recall"] >= 0.9


@pytest.mark.parametrize(
    "gold, answer, flipped",
    [
        (
            "No, the company is managing its CAPEX efficiently.",
            "Yes, 3M is capital-intensive.",
            True,
        ),
        ("Yes. Gross margin improved.", "No; it declined by 0.8%.", True),
        ("No. For AMCOR there has been a slight decline.", "No, it declined.", False),
        ("No.", "Not really: margins fell.", False),  # "Not" is not "No"
        ("Yes, it is.", "The company is capital intensive.", False),  # no polarity word
        ("The consumer segment.", "Yes, consumer.", False),  # gold without polarity
        ("  yes", "**No** - it fell", True),  # case and markup around the word
    ],
)
def test_polarity(gold: str, answer: str, flipped: bool) -> None:
    assert (opposite_polarity(gold, answer) is not None) is flipped


def test_polarity_decides_before_the_judge() -> None:
    class NoJudge:  # a judge must not be asked when the polarity already decides
        def chat(self, *a, **k):
            raise AssertionError("judge called")

    v = Grader(judge=NoJudge()).grade("Is 3M capital-intensive?", "No, it is not.", "Yes, it is.")
    assert (v.outcome, v.checker) == ("incorrect", "polarity")
    assert Grader(judge=None).grade("q", "No.", "No, it is not.").checker == "none"


def test_polarity_agrees_with_human_labels(paper) -> None:
    """Every paper answer that opens with the opposite Yes/No of the gold is labelled wrong."""
    rows, _ = paper
    flipped = [r for r in rows if opposite_polarity(r.gold_answer, r.model_answer)]
    assert len(flipped) >= 5
    res = validate_polarity(rows)  # the figure results/checkers reports
    assert res["rows_decided"] == len(flipped) and res["precision"] == 1.0
    assert res["same_polarity_labels"].get("Correct Answer", 0) > 0  # same opening decides nothing
    assert all(r.label == "Incorrect Answer" for r in flipped), [
        (r.financebench_id, r.model_name, r.label) for r in flipped if r.label != "Incorrect Answer"
    ]
