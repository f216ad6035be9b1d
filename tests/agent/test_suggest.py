"""What code works out from statement facts before the model reads: the row per line item and
year, and a textbook ratio or growth rate computed from those rows."""

from __future__ import annotations

import pytest

from docnav.agent.suggest import best_row, suggest
from docnav.types import Fact

DOC = "ACME_2022_10K"


def fact(label: str, statement: str, value: float, period: str = "FY2022", page: int = 4) -> Fact:
    return Fact(
        doc_id=DOC,
        page=page,
        statement=statement,
        label=label,  # type: ignore[arg-type]
        norm_label=label.lower(),
        period=period,
        value=value,
        unit="USD",
        scale="in millions",
    )


ROWS = [
    fact("Net sales", "income", 40_000e6),
    fact("Net sales", "income", 36_000e6, period="FY2021"),
    fact("Operating income", "income", 2_000e6),
    fact("Operating income", "note", 9e6, page=40),
    fact("Purchases of property, plant and equipment", "cashflow", -1_200e6, page=6),
    fact("Property, plant and equipment", "balance", 9_000e6, page=5),
    fact("Property, plant and equipment - net", "balance", 5_000e6, page=5),
    fact("Total", "note", 7e6, page=41),
]


def names() -> tuple[list[tuple[str, Fact]], object]:
    named: list[tuple[str, Fact]] = []

    def ref_of(f: Fact) -> str:
        for r, g in named:
            if g is f:
                return r
        named.append((f"F{len(named) + 1}", f))
        return named[-1][0]

    return named, ref_of


def test_the_row_comes_from_the_statement_that_prints_the_item() -> None:
    # "PP&E" lives on the balance sheet: not the cash flow's "Purchases of PP&E"; "net" in
    # the question picks the net row over the gross one; a note's copy never wins
    got = best_row(ROWS, "pp&e", 2022, asked={"net"})
    assert got is not None and got.label == "Property, plant and equipment - net"
    op = best_row(ROWS, "operating income", 2022, asked=set())
    assert op is not None and op.statement == "income"
    assert best_row(ROWS, "operating income", 2019, asked=set()) is None


def test_a_textbook_ratio_is_computed_in_code() -> None:
    named, ref_of = names()
    s = suggest(
        ROWS,
        ["operating margin"],
        "operating income / revenue * 100",
        False,
        [2022],
        ref_of,
        question="What is the FY2022 operating margin?",
    )
    assert s.calc is not None and round(s.calc["value"], 4) == 5.0
    assert "Computed in code" in s.lines[0] and "= 5" in s.lines[0]


def test_an_outflow_counts_as_a_size_in_a_ratio() -> None:
    named, ref_of = names()
    s = suggest(ROWS, ["capex"], "capital expenditure / revenue * 100", False, [2022], ref_of)
    assert s.calc is not None and round(s.calc["value"], 4) == 3.0
    assert s.calc["expr"].startswith("abs(")


def test_growth_over_two_years() -> None:
    named, ref_of = names()
    s = suggest(ROWS, ["net sales"], "(new - old) / old * 100", False, [2021, 2022], ref_of)
    assert s.calc is not None and round(s.calc["value"], 4) == round(4000 / 36000 * 100, 4)


def test_a_single_lookup_gets_a_best_match_and_no_computation() -> None:
    named, ref_of = names()
    s = suggest(ROWS, ["capex"], None, False, [2022], ref_of)
    assert (
        s.calc is None
        and "Best match" in s.lines[0]
        and "1,200 USD millions paid out" in s.lines[0]
    )


def test_no_suggestion_when_a_term_has_no_row_or_two_terms_share_one() -> None:
    named, ref_of = names()
    assert suggest(ROWS, [], "inventory / revenue", False, [2022], ref_of).calc is None
    shared = suggest(ROWS, [], "operating income / operating income margin", False, [2022], ref_of)
    assert shared.calc is None
    # a formula the question writes out is the model's to fill (its terms carry periods)
    assert suggest(ROWS, [], "operating income / revenue", True, [2022], ref_of).calc is None


def test_reasons_and_yes_no_questions_are_read_as_such() -> None:
    from docnav.agent.question import read_question

    why = read_question("What drove the change in operating margin in FY2022?")
    assert why.qualitative and not why.yes_no
    yn = read_question("Does the company have positive working capital based on FY2022 data?")
    assert yn.yes_no and not yn.qualitative
    which = read_question("Has the quick ratio improved or declined between FY2023 and FY2022?")
    assert not which.yes_no
    value = read_question(
        "What is the FY2022 operating margin? Define it as operating income / revenue."
    )
    assert not value.qualitative and not value.yes_no


