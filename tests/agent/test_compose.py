"""Compound questions planned as sub-lookups in code (agent/compose.py): reading the question's
structure, a total over items spread through a filing, a figure with stated adjustments, and
the wiring in the guided loop. Real parts: a generated corpus of two companies' 10-Ks (PDF,
fiscal 2023-2024, seed 3: neither the development seed 1 nor the measured seed 0) ingested
with its statement facts, its planted fragmentation and causal-chain answers checked."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from docnav.agent import compose, facts_view
from docnav.agent.question import read_question
from docnav.ingestion import CorpusStore, IngestOptions, ingest_paths
from docnav.retrieval.query import analyze_query
from docnav.synth import generate
from docnav.synth.generate import SynthConfig

from .fakes import ScriptedChatModel, call
from .synthetic import guided_runner, hits_for

KINDS = ("fragmentation", "causal_chain")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[CorpusStore, list[dict[str, Any]]]:
    root = tmp_path_factory.mktemp("compose")
    cfg = SynthConfig(
        companies=2,
        first_year=2023,
        last_year=2024,
        seed=3,
        formats=["pdf"],
        quarters=[],
        earnings=False,
        quarterly_companies=0,
    )
    generate(cfg, root)
    store = CorpusStore(root / "store")
    ingest_paths(store, sorted((root / "pdf").glob("*.pdf")), opts=IngestOptions(), workers=1)
    rows = [json.loads(x) for x in (root / "questions.jsonl").read_text().splitlines()]
    return store, [r for r in rows if r["failure_mode"] in KINDS]


def composed(store: CorpusStore, question: str, doc_name: str) -> compose.Composition | None:
    doc = store.get_document(doc_name)
    years = list(analyze_query(question, store.list_documents()).years)
    facts = facts_view.facts_of(store, doc.doc_id)
    return compose.compose(question, store, doc, store.sections(doc.doc_id), facts, years)


def in_usd(comp: compose.Composition) -> float:
    unit = comp.calc["unit"] if comp.calc else ""
    return comp.calc["value"] * (1e6 if "millions" in unit else 1e3 if "thousands" in unit else 1)


# -- reading the question --------------------------------------------------------------------


def test_a_total_over_every_item_is_read_with_its_item() -> None:
    c = compose.read_compound(
        "What is the total warranty exposure disclosed in Acme Corp.'s fiscal 2023 Form 10-K, "
        "counting every product claim including any settled after year end?"
    )
    assert c is not None and c.kind == "total"
    assert c.item == "product claim" and c.metric == "total warranty exposure"
    c = compose.read_compound("What were the aggregate impairment charges across all segments?")
    assert c is not None and c.kind == "total" and c.item == "segments"


def test_an_adjusted_figure_is_read_with_its_parts() -> None:
    c = compose.read_compound(
        "What were Acme's total debt obligations at the end of fiscal 2023, including debt of "
        "discontinued operations and excluding notes repaid during the year?"
    )
    assert c is not None and c.kind == "adjusted"
    assert c.metric == "total debt obligations"
    assert c.include == ["debt of discontinued operations"]
    assert c.exclude == ["notes repaid"]  # "during the year" is the period, not the part
    c = compose.read_compound("What was 3M's 2018 operating income adjusted for the charge?")
    assert c is not None and c.add_back and c.include == ["charge"]
    assert c.metric == "operating income"


@pytest.mark.parametrize(
    "question",
    [
        "What was Acme's net revenue for fiscal 2023?",
        "What drove the change in gross margin in FY2022?",
        "Is the gross margin improving?",
        "What is the FY2019 operating margin?",
        "Which segments had the highest sales, including Europe?",  # asks which, not an amount
        "What was the total revenue of each segment in FY2022?",  # a list, not a sum
        "What were accounts receivable, net of allowances, at the end of FY2019?",  # a printed row
    ],
)
def test_other_questions_are_not_compound(question: str) -> None:
    assert compose.read_compound(question) is None
    assert read_question(question).compound is None


def test_a_compound_question_is_arithmetic_not_a_description() -> None:
    qr = read_question("What were the total restructuring charges across all plans in FY2022?")
    assert qr.compound == "total" and qr.calc and not qr.qualitative


# -- terms in a filing -------------------------------------------------------------------------


def test_the_planted_totals_and_adjustments_are_computed(corpus) -> None:
    store, planted = corpus
    assert {q["failure_mode"] for q in planted} == set(KINDS) and len(planted) == 8
    for q in planted:
        comp = composed(store, q["question"], q["doc_names"][0])
        assert comp is not None, q["question"]
        assert in_usd(comp) == pytest.approx(q["answer_value"]), q["question"]
        # each term from a page the answer key cites, every cited page used
        pages = {p for p, _ in comp.reads}
        assert pages == {e["page_index"] for e in q["evidence"]}, q["question"]
        assert len(comp.refs) == len(q["evidence"])


def test_terms_are_shown_numbered_with_pages_and_their_sum(corpus) -> None:
    store, planted = corpus
    q = next(x for x in planted if x["failure_mode"] == "fragmentation")
    comp = composed(store, q["question"], q["doc_names"][0])
    assert comp is not None and comp.calc is not None
    text = "\n".join(comp.lines)
    assert text.startswith("Plan (looked up in code): a total over every ")
    assert "F1 | " in text and f"{q['doc_names'][0]} p. " in text
    assert f"Computed in code: {comp.calc['expr']} = " in text
    assert comp.calc["expr"] == " + ".join(comp.refs)
    for ref in comp.refs.values():  # each quote is printed on its page
        assert ref["label"] in store.page_text(ref["doc"], ref["page"]).replace("\n", " ")


def test_the_same_amount_for_the_same_matter_counts_once() -> None:
    page1 = "Item 3. Legal Proceedings\nA supplier sued us for breach. We accrued $12.0 million for this claim.\n"
    page2 = (
        "Note 9 - Contingencies\nLegal matters. As described in Item 3, we accrued $12.0 "
        "million for the supplier's breach claim. A distributor claim was settled for $3.5 "
        "million in cash.\n"
    )
    ps = compose._page_passages(0, page1, []) + compose._page_passages(1, page2, [])
    c = compose.read_compound("What is the total amount accrued, counting every claim?")
    assert c is not None
    terms = compose.total_terms(c, ps)
    assert [t.value for t in terms] == [12.0e6, 3.5e6]


def test_income_excluding_a_charge_adds_it_back() -> None:
    text = (
        "Net income was $900 million.\nIn fiscal 2023 we recorded restructuring charges of "
        "$40 million for plant closures.\n"
    )
    ps = compose._page_passages(0, text, [])
    c = compose.read_compound(
        "What was net income for fiscal 2023 excluding restructuring charges?"
    )
    assert c is not None
    terms = compose.adjusted_terms(c, ps, [], [2023])
    assert [(t.sign, t.value) for t in terms] == [(1, 900e6), (1, 40e6)]
    assert terms[1].why.startswith("adding back")


def test_nothing_is_shown_when_a_part_is_not_found(corpus) -> None:
    store, planted = corpus
    doc = next(q for q in planted if q["failure_mode"] == "causal_chain")["doc_names"][0]
    question = "What was total net revenue in fiscal 2024 excluding the zeppelin rentals?"
    assert compose.read_compound(question) is not None
    assert composed(store, question, doc) is None


# -- in the guided loop ------------------------------------------------------------------------


def runner_on(store: CorpusStore, model: Any, doc_id: str) -> Any:
    """The guided loop whose first look searches the question's own filing."""
    runner = guided_runner(store, model, ())
    words = ("Item 3", "Note", "Leases")
    runner.policy.retrieve = lambda q: [h for h in hits_for(store, *words) if h.doc_id == doc_id]
    return runner


