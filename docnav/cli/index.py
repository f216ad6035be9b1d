"""`docnav index status | rebuild`: the search indexes (BM25, embeddings)."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from docnav.cli.common import HomeOpt, JsonOpt, console, err, fail, open_engine, stage_bars
from docnav.errors import DocnavError

app = typer.Typer(
    help="Search indexes (BM25, embeddings): status and rebuild.", no_args_is_help=True
)


@app.command("status")
def index_status(home: HomeOpt = None, json_out: JsonOpt = False) -> None:
    """What is built, stale, missing or unreadable (builds nothing); also how many filings'
    statement facts are missing or from an older extractor."""
    from docnav.cli.facts_rebuild import stale_facts_line

    engine = open_engine(home)
    try:
        st = engine.index_status()
    except DocnavError as exc:
        fail(exc)
    stale, facts_line = stale_facts_line(engine.store, engine.settings.home_dir)
    if json_out:
        print(json.dumps({**st.model_dump(mode="json"), "facts_stale": stale}, indent=2))
        return
    console.print(
        f"{st.documents} documents, {st.chunks} chunks in {st.folder}\n"
        f"bm25: {st.bm25}\n"
        f"embeddings ({st.embedding_model}): {st.dense_embedded} documents embedded, "
        f"{st.dense_missing} to embed, {len(st.dense_corrupt)} unreadable",
        soft_wrap=True,
    )
    if st.bm25 == "corrupt" or st.dense_corrupt:
        err.print("run `docnav index rebuild` to fix the unreadable parts")
    if facts_line:
        console.print(facts_line, markup=False, highlight=False, soft_wrap=True)


@app.command("rebuild")
def index_rebuild(
    home: HomeOpt = None,
    bm25_only: Annotated[
        bool, typer.Option("--bm25-only", help="Rebuild BM25 only; embed nothing now.")
    ] = False,
    full: Annotated[
        bool, typer.Option("--full", help="Also re-embed every document (slow).")
    ] = False,
) -> None:
    """Rebuild the search indexes from the store: BM25 always, unreadable embedding files
    dropped and re-embedded (every document with --full)."""
    engine = open_engine(home)
    progress, on_progress = stage_bars("chunks")
    try:
        with progress:
            st = engine.rebuild_index(dense=not bm25_only, full=full, on_progress=on_progress)
    except DocnavError as exc:
        fail(exc)
    console.print(
        f"rebuilt: {st.documents} documents, {st.chunks} chunks; bm25 {st.bm25}; "
        f"{st.dense_embedded} documents embedded",
        soft_wrap=True,
    )
