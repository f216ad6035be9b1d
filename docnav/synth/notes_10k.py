"""The Notes of a 10-K, one function per note. A note's number comes from the filing's
note plan (optional notes shift the numbers between companies); some notes start a new page
so that a planted chain of references crosses pages."""

from __future__ import annotations

from calendar import month_name
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING

from docnav.synth.doc import Row, Table
from docnav.synth.filings import scale_line
from docnav.synth.financials import add_months, fy_end_words, long_date
from docnav.synth.text import money_words, table_num

if TYPE_CHECKING:  # the 10-K module calls this one: the type is for annotations only
    from docnav.synth.form_10k import TenK

Head = Callable[[str], None]


def write_note(k: TenK, key: str) -> None:
    """Write note ``key`` (its heading and body) where the layout stands."""
    num = k.n[key]

    def head(title: str) -> None:
        k.lay.heading(f"Note {num} \u2014 {title}", 2)

    NOTES[key](k, head)


def _policies(k: TenK, head: Head) -> None:
    c, lay, n = k.c, k.lay, k.n
    head("Summary of Significant Accounting Policies")
    lay.para(
        f"Basis of presentation. The consolidated financial statements include the accounts of {c.name} and its wholly owned subsidiaries. Our fiscal year ends on {fy_end_words(c)}."
    )
    lay.para(
        "Use of estimates. The preparation of financial statements requires management to make estimates and assumptions that affect the reported amounts of assets, liabilities, revenue and expenses."
    )
    lay.para(
        f"Discontinued operations. The results of the business we agreed to sell are presented as discontinued operations; see Note {n['discontinued']}."
    )


def _revenue(k: TenK, head: Head) -> None:
    c, a, p1, fy, lay = k.c, k.a, k.p1, k.fy, k.lay
    head("Revenue")
    lay.para(
        "We recognize revenue when control of promised goods or services transfers to customers. The following table presents revenue by segment:"
    )
    lay.add(scale_line(c), keep_lines=8)
    lay.table(
        Table(
            rows=[
                Row(
                    c.segments[0],
                    [
                        table_num(a.segment_revenue[0], c.unit),
                        table_num(p1.segment_revenue[0], c.unit),
                    ],
                ),
                Row(
                    c.segments[1],
                    [
                        table_num(a.segment_revenue[1], c.unit),
                        table_num(p1.segment_revenue[1], c.unit),
                    ],
                ),
                Row(
                    "Total net revenue",
                    [table_num(a.revenue, c.unit), table_num(p1.revenue, c.unit)],
                    True,
                ),
            ],
            header=[str(fy), str(fy - 1)],
            dollar_rows={0, 2},
        )
    )


def _acquisitions(k: TenK, head: Head) -> None:
    c, a, fy, lay, ctx = k.c, k.a, k.fy, k.lay, k.ctx
    head("Acquisitions")
    lay.para(
        f"During fiscal {fy}, we acquired a privately held {ctx['industry_l']} business for total consideration of {money_words(-a.acquisitions or c.unit * 100)}, most of which was allocated to goodwill and intangible assets."
    )


def _inventories(k: TenK, head: Head) -> None:
    c, a, fy, lay = k.c, k.a, k.fy, k.lay
    head("Inventories")
    lay.add(scale_line(c), keep_lines=8)
    raw = round(a.inventory * 0.4 / c.unit) * c.unit
    lay.table(
        Table(
            rows=[
                Row("Raw materials", [table_num(raw, c.unit)]),
                Row("Finished goods", [table_num(a.inventory - raw, c.unit)]),
                Row("Total inventories", [table_num(a.inventory, c.unit)], True),
            ],
            header=[str(fy)],
            dollar_rows={0, 2},
        )
    )


def _ppe(k: TenK, head: Head) -> None:
    a, fye, lay = k.a, long_date(k.fye), k.lay
    head("Property, Plant and Equipment")
    lay.para(
        f"Property, plant and equipment, net was {money_words(a.ppe)} at {fye}. Depreciation expense is recorded on a straight-line basis over the estimated useful lives of the assets."
    )


def _goodwill(k: TenK, head: Head) -> None:
    a, fy, fye, lay = k.a, k.fy, long_date(k.fye), k.lay
    head("Goodwill and Intangible Assets")
    lay.para(
        f"Goodwill was {money_words(a.goodwill)} at {fye}. We test goodwill for impairment annually in the fourth quarter; no impairment was recorded in fiscal {fy}."
    )


