"""Items phase: which Item / Part candidates are real headings, and their titles.

Candidates on index pages and prose cross-references ("see Item 7 of ...") are dropped by
their shape; the rest become options ranked by the form's canonical order, weighted by how
much their title looks like that Item's, and the heaviest chain with strictly increasing
line and rank wins.
"""

from __future__ import annotations

from collections.abc import Callable

from docnav.ingestion.structure_forms import (
    ITEM_RE,
    K_CANON,
    K_ORDER,
    K_PART_OF,
    K_TITLE_RE,
    PART_RE,
    PART_TITLE_RE,
    Q_ORDER,
    Q_TITLE_RE,
    ROMAN_OUT,
)
from docnav.ingestion.structure_model import Candidates, Head, PageLines
from docnav.ingestion.structure_text import (
    CONT_END,
    PUNCT_START,
    SMALL_WORDS,
    TITLE_SEP,
    TRAILING_PAGENO,
    is_title_like,
    squeeze,
)

__all__ = ["financial_statements_item", "find_items"]

Option = tuple[int, int, float, Head]  # (line, rank, weight, head)


def find_items(lines: PageLines, cands: Candidates, toc_page: list[bool], is_q: bool) -> list[Head]:
    """The Item and Part headings, in line order, with their titles."""
    options = _item_options(lines, cands, toc_page, is_q) + _part_options(
        lines, cands, toc_page, is_q
    )
    options.sort(key=lambda o: (o[0], o[1]))
    chosen = heaviest_chain(options)
    for h in chosen:
        h.title = _title(lines, h, is_q)[:160]
    return chosen