def test_a_conditional_fallback_after_the_question_does_not_change_what_is_asked() -> None:
    from docnav.agent.question import main_question, read_question

    ask = "Has the quick ratio improved or declined between FY2023 and FY2022?"
    q = f"{ask} If the quick ratio is not a useful metric here, then state that and explain why."
    assert main_question(q) == ask
    qr = read_question(q)  # a ratio to compute, not reasons to describe
    assert qr.calc and not qr.qualitative and qr.formula
    yn = read_question(
        "Does the company have a reasonably healthy liquidity profile based on its quick ratio "
        "for FY2022? If the quick ratio is not relevant, please state that and explain why."
    )
    assert yn.yes_no and yn.calc and not yn.qualitative  # "reasonably" is not "reasons"
    # a question that starts with "If" keeps it: it is the question
    lead = "If we exclude acquisitions, which segment dragged down growth in 2022?"
    assert main_question(lead) == lead and read_question(lead).qualitative
    why = read_question("What drove the margin change in FY2022? If margin is not useful, say so.")
    assert why.qualitative


@pytest.mark.parametrize(
    ("question", "wordy"),
    [
        ("What was the main purpose of the company's 8-K filed on 3 March 2021?", True),
        ("What are the main acquisitions the company completed in fiscal 2020?", True),
        ("Who was appointed chief financial officer in 2021?", True),
        ("What were the company's revenues in FY2019?", False),  # a line item
        ("How many stores did the company operate at the end of 2022?", False),
        ("What is the dividend per share for 2021?", False),
        ("Did the company pay a dividend in 2021?", False),  # yes / no first
        ("What is the FY2022 return on assets?", False),  # a textbook ratio
    ],
)
def test_a_question_asking_for_no_figure_is_answered_in_words(question: str, wordy: bool) -> None:
    from docnav.agent.question import read_question

    qr = read_question(question)
    assert qr.wordy is wordy
    if wordy:  # shown the passages whole, and a bare number is sent back for words
        assert qr.qualitative and not qr.calc


def test_an_average_balance_is_the_mean_of_opening_and_closing_rows() -> None:
    rows = [
        fact("Net income", "income", 500e6),
        fact("Total current assets", "balance", 3_000e6, period="2022-12-31"),
        fact("TOTAL ASSETS", "balance", 6_000e6, period="2022-12-31"),
        fact("TOTAL ASSETS", "balance", 4_000e6, period="2021-12-31"),
    ]
    # normalising may prefix a group heading; the printed label still counts as a total
    rows[2].norm_label = rows[3].norm_label = "other assets total assets"
    named, ref_of = names()
    hint = suggest(rows, [], "net income / average total assets * 100", False, [2022], ref_of)
    assert hint.calc is not None and round(hint.calc["value"], 4) == 10.0  # 500 / 5,000
    assert "((F2 + F3) / 2)" in hint.calc["expr"]
    assert [f.label for _, f in named] == ["Net income", "TOTAL ASSETS", "TOTAL ASSETS"]


def test_per_share_rows_never_stand_for_an_amount() -> None:
    eps = fact("Continuing operations", "income", 3.79)
    eps.unit = "USD/share"
    got = best_row([eps, *ROWS], "operating income", 2022, asked=set())
    assert got is not None and got.label == "Operating income"


def test_a_named_textbook_ratio_is_arithmetic_even_as_yes_no() -> None:
    from docnav.agent.question import read_question

    roa = read_question("What is the FY2021 return on assets for ACME?")
    assert roa.calc and roa.formula == "net income / average total assets * 100"
    intensive = read_question("Is ACME a capital-intensive business based on FY2022 data?")
    assert intensive.yes_no and intensive.calc and intensive.formula


def test_a_single_lookup_names_its_best_row_for_the_answer_check() -> None:
    from docnav.agent.guards import agrees

    _, ref_of = names()
    hint = suggest(ROWS, ["capex"], None, False, [2022], ref_of, question="capex FY2022")
    assert hint.best is not None and hint.best["value"] == -1200 and hint.best["page"] == 7
    assert agrees(1.2, hint.best["value"])  # USD billions
    assert agrees(1_200, hint.best["value"]) and agrees(1.2e9, hint.best["value"])
    assert not agrees(1.11, hint.best["value"]) and not agrees(0.0, hint.best["value"])


# -- decisions over several years (agent/decide.py) -------------------------------------------