def test_the_loop_sends_back_one_item_then_answers_with_the_total(corpus) -> None:
    store, planted = corpus
    q = next(x for x in planted if x["failure_mode"] == "fragmentation")
    model = ScriptedChatModel(
        [
            call("final_answer", answer="The exposure is $1.0 million.", value=1.0, citations=[]),
            call("final_answer", answer="The exposure is $1.0 million.", value=1.0, citations=[]),
        ]
    )
    ans = runner_on(store, model, q["doc_names"][0]).run(q["question"])
    first = model.requests[0][0][1].content
    assert "Plan (looked up in code): a total over every " in first
    assert model.requests[1][0][-1].content.startswith("Check: your answer's number (1)")
    assert ans.number is not None and ans.number.value * 1e6 == pytest.approx(q["answer_value"])
    cited = {(c.doc_id, c.page - 1) for c in ans.citations if c.verified}
    assert cited == {(q["doc_names"][0], e["page_index"]) for e in q["evidence"]}


def test_the_model_may_overrule_with_its_own_calculation(corpus) -> None:
    store, planted = corpus
    q = next(x for x in planted if x["failure_mode"] == "causal_chain")
    model = ScriptedChatModel(
        [
            call("calculator", expression="F1 + F2"),
            call("final_answer", answer="Total without the terminated leases.", citations=[]),
        ]
    )
    ans = runner_on(store, model, q["doc_names"][0]).run(q["question"])
    assert any("value from the calculator: F1 + F2 =" in n for n in ans.notes)


