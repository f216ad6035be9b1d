"""The model every structure phase reads and writes.

:class:`PageLines`: all lines of a document in one flat list with the page of each, so
phases address a line by its global index. :class:`Candidates`: what one scan over the
lines found that may be a heading. :class:`Head`: a heading a phase accepted; the
sections phase turns the sorted heads into the outline.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from docnav.types import SectionKind

__all__ = ["Candidates", "Head", "PageLines"]


@dataclass(slots=True)
class PageLines:
    """A document's cleaned lines, in reading order over all pages."""

    texts: list[str]  # cleaned line text (furniture not removed)
    page_of: list[int]  # page of each line
    keep: list[bool]  # False: page furniture (a "Table of Contents" link, a page number)
    page_first: list[int]  # first line of each page, plus one past the last line
    page_width: list[int]  # typical line length of each page (90th percentile, >= 80)

    @property
    def n_lines(self) -> int:
        return len(self.texts)

    @property
    def n_pages(self) -> int:
        return len(self.page_width)

    def prev_line(self, i: int) -> str | None:
        """The line before ``i`` on the same page, None at a page top."""
        j = i - 1
        if j < 0 or self.page_of[j] != self.page_of[i]:
            return None
        return self.texts[j]

    def next_line(self, i: int) -> str:
        """The line after ``i`` on the same page, "" at a page bottom."""
        j = i + 1
        if j < self.n_lines and self.page_of[j] == self.page_of[i]:
            return self.texts[j]
        return ""

    def at_page_top(self, line: int) -> bool:
        """No kept line before ``line`` on its page."""
        p = self.page_of[line]
        return not any(self.keep[j] for j in range(self.page_first[p], line))


@dataclass
class Head:
    """A heading a phase accepted: where a section starts and what it is."""

    line: int  # global line index where the section starts
    kind: SectionKind
    title: str  # "" until the Items phase titles it; "" then means the line's text
    label: str | None
    level_hint: int  # 0 part/exhibit/cover, 1 item, 2 note/statement
    # "part": the Part of an Item; "cover_end": the cover's last page; "preamble", "fs",
    # "notes_header": which kind of free-standing "other" section
    extra: dict[str, object] = field(default_factory=dict)


@dataclass
class Candidates:
    """Lines whose start makes them possible headings, and per-page counts of index lines."""

    n_pages: int
    items: list[tuple[int, str, str, str]] = field(default_factory=list)  # (line, key, rest, raw)
    parts: list[tuple[int, int, str]] = field(default_factory=list)  # (line, part, rest)
    notes_headers: list[int] = field(default_factory=list)
    notes: list[tuple[int, int, str, int]] = field(
        default_factory=list
    )  # (line, num, title, style)
    exhibits: list[tuple[int, str, str]] = field(default_factory=list)  # (line, number, rest)
    exhibit_index: list[int] = field(default_factory=list)
    # per page: Item/Part lines ending in a page number, all Item lines, bare numbers,
    # exhibit-list lines, "title ... 12" index lines
    toc_items: list[int] = field(init=False)
    toc_total: list[int] = field(init=False)
    toc_nums: list[int] = field(init=False)
    exlines: list[int] = field(init=False)
    idx_lines: list[int] = field(init=False)

    def __post_init__(self) -> None:
        for name in ("toc_items", "toc_total", "toc_nums", "exlines", "idx_lines"):
            setattr(self, name, [0] * self.n_pages)
