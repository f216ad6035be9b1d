"""The corpus index: BM25 and dense over every chunk in the store, metadata filters applied
as a mask before ranking, and fusion. Built under ``<home>/indexes``; rebuilt when the
catalog changes, with embeddings kept per document version so only new or changed
filings are embedded again."""

from __future__ import annotations

import functools
import hashlib
import json
import os
import shutil
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import BaseModel, Field

from docnav.errors import DocnavError, IndexCorruptError, InvalidQueryError
from docnav.ingestion.metadata import company_matches
from docnav.ingestion.store import CorpusStore
from docnav.retrieval.bm25 import Bm25Index, _top
from docnav.retrieval.dense import DenseIndex, embed
from docnav.retrieval.filings import form_preference, recency
from docnav.retrieval.fusion import rrf, weighted
from docnav.retrieval.line_items import LineItemIndex
from docnav.retrieval.pages import (
    FEATURES,
    TOPIC_PLACES,
    PageCandidate,
    PageHit,
    load_ranker,
    order_pages,
    year_share,
)
from docnav.retrieval.query import QueryAnalysis, SearchFilters, analyze_query, merge_filters
from docnav.retrieval.rerank import Reranker
from docnav.retrieval.route import (
    STATEMENT_CODE,
    STATEMENTS,
    Route,
    read_route,
    section_matches,
    section_statement,
)
from docnav.retrieval.synonyms import Expansion
from docnav.retrieval.synonyms import expand as expand_query
from docnav.retrieval.tokenize import chunk_tokens, number_tokens, query_tokens
from docnav.settings import RetrievalSettings
from docnav.types import Chunk, Document

REBUILD_HINT = "run `docnav index rebuild` to rebuild the indexes from the store"

Mode = Literal["bm25", "dense", "hybrid", "hybrid+rerank"]
Understand = Literal["filter", "boost", "off"]
Unit = Literal["chunk", "page"]
ROUTES = (
    "statements",
    "named",
    "filing",
    "diverse",
    "items",
    "fullyear",
    "undated",
    "nongaap",
    "deep",
    "sections",
    "comparatives",
    "spread",
    "topics",
    "companies",
    "present",
)
__all__ = [
    "CorpusIndex",
    "IndexStatus",
    "Mode",
    "PageHit",
    "QueryAnalysis",
    "SearchFilters",
    "SearchHit",
    "SearchResult",
    "Understand",
]


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
    scores: dict[str, float] = Field(default_factory=dict)  # per retriever, "fused", "rerank"
    ranks: dict[str, int] = Field(default_factory=dict)
    page: int | None = None  # unit "page": the ranked page this chunk is shown for (0-based)


class SearchResult(BaseModel):
    """Hits plus what was done to the query, so the user sees what was filtered/expanded."""

    query: str  # as searched (after truncation)
    mode: str
    hits: list[SearchHit]
    analysis: QueryAnalysis | None = None  # None when query understanding is off
    filters: SearchFilters | None = None  # what narrowed the candidates before ranking
    understand: Understand = "off"  # as actually used ("boost" after a filter fallback)
    expansion: Expansion | None = None
    applied: list[str] = Field(default_factory=list)  # human-readable, in order
    timings: dict[str, float] = Field(default_factory=dict)  # milliseconds per stage
    unit: Unit = "chunk"  # "page": hits are the best chunk of each ranked page
    pages: list[PageHit] = Field(default_factory=list)  # unit "page": the ranked pages
    route: Route | None = None  # unit "page" with routing: what the question points at


class IndexStatus(BaseModel):
    folder: str
    documents: int
    chunks: int
    bm25: Literal["ok", "stale", "missing", "corrupt"]
    embedding_model: str
    dense_embedded: int  # documents whose embeddings are on disk and readable
    dense_missing: int  # documents still to embed (done by the next dense search)
    dense_corrupt: list[str] = Field(default_factory=list)


def _locked(method):
    """One thread at a time in the index: a search can rebuild it in place when the catalog
    changed (the REST service, an ingestion job and the agent's tools share one index)."""

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        with self._lock:
            return method(self, *args, **kwargs)

    return wrapper


