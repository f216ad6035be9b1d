"""A tiny synthetic 10-K (plain text, pages split at form feeds) with an outline of Items,
three statements and a Note, for the guided policy's tests: ingests in milliseconds."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from docnav.ingestion import CorpusStore, IngestOptions, ingest_paths
from docnav.retrieval.index import SearchHit

FILING = """\
ACME WIDGETS CORP
ANNUAL REPORT ON FORM 10-K
For the fiscal year ended December 31, 2022

PART I

Item 1. Business

Acme Widgets Corp makes widgets for industrial customers in North America and Europe.
The company sells through distributors and online.

\fItem 7. Management's Discussion and Analysis of Financial Condition and Results of Operations

Revenue grew in 2022 because of higher widget volumes and price increases.
Operating costs rose with raw material prices. Management expects stable demand.
See Note 5 for debt.

\fItem 8. Financial Statements and Supplementary Data

\fConsolidated Statements of Operations
(in millions)
                                   2022       2021
Net sales                         1,250      1,100
Cost of sales                       800        720
Gross profit                        450        380
Operating income                    210        170
Net income                          150        120

\fConsolidated Balance Sheets
(in millions)
                                   2022       2021
Cash and cash equivalents           300        250
Inventories                         175        160
Total current assets                640        580
Property, plant and equipment, net  900        870
Total assets                      1,900      1,800
Accounts payable                    140        130
Total current liabilities           400        390

\fConsolidated Statements of Cash Flows
(in millions)
                                   2022       2021
Net cash provided by operating activities     260     230
Purchases of property, plant and equipment    (95)    (80)
Dividends paid                                (40)    (35)

\fNotes to Consolidated Financial Statements

Note 5. Debt

Long-term debt was 500 million at December 31, 2022, due 2030.
"""


def make_store(root: Path) -> CorpusStore:
    src = root / "in" / "ACME_2022_10K.txt"
    src.parent.mkdir(parents=True, exist_ok=True)
    src.write_text(FILING, encoding="utf-8")
    store = CorpusStore(root / "store")
    ingest_paths(store, [src], opts=IngestOptions(), workers=1)
    return store


def hits_for(store: CorpusStore, *words: str) -> list[SearchHit]:
    """Chunks holding any of ``words``, as search hits (a stand-in for the hybrid search)."""
    out = []
    for d in store.list_documents():
        for c in store.chunks(d.doc_id):
            if any(w.lower() in c.text.lower() for w in words):
                out.append(
                    SearchHit(
                        chunk_id=c.id,
                        doc_id=d.doc_id,
                        doc_name=d.name,
                        company=c.company,
                        form=c.form,
                        fiscal_period=c.fiscal_period,
                        page_start=c.page_start,
                        page_end=c.page_end,
                        section_path=c.section_path,
                        chunk_type=c.type,
                        text=c.text,
                        score=1.0,
                    )
                )
    return out


def retriever(store: CorpusStore, *words: str) -> Any:
    return lambda question: hits_for(store, *words)


def guided_runner(
    store: CorpusStore, model: Any, words: tuple[str, ...], off: str = "", **budget: Any
) -> Any:
    """An AgentRunner of the guided policy over ``store``, its first look searching ``words``;
    ``off`` switches pieces off (GuidedConfig.from_off), ``budget`` goes to AgentBudget."""
    from docnav.agent.loop import AgentBudget, AgentRunner
    from docnav.agent.policy import GuidedConfig, GuidedPolicy, policy_tools
    from docnav.agent.prompts import GUIDED_SYSTEM
    from docnav.tools.base import ToolContext

    cfg = GuidedConfig.from_off(off)
    return AgentRunner(
        model,
        policy_tools("guided", cfg),
        ToolContext(store=store),
        budget=AgentBudget(**budget),
        system_prompt=GUIDED_SYSTEM,
        policy=GuidedPolicy(cfg, retrieve=retriever(store, *words)),
    )
