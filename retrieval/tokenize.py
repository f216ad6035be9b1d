"""A tokenizer made for filings, shared by BM25 indexing and queries.

Keeps what generic tokenizers break: numbers as written ("1,577" -> "1577", "45.2",
"2.5%"), form names ("10-k", "8-k"), fiscal periods ("fy2018", "q3"), tickers (as
words). Each number also yields its canonical value tokens from ingestion's normaliser:
``n:<value>`` (unit-agnostic, so a query "45,200,000" meets "$45.2 million") and the
unit-specific form (``usd:45200000``). Words are lower-cased, stemmed (Snowball English
via PyStemmer) and stop-words dropped.
"""

from __future__ import annotations

import re
from functools import lru_cache

import Stemmer
from bm25s.stopwords import STOPWORDS_EN

from docnav.ingestion.numbers import extract_numbers
from docnav.types import Chunk, NumberMention

_TOKEN = re.compile(
    r"\b\d{1,2}-[kq]\b"  # form names: 10-k, 10-q, 8-k
    r"|\bfy\s?\d{2,4}\b"  # fy2018, fy 18
    r"|\bq[1-4]\b"  # quarters
    r"|\b\d+[a-z][a-z0-9]*(?:['\u2019]s)?\b"  # names that start with digits: 3m, 7eleven
    r"|\d+(?:,\d{3})*(?:\.\d+)?%?"  # numbers as written
    r"|[a-z][a-z0-9]*(?:['\u2019][a-z]+)?"  # words (and tickers)
)
_STOP = frozenset(STOPWORDS_EN)


@lru_cache(maxsize=1)
def _stemmer() -> Stemmer.Stemmer:
    return Stemmer.Stemmer("english")


def tokenize(text: str, stem: bool = True) -> list[str]:
    """Surface tokens of ``text`` (no number-value tokens; see :func:`number_tokens`)."""
    out: list[str] = []
    words: list[str] = []
    for m in _TOKEN.finditer(text.lower()):
        t = m.group(0)
        if t.endswith(("'s", "\u2019s")):  # possessive: 3M's -> 3m, Walmart's -> walmart
            t = t[:-2]
        c = t[0]
        if c.isdigit() and not t[-1].isalpha():
            out.append(t.replace(",", ""))
        elif t.startswith("fy") and any(ch.isdigit() for ch in t):
            y = t[2:].strip()
            out.append("fy" + (y if len(y) == 4 else "20" + y[-2:]))
        elif t in _STOP:
            continue
        elif c.isdigit() or "-" in t or (c == "q" and len(t) == 2 and t[1].isdigit()):
            out.append(t)
        else:
            words.append(t.replace("\u2019", "'"))
            out.append("")  # placeholder keeps order; filled after stemming in one call
    if stem and words:
        stems = iter(_stemmer().stemWords(words))
    else:
        stems = iter(words)
    return [t if t else next(stems) for t in out]


def number_tokens(numbers: list[NumberMention]) -> list[str]:
    """Canonical value tokens: ``n:<value>`` always, plus the unit form when it has one."""
    out: list[str] = []
    for n in numbers:
        value = n.canonical.split(":", 1)[1]
        out.append(f"n:{value}")
        if not n.canonical.startswith("num:"):
            out.append(n.canonical)
    return out


def chunk_tokens(chunk: Chunk, stem: bool = True) -> list[str]:
    """What a chunk is indexed under: its section path, its text, its numbers' values."""
    return tokenize(f"{chunk.section_path}\n{chunk.text}", stem) + number_tokens(chunk.numbers)


# Words of the instructions wrapped around analyst questions ("Answer in USD millions, round to
# one decimal place, relying on the details shown in ..."): they say how to answer, not what to
# find, and as rare-ish words they pull in chunks that share them. Dropped from queries only.
INSTRUCTION_WORDS = frozenset(
    """answer answers answering question questions response respond round rounded rounding
    decimal decimals place places unit units usd million millions billion billions thousand
    thousands rely relying details detail shown show information provided provide providing
    primarily using use utilize utilizing based basing base judgment judgments judgement assume
    assuming analyst analysts equities public standpoint approach explain please compute
    computing extract extracting define defined definition metric metrics useful relevant
    outlined outline given give considering consider taking account accounting data abilities
    ability agreement following asked ask roughly amount what which how why when where who whom
    whose much many""".split()
)


def query_tokens(query: str, stem: bool = True, drop_instructions: bool = True) -> list[str]:
    """Tokens of a question: words, numbers as written and their value tokens (years stay
    words: "2018" is a period, not an amount). A fiscal period "FY2018" also yields the bare
    year "2018", the way filings head their columns. Instruction words are dropped."""
    words = _INSTRUCTION_RX.sub(" ", query) if drop_instructions else query
    toks = tokenize(words, stem)
    years = [t[2:] for t in toks if t.startswith("fy") and t[2:].isdigit()]
    return (
        toks
        + [y for y in years if y not in toks]
        + [t for t in number_tokens(extract_numbers(query)) if t.startswith("n:")]
    )


_INSTRUCTION_RX = re.compile(
    r"\b(?:" + "|".join(sorted(INSTRUCTION_WORDS, key=len, reverse=True)) + r")\b", re.IGNORECASE
)
