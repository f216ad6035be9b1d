"""Number formatting as filings write it, and the prose pools the filings draw from."""

from __future__ import annotations


def table_num(v: int, unit: int) -> str:
    """45200000 in thousands -> "45,200"; negatives in parentheses; zero as a dash."""
    x = round(v / unit)
    if x == 0:
        return "\u2014"
    return f"({abs(x):,})" if x < 0 else f"{x:,}"


def money_words(v: int) -> str:
    """45200000 -> "$45.2 million"; 1400000000 -> "$1.4 billion"; 312000000 -> "$312 million"."""
    a = abs(v)
    if a >= 1_000_000_000 and a % 100_000_000 == 0:
        s = f"${a / 1e9:.1f} billion"
    elif a >= 1_000_000:
        m = a / 1e6
        s = f"${m:,.1f} million" if a % 1_000_000 else f"${m:,.0f} million"
    else:
        s = f"${a / 1e3:,.1f} thousand" if a % 1_000 else f"${a / 1e3:,.0f} thousand"
    return s


def pct_change(new: int, old: int) -> str:
    if old == 0:
        return "n/m"
    return f"{abs(new - old) / abs(old) * 100:.1f}%"


def up_down(new: int, old: int) -> str:
    return "increased" if new >= old else "decreased"


NON_GAAP_NAMES = [
    ("Operating Income Before Special Items", "OIBSI"),
    ("Core Operating Earnings Before Depreciation", "COEBD"),
    ("Segment Operating Profit Before Charges", "SOPBC"),
    ("Cash Operating Earnings", "COE"),
]

BUSINESS = [
    "{name} designs, manufactures and sells {industry_l} products and related services to customers in North America, Europe and Asia.",
    "We operate through two reportable segments, {seg0} and {seg1}, which are managed separately because each requires different technology and marketing strategies.",
    "Our customers include large enterprises, distributors and government agencies. No single customer accounted for more than 10% of net revenue in fiscal {fy}.",
    "We compete on the basis of product performance, reliability, price and service. Our principal competitors include several larger, diversified companies with greater resources.",
    "As of {fye}, we had approximately {employees:,} full-time employees, of whom about {intl}% were located outside the United States.",
    "Our research and development activities focus on improving existing products and developing new offerings for the {seg0} segment.",
    "We source components from a network of suppliers; certain components are available from a limited number of sources.",
    "Our business is subject to seasonal patterns, with revenue typically strongest in the {strong} quarter of each fiscal year.",
]
RISKS = [
    (
        "Our results may fluctuate significantly from period to period.",
        "Our revenue and operating results depend on the timing of customer orders, product mix and pricing, which are difficult to predict.",
    ),
    (
        "We depend on a limited number of suppliers.",
        "Interruptions in the supply of key components could delay shipments and increase our costs.",
    ),
    (
        "We face intense competition.",
        "Competitors may introduce products with better performance or lower prices, which could reduce our market share and margins.",
    ),
    (
        "Our indebtedness could adversely affect our financial condition.",
        "Our debt agreements contain covenants that restrict our ability to incur additional debt, pay dividends or make acquisitions.",
    ),
    (
        "We are subject to litigation and regulatory proceedings.",
        "Adverse outcomes in legal proceedings could require us to pay substantial damages or change our business practices.",
    ),
    (
        "Cybersecurity incidents could disrupt our operations.",
        "A breach of our information systems could result in the loss of confidential information and expose us to liability.",
    ),
    (
        "Changes in tax laws could affect our results.",
        "We are subject to income taxes in the United States and numerous foreign jurisdictions, and our effective tax rate may change.",
    ),
    (
        "Restructuring activities may not achieve expected savings.",
        "We have undertaken restructuring actions to reduce costs, and we may not realize the benefits we anticipate.",
    ),
    (
        "Currency exchange rates may affect our results.",
        "A significant portion of our revenue is denominated in currencies other than the U.S. dollar.",
    ),
    (
        "We may not successfully integrate acquisitions.",
        "Acquisitions involve risks, including the diversion of management attention and the assumption of unknown liabilities.",
    ),
]
MDA_OVERVIEW = [
    "Fiscal {fy} was a year of {tone} for {short}, as demand in our {seg0} segment {seg_move} and we continued to execute on our cost programs.",
    "In fiscal {fy}, we focused on disciplined pricing, operational efficiency and investment in our {seg1} business.",
    "The following discussion should be read together with our consolidated financial statements and the related notes included in Item 8 of this Annual Report.",
]

RISKS += [
    (
        "Our international operations expose us to additional risks.",
        "Political instability, trade restrictions and differing legal regimes in the countries where we operate could disrupt our business.",
    ),
    (
        "We may be unable to protect our intellectual property.",
        "Third parties may infringe our patents or challenge their validity, and litigation to enforce our rights could be costly.",
    ),
    (
        "Inflation could increase our costs faster than our prices.",
        "Higher costs for materials, freight and labor may not be fully offset by price increases or productivity gains.",
    ),
    (
        "The loss of key personnel could harm our business.",
        "Our success depends on retaining our senior management and attracting qualified engineers and sales personnel.",
    ),
    (
        "Impairment of goodwill could reduce our earnings.",
        "If the fair value of a reporting unit falls below its carrying amount, we may record a non-cash impairment charge.",
    ),
    (
        "Climate-related regulation may increase our costs.",
        "New requirements to measure and reduce emissions could require capital investment and change how we operate our facilities.",
    ),
]
CRITICAL_ESTIMATES = [
    "Revenue recognition. Certain contracts include multiple performance obligations, and judgment is required to allocate the transaction price based on relative standalone selling prices.",
    "Goodwill. We test goodwill for impairment annually using discounted cash flow models that depend on assumptions about growth rates, margins and discount rates.",
    "Income taxes. We record valuation allowances when it is more likely than not that deferred tax assets will not be realized.",
    "Loss contingencies. We accrue for legal matters when a loss is probable and reasonably estimable; these estimates may change as matters progress.",
    "Inventory valuation. We write down inventory for excess and obsolete items based on forecasts of future demand.",
]
SEGMENT_DRIVERS = [
    "reflecting higher unit volumes and new customer programs",
    "as price increases more than offset lower volumes",
    "due to softer demand from distributors",
    "driven by the ramp of products launched last year",
    "reflecting the timing of large customer orders",
    "as currency translation reduced reported growth",
]
OUTLOOK = [
    "Looking ahead, we expect continued investment in research and development and further savings from our restructuring program.",
    "We remain focused on margin expansion, cash generation and disciplined capital allocation.",
    "We expect demand conditions in our end markets to remain uneven over the coming year.",
]
