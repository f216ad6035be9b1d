"""Lines phase: per-page text -> :class:`PageLines` (cleaned lines, furniture marked).

A heading pdfium ran into the text of a line ("13. Contingencies We are ...", "... presented.
Item 7. Management's ...") is put on a line of its own first, so every later phase sees
headings at line starts. The form, when not given, is guessed from the cover here too.
"""

from __future__ import annotations

import re

from docnav.ingestion.structure_forms import K_TITLE_RE, Q_TITLE_RE
from docnav.ingestion.structure_model import PageLines
from docnav.ingestion.structure_text import SMALL_WORDS, clean, squeeze

__all__ = ["guess_form", "read_lines", "split_runin_headings"]

_TOP_FURNITURE = re.compile(
    r"^(?:table\s+of\s+contents|index|back\s+to\s+contents)$", re.IGNORECASE
)
_BOTTOM_FURNITURE = re.compile(
    r"^(?:page\s+)?[-–—]?\s*(?:\d{1,4}|[ivxlc]{1,7}|[A-Z]-\d{1,3})\s*[-–—]?$", re.IGNORECASE
)

_TITLE_WORD = r"(?:[A-Z][\w\u2019'&,\-.]*|and|of|the|for|in|on|to|with|from|by|&)"
# words that open a sentence after a run-in title ("8. Debt Short-Term Debt On April 17, ...")
_SENT_OPENERS = (
    "The|We|Our|In|On|As|At|For|During|Effective|Under|This|These|Unless|When|Since|"
    "Beginning|Prior|Following|Certain|Each|All|Substantially|Amounts|Changes|From|Over"
)
# A numbered note heading run into its first sentence, at a line start or after a sentence
# end (or after a table row's last dash): "13. Contingencies and Commitments We are involved
# ...". The title is the run of capitalised words before a sentence, which starts with a
# capitalised word followed by a lower-case one, or with a usual sentence opener; a title
# at the end of the line is taken whole ("3. Acquisitions BioSensics, LLC").
_RUNIN = re.compile(
    r"(?:^|(?<=[.;:)\-\u2013\u2014]\s))"
    rf"((?:Note\s+)?\d{{1,2}}\s*[.:\-\u2013\u2014]\s+[A-Z][\w\u2019'&,\-]*(?:\s+{_TITLE_WORD}){{0,8}})"
    rf"(?:\s+(?=[A-Z][a-z]+\s+[a-z]|(?:{_SENT_OPENERS})\s)|$)"
)
# An Item heading run into the text after the previous sentence: "... presented. Item 7.
# Management's Discussion and Analysis ...". It starts a line when its title is the
# canonical title of that Item (checked in split_runin_headings).
_RUNIN_ITEM = re.compile(r"(?<=[.;:)\u201d\"]\s)(?:ITEM|Item)\s+(\d{1,2}[A-C]?)\.?\s+(?=[A-Z])")


def _runin_item_title_ok(key: str, after: str) -> bool:
    sq = squeeze(after[:80])
    rx = K_TITLE_RE.get(key)
    if rx is not None and rx.match(sq):
        return True
    return any(d[key].match(sq) for d in Q_TITLE_RE.values() if key in d)


def split_runin_headings(line: str) -> list[str]:
    """Put a run-in heading on a line of its own (text is kept, only line breaks change).

    Numbered headings ("13. Contingencies and Commitments We are ...") become a line of
    their own, the prose after them starts another; the notes chain (1, 2, 3, ...) later
    decides whether it is a Note. An Item heading after a sentence end starts a new line
    when its title is the Item's canonical one ("... presented. Item 7. Management's ...").
    """
    cuts: list[tuple[int, int]] = []  # (start, end of heading or -1 = cut before only)
    if _HAS_NUM_DOT.search(line):
        for m in _RUNIN.finditer(line):
            if m.group(1).split()[-1].lower() in SMALL_WORDS:
                continue
            cuts.append((m.start(1), m.end(1)))
    if len(line) > 60 and ("tem " in line or "TEM " in line):
        for m in _RUNIN_ITEM.finditer(line):
            if _runin_item_title_ok(m.group(1).upper(), line[m.end() :]):
                cuts.append((m.start(), -1))
    if not cuts:
        return [line]
    cuts.sort()
    out: list[str] = []
    pos = 0
    for start, end in cuts:
        if start < pos:
            continue
        if start > pos:
            out.append(line[pos:start].strip())
        if end >= 0:
            out.append(line[start:end])
            pos = end
        else:
            pos = start
    rest = line[pos:].strip()
    if rest:
        out.append(rest)
    return [x for x in out if x]


_HAS_NUM_DOT = re.compile(r"\d\s*[.:\-\u2013\u2014]\s+[A-Z]")


def read_lines(pages: list[str]) -> PageLines:
    """Clean each page's lines, split run-in headings and mark page furniture."""
    lines = PageLines(texts=[], page_of=[], keep=[], page_first=[], page_width=[])
    for p, raw in enumerate(pages):
        lines.page_first.append(len(lines.texts))
        ls = [clean(x) for x in _raw_lines(raw)]
        ls = [y for x in ls if x for y in split_runin_headings(x)]
        n = len(ls)
        kp = [True] * n
        if n:
            if _TOP_FURNITURE.match(ls[0]):
                kp[0] = False
            if n > 1 and _BOTTOM_FURNITURE.match(ls[-1]) and len(ls[-1]) <= 12:
                kp[-1] = False
        lens = sorted(len(x) for x in ls)
        lines.page_width.append(max(80, lens[int(len(lens) * 0.9)] if lens else 80))
        lines.texts.extend(ls)
        lines.page_of.extend([p] * n)
        lines.keep.extend(kp)
    lines.page_first.append(len(lines.texts))
    return lines


def _raw_lines(raw: str) -> list[str]:
    raw = raw.replace("\ufffe", "-").replace("\x02", "-")
    if "\r\n" in raw:
        # pdfium ends visual lines with CRLF; a bare LF separates text runs of one line
        return raw.replace("\n", " ").split("\r ")
    return raw.splitlines()


def guess_form(lines: PageLines, form: str | None) -> str:
    """The form as given ("10-K", "10-Q", "8-K", ...), else from the first two pages' words."""
    form_u = (form or "").upper().replace(" ", "")
    if not form_u:
        pf = lines.page_first
        head = " ".join(lines.texts[pf[0] : pf[min(2, lines.n_pages)]][:80]).upper()
        if "10-Q" in head or "QUARTERLY REPORT" in head:
            form_u = "10-Q"
        elif "10-K" in head or "ANNUAL REPORT" in head:
            form_u = "10-K"
        elif "8-K" in head or "CURRENT REPORT" in head:
            form_u = "8-K"
    return form_u
