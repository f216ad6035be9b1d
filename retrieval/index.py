"""The corpus index: BM25 and dense over every chunk in the store, metadata filters applied
as a mask before ranking, and fusion. Built under ``<home>/indexes``; rebuilt when the
catalog changes, with embeddings kept per document version so only new or changed
filings are embedded again."""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import BaseModel, Field

from docnav.ingestion.metadata import company_matches
from docnav.ingestion.store import CorpusStore
from docnav.retrieval.bm25 import Bm25Index
from docnav.retrieval.dense import DEFAULT_MODEL, DenseIndex, embed
from docnav.retrieval.fusion import rrf, weighted
from docnav.retrieval.tokenize import chunk_tokens, query_tokens
from docnav.types import Chunk, Document

Mode = Literal["bm25", "dense", "hybrid"]


class SearchFilters(BaseModel):
    """Applied before ranking. ``company`` matches leniently and through former names."""

    company: str | None = None
    ticker: str | None = None
    form: str | None = None
    year_min: int | None = None
    year_max: int | None = None
    section_prefix: str | None = None
    doc_ids: list[str] | None = None


class SearchHit(BaseModel):
    chunk_id: str
    doc_id: str
    doc_name: str
    company: str | None
    form: str | None
    fiscal_period: str | None
    page_start: int  # 0-based
    page_end: int
    section_path: str
    chunk_type: str
    text: str
    score: float
    scores: dict[str, float] = Field(default_factory=dict)  # per retriever (and "fused")
    ranks: dict[str, int] = Field(default_factory=dict)


