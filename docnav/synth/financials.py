"""The numbers behind the filings: one consistent set of statements per company and fiscal
year (the balance sheet balances, totals add up, cash flows tie to the change in cash), the
quarters that add up to the year, and the planted amounts the questions are about.

All amounts are in dollars and are whole multiples of the company's reporting unit, so the
tables ("in thousands" / "in millions") show them exactly. Planted amounts are multiples of
100 units, so prose can state them one scale up ("$45.2 million" for 45,200 in thousands)."""

from __future__ import annotations

import calendar
import random
from datetime import date

from pydantic import BaseModel

from docnav.synth.companies import Company

_MONTHS = list(calendar.month_name)


def month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def add_months(year: int, month: int, n: int) -> tuple[int, int]:
    y, m = divmod(month - 1 + n, 12)
    return year + y, m + 1


def fiscal_year_end(c: Company, fy: int) -> date:
    """Fiscal year ``fy`` ends in month ``fye_month`` of calendar year ``fy``."""
    return month_end(fy, c.fye_month)


def quarter_end(c: Company, fy: int, q: int) -> date:
    y, m = add_months(fy, c.fye_month, -3 * (4 - q))
    return month_end(y, m)


def long_date(d: date) -> str:
    return f"{_MONTHS[d.month]} {d.day}, {d.year}"


def fy_end_words(c: Company) -> str:
    """ "December 31" / "June 30"."""
    d = month_end(2001, c.fye_month)
    return f"{_MONTHS[d.month]} {d.day}"


class Annual(BaseModel):
    """One fiscal year. Income and cash-flow lines cover the year; balance-sheet lines are at
    its end."""

    year: int
    revenue: int
    segment_revenue: list[int]
    cost: int
    gross: int
    rd: int
    sga: int
    restructuring: int
    litigation_charge: int
    operating_income: int
    interest: int
    other: int
    pretax: int
    tax: int
    net_income: int
    shares: int  # diluted shares, thousands
    eps: float
    da: int
    sbc: int
    capex: int
    # balance sheet
    cash: int
    receivables: int
    inventory: int
    other_current: int
    current_assets: int
    ppe: int
    rou: int
    goodwill: int
    other_assets: int
    total_assets: int
    payables: int
    accrued: int
    lease_current: int
    debt_current: int
    current_liabilities: int
    long_term_debt: int
    lease_noncurrent: int
    other_liabilities: int
    total_liabilities: int
    paid_in: int
    retained: int
    equity: int
    # cash flow (filled from the previous year's balance sheet)
    d_receivables: int = 0
    d_inventory: int = 0
    d_payables: int = 0
    other_operating: int = 0
    cfo: int = 0
    acquisitions: int = 0
    cfi: int = 0
    debt_net: int = 0
    dividends: int = 0
    buybacks: int = 0  # net proceeds (+) or repurchases (-): the plug that ties cash
    cff: int = 0
    # planted amounts
    lit_item3: int
    lit_note: int
    lit_subsequent: int
    disc_lease: int
    terminated_lease: int
    lease_expense: int

    @property
    def lease_total(self) -> int:
        return self.lease_current + self.lease_noncurrent

    @property
    def non_gaap(self) -> int:
        """Operating income before depreciation, amortization and special items."""
        return self.operating_income + self.da + self.restructuring + self.litigation_charge

    @property
    def litigation_total(self) -> int:
        return self.lit_item3 + self.lit_note + self.lit_subsequent

    @property
    def lease_obligations_adjusted(self) -> int:
        return self.lease_total + self.disc_lease - self.terminated_lease


class Quarter(BaseModel):
    year: int  # fiscal year
    q: int
    revenue: int
    cost: int
    gross: int
    opex: int
    operating_income: int
    net_income: int
    eps: float


class CompanyBooks(BaseModel):
    company: Company
    years: dict[int, Annual]
    quarters: dict[tuple[int, int], Quarter]


