"""Finding a section of a filing from what a person or a model typed: the one rule the tools
(``read_section``, ``follow_reference``) and the REST API (``/documents/{id}/sections/...``)
share."""

from __future__ import annotations

import re

from docnav.errors import DocnavError
from docnav.ingestion.xrefs import find_refs
from docnav.types import Section

_SPACE = re.compile(r"\s+")


class SectionNotFound(DocnavError):
    """No section of the filing matches; ``labels`` are the ones there are (for the message)."""

    def __init__(self, query: str, labels: str = "") -> None:
        self.query, self.labels = query, labels
        super().__init__(
            f"no section {query!r} in this filing" + (f" (labels here: {labels})" if labels else "")
        )


def norm(s: str) -> str:
    return _SPACE.sub(" ", s).strip(" .:").lower()


def find_section(
    sections: list[Section], query: str, paths: dict[str, str] | None = None
) -> tuple[Section, list[Section]]:
    """A section by id ("s0012"), full path ("Part II > Item 8"), label ("Note 12",
    "item 7a", or a reference such as "Note 12 — Leases"), title, the end of a path, or
    title words. Returns (the first match in document order, the other matches of the same
    rule); ``paths`` (``section_paths``) enables the path rules. Raises SectionNotFound."""
    q = norm(query)
    if not q:
        raise SectionNotFound(query)
    paths = paths or {}

    def path(s: Section) -> str:
        return norm(paths.get(s.id, ""))

    labels = {r.label for r in find_refs(query, skip_headings=False)}
    rules = (
        lambda s: s.id.lower() == q,
        lambda s: path(s) == q,
        lambda s: bool(s.label) and norm(s.label) == q,
        lambda s: s.label in labels,
        lambda s: norm(s.title) == q,
        lambda s: path(s).endswith(" > " + q),
        lambda s: q in norm(s.title),
    )
    for rule in rules:
        found = [s for s in sections if rule(s)]
        if found:
            return found[0], found[1:]
    raise SectionNotFound(query, ", ".join(s.label for s in sections if s.label)[:400])