def _item_options(
    lines: PageLines, cands: Candidates, toc_page: list[bool], is_q: bool
) -> list[Option]:
    # An index page after the front matter ("ITEM 8. FINANCIAL STATEMENTS" followed by an
    # index to the statements) still opens with a real heading: its first lines may be one.
    front = max(5, lines.n_pages // 15)
    options: list[Option] = []
    for i, key, rest, raw in cands.items:
        p = lines.page_of[i]
        if toc_page[p] and not _heading_atop_index(lines, i, front):
            continue
        rest_s = TITLE_SEP.sub("", rest, count=1)
        if rest[:1] in PUNCT_START or rest_s[:1].islower() or rest_s[:1] in PUNCT_START:
            continue
        if rest_s[:3].lower() in ("of ", "and") or rest_s[:4].lower() in ("and ", "thro"):
            continue
        upper_head = raw[:4] == "ITEM"
        if not upper_head and _after_running_prose(lines, i):
            continue  # a wrapped cross-reference in prose
        title_src = rest_s or lines.next_line(i)
        if "." in key:  # 8-K item "2.02"
            options.extend(_item_8k_option(i, key, title_src, upper_head))
        elif is_q:
            options.extend(_item_10q_options(i, key, rest_s, title_src))
        else:
            options.extend(_item_10k_options(i, key, rest_s, title_src))
    return options


def _heading_atop_index(lines: PageLines, i: int, front: int) -> bool:
    p = lines.page_of[i]
    return p >= front and i - lines.page_first[p] < 3 and not TRAILING_PAGENO.search(lines.texts[i])


def _after_running_prose(lines: PageLines, i: int) -> bool:
    """The line before ``i`` is a full-width line that runs on into it."""
    prev = lines.prev_line(i)
    width = lines.page_width[lines.page_of[i]]
    return prev is not None and bool(CONT_END.search(prev)) and len(prev) >= 0.6 * width


def _item_8k_option(i: int, key: str, title_src: str, upper_head: bool) -> list[Option]:
    a, b = key.split(".")
    try:
        rank = 1000 + int(a) * 100 + int(b[:2])
    except ValueError:
        return []
    w = 2.0 if is_title_like(title_src[:80]) or upper_head else 1.0
    return [(i, rank, w, Head(i, "item", "", f"Item {key}", 1))]


def _item_10q_options(i: int, key: str, rest_s: str, title_src: str) -> list[Option]:
    """A 10-Q Item number may be Part I's or Part II's: an option for each that fits."""
    out: list[Option] = []
    for part in (1, 2):
        r = Q_ORDER[part].get(key)
        if r is None:
            continue
        tre = Q_TITLE_RE[part].get(key)
        strong = bool(tre and tre.match(squeeze(title_src[:80])))
        if not strong and not (is_title_like(title_src[:80]) or not rest_s):
            continue
        w = 3.0 if strong else 1.0
        out.append((i, r, w, Head(i, "item", "", f"Item {key}", 1, extra={"part": part})))
    return out


def _item_10k_options(i: int, key: str, rest_s: str, title_src: str) -> list[Option]:
    r = K_ORDER.get(key)
    if r is None:
        return []
    strong = bool(K_TITLE_RE[key].match(squeeze(title_src[:80])))
    if not strong:
        if len(rest_s) > 100 or not (is_title_like(title_src[:80]) or not rest_s):
            return []
    w = 3.0 if strong else 1.0
    return [(i, r, w, Head(i, "item", "", f"Item {key}", 1, extra={"part": K_PART_OF[key]}))]


def _part_options(
    lines: PageLines, cands: Candidates, toc_page: list[bool], is_q: bool
) -> list[Option]:
    options: list[Option] = []
    for i, pnum, rest in cands.parts:
        if toc_page[lines.page_of[i]]:
            continue
        rest_s = TITLE_SEP.sub("", rest, count=1)
        if rest[:1] in PUNCT_START or rest_s[:1].islower() or len(rest_s) > 60:
            continue
        if rest_s and not (PART_TITLE_RE.match(rest_s) or is_title_like(rest_s)):
            continue
        if rest_s.lower().startswith(("item", "of ")):
            continue
        if _after_running_prose(lines, i):
            continue
        if is_q and pnum > 2:
            continue
        h = Head(i, "part", "", f"Part {ROMAN_OUT[pnum]}", 0, extra={"part": pnum})
        options.append((i, (pnum - 1) * 10, 1.5, h))
    return options


def heaviest_chain(options: list[Option]) -> list[Head]:
    """The heaviest chain with strictly increasing line and rank (quadratic in options only;
    on a tie the later end and the later predecessor win)."""
    m = len(options)
    best = [0.0] * m
    prv = [-1] * m
    for a in range(m):
        la, ra, wa, _ = options[a]
        bb, bp = 0.0, -1
        for b in range(a):
            lb, rb, _, _ = options[b]
            if lb < la and rb < ra and best[b] >= bb:
                bb, bp = best[b], b
        best[a] = bb + wa
        prv[a] = bp
    chosen: list[Head] = []
    if m:
        a = max(range(m), key=lambda k: (best[k], k))
        while a >= 0:
            chosen.append(options[a][3])
            a = prv[a]
        chosen.reverse()
    return chosen


def _title(lines: PageLines, h: Head, is_q: bool) -> str:
    s = lines.texts[h.line]
    if h.kind != "item":
        mm = PART_RE.match(s)
        if mm and not mm.group(2):
            nl = lines.next_line(h.line)
            if nl and PART_TITLE_RE.match(nl):
                return f"{s} {nl}"
        return s
    mm = ITEM_RE.match(s)
    rest = TITLE_SEP.sub("", mm.group(2), count=1) if mm else ""
    key = h.label[5:]
    if not rest:
        nl = lines.next_line(h.line)
        if nl and len(nl) < 120 and not ITEM_RE.match(nl):
            return f"{s} {nl}"
        return s
    if len(s) <= 130:
        return s
    if not is_q and key in K_CANON and K_TITLE_RE[key].match(squeeze(rest[:80])):
        # heading run into the paragraph: use the canonical title
        return f"{h.label}. {K_CANON[key]}"
    # heading run into the paragraph ("ITEM 1. BUSINESS MGM Resorts ..."): the capitals
    words = s.split()
    cut = 2
    while cut < len(words) and (
        words[cut].upper() == words[cut] or words[cut].lower() in SMALL_WORDS
    ):
        cut += 1
    return " ".join(words[: max(cut, 3)])


def financial_statements_item(
    chosen: list[Head], n_lines: int, is_q: bool
) -> tuple[int, int] | None:
    """(start, end) lines of Item 8 (10-K) or Part I Item 1 (10-Q); end exclusive."""
    if is_q:
        return _item_range(
            chosen, n_lines, lambda h: h.label == "Item 1" and h.extra.get("part") == 1
        )
    return _item_range(chosen, n_lines, lambda h: h.label == "Item 8")


def _item_range(
    chosen: list[Head], n_lines: int, pred: Callable[[Head], bool]
) -> tuple[int, int] | None:
    """(start, end) line range of the first item matching pred (end exclusive)."""
    for h in chosen:
        if h.kind == "item" and pred(h):
            end = n_lines
            for h2 in chosen:
                if h2.line > h.line and (h2.kind == "part" or h2.kind == "item"):
                    end = h2.line
                    break
            return h.line, end
    return None
