"""How answers are printed: a citation says what was checked ("quote found, p. N"), never a
check mark that reads like "this supports the answer"; the JSON fields stay as they are."""

from __future__ import annotations

from rich.console import Console

from docnav.render import answer_text, citation_check, print_answer
from docnav.types import Answer, Citation, NumberValue


def _answer() -> Answer:
    return Answer(
        question="What were FY2023 net sales?",
        mode="rag",
        answer="Net sales were $3,673 million [1].",
        number=NumberValue(value=3673, unit="USD million", text="$3,673 million"),
        citations=[
            Citation(
                doc_id="AMCOR_2023Q4_EARNINGS",
                doc_name="AMCOR_2023Q4_EARNINGS",
                page=2,
                section_path="Results",
                quote="Net sales for the Amcor Group of $3,673 million",
                verified=True,
            ),
            Citation(
                doc_id="AMCOR_2023Q4_EARNINGS",
                doc_name="AMCOR_2023Q4_EARNINGS",
                page=9,
                quote="a quote the model made up",
                verified=False,
            ),
        ],
        notes=["query understanding: company: Amcor"],
    )


def test_citation_check_words():
    a = _answer()
    assert citation_check(a.citations[0]) == "quote found, p. 2"
    assert citation_check(a.citations[1]) == "quote not found in the pages read"


def test_answer_text_numbers_sources_with_1_based_pages():
    text = answer_text(_answer())
    assert text.startswith("Net sales were $3,673 million [1].")
    assert "Value:" not in text  # the number is already in the answer as written
    assert (
        '[1] AMCOR_2023Q4_EARNINGS p. 2, Results: "Net sales for the Amcor Group of $3,673 '
        'million" (quote found, p. 2)' in text
    )
    assert '[2] AMCOR_2023Q4_EARNINGS p. 9: "a quote the model made up" (quote not found' in text
    assert "Note: query understanding" in text and "✓" not in text


def test_print_answer_says_what_was_checked():
    console = Console(record=True, width=200)
    a = _answer()
    print_answer(console, a)
    out = console.export_text()
    assert "quote found, p. 2" in out and "quote not found in the pages read" in out
    assert "✓" not in out and "✗" not in out
    assert a.model_dump()["citations"][0]["verified"] is True  # JSON unchanged
