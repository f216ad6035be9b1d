"""Corpora for `docnav bench pg-scale`: real chunks of an embedded docnav home, replicated
with perturbation up to any size (the method of :mod:`docnav.bench.retrieval_speed`).

The home is only read: version folders (``store/docs/<dir>/meta.json`` and
``chunks.jsonl``) and the embedding files beside them (``indexes/dense-*/<dir>.npy``); the
catalog database is not opened, so nothing is written into the home.

Row ``i`` of a corpus of ``n`` rows is real chunk ``i % m`` in replica ``i // m`` (``m``
real chunks). Replica 0 is the real corpus; every other replica is a set of new filings
(one per real filing, its company renamed ``R<replica> <company>``) whose chunks drop 10% of
their words at random, with BM25 tokens taken from the words kept, and whose embeddings are
the real vectors plus Gaussian noise (sigma 0.02 per dimension), renormalised: embedding a
million chunks on a 2-core CPU would take most of a day.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from docnav.errors import DocnavError
from docnav.retrieval.tokenize import number_tokens, tokenize
from docnav.types import Chunk, Document

DROP = 0.1  # share of words a replica drops
SIGMA = 0.02  # embedding noise per dimension


@dataclass
class Base:
    """The real chunks: per chunk its filing, ordinal, section path, type, pages, words
    (with their BM25 tokens) and the fixed tokens (section path and numbers)."""

    docs: list[Document]
    dirs: list[str]  # version folder of each filing
    doc_of: np.ndarray  # chunk -> filing
    ordinal: np.ndarray
    page_start: np.ndarray
    page_end: np.ndarray
    section: list[str]
    ctype: list[str]
    words: list[list[str]]
    word_tokens: list[list[list[str]]]  # per chunk, per word: its tokens
    fixed_tokens: list[list[str]]
    records: list[str]  # the chunk's JSON as the store holds it
    emb: np.ndarray  # float32, normalised, one row per chunk
    model_folder: str = ""

    @property
    def m(self) -> int:
        return len(self.words)


def load_base(home: Path, max_docs: int | None = None) -> Base:
    """Every filing of ``home`` that has an embedding file with one row per chunk."""
    docs_dir = home / "store" / "docs"
    dense = sorted((home / "indexes").glob("dense-*"))
    if not docs_dir.is_dir() or not dense:
        raise DocnavError(f"{home} has no store/docs or indexes/dense-*: not an embedded home")
    folder = max(dense, key=lambda p: len(list(p.glob("*.npy"))))
    b = _Builder()
    cache: dict[str, list[str]] = {}
    for d in sorted(p for p in docs_dir.iterdir() if (p / "meta.json").exists()):
        if max_docs is not None and len(b.docs) >= max_docs:
            break
        npy = folder / f"{d.name}.npy"
        lines = (d / "chunks.jsonl").read_text(encoding="utf-8").splitlines()
        if not npy.exists() or not lines:
            continue
        m = np.load(npy)
        if m.shape[0] != len(lines):
            continue
        b.add(Document.model_validate_json((d / "meta.json").read_text()), d.name, lines, cache)
        b.parts.append(np.asarray(m, dtype=np.float32))
    if not b.docs:
        raise DocnavError(f"no filing of {home} has an embedding file matching its chunks")
    return b.done(folder.name)


@dataclass
class _Builder:
    docs: list = field(default_factory=list)
    dirs: list = field(default_factory=list)
    cols: dict = field(default_factory=lambda: {k: [] for k in _COLS})
    parts: list = field(default_factory=list)

    def add(self, doc: Document, dirname: str, lines: list[str], cache: dict) -> None:
        di = len(self.docs)
        self.docs.append(doc)
        self.dirs.append(dirname)
        c = self.cols
        for line in lines:
            ch = Chunk.model_validate_json(line)
            words = ch.text.split()
            c["doc_of"].append(di)
            c["ordinal"].append(ch.ordinal)
            c["page_start"].append(ch.page_start)
            c["page_end"].append(ch.page_end)
            c["section"].append(ch.section_path)
            c["ctype"].append(ch.type)
            c["words"].append(words)
            c["word_tokens"].append([_tok(w, cache) for w in words])
            c["fixed_tokens"].append(tokenize(ch.section_path) + number_tokens(ch.numbers))
            c["records"].append(line)

    def done(self, folder: str) -> Base:
        c = self.cols
        emb = np.vstack(self.parts)
        emb /= np.linalg.norm(emb, axis=1, keepdims=True)  # float16 files: renormalise
        arrays = {k: np.asarray(c[k]) for k in ("doc_of", "ordinal", "page_start", "page_end")}
        rest = {k: c[k] for k in _COLS if k not in arrays}
        return Base(self.docs, self.dirs, emb=emb, model_folder=folder, **arrays, **rest)


_COLS = (
    "doc_of",
    "ordinal",
    "page_start",
    "page_end",
    "section",
    "ctype",
    "words",
    "word_tokens",
    "fixed_tokens",
    "records",
)


def _tok(word: str, cache: dict[str, list[str]]) -> list[str]:
    t = cache.get(word)
    if t is None:
        t = cache[word] = tokenize(word)
    return t


# -- growth ---------------------------------------------------------------------------------


def replica_company(company: str | None, r: int) -> str | None:
    """Replica ``r``'s company: a prefix keeps company filters from matching the original
    (docnav matches a shorter name against a longer one it starts)."""
    if r == 0 or not company:
        return company
    return f"R{r:04d} {company}"


def replica_doc(base: Base, f: int, r: int) -> Document:
    d = base.docs[f]
    if r == 0:
        return d
    meta = d.meta.model_copy(update={"company": replica_company(d.meta.company, r)})
    return d.model_copy(
        update={"doc_id": f"{d.doc_id}~r{r}", "name": f"{d.name}~r{r}", "meta": meta}
    )


def keep_mask(base: Base, i: int, rng: np.random.Generator) -> np.ndarray | None:
    """Which words row ``i``'s replica keeps (None: all, replica 0)."""
    if i < base.m:
        return None
    return rng.random(len(base.words[i % base.m])) >= DROP