class CorpusIndex:
    def __init__(
        self, store: CorpusStore, folder: str | Path, settings: RetrievalSettings | None = None
    ) -> None:
        """``settings``: the embedding model, its on-disk dtype and the ANN threshold and
        efSearch (None: the defaults)."""
        self.store = store
        self.folder = Path(folder)
        self.settings = settings if settings is not None else RetrievalSettings()
        self.embedding_model = self.settings.embedding_model
        self.chunks: list[Chunk] = []
        self.docs: dict[str, Document] = {}
        self.bm25: Bm25Index | None = None
        self.dense: DenseIndex | None = None
        self._lock = threading.RLock()
        self._fingerprint: str | None = None
        self._versions: dict[str, str] = {}
        self._qvec: dict[str, np.ndarray] = {}  # query text -> embedding (FIFO, 512)
        self.last_embed_ms = 0.0

    # -- building -------------------------------------------------------------------
    def fingerprint(self) -> str:
        # the version folder changes whenever a document's chunks are rewritten, even with the same bytes
        versions = sorted(self.store.versions().items())
        return hashlib.sha256(json.dumps(versions).encode()).hexdigest()[:16]

    @_locked
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
        pos = {d: i for i, d in enumerate(self.docs)}
        self._doc_row = np.array([pos[c.doc_id] for c in self.chunks], dtype=np.int32)
        self._masks: dict[str, np.ndarray] = {}  # filters (json) -> chunk mask
        self._same_company: dict[tuple[str | None, str], bool] = {}  # company_matches is slow
        self._meta: dict | None = None  # per-chunk statement/section codes (unit "page")
        self._doc_first_row: np.ndarray | None = None
        self._numtoks: dict[int, frozenset[str]] = {}
        self._line_items: LineItemIndex | None = None  # route "items": built on first use
        self._page_rows: dict[tuple[int, int], list[int]] | None = None
        self._topic_cache: dict[tuple[int, tuple[str, ...]], frozenset[int]] = {}

    def _chunk_meta(self) -> dict:
        """Per chunk: the statement it prints (code of route.STATEMENTS, 0 none), whether it
        is in a Note / MD&A, a table; per (filing row, statement code): its chunk rows."""
        if self._meta is not None:
            return self._meta
        n = len(self.chunks)
        stmt = np.zeros(n, dtype=np.int8)
        note = np.zeros(n, dtype=bool)
        mdna = np.zeros(n, dtype=bool)
        table = np.array([c.type == "table" for c in self.chunks], dtype=bool)
        by_doc_stmt: dict[tuple[int, int], list[int]] = {}
        secs: dict[str, dict] = {}
        for row, c in enumerate(self.chunks):
            if c.doc_id not in secs:
                try:
                    secs[c.doc_id] = {x.id: x for x in self.store.sections(c.doc_id)}
                except Exception:  # an outline that cannot be read routes nothing
                    secs[c.doc_id] = {}
            sec = secs[c.doc_id].get(c.section_id or "")
            path = c.section_path.lower()
            if sec is not None and sec.kind == "statement":
                kind = section_statement(sec.label, sec.title)
                if kind:
                    stmt[row] = STATEMENT_CODE[kind]
                    by_doc_stmt.setdefault((int(self._doc_row[row]), stmt[row]), []).append(row)
            note[row] = (sec is not None and sec.kind == "note") or " > note " in f" > {path}"
            mdna[row] = "discussion and analysis" in path
        self._meta = {
            "stmt": stmt,
            "note": note,
            "mdna": mdna,
            "table": table,
            "by_doc_stmt": by_doc_stmt,
        }
        return self._meta

    def line_items(self) -> LineItemIndex:
        """The line-item retriever over every filing's statement facts (none: empty)."""
        if self._line_items is None:
            t = time.perf_counter()
            self._line_items = LineItemIndex(self._line_item_entries())
            self.line_items_build_ms = _ms(t)
        return self._line_items

    def _line_item_entries(self) -> list[tuple[int, int, str]]:
        """(filing row, page, label) of every filing's facts, cached under the index folder
        (reading every facts.jsonl takes seconds) and keyed by each facts file's version,
        size and time, so a backfill or a re-ingest is seen."""
        stats = []
        for doc_id in self.docs:
            path = self.store.doc_dir(doc_id) / "facts.jsonl"
            st = path.stat() if path.exists() else None
            stats.append([self._versions.get(doc_id), st and st.st_size, st and st.st_mtime_ns])
        key = hashlib.sha256(json.dumps(stats).encode()).hexdigest()[:16]
        cache = self.folder / "line_items.json"
        try:
            raw = json.loads(cache.read_text(encoding="utf-8"))
            if raw.get("key") == key:
                return [tuple(e) for e in raw["entries"]]
        except (OSError, ValueError):
            pass  # absent or unreadable: rebuilt below
        entries = LineItemIndex.entries_from_files(
            (i, functools.partial(self._fact_lines, d)) for i, d in enumerate(self.docs)
        )
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            tmp = cache.with_name(f".line_items.{os.getpid()}.tmp")
            tmp.write_text(json.dumps({"key": key, "entries": entries}), encoding="utf-8")
            os.replace(tmp, cache)
        except OSError:
            pass  # a read-only index folder: rebuilt next load
        return entries

    def _fact_lines(self, doc_id: str) -> list[str]:
        path = self.store.doc_dir(doc_id) / "facts.jsonl"
        return path.read_text(encoding="utf-8").splitlines() if path.exists() else []

    def _rows_on_page(self, doc_row: int, page: int) -> list[int]:
        """Chunk rows of a filing whose page range holds ``page``."""
        if self._page_rows is None:
            by: dict[tuple[int, int], list[int]] = {}
            for row, c in enumerate(self.chunks):
                d = int(self._doc_row[row])
                for p in range(c.page_start, c.page_end + 1):
                    by.setdefault((d, p), []).append(row)
            self._page_rows = by
        return self._page_rows.get((doc_row, page), [])

    def _chunk_numbers(self, row: int) -> frozenset[str]:
        got = self._numtoks.get(row)
        if got is None:
            got = frozenset(
                t for t in number_tokens(self.chunks[row].numbers) if t.startswith("n:")
            )
            self._numtoks[row] = got
        return got

    def _bm25(self, fp: str) -> Bm25Index:
        folder = self.folder / "bm25"
        stamp = folder / "fingerprint"
        if stamp.exists() and stamp.read_text() == fp:
            try:
                index = Bm25Index.load(folder)
            except Exception as exc:  # any unreadable/missing file inside a stamped index
                raise IndexCorruptError(
                    f"BM25 index in {folder} is unreadable ({type(exc).__name__}: "
                    f"{str(exc)[:120]}); {REBUILD_HINT}"
                ) from exc
            if index.n_docs != len(self.chunks):
                raise IndexCorruptError(
                    f"BM25 index in {folder} has {index.n_docs} rows for {len(self.chunks)} "
                    f"chunks; {REBUILD_HINT}"
                )
            return index
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
        folder = self._dense_folder()
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
            DenseIndex(matrix).save(self._emb_path(folder, doc_id), self.settings.embedding_dtype)
        live = {self._emb_path(folder, d).name for d in by_doc}
        for p in folder.glob("*.npy"):
            if p.name not in live:
                p.unlink()  # a removed or replaced filing
        parts = [self._load_emb(folder, d) for d in by_doc]
        matrix = np.vstack(parts) if parts else np.zeros((0, 384), dtype=np.float32)
        s = self.settings
        return DenseIndex(matrix, s.embedding_model, s.ann_threshold, s.ann_ef_search)

    def _usable(self, folder: Path, doc_id: str, n_chunks: int) -> bool:
        path = self._emb_path(folder, doc_id)
        if not path.exists():
            return False
        return self._load_emb(folder, doc_id, mmap=True).shape[0] == n_chunks  # never misalign

    def _load_emb(self, folder: Path, doc_id: str, mmap: bool = False) -> np.ndarray:
        path = self._emb_path(folder, doc_id)
        try:
            m = np.load(path, mmap_mode="r" if mmap else None)
            if m.ndim != 2:
                raise ValueError(f"expected a 2-d matrix, got shape {m.shape}")
            return m
        except Exception as exc:
            raise IndexCorruptError(
                f"embeddings file {path} is unreadable ({type(exc).__name__}: {str(exc)[:120]}); "
                f"{REBUILD_HINT}"
            ) from exc

    def _dense_folder(self) -> Path:
        model_key = hashlib.sha256(self.embedding_model.encode()).hexdigest()[:8]
        return self.folder / f"dense-{model_key}"

    def _query_vector(self, text: str) -> np.ndarray:
        # the same question is often searched again (modes, filters, an agent's retries): embed once
        vec = self._qvec.get(text)
        if vec is None:
            t = time.perf_counter()
            vec = embed([text], self.embedding_model)[0]
            self.last_embed_ms = _ms(t)
            if len(self._qvec) >= 512:
                self._qvec.pop(next(iter(self._qvec)))
            self._qvec[text] = vec
        return vec

    # -- maintenance ----------------------------------------------------------------------
    @_locked
    def status(self) -> IndexStatus:
        """What is built, stale or unreadable; reads only, builds nothing."""
        self._load_chunks()
        fp = self.fingerprint()
        folder = self.folder / "bm25"
        stamp = folder / "fingerprint"
        bm25: str = "missing"
        if stamp.exists():
            bm25 = "stale"
            if stamp.read_text() == fp:
                try:
                    bm25 = "ok" if Bm25Index.load(folder).n_docs == len(self.chunks) else "corrupt"
                except Exception:
                    bm25 = "corrupt"
        dense = self._dense_folder()
        counts = {d: 0 for d in self.docs}
        for c in self.chunks:
            counts[c.doc_id] += 1
        ok, missing, bad = 0, 0, []
        for doc_id, n in counts.items():
            path = self._emb_path(dense, doc_id)
            if not path.exists():
                missing += 1
                continue
            try:
                ok += self._load_emb(dense, doc_id, mmap=True).shape[0] == n
            except IndexCorruptError:
                bad.append(str(path))
        self._fingerprint = None  # the next ensure() re-checks everything
        return IndexStatus(
            folder=str(self.folder),
            documents=len(self.docs),
            chunks=len(self.chunks),
            bm25=bm25,
            embedding_model=self.embedding_model,
            dense_embedded=ok,
            dense_missing=missing + len(counts) - ok - missing - len(bad),
            dense_corrupt=bad,
        )

    @_locked
    def rebuild(
        self,
        dense: bool = True,
        full: bool = False,
        on_progress: Callable[[str, int, int], None] | None = None,
    ) -> IndexStatus:
        """Rebuild BM25 from the store, drop unreadable embedding files (or all of them with
        ``full``) and embed what is missing. Fixes every :class:`IndexCorruptError`."""
        shutil.rmtree(self.folder / "bm25", ignore_errors=True)
        shutil.rmtree(self.folder / "bm25.tmp", ignore_errors=True)
        folder = self._dense_folder()
        if full:
            shutil.rmtree(folder, ignore_errors=True)
        elif folder.exists():
            for p in folder.glob("*.npy"):
                try:
                    m = np.load(p, mmap_mode="r")
                    if m.ndim != 2:
                        raise ValueError
                except Exception:
                    p.unlink()
        self._fingerprint = None
        self.bm25 = self.dense = None
        self.ensure(dense=dense, on_progress=on_progress)
        return self.status()

    def _emb_path(self, folder: Path, doc_id: str) -> Path:
        # keyed by the store's version folder, which changes whenever the chunks are rewritten
        # (a changed file, or a forced re-ingest with the same bytes)
        return folder / f"{self._versions[doc_id]}.npy"

    # -- searching --------------------------------------------------------------------
    def mask(self, f: SearchFilters | None) -> np.ndarray | None:
        """Bool per chunk: passes ``f``. Decided per document, then spread to its chunks."""
        if f is None or f.is_empty():
            return None
        key = f.model_dump_json()
        if key in self._masks:
            return self._masks[key]
        aliases = {
            d.meta.company: d.meta.former_names
            for d in self.docs.values()
            if d.meta.company and d.meta.former_names
        }
        ok_doc = np.array(
            [
                doc_passes(d, f, lambda c, n: self._company_is(c, n, aliases))
                for d in self.docs.values()
            ],
            dtype=bool,
        )
        out = ok_doc[self._doc_row] if len(self.chunks) else np.zeros(0, dtype=bool)
        prefix = (f.section_prefix or "").lower()
        if prefix:
            out = out & np.array(
                [c.section_path.lower().startswith(prefix) for c in self.chunks], dtype=bool
            )
        if len(self._masks) >= 256:
            self._masks.pop(next(iter(self._masks)))
        self._masks[key] = out
        return out

    def _latest_year_mask(
        self, f: SearchFilters, passing: np.ndarray, applied: list[str]
    ) -> np.ndarray | None:
        """Chunks of the latest fiscal year among the filings that pass ``passing``."""
        docs = list(self.docs.values())
        years = [docs[i].meta.fiscal_year for i in np.unique(self._doc_row[passing])]
        years = [y for y in years if y is not None]
        if not years:
            return None
        latest = max(years)
        applied.append(
            f"rank fiscal year {latest} first: the latest filing in the range "
            "reports the earlier years too"
        )
        return self.mask(f.model_copy(update={"year_min": latest, "year_max": latest}))

    def _company_is(self, company: str | None, name: str, aliases: dict) -> bool:
        key = (company, name)
        if key not in self._same_company:
            self._same_company[key] = company_matches(company, name, aliases)
        return self._same_company[key]

    @_locked
    def search(
        self,
        query: str,
        mode: Mode = "hybrid",
        k: int = 10,
        filters: SearchFilters | None = None,
        fusion: Literal["rrf", "weighted"] = "rrf",
        rrf_k: int = 60,
        depth: int = 50,
        understand: Understand = "off",
        expand: bool = False,
        expand_weight: float = 0.3,
        expand_dense: bool = False,
        reranker: Reranker | None = None,
        rerank_depth: int = 30,
        max_query_chars: int = 2000,
        prefer_latest: bool = True,
        unit: Unit = "chunk",
        route: str | list[str] | None = None,
        page_ranker: str = "rrf",
        page_depth: int = 100,
        features: bool = False,
    ) -> SearchResult:
        """Search every chunk. ``filters`` (explicit) always apply before ranking.

        ``understand`` reads companies, fiscal years and forms from the question: "filter"
        applies them before ranking too (falling back to "boost" when they leave nothing),
        "boost" ranks matching chunks first among the candidates. With a range of years
        read from the question ("FY2019 - FY2021", "2022 vs 2021") and ``prefer_latest``, the
        latest filing in the range ranks first: it reports the earlier years as comparatives. ``expand`` adds finance
        synonyms to the BM25 query at ``expand_weight``. A ``reranker`` reorders the top
        ``rerank_depth`` fused candidates; mode "hybrid+rerank" requires one.

        ``unit="page"`` ranks pages (see :mod:`docnav.retrieval.pages`): the top ``k`` pages
        are ``pages``, and ``hits`` the best chunk of each (one chunk is shown once). ``route``
        (any of ``ROUTES``; a list or a comma-separated string) adds statement and filing
        routing (see :mod:`docnav.retrieval.pages`), ``page_ranker`` is "rrf", "learned" or a
        weights file, ``page_depth`` the candidates per retriever, ``features`` returns each
        page's features.
        """
        t_all = time.perf_counter()
        timings: dict[str, float] = {}
        applied: list[str] = []
        query = " ".join(query.split())
        if not query:
            raise InvalidQueryError("empty query: say what to look for")
        if len(query) > max_query_chars:
            cut = query.rfind(" ", 0, max_query_chars)
            query = query[: cut if cut > max_query_chars // 2 else max_query_chars]
            applied.append(f"query truncated to its first {len(query)} characters")
        if mode == "hybrid+rerank" and reranker is None:
            raise DocnavError(
                "mode hybrid+rerank needs a reranker: set DOCNAV_RERANKER_MODEL to a CrossEncoder "
                "name or local path (or configure the LLM reranker), or use --mode hybrid"
            )
        base = "hybrid" if mode == "hybrid+rerank" else mode
        self.ensure(dense=base != "bm25")

        analysis, used, effective, boost = self._understand(
            query, understand, filters, prefer_latest, applied, timings
        )
        mask = self.mask(effective)
        pool = depth * 4 if boost is not None else depth  # a boost needs candidates to lift
        if unit == "page":
            pool = max(pool, page_depth)

        expansion: Expansion | None = None
        qtoks = query_tokens(query)
        extra: list[str] = []
        if expand:
            expansion = expand_query(qtoks)
            extra = expansion.tokens
            if expansion.groups:
                applied.append("synonyms: " + ", ".join(expansion.groups))
        lists: dict[str, list[tuple[int, float]]] = {}
        want = pool if base == "hybrid" or boost is not None or reranker or unit == "page" else k
        bm25_all: np.ndarray | None = None
        qvec: np.ndarray | None = None
        if base in ("bm25", "hybrid"):
            t = time.perf_counter()
            bm25_all = self.bm25.scores(
                qtoks + extra, [1.0] * len(qtoks) + [expand_weight] * len(extra)
            )
            lists["bm25"] = [] if bm25_all is None else _top(bm25_all, want, mask)
            timings["bm25"] = _ms(t)
        if base in ("dense", "hybrid"):
            t = time.perf_counter()
            dq = query
            if expansion and expand_dense and expansion.phrases:
                dq = f"{query} ({'; '.join(expansion.phrases[:6])})"
            self.last_embed_ms = 0.0
            qvec = self._query_vector(dq)
            lists["dense"] = self.dense.search_vector(qvec, want, mask)
            timings["dense"] = _ms(t)
            if self.last_embed_ms:
                timings["embed_query"] = self.last_embed_ms
        if base == "hybrid":
            fused = (
                rrf(lists, rrf_k)
                if fusion == "rrf"
                else weighted(lists, {"bm25": 0.5, "dense": 0.5})
            )
            name = "fused"
        else:
            fused = lists[base]
            name = base
        if boost is not None:
            fused = sorted(fused, key=lambda x: not boost[x[0]])  # stable: score order within
        fused, rerank = self._rerank(query, fused, reranker, rerank_depth, applied, timings)
        per = {
            n: {row: (rank, s) for rank, (row, s) in enumerate(lst, 1)} for n, lst in lists.items()
        }
        pages: list[PageHit] = []
        routing: Route | None = None
        shown: list[tuple[int, float, int | None, float]] = [
            (row, s, None, s) for row, s in fused[:k]
        ]
        if unit == "page":
            routing, pages, shown = self._page_list(
                query,
                qtoks,
                k,
                fused,
                per,
                bm25_all if base in ("bm25", "hybrid") else None,
                qvec if base in ("dense", "hybrid") else None,
                analysis,
                mask,
                boost,
                used,
                expansion,
                route,
                page_ranker,
                features,
                applied,
                timings,
                effective,
            )
        hits = self._hits(shown, fused, per, name, rerank)
        timings["total"] = _ms(t_all)
        return SearchResult(
            query=query,
            mode=mode,
            hits=hits,
            analysis=analysis,
            filters=effective,
            understand=used,
            expansion=expansion,
            applied=applied,
            timings=timings,
            unit=unit,
            pages=pages,
            route=routing,
        )

    def _rerank(
        self,
        query: str,
        fused: list[tuple[int, float]],
        reranker: Reranker | None,
        rerank_depth: int,
        applied: list[str],
        timings: dict[str, float],
    ) -> tuple[list[tuple[int, float]], dict[int, float]]:
        """The top ``rerank_depth`` candidates reordered by ``reranker``; its scores by row."""
        rerank: dict[int, float] = {}
        if reranker is None or not fused:
            return fused, rerank
        t = time.perf_counter()
        top = fused[:rerank_depth]
        texts = [_dense_text(self.chunks[r], self.docs[self.chunks[r].doc_id]) for r, _ in top]
        got = reranker.score(query, texts)
        rerank = {r: float(s) for (r, _), s in zip(top, got, strict=True)}
        fused = sorted(top, key=lambda x: -rerank[x[0]]) + fused[rerank_depth:]
        timings["rerank"] = _ms(t)
        applied.append(f"reranked the top {len(top)} with {getattr(reranker, 'name', '?')}")
        return fused, rerank

    def _understand(
        self,
        query: str,
        understand: Understand,
        filters: SearchFilters | None,
        prefer_latest: bool,
        applied: list[str],
        timings: dict[str, float],
    ) -> tuple[QueryAnalysis | None, Understand, SearchFilters | None, np.ndarray | None]:
        """The question's companies, years and forms as filters (or a boost when filtering
        leaves nothing): (analysis, understanding used, effective filters, boost mask)."""
        analysis: QueryAnalysis | None = None
        used: Understand = understand
        effective = filters
        boost: np.ndarray | None = None
        if understand != "off":
            t = time.perf_counter()
            analysis = analyze_query(query, list(self.docs.values()))
            timings["analyze"] = _ms(t)
            merged, notes = merge_filters(filters, analysis.filters)
            applied += notes
            if not analysis.filters.is_empty():
                if understand == "filter":
                    m = self.mask(merged)
                    if m is not None and not m.any():
                        used = "boost"
                        applied.append(
                            "the question's filters leave no chunk: used as a boost instead"
                        )
                    else:
                        effective = merged
                        applied += ["filter " + a for a in analysis.applied]
                        if prefer_latest and merged.year_min != merged.year_max:
                            boost = self._latest_year_mask(merged, m, applied)
                if used == "boost":
                    boost = self.mask(merged)
                    applied += ["boost " + a for a in analysis.applied]
        return analysis, used, effective, boost

    def _page_list(
        self,
        query: str,
        qtoks: list[str],
        k: int,
        fused: list[tuple[int, float]],
        per: dict[str, dict[int, tuple[int, float]]],
        bm25_all: np.ndarray | None,
        qvec: np.ndarray | None,
        analysis: QueryAnalysis | None,
        mask: np.ndarray | None,
        boost: np.ndarray | None,
        used: Understand,
        expansion: Expansion | None,
        route: str | list[str] | None,
        page_ranker: str,
        features: bool,
        applied: list[str],
        timings: dict[str, float],
        effective: SearchFilters | None = None,
    ) -> tuple[Route | None, list[PageHit], list[tuple[int, float, int | None, float]]]:
        """Pages as the ranked unit: (routing read, the top k pages, the chunk shown for each)."""
        routing: Route | None = None
        pages: list[PageHit] = []
        t = time.perf_counter()
        routes = [
            r.strip()
            for r in (route.split(",") if isinstance(route, str) else route or [])
            if r.strip()
        ]
        bad = [r for r in routes if r not in ROUTES]
        if bad:
            raise InvalidQueryError(f"unknown route {bad}: use any of {', '.join(ROUTES)}")
        if routes and used != "off":  # routing reads the question: understanding off, none
            routing = read_route(
                query,
                qtoks,
                analysis.quarters if analysis else [],
                analysis.forms if analysis else [],
                filing_date=bool(analysis and any("filing date" in a for a in analysis.applied)),
                groups=expansion.groups if expansion is not None else None,
                nongaap="nongaap" in routes,
                sections="sections" in routes or "topics" in routes,
                present="present" in routes and analysis is not None and not analysis.years,
            )
            applied += routing.describe()
        ranked = self._rank_pages(
            fused,
            per,
            bm25_all,
            qvec,
            qtoks,
            analysis,
            mask,
            boost,
            routes,
            routing,
            load_ranker(page_ranker),
            effective,
            applied,
        )
        used_rows: set[int] = set()
        shown: list[tuple[int, float, int | None, float]] = []
        doc_list = list(self.docs.values())
        ceiling = float("inf")
        for n, cand in enumerate(ranked):
            if n >= k and len(shown) >= k:
                break
            # routing places pages by rule before score: the score shown never rises down
            # the list (clients read it as the ranking); the ranker's own is in scores
            rank_score = min(cand.score, ceiling)
            ceiling = rank_score
            best = next((r for r, _ in cand.chunks if r not in used_rows), None)
            if best is not None and len(shown) < k:  # k chunks when the pages allow
                used_rows.add(best)
                shown.append((best, rank_score, cand.page, cand.score))
            if n >= k:
                continue
            d = doc_list[cand.doc_row]
            pages.append(
                PageHit(
                    doc_id=d.doc_id,
                    doc_name=d.name,
                    page=cand.page,
                    score=round(rank_score, 5),
                    routed=cand.routed,
                    statements=sorted(cand.statements),
                    chunk_ids=[self.chunks[r].id for r, _ in cand.chunks],
                    features={f: round(cand.x.get(f, 0.0), 5) for f in FEATURES}
                    if features
                    else None,
                )
            )
        if features:
            # training wants every candidate page, not only the top k
            self.last_page_candidates = ranked
        timings["pages"] = _ms(t)
        return routing, pages, shown

    def _hits(
        self,
        shown: list[tuple[int, float, int | None, float]],
        fused: list[tuple[int, float]],
        per: dict[str, dict[int, tuple[int, float]]],
        name: str,
        rerank: dict[int, float],
    ) -> list[SearchHit]:
        hits = []
        fused_score = dict(fused)
        for row, score, page, page_score in shown:
            c = self.chunks[row]
            d = self.docs[c.doc_id]
            scores = {n: per[n][row][1] for n in per if row in per[n]}
            if name == "fused" and row in fused_score:
                scores["fused"] = fused_score[row]
            if page is not None:
                scores["page"] = page_score
            if row in rerank:
                scores["rerank"] = rerank[row]
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
                    score=rerank.get(row, score),
                    scores=scores,
                    ranks={n: per[n][row][0] for n in per if row in per[n]},
                    page=page,
                )
            )
        return hits

    # -- pages ------------------------------------------------------------------------------
    FORM_BONUS = 0.3  # rrf page ranker with "filing": a page of the filing kind asked for
    FIRST_BONUS = 0.2  # ... and of the chosen filing

    def _rank_pages(
        self,
        fused: list[tuple[int, float]],
        per: dict[str, dict[int, tuple[int, float]]],
        bm25_all: np.ndarray | None,
        qvec: np.ndarray | None,
        qtoks: list[str],
        analysis: QueryAnalysis | None,
        mask: np.ndarray | None,
        boost: np.ndarray | None,
        routes: list[str],
        routing: Route | None,
        ranker,
        effective: SearchFilters | None = None,
        applied: list[str] | None = None,
    ) -> list[PageCandidate]:
        meta = self._chunk_meta()
        docs = list(self.docs.values())
        rr = {row: 60.0 / (60.0 + rank) for rank, (row, _) in enumerate(fused, 1)}

        # filings: score from their best chunks, then the kind of filing the question asks for
        by_doc: dict[int, list[float]] = {}
        for row, v in rr.items():
            by_doc.setdefault(int(self._doc_row[row]), []).append(v)
        if not by_doc:
            return []
        dscore = {d: sum(sorted(v, reverse=True)[:3]) for d, v in by_doc.items()}
        top = max(dscore.values()) or 1.0
        dscore = {d: v / top for d, v in dscore.items()}
        pref: dict[int, float] = {}
        recent: dict[int, float] = {}
        if routing is not None and "filing" in routes:
            full = "fullyear" in routes
            pref = {d: form_preference(docs[d], routing, full) for d in dscore}
            if "undated" in routes and analysis is not None and not analysis.years:
                recent = recency({d: docs[d] for d in dscore}, pref)
                if routing.intent == "present":  # the latest filing is the kind asked for
                    pref = {d: recent.get(d, 0.0) for d in dscore}
        boosted = {d for d in dscore if boost is not None and boost[self._first_row(d)]}
        doc_order = sorted(
            dscore,
            key=lambda d: (
                d not in boosted,
                -(dscore[d] + 0.5 * pref.get(d, 0.0) + 0.5 * recent.get(d, 0.0)),
                d,
            ),
        )
        chosen = doc_order[0]
        comp: dict[int, float] = {}
        cmask: np.ndarray | None = None
        if "comparatives" in routes and routing is not None:
            comp, cmask = self._comparatives(effective, routing, set(dscore))
            for d, w in comp.items():
                got = self._deepen(d, {}, bm25_all, qvec, cmask, len(fused))
                rr.update({r: w * v for r, v in got.items()})
                dscore[d] = w * sum(sorted(got.values(), reverse=True)[:3]) / top
                if pref:
                    pref[d] = form_preference(docs[d], routing, "fullyear" in routes)
            doc_order += sorted(comp, key=lambda d: (-comp[d], d))  # after the year's own
            if comp and applied is not None:
                later = ", ".join(f"{docs[d].name} (x{w:g})" for d, w in comp.items())
                applied.append(f"comparative columns of later 10-Ks: {later}")
        if "deep" in routes:
            rr.update(self._deepen(chosen, rr, bm25_all, qvec, mask, len(fused)))
        in_topic: frozenset[int] = frozenset()
        if routing is not None and "sections" in routes and routing.sections:
            # the sections the question's topic lives in, of the chosen filing, ranked alone
            in_topic = self._topic_rows(chosen, tuple(routing.sections))
            only = np.fromiter(sorted(in_topic), dtype=np.int64)
            rr.update(self._deepen(chosen, rr, bm25_all, qvec, mask, len(fused), only))
        topic_rows: list[int] = []
        if routing is not None and "topics" in routes and routing.sections:
            # route "topics": the same sections ranked alone, kept apart from the pool's scores
            only = np.fromiter(sorted(self._topic_rows(chosen, tuple(routing.sections))), np.int64)
            got = self._deepen(chosen, {}, bm25_all, qvec, mask, len(fused), only)
            topic_rows = sorted(got, key=lambda r: (-got[r], r))[: 4 * TOPIC_PLACES]

        # statement routing: the routed statements' chunks of the leading filings join the pool
        want_kinds: set[str] = set()
        if routing is not None and ("statements" in routes or "named" in routes):
            want_kinds = set(routing.named)
            if "statements" in routes:
                want_kinds |= set(routing.items)
        rows = set(rr) | set(topic_rows)
        for d in doc_order[:3]:
            for kind in want_kinds:
                got = meta["by_doc_stmt"].get((d, STATEMENT_CODE[kind]), [])
                rows.update(r for r in got[:12] if mask is None or mask[r])
        for d, w in comp.items():  # a later 10-K's statements print the year as a comparative
            for kind in want_kinds:
                for r in meta["by_doc_stmt"].get((d, STATEMENT_CODE[kind]), [])[:12]:
                    if cmask is None or cmask[r]:
                        rows.add(r)
                        rr[r] = max(rr.get(r, 0.0), w * 60.0 / 61.0)
        # line items: the pages whose statement rows the question names, of the leading filings
        item_rr: dict[tuple[int, int], float] = {}
        if routing is not None and "items" in routes:
            for rank, key in enumerate(self.line_items().search(qtoks, set(doc_order[:3])), 1):
                item_rr[key] = 60.0 / (60.0 + rank)
                rows.update(r for r in self._rows_on_page(*key) if mask is None or mask[r])

        # chunk scores
        rows_l = sorted(rows)
        bm = np.zeros(len(rows_l))
        if bm25_all is not None:
            bm = bm25_all[rows_l]
            bmax = max(float(bm.max()), 1e-9)
            bm = bm / bmax
        cos = np.zeros(len(rows_l))
        if qvec is not None and self.dense is not None and rows_l:
            sub = np.asarray(self.dense.matrix[rows_l], dtype=np.float32)
            cos = sub @ np.asarray(qvec, dtype=np.float32)
        cmax = float(cos.max()) if len(cos) else 0.0
        years = analysis.years if analysis else []
        qnums = {t for t in qtoks if t.startswith("n:")}

        cands: dict[tuple[int, int], PageCandidate] = {}
        texts: dict[tuple[int, int], list[str]] = {}
        idx_rows = np.asarray(rows_l, dtype=np.int64)
        codes = meta["stmt"][idx_rows].tolist()
        tables = meta["table"][idx_rows].tolist()
        notes = meta["note"][idx_rows].tolist()
        mdnas = meta["mdna"][idx_rows].tolist()
        drows = self._doc_row[idx_rows].tolist()
        bml, cosl = (bm).tolist(), (cos - cmax).tolist()
        named = set(routing.named) if routing is not None else set()
        items = set(routing.items) if routing is not None else set()
        for i, row in enumerate(rows_l):
            c = self.chunks[row]
            d = drows[i]
            v = rr.get(row, 0.0)
            code = codes[i]
            kind = STATEMENTS[code - 1] if code else None
            hasnum = bool(qnums) and bool(qnums & self._chunk_numbers(row))
            for page in range(c.page_start, min(c.page_end, c.page_start + 2) + 1):
                key = (d, page)
                p = cands.get(key)
                if p is None:
                    p = cands[key] = PageCandidate(d, page)
                    p.x = dict.fromkeys(FEATURES, 0.0)
                    p.x["dense"] = -1.0
                    texts[key] = []
                x = p.x
                p.chunks.append((row, v))
                texts[key].append(c.text)
                if bml[i] > x["bm25"]:
                    x["bm25"] = bml[i]
                if cosl[i] > x["dense"]:
                    x["dense"] = cosl[i]
                if kind:
                    p.statements.add(kind)
                    x["statement"] = 1.0
                    if kind in named:
                        x["stmt_named"] = 1.0
                    if kind in items:
                        x["stmt_item"] = 1.0
                if tables[i]:
                    x["table"] = 1.0
                if notes[i]:
                    x["note"] = 1.0
                if mdnas[i]:
                    x["mdna"] = 1.0
                if hasnum:
                    x["number"] = 1.0
                if row in in_topic:
                    x["section"] = 1.0
        out = list(cands.values())
        for p in out:
            p.chunks.sort(key=lambda t: (-t[1], t[0]))
            vals = [v for _, v in p.chunks]
            x = p.x
            x["rrf"] = vals[0]
            x["rrf_rest"] = float(np.log1p(sum(vals[1:])))
            x["period"] = year_share(texts[(p.doc_row, p.page)], years)
            x["doc_score"] = dscore.get(p.doc_row, 0.0)
            x["doc_first"] = float(p.doc_row == chosen)
            x["form_pref"] = pref.get(p.doc_row, 0.0)
            x["latest"] = float(p.doc_row in boosted)
            x["items"] = item_rr.get((p.doc_row, p.page), 0.0)
            if x["dense"] < -0.99:
                x["dense"] = -1.0
            p.score = ranker.score(x)
            if ranker.name == "rrf" and pref:
                p.score += self.FORM_BONUS * x["form_pref"] + self.FIRST_BONUS * x["doc_first"]
            p.boosted = p.doc_row in boosted  # the boost's order: boosted filings' pages first
            p.routed = p.doc_row == chosen and bool(p.statements & want_kinds)
            if not p.chunks[0][1]:  # a routed chunk outside the pool: show its best match
                p.chunks.sort(key=lambda t: t[0])
        spread = "spread" in routes and analysis is not None and not analysis.years
        later = sorted(comp, key=lambda d: (-comp[d], d))
        topical = [cands[k] for k in self._pages_of(topic_rows, cands)]
        group = None
        named = bool(analysis and analysis.companies) or _names_company(effective)
        # whether a company is named is query understanding: without it the route stays off
        if "companies" in routes and analysis is not None and not named:
            group = {d: docs[d].meta.company or docs[d].name for d in doc_order}
            if applied is not None and len(set(group.values())) > 1:
                applied.append("no company named: diversity places go to other companies")
        return order_pages(
            out,
            doc_order,
            diverse="diverse" in routes,
            spread=spread,
            later=later,
            topical=topical,
            group=group,
        )

    def _pages_of(self, rows: list[int], cands: dict[tuple[int, int], PageCandidate]) -> list:
        """The candidate pages of ``rows`` (best row first), each once, in that order."""
        out: dict[tuple[int, int], None] = {}
        for r in rows:
            c = self.chunks[r]
            d = int(self._doc_row[r])
            for page in range(c.page_start, min(c.page_end, c.page_start + 2) + 1):
                if (d, page) in cands:
                    out.setdefault((d, page), None)
        return list(out)

    COMPARATIVE_WEIGHT = 0.5  # route "comparatives": a year later's 10-K, squared two years on

    def _comparatives(
        self, f: SearchFilters | None, routing: Route, have: set[int]
    ) -> tuple[dict[int, float], np.ndarray | None]:
        """Route ``comparatives``: an annual question naming one fiscal year Y is also answered
        by the comparative columns of the next annual reports (a 10-K's balance sheet prints
        one prior year, its income and cash-flow statements two), so the 10-Ks of Y+1 and
        Y+2 that pass the question's other filters join the pool: ({filing row: weight}, their
        chunks' mask)."""
        if f is None or f.year_min is None or f.year_min != f.year_max:
            return {}, None
        if routing.intent not in ("annual", "nongaap"):
            return {}, None
        y = f.year_min
        later = f.model_copy(update={"year_min": y + 1, "year_max": y + 2})
        m = self.mask(later.model_copy(update={"form": "10-K", "forms": None}))
        if m is None:
            return {}, None
        docs = list(self.docs.values())
        out: dict[int, float] = {}
        for d in np.unique(self._doc_row[m]).tolist():
            fy = docs[d].meta.fiscal_year
            if d not in have and fy is not None and y < fy <= y + 2:
                out[int(d)] = self.COMPARATIVE_WEIGHT ** (fy - y)
        return out, m

    def _deepen(
        self,
        doc_row: int,
        rr: dict[int, float],
        bm25_all: np.ndarray | None,
        qvec: np.ndarray | None,
        mask: np.ndarray | None,
        depth: int,
        only: np.ndarray | None = None,
    ) -> dict[int, float]:
        """Route ``deep``: the chosen filing's chunks ranked within that filing alone (RRF of
        BM25 and dense, as a single-filing search would), so its page pool is as deep as the
        pool of the whole store and a page the other filings crowded out becomes a
        candidate; a chunk keeps the better of its two reciprocal ranks. ``only``: rank these
        rows of the filing alone (route ``sections``)."""
        rows = np.flatnonzero(self._doc_row == doc_row) if only is None else only
        if mask is not None:
            rows = rows[mask[rows]]
        if not len(rows):
            return {}
        lists: dict[str, list[tuple[int, float]]] = {}
        if bm25_all is not None:
            sc = bm25_all[rows]
            lists["bm25"] = [(int(rows[i]), float(sc[i])) for i in np.argsort(-sc)[:depth]]
        if qvec is not None and self.dense is not None:
            sub = np.asarray(self.dense.matrix[rows], dtype=np.float32)
            cos = sub @ np.asarray(qvec, dtype=np.float32)
            lists["dense"] = [(int(rows[i]), float(cos[i])) for i in np.argsort(-cos)[:depth]]
        fused = rrf(lists, 60)[:depth] if len(lists) > 1 else next(iter(lists.values()), [])
        return {
            row: max(rr.get(row, 0.0), 60.0 / (60.0 + rank))
            for rank, (row, _) in enumerate(fused, 1)
        }

    def _topic_rows(self, doc_row: int, topics: tuple[str, ...]) -> frozenset[int]:
        """Rows of a filing whose section title is one the topics point at (cached)."""
        key = (doc_row, topics)
        cache = self._topic_cache
        if key not in cache:
            rows = np.flatnonzero(self._doc_row == doc_row)
            cache[key] = frozenset(
                int(r)
                for r in rows
                if section_matches(self.chunks[r].section_path.rsplit(" > ", 1)[-1], list(topics))
            )
        return cache[key]

    def _first_row(self, doc_row: int) -> int:
        if self._doc_first_row is None:
            first = np.zeros(len(self.docs), dtype=np.int64)
            rows = np.arange(len(self._doc_row))[::-1]
            first[self._doc_row[::-1]] = rows  # the last write per filing is its first row
            self._doc_first_row = first
        return int(self._doc_first_row[doc_row])


