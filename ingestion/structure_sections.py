"""Sections phase: sorted heads -> the nested outline (:class:`~docnav.types.Section`).

Parts, exhibits, the cover and free-standing sections are top level, Items sit under a
Part, and Notes, statements and other headings under the innermost Part/Item/exhibit.
A section ends where the next sibling-or-higher one starts.
"""

from __future__ import annotations

from docnav.ingestion.structure_model import Head, PageLines
from docnav.ingestion.structure_text import repair_split_words
from docnav.types import Section

__all__ = ["build_sections"]

_Stack = list[tuple[int, int]]  # (section index, level), outermost first


def build_sections(lines: PageLines, heads: list[Head]) -> list[Section]:
    """One section per head (ids "s0000", ... in order), nested and with page ranges."""
    sections: list[Section] = []
    stack: _Stack = []
    for h in heads:
        level = _open_level(h, heads, sections, stack)
        parent = sections[stack[-1][0]].id if stack else None
        p = lines.page_of[h.line] if h.line < lines.n_lines else lines.n_pages - 1
        sections.append(
            Section(
                id=f"s{len(sections):04d}",
                title=h.title or lines.texts[h.line][:160],
                kind=h.kind,
                label=h.label,
                level=level,
                parent=parent,
                page_start=p,
                page_end=p,
            )
        )
        stack.append((len(sections) - 1, level))
    _set_page_ends(lines, heads, sections)
    for sec in sections:
        sec.title = repair_split_words(sec.title)
    return sections


def _open_level(h: Head, heads: list[Head], sections: list[Section], stack: _Stack) -> int:
    """Pop the stack down to ``h``'s parent and return ``h``'s level."""
    if h.kind in ("part", "cover") or h.kind in ("exhibit", "other") and h.level_hint == 0:
        level = 0
    elif h.kind == "item":
        level = 1
    else:  # relative: under the innermost Part/Item/exhibit
        while stack and (stack[-1][1] >= 2 or heads[stack[-1][0]].level_hint >= 2):
            stack.pop()
        while stack and (
            heads[stack[-1][0]].kind == "cover" or heads[stack[-1][0]].extra.get("preamble")
        ):
            stack.pop()
        level = min(stack[-1][1] + 1 if stack else 0, 2)
    while stack and stack[-1][1] >= level:
        stack.pop()
    if h.kind == "item":  # items never nest under cover/exhibit/other
        while stack and sections[stack[-1][0]].kind != "part":
            stack.pop()
    return level


def _set_page_ends(lines: PageLines, heads: list[Head], sections: list[Section]) -> None:
    """page_end: where the next sibling-or-higher section starts (the page before, when it
    starts atop its page); the cover ends before the table of contents."""
    open_: list[int] = []
    for k, sec in enumerate(sections):
        ln = heads[k].line
        while open_ and sections[open_[-1]].id != sec.parent:
            o = open_.pop()
            pe = lines.page_of[ln] - 1 if lines.at_page_top(ln) else lines.page_of[ln]
            sections[o].page_end = max(sections[o].page_start, pe)
        open_.append(k)
    for o in open_:
        sections[o].page_end = max(sections[o].page_start, lines.n_pages - 1)
    for k, sec in enumerate(sections):
        ce = heads[k].extra.get("cover_end") if sec.kind == "cover" else None
        if ce is not None:
            sec.page_end = max(0, min(sec.page_end, ce))