YEARS = [
    fact("Net sales", "income", 30_000e6, period="FY2020"),
    fact("Gross profit", "income", 12_000e6),
    fact("Gross profit", "income", 11_000e6, period="FY2021"),
    fact("Gross profit", "income", 9_000e6, period="FY2020"),
    fact("Total current assets", "balance", 8_000e6, page=5),
    fact("Total current liabilities", "balance", 9_500e6, page=5),
]


def test_a_direction_question_is_decided_in_code_from_two_years() -> None:
    rows = ROWS + YEARS
    q = "Is ACME's gross margin improving as of FY2022?"
    _, ref_of = names()
    s = suggest(rows, [], "gross profit / revenue * 100", False, [2022], ref_of, question=q)
    # FY2021 30.56% -> FY2022 30.0%: down, so not improving
    assert s.decision is not None and s.decision["word"] == "No"
    assert "FY2021 30.5556% -> FY2022 30%" in s.decision["why"]
    assert {c["page"] for c in s.decision["cites"]} == {5}  # 1-based page of the rows
    assert s.calc is not None and round(s.calc["value"], 4) == -0.5556
    assert any("the answer is No" in x for x in s.lines)
    # "improved or declined?" answers with the question's own word
    q2 = "Has ACME's gross margin improved or declined from FY2021 to FY2022?"
    s2 = suggest(rows, [], "gross profit / revenue * 100", False, [2021, 2022], ref_of, question=q2)
    assert s2.decision is not None and s2.decision["word"] == "declined"


def test_lower_is_better_metrics_improve_when_they_fall() -> None:
    rows = [
        fact("Total costs and expenses", "income", 90e6),
        fact("Total costs and expenses", "income", 95e6, period="FY2021"),
    ]
    _, ref_of = names()
    q = "Did ACME's total costs and expenses improve in FY2022?"
    s = suggest(rows, ["total costs and expenses"], None, False, [2022], ref_of, question=q)
    assert s.decision is not None and s.decision["word"] == "Yes"


def test_a_sign_question_is_decided_by_the_computed_value() -> None:
    _, ref_of = names()
    q = "Does ACME have positive working capital based on FY2022 data?"
    f = "total current assets - total current liabilities"
    s = suggest(YEARS, [], f, False, [2022], ref_of, question=q)
    assert s.calc is not None and s.calc["value"] == -1500
    assert s.decision is not None and s.decision["word"] == "No"


def test_an_average_over_a_range_of_years_averages_each_years_ratio() -> None:
    _, ref_of = names()
    q = "What is ACME's average gross margin from FY2020 to FY2022?"
    rows = ROWS + YEARS
    s = suggest(rows, [], "gross profit / revenue * 100", False, [2020, 2022], ref_of, question=q)
    assert s.calc is not None
    assert round(s.calc["value"], 4) == round((30 + 11 / 36 * 100 + 30) / 3, 4)
    assert s.decision is None


def test_decided_answers_agree_or_not() -> None:
    from docnav.agent.decide import agrees

    assert agrees("No, it fell from 30.6% to 30%", {"word": "No"})
    assert not agrees("Yes, gross margin is improving", {"word": "No"})
    assert not agrees("Gross margin was 30%", {"word": "No"})
    assert agrees("It declined slightly", {"word": "declined"})


def test_a_margin_written_with_a_percent_sign_is_the_margin() -> None:
    from docnav.agent.question import read_question

    q = "What is the FY2019 - FY2021 3 year average unadjusted operating income % margin?"
    assert read_question(q).formula == "operating income / revenue * 100"
    assert read_question("FY2022 gross profit % margin?").formula == "gross profit / revenue * 100"


def test_which_kind_of_thing_asks_for_a_name() -> None:
    from docnav.agent.question import read_question

    for q in (
        "Which type of debt received the largest investment among the short term investments?",
        "Which ACME product category performed the best (by top line) in Q2 of FY2024?",
    ):
        assert read_question(q).qualitative, q
    assert not read_question("Which year had the higher revenue?").qualitative


def test_one_row_never_stands_for_two_years() -> None:
    """A column headed with both years ("Fiscal 2023 vs 2022") fits either year: comparing the
    row with itself would decide a direction from nothing."""
    named, ref_of = names()
    both = fact("Net sales", "income", 3_226e6, period="", page=6)
    both.column = "Fiscal 2023 vs 2022"
    q = "Did ACME's net sales increase in FY2023?"
    s = suggest([both], ["net sales"], None, False, [2022, 2023], ref_of, question=q)
    assert s.decision is None and s.calc is None
