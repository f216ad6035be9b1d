"""Questions across filings (agent/across.py) over a generated corpus of two companies' 10-Ks
(PDF, fiscal 2023-2024, seed 5; its statement facts come from ingestion): a change between a
year printed only in the older 10-K and one in the newer, two companies compared, the planted
answers of that corpus checked, and the wiring in the guided loop with a scripted model."""

from __future__ import annotations

import json
from typing import Any

import pytest

from docnav.agent import across, decide, facts_view
from docnav.agent.question import read_question
from docnav.ingestion import CorpusStore, IngestOptions, ingest_paths
from docnav.retrieval.query import analyze_query
from docnav.synth import generate
from docnav.synth.generate import SynthConfig
from docnav.types import Document, DocumentMeta, Fact

from .fakes import ScriptedChatModel, call
from .synthetic import guided_runner


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[CorpusStore, dict[str, Any]]:
    root = tmp_path_factory.mktemp("across")
    cfg = SynthConfig(
        companies=2,
        first_year=2023,
        last_year=2024,
        seed=5,
        formats=["pdf"],
        quarters=[],
        earnings=False,
        quarterly_companies=0,
    )
    generate(cfg, root)
    store = CorpusStore(root / "store")
    ingest_paths(store, sorted((root / "pdf").glob("*.pdf")), opts=IngestOptions(), workers=1)
    rows = [json.loads(x) for x in (root / "questions.jsonl").read_text().splitlines()]
    planted = {r["id"]: r for r in rows if r["failure_mode"] == "multi_document"}
    return store, planted


def plan_of(store: CorpusStore, question: str) -> across.Across | None:
    analysis = analyze_query(question, store.list_documents())
    return across.plan(question, read_question(question), analysis, store, None)


def in_usd(ac: across.Across) -> float:
    div = next((v for k, v in facts_view.SCALES.items() if k in ac.unit), 1.0)
    return ac.value * div


def test_the_planted_multi_document_answers_are_computed(corpus) -> None:
    store, planted = corpus
    assert len(planted) == 3  # two companies' asset changes and their revenue compared
    for q in planted.values():
        ac = plan_of(store, q["question"])
        assert ac is not None, q["question"]
        assert in_usd(ac) == pytest.approx(q["answer_value"]), q["question"]
        # each value from the filing the answer key cites, and every filing it cites used
        assert {f.doc_id for f in ac.refs.values()} == set(q["doc_names"]), q["question"]
        if "Which company" in q["question"]:
            assert ac.decision is not None
            assert q["answer"].startswith(ac.decision["word"])


def test_a_change_reads_the_older_year_from_the_older_10k(corpus) -> None:
    store, _ = corpus
    company = store.list_documents(form="10-K")[0].meta.company
    word = company.split()[0]
    ac = plan_of(store, f"By how much did {word}'s total assets change from FY2022 to FY2024?")
    assert ac is not None and ac.kind == "change" and ac.expr == "F2 - F1"
    old, new = ac.refs["F1"], ac.refs["F2"]
    assert "2022" in f"{old.period} {old.column}" and old.doc_id.endswith("2023_10K")
    assert "2024" in f"{new.period} {new.column}" and new.doc_id.endswith("2024_10K")
    text = "\n".join(ac.lines)
    assert f"{old.doc_id} balance p. {old.page + 1}" in text
    assert ("an increase of" in text) == (new.value > old.value)
    pct = plan_of(store, f"By what percent did {word}'s total assets grow from FY2022 to FY2024?")
    assert pct is not None and pct.kind == "percent"
    assert pct.value == round((new.value - old.value) / abs(old.value) * 100, 1)


def test_a_compound_annual_growth_rate_and_a_margin_in_points(corpus) -> None:
    store, _ = corpus
    word = store.list_documents(form="10-K")[0].meta.company.split()[0]
    ac = plan_of(store, f"What was {word}'s net revenue CAGR from fiscal 2022 to fiscal 2024?")
    assert ac is not None and ac.kind == "cagr"
    old, new = ac.refs["F1"].value, ac.refs["F2"].value
    assert ac.value == round(((new / old) ** 0.5 - 1) * 100, 1)
    q = f"By how many percentage points did {word}'s operating margin change from FY2022 to FY2024?"
    ac = plan_of(store, q)
    assert ac is not None and ac.kind == "change" and len(ac.refs) == 4
    margins = {
        y: [f.value for f in ac.refs.values() if str(y) in f"{f.period} {f.column}"]
        for y in (2022, 2024)
    }
    (o0, r0), (o1, r1) = margins[2022], margins[2024]
    assert ac.value == pytest.approx(o1 / r1 * 100 - o0 / r0 * 100)
    assert "percentage points" in ac.lines[-1]