def _debt(k: TenK, head: Head) -> None:
    a, fy, fye, lay = k.a, k.fy, long_date(k.fye), k.lay
    head("Debt")
    lay.para(
        f"Total debt was {money_words(a.long_term_debt + a.debt_current)} at {fye}, of which {money_words(a.debt_current)} is due within one year. Our revolving credit facility matures in {fy + 4}."
    )


def _leases(k: TenK, head: Head) -> None:
    c, a, fy, lay, f, n = k.c, k.a, k.fy, k.lay, k.f, k.n
    head("Leases")
    lay.para(
        f"We lease offices, warehouses and equipment under operating leases. Operating lease cost was {money_words(a.lease_expense)} in fiscal {fy}. Lease liabilities of continuing operations were as follows:"
    )
    lay.add(scale_line(c), keep_lines=8)
    lay.table(
        Table(
            rows=[
                Row("Current operating lease liabilities", [table_num(a.lease_current, c.unit)]),
                Row(
                    "Noncurrent operating lease liabilities",
                    [table_num(a.lease_noncurrent, c.unit)],
                ),
                Row(
                    "Total operating lease liabilities",
                    [table_num(a.lease_total, c.unit)],
                    True,
                ),
            ],
            header=[str(fy)],
            dollar_rows={0, 2},
        )
    )
    lay.mark("lease_total", table_num(a.lease_total, c.unit))
    lay.para(
        f"The amounts above exclude the leases of our discontinued operations, which are presented within liabilities of discontinued operations. See Note {n['discontinued']}."
    )
    f.refs.append((f"Note {n['discontinued']}", lay.page))


def _restructuring(k: TenK, head: Head) -> None:
    c, a, p1, fy, lay = k.c, k.a, k.p1, k.fy, k.lay
    head("Restructuring")
    lay.para(
        "Restructuring charges consist of severance and facility exit costs. Charges by fiscal year were as follows:"
    )
    lay.add(scale_line(c), keep_lines=8)
    lay.table(
        Table(
            rows=[
                Row(
                    "Severance and benefits",
                    [
                        table_num(round(a.restructuring * 0.6 / c.unit) * c.unit, c.unit),
                        table_num(round(p1.restructuring * 0.6 / c.unit) * c.unit, c.unit),
                    ],
                ),
                Row(
                    "Facility exit costs",
                    [
                        table_num(
                            a.restructuring - round(a.restructuring * 0.6 / c.unit) * c.unit,
                            c.unit,
                        ),
                        table_num(
                            p1.restructuring - round(p1.restructuring * 0.6 / c.unit) * c.unit,
                            c.unit,
                        ),
                    ],
                ),
                Row(
                    "Total restructuring charges",
                    [table_num(a.restructuring, c.unit), table_num(p1.restructuring, c.unit)],
                    True,
                ),
            ],
            header=[str(fy), str(fy - 1)],
            dollar_rows={0, 2},
        )
    )
    lay.mark("restructuring_table", table_num(p1.restructuring, c.unit))


def _taxes(k: TenK, head: Head) -> None:
    a, fy, lay = k.a, k.fy, k.lay
    head("Income Taxes")
    rate = a.tax / a.pretax * 100 if a.pretax else 0.0
    lay.para(
        f"The provision for income taxes was {money_words(a.tax)} in fiscal {fy}, an effective tax rate of {rate:.1f}%. The effective rate differs from the U.S. federal statutory rate of 21% primarily because of state taxes and foreign earnings taxed at different rates."
    )


