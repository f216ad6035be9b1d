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


# ------------------------------------------------------------------ forms


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("$45.2 million", "usd:45200000"),
        ("$45.2M", "usd:45200000"),
        ("45.2M", "num:45200000"),
        ("$1.5 billion", "usd:1500000000"),
        ("$1.5bn", "usd:1500000000"),
        ("$1.5 Billion", "usd:1500000000"),
        ("$500K", "usd:500000"),
        ("$10 thousand", "usd:10000"),
        ("$45,200,000", "usd:45200000"),
        ("45,200,000", "num:45200000"),
        ("$(3.4)", "usd:-3.4"),
        ("$ (211)", "usd:-211"),
        ("($3.4)", "usd:-3.4"),
        ("(1,234)", "num:-1234"),
        ("-1,234", "num:-1234"),
        ("\u22121,234", "num:-1234"),
        ("2.5%", "pct:2.5"),
        ("37.4 %", "pct:37.4"),
        ("2.5 percent", "pct:2.5"),
        ("(1.1)%", "pct:-1.1"),
        ("-2.5%", "pct:-2.5"),
        ("25 basis points", "bps:25"),
        ("50 bps", "bps:50"),
        ("3.2 million shares", "shares:3200000"),
        ("1,000 shares", "shares:1000"),
        ("$1577.00", "usd:1577"),
        ("$1,577.00", "usd:1577"),
        ("0.66", "num:0.66"),
        ("1,577", "num:1577"),
        ("1,234.56", "num:1234.56"),
        ("US$ 5", "usd:5"),
        ("USD 5 million", "usd:5000000"),
        ("$1.5 trillion", "usd:1500000000000"),
    ],
)
def test_forms(text, expected):
    assert canon(f"Amount was {text} in the year.") == [expected]


def test_mention_fields_and_offsets():
    (n,) = extract_numbers("Net loss of $(3.4) million.")
    assert (n.text, n.value, n.unit, n.scale) == ("$(3.4) million", -3.4e6, "USD", 1e6)
    text = "Net sales $ 32,765 and (547) other, 2.5% and $45.2M\u00a0and 25 basis points"
    found = extract_numbers(text)
    assert [n.text for n in found] == ["$ 32,765", "(547)", "2.5%", "$45.2M", "25 basis points"]
    for n in found:
        assert text[n.start : n.start + len(n.text)] == n.text


def test_several_numbers_in_prose():
    text = "was $110 million, $76 million, and $78 million, respectively, up 6.3% from 2017"
    assert canon(text) == ["usd:110000000", "usd:76000000", "usd:78000000", "pct:6.3"]


# ------------------------------------------------------------------ scales


def test_written_scale_wins_over_table_scale_and_table_scale_applies_to_bare_numbers():
    assert canon("45,200 (1,234) $2.1 million 4.5% 25 basis points", scale=1e3, unit="USD") == [
        "usd:45200000",
        "usd:-1234000",
        "usd:2100000",
        "pct:4.5",
        "bps:25",
    ]
    (n,) = extract_numbers("(1,234)", scale=1e6, unit="USD")
    assert n.value == -1.234e9 and n.scale == 1e6 and n.unit == "USD"
    (n,) = extract_numbers("$ 1.5 billion", scale=1e3, unit="USD")
    assert n.value == 1.5e9 and n.scale == 1e9


def test_table_without_unit_scales_bare_numbers():
    assert canon("Units 1,200 (30)", scale=1e6) == ["num:1200000000", "num:-30000000"]


def test_per_share_and_share_count_lines_in_a_scaled_table():
    table = (
        "(Millions, except per share amounts) 2018 2017\n"
        "Net income $ 5,349 $ 4,858\n"
        "Weighted average common shares outstanding \u2014 basic 588.5 597.5\n"
        "Earnings per share \u2014 basic $ 9.09 $ 8.13\n"
    )
    assert canon(table, scale=1e6, unit="USD") == [
        "usd:5349000000",
        "usd:4858000000",
        "shares:588500000",
        "shares:597500000",
        "usd:9.09",
        "usd:8.13",
    ]


def test_parenthesised_percent_negative_only_in_a_table():
    assert canon("sales rose $45 million (2.5%) in 2018") == ["usd:45000000", "pct:2.5"]
    assert canon("Primary Care $ 1,206 $ 4,184 (71%) (70%)") == [
        "usd:1206",
        "usd:4184",
        "pct:-71",
        "pct:-70",
    ]
    assert canon("(2.5%)", scale=1e6, unit="USD") == ["pct:-2.5"]
    (n,) = extract_numbers("margin (2.5% of sales)")
    assert n.text == "2.5%" and n.value == 2.5


