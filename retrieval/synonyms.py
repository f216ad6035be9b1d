"""Finance synonym expansion for queries, from ``data/finance_synonyms.json``.

A group fires when one of its terms appears in the query (as a run of filing tokens, so
"capital expenditures" and "Capex" both fire); the tokens of its other terms are added to
the BM25 query at a lower weight than the words the user wrote.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel

from docnav.retrieval.tokenize import tokenize

DATA = Path(__file__).parent / "data" / "finance_synonyms.json"


class SynonymGroup(BaseModel):
    name: str
    terms: list[str]


class Expansion(BaseModel):
    groups: list[str]  # names of the groups that fired
    tokens: list[str]  # added tokens, not already in the query, in first-seen order
    phrases: list[str]  # added terms as written (for dense queries and for display)


@lru_cache(maxsize=4)
def load_groups(path: str | None = None) -> list[SynonymGroup]:
    raw = json.loads(Path(path or DATA).read_text())
    return [SynonymGroup(**g) for g in raw["groups"]]


@lru_cache(maxsize=4)
def _compiled(path: str | None) -> list[tuple[str, list[tuple[str, tuple[str, ...]]]]]:
    return [
        (g.name, [(t, tuple(tokenize(t))) for t in g.terms if tokenize(t)])
        for g in load_groups(path)
    ]


def _contains(hay: list[str], needle: tuple[str, ...]) -> bool:
    n = len(needle)
    return any(tuple(hay[i : i + n]) == needle for i in range(len(hay) - n + 1))


def expand(query_toks: list[str], path: str | None = None) -> Expansion:
    """Synonyms of what ``query_toks`` (from :func:`tokenize`) names."""
    have = set(query_toks)
    groups: list[str] = []
    tokens: list[str] = []
    phrases: list[str] = []
    for name, terms in _compiled(path):
        if not any(_contains(query_toks, toks) for _, toks in terms):
            continue
        groups.append(name)
        for text, toks in terms:
            if _contains(query_toks, toks):
                continue
            phrases.append(text)
            for t in toks:
                if t not in have:
                    have.add(t)
                    tokens.append(t)
    return Expansion(groups=groups, tokens=tokens, phrases=phrases)