def _discontinued(k: TenK, head: Head) -> None:
    c, a, fy, fye, lay, rng = k.c, k.a, k.fy, long_date(k.fye), k.lay, k.rng
    # the causal chain must cross pages: the Leases note points here with "See Note N"
    if lay.anchors.get("lease_total") and lay.anchors["lease_total"].page == lay.page:
        lay.new_page()
    head("Discontinued Operations")
    # a month inside fiscal year fy (two to four months before its end)
    ty, tm = add_months(fy, c.fye_month, -rng.randrange(2, 5))
    when = f"{month_name[tm]} {ty}"
    sd, st = money_words(a.disc_lease), money_words(a.terminated_lease)
    biz = rng.choice(["consumer", "field service", "wholesale", "specialty coatings"])
    lay.para(
        rng.choice(
            [
                f"In fiscal {fy - 1}, we agreed to sell our legacy {biz} business, which is presented as discontinued operations. "
                f"At {fye}, lease liabilities of the discontinued operations were {sd}.",
                f"Our former {biz} business is reported as discontinued operations following our decision in fiscal {fy - 1} to exit it. "
                f"Its operating lease liabilities, which are classified within liabilities of discontinued operations, totaled {sd} at {fye}.",
            ]
        ),
        anchor="disc_lease",
        snippet=sd,
    )
    lay.para(
        rng.choice(
            [
                f"In {when}, we terminated leases of the discontinued operations with remaining obligations of {st}; these obligations were released on termination and are included in the amount above.",
                f"During {when}, we exited several facilities of the discontinued business and terminated the related leases, releasing remaining lease obligations of {st}, which are included in the lease liabilities stated above.",
            ]
        ),
        anchor="terminated_lease",
        snippet=st,
    )


def _contingencies(k: TenK, head: Head) -> None:
    c, a, fye, lay, f, n, rng = k.c, k.a, long_date(k.fye), k.lay, k.f, k.n, k.rng
    head("Commitments and Contingencies")
    sn = money_words(a.lit_note)
    lay.para(
        f"Purchase obligations. We had non-cancelable purchase commitments of {money_words(round(a.cost * 0.05 / c.unit) * c.unit)} at {fye}."
    )
    who = rng.choice(
        ["Orrin Technologies", "Calder Systems", "Tesserine Labs", "Pemberly Holdings"]
    )
    lay.para(
        rng.choice(
            [
                f"Legal matters. We are a defendant in a patent infringement action brought by {who}. "
                f"We recorded a liability of {sn} related to this action as of {fye}. The matter described in Part I, Item 3 is not included in this amount.",
                f"Legal matters. {who} has alleged that certain of our products infringe its patents. "
                f"Our accrued liabilities include {sn} for this claim at {fye}; this amount does not include the matter described in Part I, Item 3.",
                f"Legal matters. In an arbitration with {who}, a former distributor, we recognized a loss contingency of {sn} as of {fye}. "
                f"Matters described under Legal Proceedings in Part I, Item 3 are accrued separately.",
            ]
        ),
        anchor="lit_note",
        snippet=sn,
    )
    lay.para(f"For a matter settled after the balance sheet date, see Note {n['subsequent']}.")
    f.refs.append((f"Note {n['subsequent']}", lay.page))


def _segments(k: TenK, head: Head) -> None:
    c, lay, n = k.c, k.lay, k.n
    head("Segment Information")
    lay.para(
        f"We report two segments, {c.segments[0]} and {c.segments[1]}. Segment revenue is presented in Note {n['revenue']}."
    )


def _subsequent(k: TenK, head: Head) -> None:
    a, fy, lay, f, rng = k.a, k.fy, k.lay, k.f, k.rng
    # fragmentation: the third piece on another page than the contingencies note
    if lay.anchors.get("lit_note") and lay.anchors["lit_note"].page == lay.page:
        lay.new_page()
    head("Subsequent Events")
    ss = money_words(a.lit_subsequent)
    d = f.period_end + timedelta(days=rng.randrange(20, 45))
    lay.para(
        rng.choice(
            [
                f"On {long_date(d)}, we agreed to settle a previously undisclosed product liability claim for {ss}, payable in the first quarter of fiscal {fy + 1}. ",
                f"After the end of the fiscal year, on {long_date(d)}, we reached an agreement to resolve a customer warranty dispute for a payment of {ss}. ",
                f"On {long_date(d)}, a court approved our settlement of a wage-and-hour class action for {ss}, which we expect to pay during fiscal {fy + 1}. ",
            ]
        )
        + "We have evaluated subsequent events through the date these financial statements were issued.",
        anchor="lit_subsequent",
        snippet=ss,
    )


NOTES: dict[str, Callable[[TenK, Head], None]] = {
    "policies": _policies,
    "revenue": _revenue,
    "acquisitions": _acquisitions,
    "inventories": _inventories,
    "ppe": _ppe,
    "goodwill": _goodwill,
    "debt": _debt,
    "leases": _leases,
    "restructuring": _restructuring,
    "taxes": _taxes,
    "discontinued": _discontinued,
    "contingencies": _contingencies,
    "segments": _segments,
    "subsequent": _subsequent,
}