class CorpusIndex:
    def __init__(
        self, store: CorpusStore, folder: str | Path, embedding_model: str = DEFAULT_MODEL
    ) -> None:
        self.store = store
        self.folder = Path(folder)
        self.embedding_model = embedding_model
        self.chunks: list[Chunk] = []
        self.docs: dict[str, Document] = {}
        self.bm25: Bm25Index | None = None
        self.dense: DenseIndex | None = None
        self._fingerprint: str | None = None
        self._versions: dict[str, str] = {}

    # -- building -------------------------------------------------------------------
    def fingerprint(self) -> str:
        # the version folder changes whenever a document's chunks are rewritten, even with the same bytes
        versions = sorted(self.store.versions().items())
        return hashlib.sha256(json.dumps(versions).encode()).hexdigest()[:16]

    def ensure(
        self, dense: bool = True, on_progress: Callable[[str, int, int], None] | None = None
    ) -> None:
        """Load or (re)build what the catalog needs. ``on_progress(stage, done, total)``."""
        fp = self.fingerprint()
        if fp != self._fingerprint:
            self._load_chunks()
            self.bm25 = self._bm25(fp)
            self.dense = None
            self._fingerprint = fp
        if dense and self.dense is None:
            self.dense = self._dense(on_progress)

    def _load_chunks(self) -> None:
        self._versions = self.store.versions()
        self.docs = {d.doc_id: d for d in self.store.list_documents()}
        self.chunks = [c for doc_id in self.docs for c in self.store.chunks(doc_id)]

    def _bm25(self, fp: str) -> Bm25Index:
        folder = self.folder / "bm25"
        stamp = folder / "fingerprint"
        if stamp.exists() and stamp.read_text() == fp:
            return Bm25Index.load(folder)
        index = Bm25Index.build([chunk_tokens(c) for c in self.chunks])
        tmp = self.folder / "bm25.tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        index.save(tmp)
        (tmp / "fingerprint").write_text(fp)
        shutil.rmtree(folder, ignore_errors=True)
        tmp.rename(folder)
        return index

    def _dense(self, on_progress: Callable[[str, int, int], None] | None) -> DenseIndex:
        model_key = hashlib.sha256(self.embedding_model.encode()).hexdigest()[:8]
        folder = self.folder / f"dense-{model_key}"
        folder.mkdir(parents=True, exist_ok=True)
        by_doc: dict[str, list[Chunk]] = {}
        for c in self.chunks:
            by_doc.setdefault(c.doc_id, []).append(c)
        todo = {d: cs for d, cs in by_doc.items() if not self._usable(folder, d, len(cs))}
        total, done = sum(len(cs) for cs in todo.values()), 0
        for doc_id, cs in todo.items():

            def tick(n: int) -> None:
                nonlocal done
                done += n
                if on_progress:
                    on_progress("embed", done, total)

            d = self.docs[doc_id]
            matrix = embed([_dense_text(c, d) for c in cs], self.embedding_model, on_batch=tick)
            DenseIndex(matrix).save(self._emb_path(folder, doc_id))
        live = {self._emb_path(folder, d).name for d in by_doc}
        for p in folder.glob("*.npy"):
            if p.name not in live:
                p.unlink()  # a removed or replaced filing
        parts = [np.load(self._emb_path(folder, d)) for d in by_doc]
        matrix = np.vstack(parts) if parts else np.zeros((0, 384), dtype=np.float32)
        return DenseIndex(matrix, self.embedding_model)

    def _usable(self, folder: Path, doc_id: str, n_chunks: int) -> bool:
        path = self._emb_path(folder, doc_id)
        if not path.exists():
            return False
        return np.load(path, mmap_mode="r").shape[0] == n_chunks  # never misalign rows

    def _emb_path(self, folder: Path, doc_id: str) -> Path:
        # keyed by the store's version folder, which changes whenever the chunks are rewritten
        # (a changed file, or a forced re-ingest with the same bytes)
        return folder / f"{self._versions[doc_id]}.npy"

    # -- searching --------------------------------------------------------------------
    def mask(self, f: SearchFilters | None) -> np.ndarray | None:
        if f is None or not any(v is not None for v in f.model_dump().values()):
            return None
        ok_doc: dict[str, bool] = {}
        aliases = {
            d.meta.company: d.meta.former_names
            for d in self.docs.values()
            if d.meta.company and d.meta.former_names
        }
        for d in self.docs.values():
            m = d.meta
            ok = True
            if f.doc_ids is not None:
                ok &= d.doc_id in f.doc_ids or d.name in f.doc_ids
            if f.company:
                ok &= (
                    company_matches(m.company, f.company, aliases)
                    or f.company.lower() in d.name.lower()
                )
            if f.ticker:
                ok &= (m.ticker or "").upper() == f.ticker.upper()
            if f.form:
                ok &= (m.form or "").replace("-", "").upper() == f.form.replace("-", "").upper()
            if f.year_min is not None:
                ok &= m.fiscal_year is not None and m.fiscal_year >= f.year_min
            if f.year_max is not None:
                ok &= m.fiscal_year is not None and m.fiscal_year <= f.year_max
            ok_doc[d.doc_id] = ok
        prefix = (f.section_prefix or "").lower()
        return np.array(
            [
                ok_doc[c.doc_id] and (not prefix or c.section_path.lower().startswith(prefix))
                for c in self.chunks
            ],
            dtype=bool,
        )

    def search(
        self,
        query: str,
        mode: Mode = "hybrid",
        k: int = 10,
        filters: SearchFilters | None = None,
        fusion: Literal["rrf", "weighted"] = "rrf",
        rrf_k: int = 60,
        depth: int = 50,
    ) -> list[SearchHit]:
        self.ensure(dense=mode != "bm25")
        mask = self.mask(filters)
        lists: dict[str, list[tuple[int, float]]] = {}
        if mode in ("bm25", "hybrid"):
            lists["bm25"] = self.bm25.search(
                query_tokens(query), depth if mode == "hybrid" else k, mask
            )
        if mode in ("dense", "hybrid"):
            lists["dense"] = self.dense.search(query, depth if mode == "hybrid" else k, mask)
        if mode == "hybrid":
            fused = (
                rrf(lists, rrf_k)
                if fusion == "rrf"
                else weighted(lists, {"bm25": 0.5, "dense": 0.5})
            )
            name = "fused"
        else:
            fused = lists[mode]
            name = mode
        per = {
            n: {row: (rank, s) for rank, (row, s) in enumerate(lst, 1)} for n, lst in lists.items()
        }
        hits = []
        for row, score in fused[:k]:
            c = self.chunks[row]
            d = self.docs[c.doc_id]
            scores = {n: per[n][row][1] for n in per if row in per[n]}
            if name == "fused":
                scores["fused"] = score
            hits.append(
                SearchHit(
                    chunk_id=c.id,
                    doc_id=c.doc_id,
                    doc_name=d.name,
                    company=d.meta.company,
                    form=d.meta.form,
                    fiscal_period=d.meta.fiscal_period,
                    page_start=c.page_start,
                    page_end=c.page_end,
                    section_path=c.section_path,
                    chunk_type=c.type,
                    text=c.text,
                    score=score,
                    scores=scores,
                    ranks={n: per[n][row][0] for n in per if row in per[n]},
                )  # fmt: skip
            )
        return hits


def _dense_text(c: Chunk, d: Document) -> str:
    # company, period and section path tell a 2018 cash-flow table from a 2019 one when the
    # rows look alike
    m = d.meta
    head = " ".join(x for x in (m.company, m.form, m.fiscal_period) if x)
    return f"{head} | {c.section_path}\n{c.text}"
