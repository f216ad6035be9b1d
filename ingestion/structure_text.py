"""Line-text helpers shared by the structure phases: cleaning, squeezing, title shape.

pdfium's text has odd spaces and split words ("Busines s"), so headings are compared
squeezed (letters and digits only) and judged by shape (short, capitalised words).
"""

from __future__ import annotations

import re

__all__ = [
    "BARE_NUM",
    "CONTINUED",
    "CONT_END",
    "PUNCT_START",
    "SMALL_WORDS",
    "TITLE_SEP",
    "TRAILING_PAGENO",
    "clean",
    "is_title_like",
    "repair_split_words",
    "spaced",
    "squeeze",
]

_SPACES = str.maketrans({"\xa0": " ", "\u2009": " ", "\u202f": " ", "\u2007": " ", "\t": " "})
_SQ = re.compile(r"[^a-z0-9]+")
# pdfium sometimes puts a space before a word's last letter ("Busines s", "Statement of
# Incom e"). In titles, a lone lower-case letter after a word of 3+ letters is glued back
# ("a" excepted: it is a word).
_SPLIT_TAIL = re.compile(r"\b([A-Za-z]{3,}) ([b-z])(?=[\s.,:;)\u2019']|$)")

BARE_NUM = re.compile(r"^\d{1,3}$")
TITLE_SEP = re.compile(r"^[\s.:\-–—|)]*")
TRAILING_PAGENO = re.compile(
    r"(?:\s|\.{2,})(\d{1,3}|[A-Z]-\d{1,3})(?:\s*[-–]\s*\d{1,3})?\s*(?:part\s+[ivx]+)?$",
    re.IGNORECASE,
)
CONTINUED = re.compile(r"\(?\bcontinued\b\)?", re.IGNORECASE)
# a line ending like this runs on into the next: a heading after it is a cross-reference
CONT_END = re.compile(r"(?:[a-z,;(\-–—]|\b(?:see|in|of|the|and|to|our|under|refer|this)\s*)$")
PUNCT_START = frozenset(",;)")
SMALL_WORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "as",
        "at",
        "by",
        "for",
        "from",
        "in",
        "into",
        "of",
        "on",
        "or",
        "the",
        "to",
        "with",
        "without",
        "vs",
        "per",
        "its",
        "their",
        "our",
    ]
)


def clean(s: str) -> str:
    """One line with every kind of space made one plain space."""
    return " ".join(s.translate(_SPACES).split())


def squeeze(s: str) -> str:
    """Lower case letters and digits only: "Busines s." -> "business" (pdfium splits words)."""
    return _SQ.sub("", s.lower())


def repair_split_words(title: str) -> str:
    return _SPLIT_TAIL.sub(r"\1\2", title)


def spaced(word: str) -> str:
    """A word pdfium may have split with a space ("Fi nancial"): optional space between letters."""
    return r"\s?".join(word)


def is_title_like(s: str) -> bool:
    """Short, capitalised words (a heading), not a sentence."""
    words = [w for w in re.split(r"[\s/]+", s) if w]
    if not words or len(words) > 16:
        return False
    if not (words[0][:1].isupper() or words[0][:1].isdigit() or words[0][:1] in "“\"'("):
        return False
    if s.upper() == s:
        return True
    caps = tot = 0
    for w in words:
        w2 = w.strip("“”\"'(),:;.-—–")
        if not w2 or w2.lower() in SMALL_WORDS:
            continue
        tot += 1
        if w2[:1].isupper() or w2[:1].isdigit():
            caps += 1
    return tot == 0 or caps / tot >= 0.6
