"""Pages as public outputs show them: numbered from 1, under the field names the engine uses.

The store, the indexes and the tools keep 0-based page indexes (``page``, ``page_start``,
``page_end``). Everything a person or a client reads (CLI JSON and tables, REST, MCP)
numbers pages as the filing viewer and citations do, from 1, with the same field names, so
``page_start`` of an outline entry is the page `docnav page DOC N` prints. This module is
that one conversion; answers (``Citation.page``) and fact rows (``FactRow.page``) are
already 1-based where they are made.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from docnav.retrieval.index import SearchHit, SearchResult
from docnav.types import Section


def one_based(obj: BaseModel, *fields: str) -> dict[str, int | None]:
    """The named 0-based page fields of ``obj`` as 1-based values (None stays None)."""
    out: dict[str, int | None] = {}
    for f in fields:
        v = getattr(obj, f)
        out[f] = None if v is None else v + 1
    return out


def public_section(section: Section) -> dict[str, Any]:
    """An outline entry (any Section, OutlineEntry's ``path`` included) with 1-based pages."""
    return {
        **section.model_dump(mode="json"),
        **one_based(section, "page_start", "page_end"),
    }


def public_hit(hit: SearchHit) -> dict[str, Any]:
    """A search hit with 1-based ``page_start``, ``page_end`` and ``page``."""
    return {**hit.model_dump(mode="json"), **one_based(hit, "page_start", "page_end", "page")}


def public_search(result: SearchResult) -> dict[str, Any]:
    """A search result with every page 1-based: the hits and, ranked by page, the pages."""
    data = result.model_dump(mode="json")
    data["hits"] = [public_hit(h) for h in result.hits]
    data["pages"] = [{**p.model_dump(mode="json"), **one_based(p, "page")} for p in result.pages]
    return data
