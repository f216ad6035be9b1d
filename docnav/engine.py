"""The engine: one object that the CLI, the REST API and notebooks all drive."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from docnav.errors import DocnavError, NotFoundError
from docnav.ingestion import (
    CorpusStore,
    IngestOptions,
    ingest_paths,
    load_sidecar,
    section_paths,
)
from docnav.public import PublicOutlineEntry, PublicSearchResult
from docnav.retrieval.index import (
    CorpusIndex,
    IndexStatus,
    Mode,
    SearchFilters,
    SearchResult,
    Understand,
)
from docnav.retrieval.rerank import Reranker
from docnav.settings import Settings
from docnav.tools.base import ToolContext
from docnav.tools.facts import FactRow, find_facts
from docnav.types import Answer, AnswerMode, Document, FileResult, IngestReport, Step

if TYPE_CHECKING:  # the agent stack (LangGraph) loads when a question is asked, not before:
    # `docnav documents` and the other store commands stay fast
    from docnav.agent.llm.base import ChatModel
    from docnav.agent.loop import AgentRunner
    from docnav.agent.modes import Context
    from docnav.agent.policy import Policy
    from docnav.retrieval.backends import PgIndex


class Engine:
    """Entry point to docnav: ``Engine().ingest([...])``, ``.documents()``, ``.outline(doc)``.

    Its public methods number pages from 1, as citations, the CLI, REST and MCP do
    (``search``, ``outline``, ``page_text``); ``index_search`` and ``store`` are the 0-based
    internals the agent and the benchmarks read."""

    def __init__(self, settings: Settings | None = None) -> None:
        """``settings`` default: ``Settings()`` from the environment; every layer gets its
        values from here (nothing below reads the environment)."""
        self.settings = settings if settings is not None else Settings()
        self._store: CorpusStore | None = None
        self._index: CorpusIndex | PgIndex | None = None
        self._chat_model: ChatModel | None = None
        self._runners: dict[str, AgentRunner] = {}  # one per agent policy, built on first use

    @property
    def index(self) -> CorpusIndex | PgIndex:
        if self._index is None:
            if self.settings.database_url:
                # DOCNAV_DATABASE_URL: search ranks inside PostgreSQL (full text + pgvector);
                # imported only then, so the embedded default needs no database driver
                from docnav.retrieval.backends import open_index

                self._index = open_index(self.settings, self.store)
            else:
                self._index = CorpusIndex(
                    self.store, self.settings.home_dir / "indexes", self.settings.retrieval
                )
        return self._index

    def search(
        self,
        query: str,
        mode: Mode = "hybrid",
        k: int = 10,
        filters: SearchFilters | None = None,
        **options: Any,
    ) -> PublicSearchResult:
        """Search every chunk in the store; filters narrow the candidates before ranking (a
        ``ticker`` filter finds the filings that share their company's ticker too). Pages in
        the result are 1-based, as ``page_text`` and citations number them. ``options``:
        fusion, on_progress, understand, expand, reranker, unit, route, page_ranker (see
        :meth:`index_search`)."""
        return PublicSearchResult.of(self.index_search(query, mode, k, filters, **options))

    def index_search(
        self,
        query: str,
        mode: Mode = "hybrid",
        k: int = 10,
        filters: SearchFilters | None = None,
        fusion: str = "rrf",
        on_progress: Callable[[str, int, int], None] | None = None,
        understand: Understand | None = None,
        expand: bool | None = None,
        reranker: Reranker | None = None,
        unit: str | None = None,
        route: str | None = None,
        page_ranker: str | None = None,
    ) -> SearchResult:
        """:meth:`search` as the index returns it, pages 0-based: for the agent, its modes and
        the benchmarks, which read the store with the same indexes. ``understand``/``expand`` default to the settings (query understanding as filters and
        synonym expansion on); mode "hybrid+rerank" uses ``reranker`` or :meth:`reranker`.
        ``unit``/``route``/``page_ranker`` default to the settings (pages ranked with statement
        and filing routing, pooled RRF scores; ``result.pages`` holds the pages, ``hits`` their chunks)."""
        s = self.settings.retrieval
        if reranker is None and mode == "hybrid+rerank":
            reranker = self.reranker()
        self.index.ensure(dense=mode != "bm25", on_progress=on_progress)
        return self.index.search(
            query,
            mode=mode,
            k=k,
            filters=self._shared_ticker(filters),
            fusion=fusion,  # type: ignore[arg-type]
            understand=s.understand if understand is None else understand,
            expand=s.expand if expand is None else expand,
            expand_weight=s.expand_weight,
            reranker=reranker,
            rerank_depth=s.rerank_depth,
            max_query_chars=s.max_query_chars,
            unit=s.unit if unit is None else unit,
            route=s.route if route is None else route,
            page_ranker=s.page_ranker if page_ranker is None else page_ranker,
        )

    def _shared_ticker(self, filters: SearchFilters | None) -> SearchFilters | None:
        """A ticker filter as the doc ids of its company's filings, those printed without a
        ticker included (as :meth:`documents` finds them); a ticker no filing carries stays
        a ticker filter (no hits)."""
        if filters is None or not filters.ticker:
            return filters
        from docnav.ingestion.tickers import filter_ticker

        docs = filter_ticker(self.store.list_documents(), filters.ticker)
        scope = filters.doc_ids  # doc ids or names, as the index reads them
        ids = [d.doc_id for d in docs if scope is None or d.doc_id in scope or d.name in scope]
        return filters.model_copy(update={"ticker": None, "doc_ids": ids}) if ids else filters

    def reranker(self) -> Reranker | None:
        """The reranker named by ``DOCNAV_RERANKER`` (none | cross-encoder[:path] |
        llm[:listwise|pointwise] | bi-encoder), built on first use; ``set_reranker`` overrides."""
        if not hasattr(self, "_reranker"):
            self._reranker = self.make_reranker(self.settings.retrieval.reranker)
        return self._reranker

    def make_reranker(self, spec: str | None) -> Reranker | None:
        """A new reranker from a spec string; ``llm:*`` ones use this engine's chat model."""
        from docnav.retrieval.rerank import make_reranker

        def complete(prompt: str, max_tokens: int = 256) -> str:
            from docnav.agent.llm.base import ChatMessage

            msg = [ChatMessage(role="user", content=prompt)]
            return self.chat_model.chat(msg, max_tokens=max_tokens).message.content

        return make_reranker(
            spec, complete=complete, reranker_model=self.settings.retrieval.reranker_model
        )

    def set_reranker(self, reranker: Reranker | None) -> None:
        self._reranker = reranker

    def index_status(self) -> IndexStatus:
        return self.index.status()

    def rebuild_index(
        self,
        dense: bool = True,
        full: bool = False,
        on_progress: Callable[[str, int, int], None] | None = None,
    ) -> IndexStatus:
        """Rebuild the search indexes from the store (fixes an IndexCorruptError)."""
        with self.store.write_lock():
            return self.index.rebuild(dense=dense, full=full, on_progress=on_progress)

    @property
    def store(self) -> CorpusStore:
        if self._store is None:
            from docnav.ingestion.backend import open_store

            # DOCNAV_DATABASE_URL selects the PostgreSQL store; page files stay under store_dir
            self._store = open_store(
                self.settings.store_dir,
                self.settings.database_url,
                self.settings.ingest.lock_timeout_s,
            )
        return self._store

    # -- ingestion ------------------------------------------------------------------
    def ingest(
        self,
        paths: Iterable[str | os.PathLike],
        sidecar: str | Path | None = None,
        workers: int | None = None,
        force: bool = False,
        form_hint: str | None = None,
        on_start: Callable[[int], None] | None = None,
        on_result: Callable[[FileResult], None] | None = None,
        replace: bool = False,
        embed: bool | None = None,
        on_progress: Callable[[str, int, int], None] | None = None,
    ) -> IngestReport:
        """Ingest files, folders or globs. ``embed`` (default ``settings.ingest.embed``, on)
        then builds the search indexes and the embeddings of every filing still without them,
        reporting ``on_progress(stage, done, total)`` for "bm25" and "embed", so the first
        dense search does not embed the corpus; ``embed=False`` leaves that to later."""
        s = self.settings.ingest
        opts = IngestOptions(
            max_file_mb=s.max_file_mb,
            max_pages=s.max_pages,
            chunk_chars=s.chunk_chars,
            overlap_chars=s.chunk_overlap_chars,
            form_hint=form_hint,
            edgartools_check=s.edgartools_check,
        )
        report = ingest_paths(
            self.store,
            paths,
            opts=opts,
            sidecar=load_sidecar(sidecar) if sidecar else None,
            workers=workers or s.workers,
            force=force,
            on_start=on_start,
            on_result=on_result,
            replace=replace,
        )
        if (s.embed if embed is None else embed) and self.store.list_documents():
            self.build_indexes(on_progress=on_progress)
        return report

    def build_indexes(
        self, dense: bool = True, on_progress: Callable[[str, int, int], None] | None = None
    ) -> IndexStatus:
        """Build what search needs now: BM25 over the store and (``dense``) the embeddings
        of the filings without them; a no-op for what is already built."""
        n = sum(d.n_chunks for d in self.store.list_documents())
        if on_progress:
            on_progress("bm25", 0, n)
        self.index.ensure(dense=False)
        if on_progress:
            on_progress("bm25", n, n)
        if dense:
            self.index.ensure(dense=True, on_progress=on_progress)
        return self.index.status()

    def remove(self, doc: str) -> Document:
        with self.store.write_lock():
            return self.store.remove(doc)

    # -- reading ----------------------------------------------------------------------
    def documents(
        self,
        company: str | None = None,
        form: str | None = None,
        year: int | None = None,
        ticker: str | None = None,
    ) -> list[Document]:
        """The catalog, filtered; a filing printed without a ticker carries its company's (a
        10-K cover often omits it), so ``ticker`` finds every filing of the company."""
        from docnav.ingestion.tickers import filter_ticker, with_shared_tickers

        docs = self.store.list_documents(company=company, form=form, year=year)
        catalog = self.store.list_documents()
        return (
            filter_ticker(docs, ticker, catalog) if ticker else with_shared_tickers(docs, catalog)
        )

    def document(self, doc: str) -> Document:
        return self.store.get_document(doc)

    def outline(self, doc: str) -> list[PublicOutlineEntry]:
        """The filing's sections in document order, each with its path; pages 1-based."""
        d = self.store.get_document(doc)
        sections = self.store.sections(d.doc_id)
        paths = section_paths(sections)
        return [PublicOutlineEntry.of(s, paths[s.id]) for s in sections]

    def facts(
        self,
        doc: str | None = None,
        *,
        company: str | None = None,
        metric: str | None = None,
        year: int | None = None,
        period: str | None = None,
        limit: int = 10,
    ) -> list[FactRow]:
        """Statement line items of a filing (``doc``) or a company: label, value per period,
        unit, scale and 1-based page, best matches of ``metric`` first (finance synonyms
        included); the lookup `docnav facts`, ``GET /v1/facts`` and the agent's tool share."""
        return find_facts(
            self.store,
            doc=doc,
            company=company,
            metric=metric,
            year=year,
            period=period,
            limit=limit,
        )

    def page_text(self, doc: str, page: int) -> str:
        """Text of page ``page``, 1-based as citations and search results number it."""
        d = self.store.get_document(doc)
        if not 1 <= page <= d.n_pages:
            raise NotFoundError(f"{d.name} has pages 1-{d.n_pages}; there is no page {page}")
        return self.store.page_text(d.doc_id, page - 1)

    # -- answering ----------------------------------------------------------------------
    @property
    def chat_model(self) -> ChatModel:
        """The configured LLM (built on first use: loading a local model takes seconds)."""
        if self._chat_model is None:
            from docnav.agent.llm import make_chat_model

            self._chat_model = make_chat_model(self.settings)
        return self._chat_model

    @chat_model.setter
    def chat_model(self, model: ChatModel) -> None:
        self._chat_model = model
        self._runners = {}

    def tool_context(self) -> ToolContext:
        return ToolContext.from_settings(self.store, self.index, self.settings.agent)

    @property
    def agent_policy(self) -> Policy:
        """The configured policy: ``auto`` is guided for the local backend, free for servers."""
        from docnav.agent.policy import resolve_policy

        return resolve_policy(self.settings.agent.policy, self.settings.llm.backend)

    @property
    def runner(self) -> AgentRunner:
        """The agent runner of the configured policy."""
        return self.runner_for(self.agent_policy)

    def runner_for(self, policy: Policy) -> AgentRunner:
        """The runner of one policy; the guided one gets its pieces (DOCNAV_AGENT_GUIDED_OFF),
        its tool subset, its system prompt and rag mode's own search for its first look."""
        if policy not in self._runners:
            from docnav.agent.loop import AgentBudget, AgentRunner
            from docnav.agent.modes import first_look_chars
            from docnav.agent.policy import GuidedConfig, GuidedPolicy, policy_tools
            from docnav.agent.prompts import AGENT_SYSTEM, GUIDED_SYSTEM

            s = self.settings
            guided = None
            if policy == "guided":
                cfg = GuidedConfig.from_off(s.agent.guided_off)
                guided = GuidedPolicy(
                    cfg,
                    retrieve=lambda q: self.index_search(q, mode=s.agent.rag_mode, k=s.agent.rag_k),  # type: ignore[arg-type]
                    max_chars=min(
                        s.agent.tool_max_chars,
                        first_look_chars(self.chat_model.context_window, s.llm.max_new_tokens),
                    ),
                )
            self._runners[policy] = AgentRunner(
                self.chat_model,
                policy_tools(policy, guided.cfg if guided else None),
                self.tool_context(),
                checkpoint_db=self._checkpoints(),
                budget=AgentBudget.of(s.agent, s.llm),
                system_prompt=GUIDED_SYSTEM if guided else AGENT_SYSTEM,
                policy=guided,
            )
        return self._runners[policy]

    def ask(
        self,
        question: str,
        mode: AnswerMode = "agent",
        *,
        doc: str | None = None,
        filters: SearchFilters | None = None,
        pages: list[int] | None = None,
        thread_id: str | None = None,
        question_first: bool = False,
        on_step: Callable[[Step], None] | None = None,
        cancel: threading.Event | None = None,
        max_steps: int | None = None,
        max_tokens: int | None = None,
        temperature: float = 0.0,
        policy: Policy | None = None,
    ) -> Answer:
        """Answer a question in one of the modes; every mode returns the same ``Answer``.

        ``doc`` scopes rag to one filing (single store) and names the filing for
        long-context and oracle; ``pages`` (1-based) are the oracle's evidence pages.
        ``max_steps`` (agent model calls) and ``max_tokens`` (completion tokens per call)
        override the settings for this question; ``policy`` (guided | free) the agent's
        configured policy."""
        question = question.strip()
        if not question:
            raise DocnavError("empty question")
        if len(question) > self.settings.agent.max_question_chars:
            raise DocnavError(
                f"question too long ({len(question)} chars, limit {self.settings.agent.max_question_chars})"
            )
        if mode == "agent":
            hint = self._scope_hint(doc, filters)
            runner = self.runner_for(policy or self.agent_policy)
            budget = runner.budget.model_copy(
                update={
                    k: v
                    for k, v in (("max_steps", max_steps), ("max_new_tokens", max_tokens))
                    if v is not None
                }
            )
            return runner.run(
                question + hint,
                thread_id=thread_id,
                on_step=on_step,
                cancel=cancel,
                budget=budget,
                temperature=temperature,
            ).model_copy(update={"question": question})
        from docnav.agent.modes import answer_once

        model = self.chat_model
        notes: list[str] = []
        context = self._context(mode, question, doc, filters, pages, notes)
        return answer_once(
            model,
            mode,
            question,
            context,
            {d.doc_id: d.name for d in self.store.list_documents()},
            question_first=question_first,
            max_new_tokens=max_tokens or self.settings.llm.max_new_tokens,
            temperature=temperature,
            on_step=on_step,
            extra_notes=notes,
        )

    def _context(
        self,
        mode: AnswerMode,
        question: str,
        doc: str | None,
        filters: SearchFilters | None,
        pages: list[int] | None,
        notes: list[str],
    ) -> Context | None:
        """The single-call modes' context (docnav.agent.modes builds it): rag's search, or the
        filing for long-context and oracle; closed-book has none."""
        from docnav.agent.modes import context_room, filing_context, rag_context

        s = self.settings
        if mode == "rag":
            f = filters or SearchFilters()
            if doc:
                f = f.model_copy(update={"doc_ids": [self.document(doc).doc_id]})
            res = self.index_search(question, mode=s.agent.rag_mode, k=s.agent.rag_k, filters=f)
            return rag_context(res)
        if mode in ("long-context", "oracle"):
            d = self._pick_doc(question, doc, filters, notes)
            model = self.chat_model
            room = context_room(model.context_window, s.llm.max_new_tokens)
            return filing_context(self.store, d, mode, pages, room, model.count_tokens)
        return None

    def conversation(self, thread_id: str) -> list[dict]:
        """The checkpointed agent conversation for ``thread_id`` (empty when unknown); reads
        the checkpoint database without loading the model."""
        if self._runners:  # every policy's runner shares the one checkpoint database
            return next(iter(self._runners.values())).history(thread_id)
        from docnav.agent.loop import read_history

        return read_history(self._checkpoints(), thread_id)

    def _checkpoints(self) -> str | Path:
        """Where agent threads are checkpointed: the database when DOCNAV_DATABASE_URL is
        set (every replica continues any thread), else a SQLite file under the home."""
        return self.settings.database_url or self.settings.home_dir / "agent" / "checkpoints.sqlite"

    def _scope_hint(self, doc: str | None, filters: SearchFilters | None) -> str:
        parts = []
        if doc:
            d = self.document(doc)
            parts.append(f"document {d.name} (id {d.doc_id})")
        if filters:
            for k, v in filters.model_dump(exclude_none=True).items():
                parts.append(f"{k}={v}")
        return f"\n(Scope: {', '.join(parts)}.)" if parts else ""

    def _pick_doc(
        self, question: str, doc: str | None, filters: SearchFilters | None, notes: list[str]
    ) -> Document:
        if doc:
            return self.document(doc)
        hits = self.index_search(question, mode="bm25", k=1, filters=filters).hits
        if not hits:
            raise DocnavError("no filing matches the question; name one with --doc")
        d = self.document(hits[0].doc_id)
        notes.append(f"filing chosen by retrieval: {d.name}")
        return d