@pytest.mark.parametrize(
    ("caption", "scale"),
    [
        ("(in thousands)", 1e3),
        ("(In thousands, except per share data)", 1e3),
        ("In millions, except per share data", 1e6),
        ("(Millions)", 1e6),
        ("(Millions, except per share amounts)", 1e6),
        ("($ in billions)", 1e9),
        ("(Dollars in millions)", 1e6),
        ("(Amounts in thousands, except per share amounts)", 1e3),
        ("(in thousands of U.S. dollars)", 1e3),
        ("Millions of dollars", 1e6),
        ("000s omitted", 1e3),
        ("(000's omitted)", 1e3),
        ("Amounts in 000s", 1e3),
        ("($000)", 1e3),
        ("Consolidated Balance Sheet", None),
        ("millions of customers use our apps", None),
        ("", None),
    ],
)
def test_detect_scale(caption, scale):
    assert detect_scale(caption) == scale


# ------------------------------------------------------------------ canonical


def test_same_amount_same_canonical_form():
    a = canon("$45.2 million")[0]
    b = canon("$45,200,000")[0]
    c = canon("45,200", scale=1e3, unit="USD")[0]
    d = canon("45.2", scale=1e6, unit="USD")[0]
    e = canon("$45.2M")[0]
    f = canon("$ 45,200", scale=1e3, unit="USD")[0]
    assert a == b == c == d == e == f == "usd:45200000"
    assert canon("45,200,000")[0] == "num:45200000"  # no unit written: a bare number


def test_canonical_scheme():
    assert canonical(0.1 + 0.2, "%") == "pct:0.3"
    assert canonical(1.5e9, "USD") == "usd:1500000000"
    assert canonical(-1.234e9, "USD") == "usd:-1234000000"
    assert canonical(1577.0, None) == "num:1577"
    assert canonical(3.2e6, "shares") == "shares:3200000"
    assert canonical(25, "bps") == "bps:25"
    assert canonical(-0.0, None) == "num:0"
    assert canonical(0.66, None) == "num:0.66"
    assert canonical(1e-7, None) == "num:0.0000001"
    # 9 significant digits: float noise does not split equal values
    assert canonical(45.2 * 1e6, "USD") == canonical(45_200_000, "USD")
    assert canonical(123456789012, None) == "num:123456789000"


# ------------------------------------------------------------------ not numbers


@pytest.mark.parametrize(
    "text",
    [
        "For the fiscal year ended December 31, 2018",
        "as of Dec. 31, 2018 and 2017",
        "As\u00a0of\u00a0December\u00a031,\u00a02017",
        "See Note 12 and Item 7A of our Form 10-K",
        "refer to Notes 4 and 5 and Items 7, 7A and 8",
        "filed as Exhibit 10.1 and Exhibit 101.INS",
        "3M Company and the 10-Q and Form 8-K",
        "In 2019 and 2020 we grew; fiscal 2018; FY2018; Q3 2019; 2019-2023",
        "Revenue(1) grew",
        "Revenue (1) grew",
        "Call (651) 733-1110 or 651-733-1110",
        "St. Paul, MN 55144-1000",
        "St. Paul, MN 55144",
        "CUSIP 88579Y101",
        "on 12/31/2018 and 1/1/2019",
        "adopted ASU No. 2016-13 and ASC 842 (Topic 606)",
        "under Rule 10b5-1 and Section 404 and \u00a7 906",
        "leverage of 1.5x and 2x",
        "the 1st and 2nd quarter",
        "Paragraph 9.B above",
    ],
)
def test_not_numbers(text):
    assert canon(text) == []


def test_years_allowed_when_asked():
    assert canon("in 2018", allow_years=True) == ["num:2018"]
    assert canon("$2018 and 2,018 and 2018.5") == ["usd:2018", "num:2018", "num:2018.5"]


def test_page_number_alone_on_an_edge_line_is_dropped():
    assert canon("Net sales 1,234 12\n56\n") == ["num:1234", "num:12"]
    assert canon("56\nNet sales 1,234") == ["num:1234"]
    assert canon("56") == ["num:56"]  # one line: a query or an answer, not a page


def test_footnote_marker_is_not_negative_but_table_parens_are():
    assert canon("Other (1) grew") == []
    assert canon("Other expense (income), net 207 144 (26)", scale=1e6, unit="USD") == [
        "usd:207000000",
        "usd:144000000",
        "usd:-26000000",
    ]


def test_dash_is_not_a_minus_unless_glued():
    assert canon("Total \u2013 1,234") == ["num:1234"]
    assert canon("Total -1,234") == ["num:-1234"]


# ------------------------------------------------------------------ parse_number


def test_parse_number_for_gold_answers():
    assert parse_number("$1577.00").canonical == "usd:1577"
    assert parse_number("1.9%").unit == "%"
    assert parse_number("The answer is 2018").value == 2018
    assert parse_number("$8.70 billion").canonical == "usd:8700000000"
    assert parse_number("(0.02)").value == -0.02
    assert parse_number("0.66").canonical == "num:0.66"
    assert parse_number("no number") is None
    assert parse_number("") is None


