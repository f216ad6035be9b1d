"""Fictional registrants: name, ticker, CIK, exchange, fiscal-year end and reporting scale.

Names are built from word lists, so any number of distinct companies can be made; the first
three of every corpus have December, June and September year ends so a small corpus already
holds a non-calendar fiscal year."""

from __future__ import annotations

import random

from pydantic import BaseModel

_HEADS = [
    "Nor",
    "Hal",
    "Blue",
    "Cor",
    "Aster",
    "Meri",
    "Quil",
    "Tarra",
    "Vel",
    "Bright",
    "Dun",
    "Ever",
    "Fox",
    "Gran",
    "Harro",
    "Iron",
    "Juni",
    "Kes",
    "Lan",
    "Mar",
    "Pell",
    "Red",
    "Silver",
    "Thorn",
    "Umber",
    "Vale",
    "West",
    "Yarro",
    "Zeph",
    "Ash",
    "Birch",
    "Cinder",
]
_TAILS = [
    "wind",
    "ridge",
    "peak",
    "vane",
    "dell",
    "lon",
    "gon",
    "mark",
    "haven",
    "field",
    "gate",
    "stone",
    "crest",
    "brook",
    "moor",
    "wick",
]
_SECOND = [
    "Instruments",
    "Logistics",
    "Therapeutics",
    "Energy",
    "Materials",
    "Software",
    "Foods",
    "Semiconductor",
    "Retail",
    "Aerospace",
    "Networks",
    "Biosciences",
    "Industrial",
    "Apparel",
    "Water",
    "Robotics",
    "Health",
    "Analytics",
]
_SUFFIX = ["Inc.", "Corporation", "Holdings, Inc.", "Group, Inc.", "Co."]
_STATES = ["Delaware", "Nevada", "Ohio", "Minnesota", "Washington", "Texas", "Colorado"]
_CITIES = [
    ("Denver", "Colorado", "80202"),
    ("Columbus", "Ohio", "43215"),
    ("Austin", "Texas", "78701"),
    ("Minneapolis", "Minnesota", "55402"),
    ("Seattle", "Washington", "98101"),
    ("Raleigh", "North Carolina", "27601"),
    ("Portland", "Oregon", "97204"),
]
_EXCHANGES = ["The Nasdaq Stock Market LLC", "New York Stock Exchange"]
_SEGMENTS = {
    "Instruments": ["Test and Measurement", "Industrial Sensors"],
    "Logistics": ["Freight Brokerage", "Contract Warehousing"],
    "Therapeutics": ["Specialty Pharmaceuticals", "Diagnostics"],
    "Energy": ["Power Generation", "Field Services"],
}
_DEFAULT_SEGMENTS = ["Products", "Services"]
# fiscal-year end months of the first companies; later ones draw from this list
_FYE = [12, 6, 9]


class Company(BaseModel):
    name: str
    short: str  # "Northwind" - how prose refers to it
    ticker: str
    cik: str  # 10 digits, zero padded
    fye_month: int  # 12 = calendar year; 6 = fiscal year ends June 30
    unit: int  # 1_000 ("in thousands") or 1_000_000 ("in millions")
    state: str
    city: str
    region: str
    zip: str
    exchange: str
    file_number: str
    ein: str
    industry: str
    segments: list[str]
    base_revenue: int  # fiscal revenue in the first modelled year, dollars
    growth: float  # mean yearly revenue growth

    @property
    def doc_prefix(self) -> str:
        """Upper-case file-name prefix ("NORTHWIND"), FinanceBench style."""
        return "".join(ch for ch in self.short.upper() if ch.isalnum())

    @property
    def scale_word(self) -> str:
        return "thousands" if self.unit == 1_000 else "millions"


def make_companies(rng: random.Random, n: int) -> list[Company]:
    """``n`` distinct companies. Names, tickers and CIKs are unique within the corpus."""
    if n < 1:
        raise ValueError("at least one company is needed")
    words = [h + t for h in _HEADS for t in _TAILS]  # one distinct first word per company
    rng.shuffle(words)
    out: list[Company] = []
    tickers: set[str] = set()
    ciks: set[str] = set()
    while len(out) < n:
        k = len(out)
        first = words[k % len(words)]
        if k >= len(words):  # beyond 512 companies: a third syllable keeps words distinct
            first += _TAILS[(k // len(words) - 1) % len(_TAILS)]
            if k >= len(words) * (len(_TAILS) + 1):
                raise ValueError(f"at most {len(words) * (len(_TAILS) + 1)} companies")
        second = rng.choice(_SECOND)
        short = first
        i = len(out)
        suffix = rng.choice(_SUFFIX)
        name = f"{first} {second}{', ' if suffix == 'Inc.' else ' '}{suffix}"
        letters = "".join(w[0] for w in (first + " " + second).split() if w[0].isalpha()).upper()
        ticker = _ticker(rng, first, letters, tickers)
        cik = f"{rng.randrange(1_100_000, 2_000_000):010d}"
        while cik in ciks:
            cik = f"{rng.randrange(1_100_000, 2_000_000):010d}"
        ciks.add(cik)
        unit = 1_000 if rng.random() < 0.6 else 1_000_000
        if i == 0:
            unit = 1_000  # the first company always shows "$45.2 million" vs "45,200"
        base = (
            rng.randrange(180, 3_000) * 1_000_000
            if unit == 1_000
            else rng.randrange(4_000, 60_000) * 1_000_000
        )
        city, region, zip_ = rng.choice(_CITIES)
        out.append(
            Company(
                name=name,
                short=short,
                ticker=ticker,
                cik=cik,
                fye_month=_FYE[i] if i < len(_FYE) else rng.choice([12, 12, 12, 6, 9, 3]),
                unit=unit,
                state=rng.choice(_STATES),
                city=city,
                region=region,
                zip=zip_,
                exchange=rng.choice(_EXCHANGES),
                file_number=f"001-{rng.randrange(30000, 41000)}",
                ein=f"{rng.randrange(10, 99)}-{rng.randrange(1000000, 9999999)}",
                industry=second,
                segments=_SEGMENTS.get(second, _DEFAULT_SEGMENTS),
                base_revenue=base,
                growth=rng.uniform(-0.02, 0.14),
            )
        )
    return out


def _ticker(rng: random.Random, first: str, letters: str, taken: set[str]) -> str:
    alpha = "".join(ch for ch in first.upper() if ch.isalpha())
    cands = [alpha[:4], letters + alpha[1:3], alpha[:3], alpha[0] + alpha[2:5]]
    for c in cands:
        c = c[:5]
        if len(c) >= 2 and c not in taken:
            taken.add(c)
            return c
    while True:
        c = "".join(rng.choice("ABCDEFGHJKLMNPRSTVWXYZ") for _ in range(4))
        if c not in taken:
            taken.add(c)
            return c