def _names_company(f: SearchFilters | None) -> bool:
    """Whether the filters narrow the search to a company or to named filings."""
    return f is not None and bool(f.company or f.companies or f.ticker or f.doc_ids)


def _ms(t: float) -> float:
    return round(1000 * (time.perf_counter() - t), 2)


def doc_passes(
    d: Document, f: SearchFilters, company_is: Callable[[str | None, str], bool]
) -> bool:
    """The filing-level part of a filter (the section prefix is per chunk): both backends
    decide which filings a filter keeps with this one rule."""
    m = d.meta
    if f.doc_ids is not None and d.doc_id not in f.doc_ids and d.name not in f.doc_ids:
        return False
    for names in ([f.company] if f.company else [], f.companies or []):
        if names and not any(
            company_is(m.company, n) or n.lower() in d.name.lower() for n in names
        ):
            return False
    if f.ticker and (m.ticker or "").upper() != f.ticker.upper():
        return False
    for forms in ([f.form] if f.form else [], f.forms or []):
        mine = (m.form or "").replace("-", "").upper()
        if forms and not any(mine == x.replace("-", "").upper() for x in forms):
            return False
    if f.year_min is not None or f.year_max is not None:
        lo = f.year_min if f.year_min is not None else -1
        hi = f.year_max if f.year_max is not None else 10_000
        if not any(lo <= y <= hi for y in _year_labels(d)):
            return False
    return True


def _year_labels(d: Document) -> set[int]:
    """Years a filing answers to: its fiscal year and, for a fiscal year ending in January to
    March, also the calendar year it ends in. Companies label such years both ways (Ulta's
    "fiscal 2022" ends 28 January 2023 and is called FY2023 by others), so a year filter must
    not drop either reading."""
    m = d.meta
    out = {m.fiscal_year} if m.fiscal_year is not None else set()
    if (
        m.period_end is not None
        and m.period_end.month <= 3
        and (m.fiscal_period or "").startswith(("FY", "Q4"))
    ):
        out.add(m.period_end.year)
    return out


def _dense_text(c: Chunk, d: Document) -> str:
    # company, period and section path tell a 2018 cash-flow table from a 2019 one when the
    # rows look alike
    m = d.meta
    head = " ".join(x for x in (m.company, m.form, m.fiscal_period) if x)
    return f"{head} | {c.section_path}\n{c.text}"