def test_a_bare_dollar_amount_takes_the_filings_statement_scale() -> None:
    text = "Total revenue was $226,954.\nMembership fee revenue increased 9% to $4,224 in 2022.\n"
    ps = compose._page_passages(0, text, [], scale=1e6)
    assert [n.value for p in ps for n in p.amounts] == [226_954e6, 4_224e6]
    c = compose.read_compound("What was total revenue for 2022 excluding membership fees?")
    assert c is not None
    terms = compose.adjusted_terms(c, ps, [], [2022])
    assert [(t.sign, t.value) for t in terms] == [(1, 226_954e6), (-1, 4_224e6)]


def _year_of(doc_id: str) -> int:
    return int(next(x for x in doc_id.split("_") if x.isdigit()))


def test_a_part_printed_as_a_note_row_is_taken_from_the_facts(corpus) -> None:
    store, planted = corpus
    doc = planted[0]["doc_names"][0]
    year = _year_of(doc)
    word = doc.split("_")[0].title()
    q = f"What were {word}'s fiscal {year} total restructuring charges excluding facility exit costs?"
    comp = composed(store, q, doc)
    assert comp is not None
    facts = [f for f in store.facts(doc) if facts_view.in_period(f, {str(year)})]
    total = next(f.value for f in facts if f.label == "Total restructuring charges")
    exits = next(f.value for f in facts if f.label == "Facility exit costs")
    assert in_usd(comp) == pytest.approx(total - exits)
    assert [r["label"] for r in comp.refs.values()] == [
        "Total restructuring charges",
        "Facility exit costs",
    ]


def test_a_figure_stated_in_a_sentence_is_the_base_not_a_qualified_row(corpus) -> None:
    store, planted = corpus
    doc = planted[0]["doc_names"][0]
    year = _year_of(doc)
    word = doc.split("_")[0].title()
    text = " ".join(store.page_text(doc, p) for p in range(store.get_document(doc).n_pages))
    m = re.search(r"Total debt was \$([\d,.]+) million .*?of which \$([\d,.]+) million", text)
    assert m is not None
    total, due = (float(x.replace(",", "")) for x in m.groups())
    q = f"What was {word}'s total debt at the end of fiscal {year} excluding the amount due within one year?"
    comp = composed(store, q, doc)
    assert comp is not None and in_usd(comp) == pytest.approx((total - due) * 1e6)
