"""EDGAR inline XBRL -> Facts: the filing's own tagged values (edgartools parses them).

XBRL facts carry the concept, the exact period and the full-scale value, but no row label
and no page: the label is the concept's name in words (plus its dimension members), and the
page is the first statement / Note page on which the value is printed as the filing shows
it ("29,749" for 29,749,000,000 tagged with scale 6)."""

from __future__ import annotations

import re
from datetime import date

from docnav.ingestion.facts_labels import normalise_label, statement_kind
from docnav.ingestion.facts_periods import period_from_dates
from docnav.types import DocumentMeta, Fact, Section, StatementKind, StructuredDoc

__all__ = ["concept_words", "xbrl_facts"]

_UNITS = {
    "usd": "USD",
    "shares": "shares",
    "usdpershare": "USD/share",
    "pure": None,
    "number": None,
}
_SCALES = {3: "in thousands", 6: "in millions", 9: "in billions"}
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_NUMBER_TOKEN = re.compile(r"\d[\d,]*(?:\.\d+)?")
_SEGMENT_AXIS = re.compile(r"segment|geograph|productorservice|region|country", re.IGNORECASE)


def concept_words(name: str) -> str:
    """ "us-gaap:PaymentsToAcquirePropertyPlantAndEquipment" -> "Payments To Acquire Property
    Plant And Equipment"; a member "aapl:IPhoneMember" -> "IPhone"."""
    local = name.split(":", 1)[-1]
    local = re.sub(r"(?:Member|Axis)$", "", local)
    return _CAMEL.sub(" ", local).strip()


def _display(value: float, scale: int, decimals: int | None) -> str:
    """The value as the filing prints it: "29,749" for 2.9749e10 at scale 6."""
    nd = max(0, (decimals if decimals is not None else 0) + scale) if decimals is not None else 0
    return f"{abs(value) / 10**scale:,.{nd}f}"


def _page_index(pages: list[str], order: list[int]) -> list[tuple[int, set[str]]]:
    return [(p, set(_NUMBER_TOKEN.findall(pages[p]))) for p in order if 0 <= p < len(pages)]


def _to_int(x: object) -> int | None:
    try:
        return int(str(x))
    except (TypeError, ValueError):
        return None


def _to_date(s: object) -> date | None:
    try:
        return date.fromisoformat(str(s)[:10]) if s else None
    except ValueError:
        return None


def xbrl_facts(
    data: bytes | str,
    pages: list[str],
    structure: StructuredDoc,
    meta: DocumentMeta | None = None,
    doc_id: str = "",
    form: str | None = None,
) -> list[Fact]:
    """Numeric inline-XBRL facts of one EDGAR filing that are printed on one of its pages."""
    from edgar.documents import ParserConfig, parse_html

    from docnav.ingestion.store import section_paths

    html = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    try:
        doc = parse_html(html, config=ParserConfig(form=form or (meta.form if meta else None)))
        raw = list(doc.xbrl_facts or [])
    except Exception:  # noqa: BLE001 - edgartools' parser is a second source; the PDF-like path stays
        return []
    if not raw:
        return []
    by_id = {s.id: s for s in structure.sections}
    paths = section_paths(structure.sections)
    # the innermost statement / Note section of each page, statements first in the search
    page_sec: dict[int, Section] = {}
    for s in structure.sections:
        if s.kind in ("statement", "note"):
            for p in range(s.page_start, s.page_end + 1):
                page_sec.setdefault(p, s)
    stmt = [p for p, s in sorted(page_sec.items()) if s.kind == "statement"]
    notes = [p for p, s in sorted(page_sec.items()) if s.kind == "note"]
    rest = [p for p in range(len(pages)) if p not in page_sec]
    index = _page_index(pages, stmt + notes + rest)

    out: list[Fact] = []
    seen: set[tuple] = set()
    for f in raw:
        if (
            not getattr(f, "is_numeric", False)
            or f.numeric_value is None
            or f.concept.startswith("dei:")
        ):
            continue
        ctx = f.context or {}
        dims = ctx.get("dimensions") or {}
        key = (
            f.concept,
            ctx.get("start_date"),
            ctx.get("end_date"),
            ctx.get("instant"),
            tuple(sorted(dims.items())),
        )
        if key in seen:
            continue
        seen.add(key)
        scale = _to_int(f.scale) or 0
        shown = _display(float(f.numeric_value), scale, _to_int(f.decimals))
        page = next((p for p, toks in index if shown in toks), None)
        if page is None:
            continue  # hidden or not printed as a number (words, a footnote): no page to cite
        sec = page_sec.get(page)
        chain = []
        cur = sec
        while cur is not None:
            chain.append(cur)
            cur = by_id.get(cur.parent) if cur.parent else None
        kind: StatementKind = statement_kind(sec, chain)
        if dims and any(_SEGMENT_AXIS.search(a) for a in dims):
            kind = "segment"
        label = concept_words(f.concept)
        if dims:
            label += " [" + ", ".join(concept_words(m) for m in dims.values()) + "]"
        unit_ref = (f.unit_ref or "").lower()
        unit = _UNITS.get(unit_ref, f.unit_ref)
        period = period_from_dates(
            _to_date(ctx.get("start_date")),
            _to_date(ctx.get("end_date") or ctx.get("instant")),
            instant=ctx.get("period_type") == "instant" or "instant" in ctx,
            doc_period=meta.fiscal_period if meta else None,
            doc_period_end=meta.period_end if meta else None,
        )
        out.append(
            Fact(
                doc_id=doc_id,
                page=page,
                section=paths.get(sec.id, "") if sec else "",
                statement=kind,
                label=label,
                norm_label=normalise_label(label),
                period=period,
                column=str(ctx.get("end_date") or ctx.get("instant") or ""),
                value=float(f.numeric_value),
                unit=unit,
                scale=_SCALES.get(scale),
                source="xbrl",
                concept=f.concept,
            )
        )
    out.sort(key=lambda x: x.page)
    return out