def build_books(rng: random.Random, c: Company, first: int, last: int) -> CompanyBooks:
    """Statements for fiscal years ``first - 3`` .. ``last`` (comparatives need earlier years)."""
    m = _Money(c.unit)
    years: dict[int, Annual] = {}
    revenue = float(c.base_revenue)
    gm = rng.uniform(0.32, 0.62)
    shares = rng.randrange(40_000, 900_000)
    paid_in = m.r(c.base_revenue * rng.uniform(0.15, 0.35))
    seg_split = rng.uniform(0.45, 0.75)
    prev: Annual | None = None
    for y in range(first - 3, last + 1):
        revenue *= 1 + c.growth + rng.uniform(-0.05, 0.05)
        rev = m.r(revenue)
        income = _income(rng, m, rev, gm, seg_split, shares)
        shares = income["shares"]
        balance = _balance(rng, m, rev, paid_in)
        a = Annual(year=y, **income, **balance, **_planted_amounts(rng, m, rev, balance))
        if prev is not None:
            _cash_flows(a, prev, rng, m.r)
        years[y] = a
        prev = a
    return CompanyBooks(company=c, years=years, quarters=_quarters(rng, m, years))


class _Money:
    """Amounts in the company's unit: ``r`` rounds to it; ``planted`` to one scale up, so a
    planted amount reads exactly in words ("$45.2 million" == 45,200 thousand)."""

    def __init__(self, unit: int) -> None:
        self.unit = unit

    def r(self, x: float) -> int:
        return int(round(x / self.unit)) * self.unit

    def planted(self, x: float) -> int:
        step = 100 * self.unit
        return max(1, int(round(x / step))) * step


def _income(
    rng: random.Random, m: _Money, rev: int, gm: float, seg_split: float, shares: int
) -> dict:
    """The income statement of one year (and the cash-flow lines drawn with it)."""
    r, planted = m.r, m.planted
    seg0 = r(rev * (seg_split + rng.uniform(-0.03, 0.03)))
    gross = r(rev * (gm + rng.uniform(-0.02, 0.02)))
    rd = r(rev * rng.uniform(0.03, 0.09))
    sga = r(rev * rng.uniform(0.10, 0.18))
    restructuring = planted(rev * rng.uniform(0.006, 0.02))
    lit_charge = planted(rev * rng.uniform(0.002, 0.008))
    op = gross - rd - sga - restructuring - lit_charge
    interest = r(rev * rng.uniform(0.004, 0.015))
    other = r(rev * rng.uniform(-0.004, 0.006))
    pretax = op - interest + other
    tax = r(max(pretax, 0) * rng.uniform(0.17, 0.26))
    ni = pretax - tax
    shares = int(shares * rng.uniform(0.97, 1.01))
    return {
        "revenue": rev,
        "segment_revenue": [seg0, rev - seg0],
        "cost": rev - gross,
        "gross": gross,
        "rd": rd,
        "sga": sga,
        "restructuring": restructuring,
        "litigation_charge": lit_charge,
        "operating_income": op,
        "interest": interest,
        "other": other,
        "pretax": pretax,
        "tax": tax,
        "net_income": ni,
        "shares": shares,
        "eps": round(ni / (shares * 1000), 2),
        "da": r(rev * rng.uniform(0.03, 0.06)),
        "sbc": r(rev * rng.uniform(0.01, 0.03)),
        "capex": r(rev * rng.uniform(0.03, 0.07)),
    }


def _balance(rng: random.Random, m: _Money, rev: int, paid_in: int) -> dict:
    """The balance sheet at one year end; it balances (equity is what is left)."""
    r, planted = m.r, m.planted
    cash = r(rev * rng.uniform(0.08, 0.25))
    recv = r(rev * rng.uniform(0.10, 0.16))
    inv = r(rev * rng.uniform(0.06, 0.14))
    oca = r(rev * rng.uniform(0.02, 0.04))
    ca = cash + recv + inv + oca
    ppe = r(rev * rng.uniform(0.25, 0.45))
    rou = r(rev * rng.uniform(0.05, 0.10))
    gw = r(rev * rng.uniform(0.15, 0.35))
    oa = r(rev * rng.uniform(0.02, 0.05))
    ta = ca + ppe + rou + gw + oa
    ap = r(rev * rng.uniform(0.06, 0.10))
    acc = r(rev * rng.uniform(0.04, 0.08))
    lease_total = planted(rou * rng.uniform(1.02, 1.12))
    lease_cur = r(lease_total * rng.uniform(0.15, 0.22))
    debt_cur = r(rev * rng.uniform(0.01, 0.04))
    ltd = r(rev * rng.uniform(0.20, 0.40))
    ol = r(rev * rng.uniform(0.02, 0.05))
    cl = ap + acc + lease_cur + debt_cur
    tl = cl + ltd + (lease_total - lease_cur) + ol
    equity = ta - tl
    return {
        "cash": cash,
        "receivables": recv,
        "inventory": inv,
        "other_current": oca,
        "current_assets": ca,
        "ppe": ppe,
        "rou": rou,
        "goodwill": gw,
        "other_assets": oa,
        "total_assets": ta,
        "payables": ap,
        "accrued": acc,
        "lease_current": lease_cur,
        "debt_current": debt_cur,
        "current_liabilities": cl,
        "long_term_debt": ltd,
        "lease_noncurrent": lease_total - lease_cur,
        "other_liabilities": ol,
        "total_liabilities": tl,
        "paid_in": paid_in,
        "retained": equity - paid_in,
        "equity": equity,
    }


