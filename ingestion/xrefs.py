"""Cross-references made in filing text ("See Note 12", "refer to Item 7", "Exhibit 10.1")
and their resolution to sections of the same filing.

Labels are canonical: "Note 12", "Item 7A" (letter upper case), "Item 2.02" (8-K),
"Exhibit 10.1", "Part II" (roman numerals upper case). One ref per label per text (the first
mention). A section's own heading line ("Note 12 — Leases" at the start of a line, "PART II",
"Item 1A. Risk Factors") is a heading, not a reference; the caller also passes the chunk's own
label in ``exclude_labels``. A quoted "Risk Factors" refers to Item 1A.

Speed: a cheap trigger scan on the lower-cased text finds the words a reference starts with;
the full pattern is matched only there (~35 MB/s on 10-K page text, one core).
"""

from __future__ import annotations

import re

from docnav.types import CrossRef, Section

_ROMAN = r"(?:IV|I{1,3})"
_EX_NUM = r"\d{1,3}(?:\.\d{1,3})?(?:\([a-z]\))?(?![\d.]\d)"
_NUM_LIST_SEP = r"\s*(?:,\s*(?:and\s+|&\s*)?|and|&|or|through|to|[-\u2013])\s*"

_REF_RX = re.compile(
    rf"""
    (?P<quoted>["'\u201c\u2018]Risk\s+Factors\b)
    | (?P<note>\bNotes?\s+(?P<note_nums>\d{{1,2}}(?![\d.,]\d)(?:{_NUM_LIST_SEP}\d{{1,2}}(?![\d.,]\d))*)\b)
    | (?P<item>(?:\b(?-i:P(?:art|ART))\s+(?P<item_part>(?-i:{_ROMAN}))\s*[,.]?\s*)?
        \bItems?\s+(?P<item_nums>\d{{1,2}}(?:\.\d{{2}})?[A-C]?(?:{_NUM_LIST_SEP}\d{{1,2}}(?:\.\d{{2}})?[A-C]?)*)\b
        (?:\s*(?:of|in)\s+(?-i:P(?:art|ART))\s+(?P<item_part2>(?-i:{_ROMAN}))\b)?)
    | (?P<exhibit>\bExhibits?\s+(?P<ex_nums>{_EX_NUM}(?:{_NUM_LIST_SEP}{_EX_NUM})*))
    | (?P<part>\b(?-i:P(?:art|ART))\s+(?P<part_num>(?-i:{_ROMAN}))\b)
    """,
    re.VERBOSE | re.IGNORECASE,
)
# Cheap scan for the words a reference starts with; the full pattern runs only there.
_TRIGGER = re.compile(r"\b(?:notes?|items?|exhibits?|part)\s|[\"'\u201c\u2018]risk\s")  # on lower()
_TRIGGER_CI = re.compile(_TRIGGER.pattern, re.IGNORECASE)  # when lower() changes offsets
_SPLIT_NUMS = re.compile(r"\d{1,2}(?:\.\d{2})?[A-C]?", re.IGNORECASE)
_SPLIT_EX = re.compile(r"\d{1,3}(?:\.\d{1,3})?(?:\([a-z]\))?", re.IGNORECASE)
# What follows a label at the start of a line when the line is that section's heading:
# end of line, a separator ("Note 12 — Leases", "Item 7. MD&A") or a capitalised title
# ("Item 1A Risk Factors", "NOTE 12 LEASES"); prose goes on in lower case ("Note 12 for").
_HEADING_TAIL = re.compile(r"[ \t\xa0]*(?:$|[.:\u2014\u2013-]|[A-Z])", re.M)
_WRAPPED = re.compile(
    r"(?:\b(?:see|in|to|under|of|and|or|with|within|from|refer|described|discussed|included"
    r"|per|at|also|the|our|this|its)|[(,])[ \t\xa0]*\n$",
    re.IGNORECASE,
)
_LIST = re.compile(r"\d[A-C]?\s*(?:,|and|&|or|through|to|[-\u2013])\s*\d", re.IGNORECASE)
_LINE_LEAD = " \t\xa0\u2022*\u25cf\u25aa"  # indentation and bullets before a heading


def _range(nums_text: str, pattern: re.Pattern[str]) -> list[str]:
    """ "4 and 5" -> ["4", "5"]; "4 through 6" -> ["4", "5", "6"] (bounded)."""
    found = pattern.findall(nums_text)
    if (
        len(found) == 2
        and re.search(r"through|to|[-\u2013]", nums_text)
        and all(f.isdigit() for f in found)
    ):
        a, b = int(found[0]), int(found[1])
        if 0 < b - a <= 30:
            return [str(i) for i in range(a, b + 1)]
    return found


