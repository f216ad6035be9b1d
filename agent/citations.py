"""Citation checking: a citation stands only if its quote is found in text the model was
actually shown. The model's page number is not trusted; the page where the quote is found is."""

from __future__ import annotations

import re
from difflib import SequenceMatcher

from docnav.types import Citation

_WS = re.compile(r"\s+")
_PUNCT = re.compile(r"[^\w%$.,()-]+")


def normalize(text: str) -> str:
    text = text.replace("\u2019", "'").replace("\u2014", "-").replace("\u2013", "-")
    text = _PUNCT.sub(" ", text.lower())
    return _WS.sub(" ", text).strip()


def quote_found(quote: str, page_text: str, min_ratio: float = 0.85) -> bool:
    """True when the quote is in the page, exactly after normalisation, or as one contiguous
    run covering ``min_ratio`` of it (small models drop a word or change punctuation)."""
    q, p = normalize(quote), normalize(page_text)
    if len(q) < 4:
        return False
    if q in p:
        return True
    m = SequenceMatcher(None, q, p, autojunk=False).find_longest_match(0, len(q), 0, len(p))
    return m.size >= max(12, min_ratio * len(q))


def verify_citations(
    citations: list[Citation],
    reads: dict[tuple[str, int], str],
    doc_names: dict[str, str],
) -> list[Citation]:
    """Check each citation against ``reads`` ((doc_id, 0-based page) -> text shown). Matches
    the cited document by id or name; searches the cited page first, then every page of that
    document the model read, then every page read at all; fixes the page when found
    elsewhere. Unverified citations are kept with ``verified=False`` so the user sees them."""
    by_name = {v.lower(): k for k, v in doc_names.items()}
    out: list[Citation] = []
    for c in citations:
        doc_id = c.doc_id if c.doc_id in doc_names else by_name.get(c.doc_name.lower(), "")
        if not doc_id:
            doc_id = by_name.get(c.doc_id.lower(), c.doc_id)
        cited = (doc_id, c.page - 1)
        order = [cited] if cited in reads else []
        order += sorted(k for k in reads if k[0] == doc_id and k != cited)
        order += sorted(k for k in reads if k[0] != doc_id)
        found = next((k for k in order if quote_found(c.quote, reads[k])), None)
        if found:
            out.append(
                c.model_copy(
                    update={
                        "doc_id": found[0],
                        "doc_name": doc_names.get(found[0], found[0]),
                        "page": found[1] + 1,
                        "verified": True,
                    }
                )
            )
        else:
            out.append(
                c.model_copy(
                    update={
                        "doc_id": doc_id,
                        "doc_name": doc_names.get(doc_id, c.doc_name),
                        "verified": False,
                    }
                )
            )
    return out