def test_one_filing_questions_stay_with_the_single_filing_look(corpus) -> None:
    store, _ = corpus
    word = store.list_documents(form="10-K")[0].meta.company.split()[0]
    assert plan_of(store, f"What were {word}'s total assets at the end of fiscal 2024?") is None
    # both years in the 2024 10-K and a growth rate the single-filing look computes
    assert plan_of(store, f"What was the change in {word}'s revenue in FY2023 vs FY2024?") is None
    assert plan_of(store, f"Did {word}'s net revenue increase from FY2023 to FY2024?") is None
    # reasons are words, not a difference
    assert plan_of(store, f"Why did {word}'s revenue change from FY2022 to FY2024?") is None


def test_the_lower_company_is_named_and_the_difference_is_positive(corpus) -> None:
    store, _ = corpus
    a, b = (d.meta.company.split()[0] for d in store.list_documents(form="10-K", year=2024))
    ac = plan_of(store, f"Which company had lower total assets in fiscal 2024, {a} or {b}?")
    assert ac is not None and ac.decision is not None and ac.value > 0
    values = {f.doc_id.split("_")[0]: f.value for f in ac.refs.values()}
    lower = min(values, key=values.__getitem__)
    assert ac.decision["word"].upper() == lower and ac.decision["side"] == "lower"


def _row(doc: str, value: float, scale: str) -> Fact:
    return Fact(
        doc_id=doc,
        page=3,
        statement="balance",
        label="Total assets",
        norm_label="total assets",
        period="2024-12-31",
        value=value,
        unit="USD",
        scale=scale,
    )


def test_two_scales_are_put_in_the_finer_one() -> None:
    """One filing in millions, the other in thousands: the expression converts, and the
    higher one is decided on the amounts, not on the printed numbers."""
    doc = Document(
        doc_id="X", name="X", source_path="x", file_type="pdf", content_hash="", n_pages=1
    )
    doc.meta = DocumentMeta(company="Alpha Inc.")
    big = _row("A", 2.0e9, "in millions")  # printed 2,000
    small = _row("B", 1.5e9, "in thousands")  # printed 1,500,000
    lookups = [
        across.Lookup("Alpha Inc.", 2024, doc, "F1", {"F1": big}, 2000.0),
        across.Lookup("Beta Corp.", 2024, doc, "F1", {"F1": small}, 1.5e6),
    ]
    qr = read_question("Which company had the higher total assets in 2024, Alpha or Beta?")
    ac = across._result("difference", "total assets", lookups, qr, "Alpha or Beta")
    assert ac is not None and ac.expr == "F1 * 1000 - F2"
    assert ac.unit == "USD thousands" and ac.value == pytest.approx(500_000)
    assert ac.decision["word"] == "Alpha"


def test_higher_states_both_values_and_cites_both_pages() -> None:
    rows = {"F1": _row("A_2024_10K", 5e9, "in millions")}
    rows2 = {"F2": _row("B_2024_10K", 7e9, "in millions")}
    d = decide.higher("Net revenue", [("A", 2024, rows, 5.0), ("B", 2024, rows2, 7.0)], "", False)
    assert d["word"] == "B" and d["order"] == (1, 0)
    assert "A 5 vs B 7; B higher by 2" in d["why"]
    assert [(c["doc"], c["page"]) for c in d["cites"]] == [("A_2024_10K", 4), ("B_2024_10K", 4)]
    assert decide.agrees("B, by 2 million", d) and not decide.agrees("A had more", d)


def guided(store: CorpusStore, model: ScriptedChatModel) -> Any:
    return guided_runner(store, model, ("Total assets", "Net revenue"))


