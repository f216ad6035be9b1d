"""One ticker per company across its filings.

Metadata reads the trading symbol from a filing's own cover, and some covers do not print it
where it can be read (older 10-Ks, scanned pages), while the same company's other filings
do. A `--ticker MMM` filter would then silently drop that 10-K. Here filings of one company
(the same CIK, else the same normalized name) share the ticker their other filings carry,
when they carry exactly one: two different tickers (share classes, a reused name) share
nothing, since guessing between them would be worse than leaving the field empty.
"""

from __future__ import annotations

from collections.abc import Iterable

from docnav.ingestion.metadata import normalize_company
from docnav.types import Document, DocumentMeta


def _keys(meta: DocumentMeta) -> list[str]:
    keys = []
    if meta.cik and meta.cik.strip().isdigit():
        keys.append(f"cik:{int(meta.cik)}")
    name = normalize_company(meta.company) if meta.company else ""
    if name:
        keys.append(f"name:{name}")
    return keys


def shared_tickers(docs: Iterable[Document]) -> dict[str, str]:
    """Company key (``cik:N`` or ``name:...``) -> the one ticker its filings carry."""
    seen: dict[str, set[str]] = {}
    for d in docs:
        if d.meta.ticker:
            for k in _keys(d.meta):
                seen.setdefault(k, set()).add(d.meta.ticker.strip().upper())
    return {k: next(iter(v)) for k, v in seen.items() if len(v) == 1}


def ticker_of(meta: DocumentMeta, shared: dict[str, str]) -> str | None:
    """The filing's own ticker, else its company's shared one (CIK first, then name)."""
    if meta.ticker:
        return meta.ticker
    return next((shared[k] for k in _keys(meta) if k in shared), None)


def with_shared_tickers(
    docs: list[Document], catalog: Iterable[Document] | None = None
) -> list[Document]:
    """``docs`` with each empty ticker filled from the same company's other filings in
    ``catalog`` (default: ``docs`` themselves; pass the whole catalog when ``docs`` is a
    filtered list, or a company's ticker-carrying filings may be filtered out)."""
    shared = shared_tickers(docs if catalog is None else catalog)
    out = []
    for d in docs:
        t = ticker_of(d.meta, shared)
        if t and not d.meta.ticker:
            d = d.model_copy(update={"meta": d.meta.model_copy(update={"ticker": t})})
        out.append(d)
    return out


def filter_ticker(
    docs: list[Document], ticker: str, catalog: Iterable[Document] | None = None
) -> list[Document]:
    """The filings of ``ticker`` (case-insensitive) among ``docs``, shared tickers included."""
    want = ticker.strip().upper()
    filled = with_shared_tickers(docs, catalog)
    return [d for d in filled if (d.meta.ticker or "").upper() == want]