# ------------------------------------------------------------------ variants and regex


def test_number_variants():
    v = number_variants(45_200_000, "USD")
    for form in ("45,200,000", "$45,200,000", "45,200", "45.2", "45.2 million", "$45.2 million"):
        assert form in v, form
    assert "$45.2M" in v
    assert not any("K" in f for f in v)  # no "$45,200K"
    assert "1.577" not in number_variants(1577, None)  # not exact at a table's precision
    assert number_variants(0.66, None) == ["0.66"]
    neg = number_variants(-1234, "USD")
    assert "(1,234)" in neg and "$(1,234)" in neg and "-1,234" in neg
    assert number_variants(2.5, "%")[:2] == ["2.5%", "2.5 percent"]
    assert number_variants(25, "bps") == ["25 basis points", "25 bps"]
    assert "3.2 million shares" in number_variants(3.2e6, "shares")


def _hits(query: str, samples: tuple[str, ...]) -> dict[str, bool]:
    rx = re.compile(number_regex(query))
    return {s: bool(rx.search(f"was {s} in")) for s in samples}


def test_number_regex_matches_forms_and_not_neighbours():
    for q in ("$45.2 million", "45,200,000", "$45,200,000"):
        good = _hits(
            q,
            (
                "45,200,000",
                "$45.2 million",
                "$45.2M",
                "45200000",
                "45,200",
                "45.2",
                "45.20",
                "(45,200)",
                "-45,200",
                "$ 45.2",
                "45,200.0",
            ),
        )
        assert all(good.values()), (q, good)
        bad = _hits(
            q, ("45,201", "145,200", "45.21", "45,200.5", "1,045.2", "45.2%", "45,2000", "245.2")
        )
        assert not any(bad.values()), (q, bad)
    assert re.search(number_regex("$45.2 million"), "45.2") and re.search(
        number_regex("$45.2 million"), "x45,200,000."
    )


def test_number_regex_for_percent_bps_and_small_numbers():
    assert all(_hits("2.5%", ("2.5%", "2.50 %", "(2.5)%", "2.5 percent")).values())
    assert not any(_hits("2.5%", ("2.5", "$2.5", "12.5%", "2.55%", "2.5 million")).values())
    assert all(_hits("25 basis points", ("25 basis points", "25 bps")).values())
    assert not any(_hits("25 basis points", ("25", "125 bps", "25%")).values())
    assert all(_hits("0.66", ("0.66", "$0.66", "0.660")).values())
    assert not any(_hits("0.66", ("0.67", "10.66", "0.661", "66")).values())
    assert all(_hits("$1577.00", ("$1,577", "1577", "1,577.00", "(1,577)")).values())
    assert not any(_hits("$1577.00", ("1.577", "11,577", "1,5770")).values())
    assert number_regex("no number here") is None


def test_number_regex_is_ripgrep_compatible_and_bounded():
    for q in ("1,234", "$45.2 million", "2.5%", "25 bps", "(3.4)", "$1.5bn"):
        rx = number_regex(q)
        for construct in ("(?<", "(?=", "(?!", "\\d", "(?P"):
            assert construct not in rx, (q, construct)
        assert len(rx) < 300, q
        re.compile(rx)


# ------------------------------------------------------------------ real text


@pytest.mark.shared
def test_real_income_statement(fb_pdfs):
    import pypdfium2 as pdfium

    from docnav.ingestion.pdf import normalise_pdf_text

    path = fb_pdfs / "3M_2018_10K.pdf"
    if not path.exists():
        pytest.skip(f"{path} is absent from the shared FinanceBench folder")
    pdf = pdfium.PdfDocument(str(path))
    try:
        # page 56 (0-based 55): Consolidated Statement of Income
        page = normalise_pdf_text(pdf[55].get_textpage().get_text_range())
    finally:
        pdf.close()
    assert "Consolidated Statement of Incom" in page
    assert detect_scale(page) == 1e6
    found = {n.canonical for n in extract_numbers(page, scale=1e6, unit="USD")}
    # net sales 2018/2017/2016, gain on sale of businesses (547), net income to 3M 5,349
    assert {
        "usd:32765000000",
        "usd:31657000000",
        "usd:30109000000",
        "usd:-547000000",
        "usd:5349000000",
        "usd:-26000000",  # other expense (income), net 2016: (26)
    } <= found
    # per-share amounts keep their dollars; share counts are shares, in millions
    assert {"usd:9.09", "usd:8.89", "shares:588500000"} <= found
    assert "usd:9090000" not in found
    # years in the header and the page number are not amounts
    assert not any(c.endswith((":2018000000", ":2017000000", ":56000000")) for c in found)
    # and the regex built from a gold-style answer finds the amount on the page
    assert re.search(number_regex("$32,765 million"), page)
    assert re.search(number_regex("$32.765 billion"), page)