def row_rng(seed: int, i: int) -> np.random.Generator:
    """One generator per row, so tokens (file store) and text (PostgreSQL) drop the same
    words without holding a million masks."""
    return np.random.default_rng([seed, i])


def row_tokens(base: Base, i: int, seed: int) -> list[str]:
    j = i % base.m
    keep = keep_mask(base, i, row_rng(seed, i))
    wt = base.word_tokens[j]
    toks = [
        t
        for w in (wt if keep is None else (x for x, k in zip(wt, keep, strict=True) if k))
        for t in w
    ]
    return base.fixed_tokens[j] + toks


def row_text(base: Base, i: int, seed: int) -> str:
    j = i % base.m
    keep = keep_mask(base, i, row_rng(seed, i))
    words = base.words[j]
    return " ".join(words if keep is None else (w for w, k in zip(words, keep, strict=True) if k))


def grow_embeddings(base: Base, n: int, seed: int, block: int = 100_000) -> np.ndarray:
    """``n`` normalised float32 rows: the real ones, then noisy renormalised replicas."""
    rng = np.random.default_rng(seed)
    out = np.empty((n, base.emb.shape[1]), dtype=np.float32)
    for lo in range(0, n, block):
        hi = min(n, lo + block)
        rows = np.arange(lo, hi)
        part = base.emb[rows % base.m]
        noisy = rows >= base.m
        if noisy.any():
            part[noisy] += rng.normal(0, SIGMA, (int(noisy.sum()), part.shape[1])).astype(
                np.float32
            )
            part[noisy] /= np.linalg.norm(part[noisy], axis=1, keepdims=True)
        out[lo:hi] = part
    return out


def row_of(base: Base, n: int) -> dict[tuple[str, int], int]:
    """(doc_id, ordinal) -> row, for mapping PostgreSQL's hits onto the file store's rows."""
    out = {}
    for i in range(n):
        j, r = i % base.m, i // base.m
        d = base.docs[int(base.doc_of[j])].doc_id
        out[(d if r == 0 else f"{d}~r{r}", int(base.ordinal[j]))] = i
    return out


def filings_of(base: Base, n: int) -> list[tuple[int, int]]:
    """(real filing, replica) of every filing that has a row in a corpus of ``n`` rows."""
    seen: dict[tuple[int, int], None] = {}
    for r in range(-(-n // base.m)):
        last = min(base.m, n - r * base.m)
        for f in np.unique(base.doc_of[:last]):
            seen[(int(f), r)] = None
    return list(seen)