def test_the_loop_answers_a_change_with_the_value_computed_across_filings(corpus) -> None:
    store, planted = corpus
    q = next(x for x in planted.values() if "total assets change" in x["question"])
    model = ScriptedChatModel(
        [call("final_answer", answer="Total assets increased.", citations=[])]
    )
    ans = guided(store, model).run(q["question"])
    first = model.requests[0][0][1].content
    assert "Plan (each value looked up in code, from the filing that prints that year):" in first
    assert ans.number is not None and ans.number.value * 1e3 == pytest.approx(q["answer_value"])
    cited = {c.doc_id for c in ans.citations if c.verified}
    assert cited == set(q["doc_names"])
    assert any("value from the calculator: F2 - F1" in n for n in ans.notes)


def test_the_loop_sends_back_the_wrong_company_then_replaces_it(corpus) -> None:
    store, planted = corpus
    q = next(x for x in planted.values() if "Which company" in x["question"])
    right = q["answer"].split(",")[0]
    names = [d.meta.company.split()[0] for d in store.list_documents(form="10-K", year=2024)]
    wrong = next(w for w in names if w != right)
    model = ScriptedChatModel(
        [
            call("final_answer", answer=f"{wrong} had the higher net revenue.", citations=[]),
            call("final_answer", answer=f"{wrong}.", citations=[]),
        ]
    )
    ans = guided(store, model).run(q["question"])
    assert model.requests[1][0][-1].content.startswith("Check: computed in code")
    assert ans.answer.startswith(f"{right}: ")
    assert ans.number is not None and ans.number.value * 1e3 == pytest.approx(q["answer_value"])


def test_words_that_ask_no_change_plan_nothing(corpus) -> None:
    store, _ = corpus
    a, b = (d.meta.company.split()[0] for d in store.list_documents(form="10-K", year=2024))
    # a total over a range, and two companies' values without a comparison asked
    assert plan_of(store, f"How much did {a} spend on capex from FY2022 to FY2024?") is None
    assert plan_of(store, f"What were the total assets of {a} and {b} in fiscal 2024?") is None


def test_with_the_plan_switched_off_the_single_filing_look_stays(corpus) -> None:
    store, planted = corpus
    q = next(x for x in planted.values() if "total assets change" in x["question"])
    model = ScriptedChatModel([call("final_answer", answer="unused", citations=[])])
    guided_runner(store, model, ("Total assets",), "plan").run(q["question"])
    first = model.requests[0][0][1].content
    assert "Plan (" not in first and "Statement line items" in first


def test_a_range_average_over_two_10ks(corpus) -> None:
    """Three year-end balances: the oldest only in the older 10-K. A range one 10-K prints
    whole (income statement, three years) stays with the single-filing look."""
    store, _ = corpus
    word = store.list_documents(form="10-K")[0].meta.company.split()[0]
    ac = plan_of(store, f"What were {word}'s average total assets from FY2022 to FY2024?")
    assert ac is not None and ac.kind == "average" and ac.expr == "(F1 + F2 + F3) / 3"
    values = [facts_view.fmt_value(f)[0] for f in ac.refs.values()]
    assert ac.value == pytest.approx(sum(values) / 3)
    assert len({f.doc_id for f in ac.refs.values()}) == 2
    assert plan_of(store, f"What was {word}'s average net revenue from FY2022 to FY2024?") is None


def test_a_yes_no_comparison_of_two_companies_is_decided_yes_or_no(corpus) -> None:
    store, _ = corpus
    a, b = (d.meta.company.split()[0] for d in store.list_documents(form="10-K", year=2024))
    ac = plan_of(store, f"Did {a} have higher total assets than {b} in fiscal 2024?")
    assert ac is not None and ac.decision is not None
    first = next(f for f in ac.refs.values() if f.doc_id.upper().startswith(a.upper()))
    other = next(f for f in ac.refs.values() if f is not first)
    assert ac.decision["word"] == ("Yes" if first.value > other.value else "No")
    assert f"{ac.decision['name']} higher by" in ac.lines[-2]


def test_by_what_percent_higher_is_relative_to_the_lower_one(corpus) -> None:
    store, _ = corpus
    a, b = (d.meta.company.split()[0] for d in store.list_documents(form="10-K", year=2024))
    ac = plan_of(store, f"By what percent were {a}'s total assets higher than {b}'s in FY2024?")
    assert ac is not None and ac.unit == "%"
    hi, lo = sorted((f.value for f in ac.refs.values()), reverse=True)
    assert ac.value == round((hi - lo) / lo * 100, 1)
