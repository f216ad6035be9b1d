"""Pages as public outputs show them: numbered from 1, under the field names the engine uses.

The store, the indexes and the tools keep 0-based page indexes (``page``, ``page_start``,
``page_end``). Everything a person or a client reads (the Engine's public methods, CLI JSON,
TSV and tables, REST, MCP, notebooks) numbers pages as the filing viewer and citations do,
from 1, with the same field names, so ``page_start`` of an outline entry is the page
``engine.page_text(doc, n)``, `docnav page DOC N` and ``GET .../pages/{n}`` read. These models
are that boundary and ``of`` is the one conversion; answers (``Citation.page``) and fact rows
(``FactRow.page``) are already 1-based where they are made.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from docnav.retrieval.index import SearchHit, SearchResult
from docnav.retrieval.pages import PageHit
from docnav.types import Section

PAGE_1 = "1-based, as citations print it: GET /v1/documents/{doc_id}/pages/{n} reads it."


def _one_based(obj: BaseModel, *fields: str) -> dict[str, int | None]:
    """The named 0-based page fields of ``obj`` as 1-based values (None stays None)."""
    return {f: None if getattr(obj, f) is None else getattr(obj, f) + 1 for f in fields}


class PublicHit(SearchHit):
    """A search hit as people and clients see it: pages 1-based."""

    page_start: int = Field(description="First page of the passage, " + PAGE_1)
    page_end: int = Field(description="Last page of the passage (inclusive), 1-based.")
    page: int | None = Field(
        default=None, description="Ranked by page: the page this passage is shown for, 1-based."
    )

    @classmethod
    def of(cls, hit: SearchHit) -> PublicHit:
        return cls.model_validate(
            {**hit.model_dump(), **_one_based(hit, "page_start", "page_end", "page")}
        )

    @property
    def page_label(self) -> str:
        """As printed: p. 12, pp. 12-13, or p. 13 (chunk pp. 12-13) for a ranked page."""
        a, b = self.page_start, self.page_end
        pages = f"p. {a}" if a == b else f"pp. {a}-{b}"
        return f"p. {self.page} (chunk {pages})" if self.page is not None and a != b else pages


class PublicPage(PageHit):
    """A ranked page (search by page) as people and clients see it: 1-based."""

    page: int = Field(description="The page, " + PAGE_1)

    @classmethod
    def of(cls, page: PageHit) -> PublicPage:
        return cls.model_validate({**page.model_dump(), **_one_based(page, "page")})


class PublicSearchResult(SearchResult):
    """``Engine.search``'s result: every page in it 1-based (the hits and the ranked pages)."""

    hits: list[PublicHit]  # type: ignore[assignment]
    pages: list[PublicPage] = Field(default_factory=list)  # type: ignore[assignment]

    @classmethod
    def of(cls, result: SearchResult) -> PublicSearchResult:
        fields = {f: getattr(result, f) for f in SearchResult.model_fields}
        fields["hits"] = [PublicHit.of(h) for h in result.hits]
        fields["pages"] = [PublicPage.of(p) for p in result.pages]
        return cls(**fields)


class PublicOutlineEntry(Section):
    """A section of a filing's outline with its path, pages 1-based."""

    path: str = Field(description='Where it sits: "Part II > Item 8 > Note 12".')
    page_start: int = Field(description="First page of the section, " + PAGE_1)
    page_end: int = Field(description="Last page of the section (inclusive), 1-based.")

    @classmethod
    def of(cls, section: Section, path: str) -> PublicOutlineEntry:
        return cls.model_validate(
            {**section.model_dump(), "path": path, **_one_based(section, "page_start", "page_end")}
        )

    @property
    def page_label(self) -> str:
        a, b = self.page_start, self.page_end
        return f"p. {a}" if a == b else f"pp. {a}-{b}"