def _planted_amounts(rng: random.Random, m: _Money, rev: int, balance: dict) -> dict:
    """The amounts the planted questions ask about: legal matters in three places, the leases
    of discontinued operations and those terminated."""
    lease_total = balance["lease_current"] + balance["lease_noncurrent"]
    return {
        "lit_item3": m.planted(rev * rng.uniform(0.004, 0.02)),
        "lit_note": m.planted(rev * rng.uniform(0.004, 0.02)),
        "lit_subsequent": m.planted(rev * rng.uniform(0.004, 0.02)),
        "disc_lease": m.planted(lease_total * rng.uniform(0.12, 0.35)),
        "terminated_lease": m.planted(lease_total * rng.uniform(0.02, 0.08)),
        "lease_expense": m.r(lease_total * rng.uniform(0.15, 0.22)),
    }


def _quarters(
    rng: random.Random, m: _Money, years: dict[int, Annual]
) -> dict[tuple[int, int], Quarter]:
    """Four quarters per year that sum to it (the fourth takes what is left)."""
    r = m.r
    quarters: dict[tuple[int, int], Quarter] = {}
    w = [rng.uniform(0.8, 1.2) for _ in range(4)]
    tot = sum(w)
    w = [x / tot for x in w]
    for y, a in years.items():
        left = {
            "revenue": a.revenue,
            "gross": a.gross,
            "op": a.operating_income,
            "ni": a.net_income,
        }
        for q in range(1, 5):
            if q < 4:
                f = w[q - 1] * rng.uniform(0.97, 1.03)
                rev, gross = r(a.revenue * f), r(a.gross * f)
                op, ni = r(a.operating_income * f), r(a.net_income * f)
                for k, v in (("revenue", rev), ("gross", gross), ("op", op), ("ni", ni)):
                    left[k] -= v
            else:
                rev, gross, op, ni = left["revenue"], left["gross"], left["op"], left["ni"]
            quarters[(y, q)] = Quarter(
                year=y,
                q=q,
                revenue=rev,
                cost=rev - gross,
                gross=gross,
                opex=gross - op,
                operating_income=op,
                net_income=ni,
                eps=round(ni / (a.shares * 1000), 2),
            )
    return quarters


def _cash_flows(a: Annual, prev: Annual, rng: random.Random, r) -> None:
    a.d_receivables = -(a.receivables - prev.receivables)
    a.d_inventory = -(a.inventory - prev.inventory)
    a.d_payables = a.payables - prev.payables
    a.other_operating = r(a.revenue * rng.uniform(-0.01, 0.01))
    a.cfo = (
        a.net_income
        + a.da
        + a.sbc
        + a.d_receivables
        + a.d_inventory
        + a.d_payables
        + a.other_operating
    )
    a.acquisitions = -r(a.revenue * rng.uniform(0.0, 0.03))
    a.cfi = -a.capex + a.acquisitions
    a.debt_net = (a.long_term_debt + a.debt_current) - (prev.long_term_debt + prev.debt_current)
    a.dividends = -r(max(a.net_income, 0) * rng.uniform(0.1, 0.3))
    a.buybacks = (a.cash - prev.cash) - a.cfo - a.cfi - a.debt_net - a.dividends
    a.cff = a.debt_net + a.dividends + a.buybacks