def _is_heading(text: str, m: re.Match[str]) -> bool:
    """A single label at the start of a line followed by a title or nothing: a heading."""
    start = m.start()
    line_start = text.rfind("\n", 0, start) + 1
    if text[line_start:start].strip(_LINE_LEAD):
        return False
    if line_start and _WRAPPED.search(text, max(0, line_start - 24), line_start):
        return False  # "... see\nNote 12 for": prose wrapped onto a new line
    return _HEADING_TAIL.match(text, m.end()) is not None


def find_refs(
    text: str, exclude_labels: set[str] | None = None, skip_headings: bool = True
) -> list[CrossRef]:
    """References in ``text``, one per label (first mention), minus ``exclude_labels``.

    ``skip_headings`` drops a Note/Item/Part label that starts a line and is followed by a
    title (the heading of a section, or a table-of-contents line), not a reference."""
    out: dict[str, CrossRef] = {}

    def add(kind: str, label: str, matched: str) -> None:
        if label not in out and not (exclude_labels and label in exclude_labels):
            out[label] = CrossRef(text=matched.strip(), kind=kind, label=label)  # type: ignore[arg-type]

    pos = 0
    low = text.lower()
    triggers = _TRIGGER.finditer(low) if len(low) == len(text) else _TRIGGER_CI.finditer(text)
    for t in triggers:
        if t.start() < pos:
            continue
        m = _REF_RX.match(text, t.start())
        if m is None:
            continue
        pos = m.end()
        matched = m.group(0)
        if m.group("quoted"):
            add("item", "Item 1A", matched)
            continue
        if (
            skip_headings
            and not m.group("exhibit")
            and not _LIST.search(matched)  # lists "Notes 4 and 5" are prose
            and _is_heading(text, m)
        ):
            continue
        if m.group("note"):
            for n in _range(m.group("note_nums"), _SPLIT_NUMS):
                if n.isdigit() and 0 < int(n) < 60:
                    add("note", f"Note {int(n)}", matched)
        elif m.group("item"):
            part = m.group("item_part") or m.group("item_part2")
            if part:
                add("part", f"Part {part.upper()}", matched)
            for n in _range(m.group("item_nums"), _SPLIT_NUMS):
                head = n.split(".")[0].rstrip("ABCabc")
                if head.isdigit() and 0 < int(head) <= 16:
                    add("item", f"Item {n.upper()}", matched)
        elif m.group("exhibit"):
            for n in _SPLIT_EX.findall(m.group("ex_nums")):
                add("exhibit", f"Exhibit {n.lower()}", matched)
        elif m.group("part"):
            add("part", f"Part {m.group('part_num').upper()}", matched)
    return list(out.values())


def _part_of(section: Section, by_id: dict[str, Section]) -> str | None:
    cur: Section | None = section
    while cur is not None:
        if cur.kind == "part" and cur.label:
            return cur.label
        cur = by_id.get(cur.parent) if cur.parent else None
    return None


_PART_IN_TEXT = re.compile(rf"\bPart\s+({_ROMAN})\b", re.IGNORECASE)


def resolve_refs(refs: list[CrossRef], sections: list[Section]) -> list[CrossRef]:
    """Point each ref at the section with the same label in this filing. With several
    candidates (10-Q "Item 2" in Part I and Part II), a Part named in the ref's text wins,
    else the first in document order. Unresolvable refs keep ``target_section=None``."""
    by_label: dict[str, list[Section]] = {}
    for s in sections:
        if s.label:
            by_label.setdefault(s.label, []).append(s)
    by_id = {s.id: s for s in sections}
    out = []
    for r in refs:
        cands = by_label.get(r.label, [])
        target = None
        if len(cands) > 1:
            pm = _PART_IN_TEXT.search(r.text)
            if pm:
                want = f"Part {pm.group(1).upper()}"
                target = next((c for c in cands if _part_of(c, by_id) == want), None)
        if target is None and cands:
            target = cands[0]
        out.append(r.model_copy(update={"target_section": target.id if target else None}))
    return out


def resolution_stats(refs: list[CrossRef]) -> tuple[int, int]:
    """(total, resolved)."""
    return len(refs), sum(1 for r in refs if r.target_section)
