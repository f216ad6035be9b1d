"""Numeric normaliser: forms, scales, negatives, what is not a number, number-aware regex."""

from __future__ import annotations

import re

import pytest

from docnav.ingestion.numbers import (
    canonical,
    detect_scale,
    extract_numbers,
    number_regex,
    number_variants,
    parse_number,
)


def canon(text: str, **kw) -> list[str]:
    return [n.canonical for n in extract_numbers(text, **kw)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("$45.2 million", "usd:45200000"),
        ("$45.2M", "usd:45200000"),
        ("$1.5 billion", "usd:1500000000"),
        ("$1.5bn", "usd:1500000000"),
        ("$45,200,000", "usd:45200000"),
        ("45,200,000", "num:45200000"),
        ("$(3.4)", "usd:-3.4"),
        ("(1,234)", "num:-1234"),
        ("-1,234", "num:-1234"),
        ("\u22121,234", "num:-1234"),
        ("2.5%", "pct:2.5"),
        ("2.5 percent", "pct:2.5"),
        ("25 basis points", "bps:25"),
        ("3.2 million shares", "shares:3200000"),
        ("$1577.00", "usd:1577"),
        ("0.66", "num:0.66"),
        ("1,577", "num:1577"),
    ],
)
def test_forms(text, expected):
    assert canon(f"Amount was {text} in the year.") == [expected]


def test_written_scale_wins_over_table_scale_and_table_scale_applies_to_bare_numbers():
    assert canon("45,200 (1,234) $2.1 million 4.5%", scale=1e3, unit="USD") == [
        "usd:45200000",
        "usd:-1234000",
        "usd:2100000",
        "pct:4.5",
    ]
    (n,) = extract_numbers("(1,234)", scale=1e6, unit="USD")
    assert n.value == -1.234e9 and n.scale == 1e6 and n.unit == "USD"


def test_same_amount_same_canonical_form():
    a = canon("$45.2 million")[0]
    b = canon("$45,200,000")[0]
    c = canon("45,200", scale=1e3, unit="USD")[0]
    d = canon("45.2", scale=1e6, unit="USD")[0]
    assert a == b == c == d == "usd:45200000"
    assert canonical(0.1 + 0.2, "%") == "pct:0.3"


@pytest.mark.parametrize(
    "text",
    [
        "For the fiscal year ended December 31, 2018",
        "See Note 12 and Item 7A of our Form 10-K",
        "3M Company and the 10-Q",
        "In 2019 and 2020 we grew",
        "Revenue(1) grew",
    ],
)
def test_not_numbers(text):
    assert canon(text) == []


def test_years_allowed_when_asked_and_offsets_point_into_text():
    assert canon("in 2018", allow_years=True) == ["num:2018"]
    text = "Net sales $ 32,765 and (547) other"
    for n in extract_numbers(text):
        assert text[n.start : n.start + len(n.text)] == n.text


def test_detect_scale():
    assert detect_scale("(Millions, except per share amounts)") == 1e6
    assert detect_scale("(in thousands)") == 1e3
    assert detect_scale("($ in billions)") == 1e9
    assert detect_scale("(Dollars in millions)") == 1e6
    assert detect_scale("Consolidated Balance Sheet") is None


def test_parse_number_for_gold_answers():
    assert parse_number("$1577.00").value == 1577
    assert parse_number("1.9%").unit == "%"
    assert parse_number("The answer is 2018").value == 2018
    assert parse_number("no number") is None


def test_number_regex_matches_forms_and_not_neighbours():
    rx = re.compile(number_regex("$45.2 million"))
    for s in ("45,200,000", "$45.2 million", "45,200", "45.2", "45.20", "(45,200)", "$ 45.2"):
        assert rx.search(f"x {s} y"), s
    for s in ("45,201", "145,200", "45.21", "45,200.5", "1,045.2"):
        assert not rx.search(f"x {s} y"), s
    assert "45.2 million" in number_variants(45_200_000, "USD")


def test_number_regex_is_ripgrep_compatible():
    assert "(?<" not in number_regex("1,234") and "(?=" not in number_regex("1,234")


@pytest.mark.shared
def test_real_income_statement(fb_pdfs):
    from docnav.ingestion.pdf import read_pdf_pages

    page = read_pdf_pages(fb_pdfs / "3M_2018_10K.pdf")[55]  # Consolidated Statement of Income
    assert detect_scale(page) == 1e6
    found = {n.canonical for n in extract_numbers(page, scale=1e6, unit="USD")}
    # net sales 2018/2017/2016 and the (547) line, in millions
    assert {"usd:32765000000", "usd:31657000000", "usd:30109000000", "usd:-547000000"} <= found
