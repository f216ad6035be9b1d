"""The guided policy in the loop, with a scripted model over a tiny synthetic 10-K: the first
observation, the plan, arithmetic in code, the salvaged cut final answer, the fixed tool list
and prompt, and the choice of policy."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from docnav.agent.llm.base import ChatMessage, ToolCall
from docnav.agent.loop import AgentRunner
from docnav.agent.policy import (
    GUIDED_TOOLS,
    GuidedConfig,
    policy_tools,
    resolve_policy,
)
from docnav.agent.prompts import GUIDED_SYSTEM
from docnav.agent.question import read_question
from docnav.errors import DocnavError
from docnav.ingestion import CorpusStore
from docnav.tools.base import ToolContext
from docnav.types import Fact

from .fakes import ScriptedChatModel, call
from .synthetic import guided_runner, make_store

DOC = "ACME_2022_10K"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> CorpusStore:
    return make_store(tmp_path_factory.mktemp("acme"))


def income_row(label: str, period: str, value: float) -> Fact:
    """An income-statement fact row of the tiny 10-K (page 4, 0-based; USD millions)."""
    return Fact(
        doc_id=DOC,
        page=4,
        statement="income",
        label=label,  # type: ignore[arg-type]
        norm_label=label.lower(),
        period=period,
        column=period[2:],
        value=value,
        unit="USD",
        scale="in millions",
    )


def guided(store: CorpusStore, model, off: str = "", words=("Net sales",), **budget) -> AgentRunner:
    return guided_runner(store, model, words, off, **budget)


def test_first_observation_holds_the_hits_and_the_statement_pages(store: CorpusStore) -> None:
    model = ScriptedChatModel([call("final_answer", answer="1,250", value=1250, citations=[])])
    ans = guided(store, model).run("What were ACME's FY2022 net sales? Use the income statement.")
    first = model.requests[0][0][1].content
    assert first.startswith("What were ACME's FY2022 net sales?")
    assert "Net sales 1,250 1,100" in first  # the hit's text, as RAG sees it
    assert "Income Statement p. 4" in first and "Balance Sheet p. 5" in first
    assert f'read_pages(doc="{DOC}", start=4, end=4)' in first  # the statement it names
    assert ans.trace.steps[0].tool == "first_look"
    assert (DOC, 4) in ans.trace.pages_read  # the hit's page counts as read
    assert "agent policy: guided" in ans.notes


def test_first_observation_off_shows_only_the_question(store: CorpusStore) -> None:
    model = ScriptedChatModel([call("final_answer", answer="x", citations=[])])
    guided(store, model, off="first,plan").run("What were ACME's FY2022 net sales?")
    assert model.requests[0][0][1].content == "What were ACME's FY2022 net sales?"


def test_tool_list_and_system_prompt_stay_byte_identical(store: CorpusStore) -> None:
    model = ScriptedChatModel(
        [
            call("read_pages", doc=DOC, start=5),
            call("final_answer", answer="x", citations=[]),
        ]
    )
    guided(store, model, off="notfound").run("What were ACME's total assets in FY2022?")
    (m0, t0, _), (m1, t1, _) = model.requests
    assert m0[0] == m1[0] and m0[0].content == GUIDED_SYSTEM
    assert t0 == t1
    names = [t.name for t in t0]
    assert names[-1] == "final_answer" and set(names[:-1]) <= {*GUIDED_TOOLS, "facts"}
    assert "grep" not in names and "read_pages" in names


def test_the_facts_tool_is_offered_once_and_can_be_switched_off() -> None:
    names = [t.name for t in policy_tools("guided")]
    assert names.count("facts") == 1  # the facts tool is in default_tools (issue 19 item 2)
    assert "facts" not in [t.name for t in policy_tools("guided", GuidedConfig.from_off("facts"))]


def test_fewer_tools_off_offers_the_free_list() -> None:
    names = [t.name for t in policy_tools("guided", GuidedConfig.from_off("tools"))]
    assert names == [t.name for t in policy_tools("free")]
    assert "grep" in names


def test_plan_lists_sub_lookups_for_a_defined_formula(store: CorpusStore) -> None:
    model = ScriptedChatModel([call("final_answer", answer="x", citations=[])])
    q = (
        "What is ACME's FY2022 working capital ratio? Define working capital ratio as total "
        "current assets divided by total current liabilities."
    )
    guided(store, model, off="notfound,calc").run(q)
    first = model.requests[0][0][1].content
    assert "Plan (look up each value, then compute):" in first
    assert "V1: total current assets, FY2022 — Balance Sheet pp. 5-5" in first
    assert "V2: total current liabilities, FY2022" in first
    assert "Then call calculator on: total current assets divided by total current" in first


def test_one_company_under_two_catalog_names_is_planned_once() -> None:
    from docnav.agent.first_look import plan_lines
    from docnav.retrieval.query import QueryAnalysis

    qr = read_question("What is the FY2022 working capital ratio of Amcor?")
    analysis = QueryAnalysis(query="q", companies=["Amcor", "Amcor plc"], years=[2022])
    assert analysis.distinct_companies() == ["Amcor"]
    lines = plan_lines(qr, analysis, {})
    assert not any("Amcor" in x for x in lines)  # one company: no per-company sub-lookups
    two = QueryAnalysis(query="q", companies=["Amcor", "Best Buy"], years=[2022])
    assert any(x.endswith(", Best Buy") for x in plan_lines(qr, two, {}))


def test_plan_for_two_years_and_an_average() -> None:
    qr = read_question("What is the FY2021 - FY2022 average operating margin for ACME?")
    assert qr.calc and qr.average and qr.formula == "operating income / revenue * 100"


def test_the_answer_value_comes_from_the_calculator(store: CorpusStore) -> None:
    q = "What is ACME's FY2022 gross margin? Use the income statement."
    model = ScriptedChatModel(
        [
            call("read_pages", doc=DOC, start=4),
            call("calculator", expression="450 / 1,250 * 100"),
            # the model copies the result wrongly; the evaluation wins
            call("final_answer", answer="Gross margin was 38%.", value=38, unit="%", citations=[]),
        ]
    )
    ans = guided(store, model).run(q)
    assert ans.number is not None and ans.number.value == pytest.approx(36.0)
    assert "450 / 1,250 * 100 = 36" in ans.answer
    quotes = {c.quote for c in ans.citations if c.verified}
    assert any("Gross profit" in x for x in quotes) and any("Net sales" in x for x in quotes)
    assert all(c.page == 4 for c in ans.citations)
    assert any("value from the calculator" in n for n in ans.notes)


def test_arithmetic_written_in_the_answer_is_redone(store: CorpusStore) -> None:
    model = ScriptedChatModel(
        [
            call(
                "final_answer",
                answer="Net margin: 150 / 1,250 * 100 = 15%.",
                value=15,
                unit="%",
                citations=[],
            )
        ]
    )
    ans = guided(store, model, off="notfound").run("Summarise ACME's FY2022 income.")
    assert "= 12%" in ans.answer and ans.number is not None and ans.number.value == 12


def test_calculator_off_keeps_the_models_value(store: CorpusStore) -> None:
    model = ScriptedChatModel(
        [
            call("calculator", expression="450 / 1250 * 100"),
            call("final_answer", answer="38%", value=38, unit="%", citations=[]),
        ]
    )
    ans = guided(store, model, off="calc").run("What is ACME's FY2022 gross margin?")
    assert ans.number is not None and ans.number.value == 38


def test_a_cut_off_final_answer_is_salvaged(store: CorpusStore) -> None:
    raw = '{"answer": "Net sales were $1,250 million in FY2022, up from $1,100 mil'
    cut = ChatMessage(
        role="assistant",
        tool_calls=[
            ToolCall(id="x", name="final_answer", parse_error="truncated", raw_arguments=raw)
        ],
    )
    ans = guided(store, ScriptedChatModel([cut])).run("What were ACME's FY2022 net sales?")
    assert ans.answer.startswith("Net sales were $1,250 million in FY2022")
    assert any("cut off" in n for n in ans.notes)


def test_the_free_loop_salvages_a_cut_final_answer_too(store: CorpusStore) -> None:
    raw = '{"answer": "About 1,250 million", "value": 1250, "citations": [{"doc": "A'
    cut = ChatMessage(
        role="assistant",
        tool_calls=[ToolCall(id="x", name="final_answer", parse_error="cut", raw_arguments=raw)],
    )
    runner = AgentRunner(ScriptedChatModel([cut]), policy_tools("free"), ToolContext(store=store))
    ans = runner.run("q")
    assert ans.answer == "About 1,250 million" and ans.number is not None


def test_fact_rows_and_fact_references(store: CorpusStore, monkeypatch) -> None:

    facts = [income_row("Net sales", "FY2022", 1.25e9), income_row("Gross profit", "FY2022", 4.5e8)]
    monkeypatch.setattr(type(store), "facts", lambda self, doc_id: facts, raising=False)
    model = ScriptedChatModel(
        [
            lambda msgs: (
                call("calculator", expression="F1 / F2 * 100")
                if "F2 | Net sales | FY2022 | 1,250 USD millions" in msgs[1].content
                else call("final_answer", answer="no facts shown", citations=[])
            ),
            call("final_answer", answer="Gross margin is 36%.", value=36, citations=[]),
        ]
    )
    ans = guided(store, model, off="first").run("What is ACME's FY2022 gross margin?")
    assert ans.number is not None and ans.number.value == pytest.approx(36.0)
    assert model.requests[1][0][-1].content.startswith("F1 / F2 * 100 = 36")
    assert {c.quote for c in ans.citations if c.verified} >= {"Net sales", "Gross profit"}


def test_a_single_value_question_gets_no_computation(store: CorpusStore, monkeypatch) -> None:
    """ "What were net sales?" asks for one value: a calculator call that combines two rows is
    sent back (no value from it), while a unit conversion of one value still runs."""

    facts = [income_row("Net sales", "FY2022", 1.25e9), income_row("Net sales", "FY2021", 1.1e9)]
    monkeypatch.setattr(type(store), "facts", lambda self, doc_id: facts, raising=False)
    model = ScriptedChatModel(
        [
            call("calculator", expression="(F1 - F2) / F2 * 100"),
            call("calculator", expression="1250 / 1000"),
            call(
                "final_answer",
                answer="ACME's FY2022 net sales were $1.25 billion.",
                value=1.25,
                unit="USD billions",
                citations=[],
            ),
        ]
    )
    ans = guided(store, model).run("What were ACME's FY2022 net sales in USD billions?")
    first = model.requests[0][0][1].content
    assert "no calculation" in first and "in calculator" not in first
    sent_back = model.requests[1][0][-1].content
    assert sent_back.startswith("Not computed: this question asks for one reported value")
    assert "F1 = 1,250" in sent_back
    assert model.requests[2][0][-1].content.startswith("1250 / 1000 = 1.25")
    assert ans.number is not None and ans.number.value == pytest.approx(1.25)
    assert not any("value from the calculator" in n for n in ans.notes)


def test_policy_choice() -> None:
    assert resolve_policy("auto", "local") == "guided"
    assert resolve_policy("auto", "openai") == "free"
    assert resolve_policy("free", "local") == "free"
    with pytest.raises(DocnavError):
        resolve_policy("smart", "local")
    with pytest.raises(DocnavError):
        GuidedConfig.from_off("repeat,bogus")
    assert GuidedConfig.from_off(" repeat , plan ").off() == ["repeat", "plan"]


def test_engine_passes_the_policy_down(tmp_path: Path) -> None:
    from docnav.engine import Engine
    from docnav.settings import Settings

    eng = Engine(Settings(home=tmp_path, agent_policy="auto", agent_guided_off="repeat"))
    eng.chat_model = ScriptedChatModel([])
    assert eng.agent_policy == "guided"
    r = eng.runner_for("guided")
    assert r.policy is not None and r.policy.cfg.off() == ["repeat"]
    assert r.system_prompt == GUIDED_SYSTEM
    assert eng.runner_for("free").policy is None
    eng2 = Engine(Settings(home=tmp_path, llm_backend="openai", agent_policy="auto"))
    assert eng2.agent_policy == "free"


def plain_row(label: str, statement: str, page: int, period: str = "FY2022") -> Fact:
    """A fact row of the tiny 10-K with only what row matching reads (value 1)."""
    return Fact(
        doc_id=DOC,
        page=page,
        statement=statement,
        label=label,  # type: ignore[arg-type]
        norm_label=label.lower(),
        period=period,
        value=1.0,
    )


def test_fact_candidates_prefer_the_rows_the_question_words_name() -> None:
    from docnav.agent.facts_view import candidates

    fact = plain_row

    rows = [
        fact("Property, plant and equipment", "balance", 5),
        fact("Property, plant and equipment - net", "note", 7),
        fact("Property, plant and equipment - net", "balance", 5),
        fact("Net sales", "income", 4),
    ]
    got = candidates(rows, ["PP&E"], [2022], question="What is the FY2022 net PP&E?")
    assert [(f.label, f.statement) for f in got[:2]] == [
        ("Property, plant and equipment - net", "balance"),
        ("Property, plant and equipment - net", "note"),
    ]


def test_each_formula_term_gets_the_row_named_like_it_before_synonym_rows() -> None:
    """The synonym map groups a ratio's parts ("cash and cash equivalents" also finds "total
    current liabilities"): every term must still get its own row among the candidates."""
    from docnav.agent.facts_view import candidates

    def fact(label: str, period: str) -> Fact:
        return plain_row(label, "balance", 3, period)

    labels = ("Cash and cash equivalents", "Total current assets", "Total current liabilities")
    rows = [fact(x, p) for x in labels for p in ("2023-06-30", "2022-06-30")]
    terms = ["cash and cash equivalents", "accounts receivable", "total current liabilities"]
    got = candidates(rows, terms, [2022, 2023], limit=6, question="Has the quick ratio improved?")
    shown = [f.label for f in got]
    assert (
        shown.count("Total current liabilities") == 2
        and shown.count("Cash and cash equivalents") == 2
    )


def test_a_long_label_holding_the_whole_term_is_a_candidate_and_the_best_row() -> None:
    """ "operating activities" is "Net cash provided by operating activities" (two words of
    five), and a row under "Cash flows from financing activities" does not win on "from"."""
    from docnav.agent.facts_view import asked_words, candidates
    from docnav.agent.suggest import best_row

    total = plain_row("Net cash provided by operating activities", "cashflow", 9)
    other = plain_row("Other financing activities", "cashflow", 9)
    other.norm_label = "cash flows from financing activities other financing activities"
    rows = [plain_row("Operating leases", "note", 20), other, total]
    q = "How much did ACME generate in cash flow from operating activities in FY2022?"
    assert total in candidates(rows, ["operating activities"], [2022], question=q)
    assert best_row(rows, "operating activities", 2022, asked_words(q), True, q) is total


def test_a_part_under_the_terms_heading_is_not_its_best_row() -> None:
    """ "Casino" printed under "Revenues" (normalised "revenues casino") is a part of revenue:
    with the total printed unlabelled (no row), no best row; with it, the total."""
    from docnav.agent.suggest import best_row

    casino = plain_row("Casino", "income", 4)
    casino.norm_label = "revenues casino"
    assert best_row([casino], "revenue", 2022, set()) is None
    total = plain_row("Total revenues", "income", 4)
    assert best_row([casino, total], "revenue", 2022, set()) is total


def test_one_synonym_must_fit_the_row_not_words_of_two() -> None:
    """COGS: "Product" under "Revenue" has a word of "cost of products sold" and the heading
    word of "cost of revenue"; the cost total fits one synonym whole. A long-term row is no
    short-term row though both say "term"."""
    from docnav.agent.facts_view import label_match, term_phrases
    from docnav.agent.suggest import best_row

    product = plain_row("Product", "income", 4)
    product.norm_label = "revenue product"
    total = plain_row("Total cost of revenue", "income", 4)
    assert best_row([product, total], "cogs", 2022, set()) is total
    long_term = plain_row("Total long-term liabilities", "balance", 5)
    assert label_match(long_term, term_phrases("short-term investments")) is None


def test_a_defined_formula_names_its_rows_not_the_defined_name() -> None:
    """'Define working capital ratio as total current assets divided by ...': the rows come
    from the definition; "capital" of the defined name must not put "Capitalized costs"
    first, nor a row only a synonym of the term reaches."""
    from docnav.agent.facts_view import candidates

    rows = [
        plain_row("Capitalized costs", "note", 30),
        plain_row("Total current liabilities", "balance", 5),
        plain_row("Total current assets", "balance", 5),
    ]
    terms = ["total current assets", "total current liabilities", "working capital"]
    q = (
        "What is ACME's FY2022 working capital ratio? Define working capital ratio as total "
        "current assets divided by total current liabilities."
    )
    got = candidates(rows, terms, [2022], question=q)
    assert got[0].label == "Total current assets"  # named like the term: first
    # the first look matches rows to the definition's words, as here
    got = candidates(rows, terms, [2022], question=read_question(q).formula or "")
    assert [f.label for f in got] == [
        "Total current assets",
        "Total current liabilities",
        "Capitalized costs",
    ]


def test_a_one_value_answer_off_the_best_row_is_sent_back_then_replaced(
    store: CorpusStore, monkeypatch
) -> None:
    """The model answers a one-value question with a number that is not the statement row
    code picked: told the row once; when it keeps a number that is on no row shown, the row's
    value (in the scale the question asks for) replaces it, cited to the row's page."""

    facts = [income_row("Net sales", "FY2022", 1.25e9), income_row("Net sales", "FY2021", 1.1e9)]
    monkeypatch.setattr(type(store), "facts", lambda self, doc_id: facts, raising=False)

    def run(second: float) -> tuple[Any, ScriptedChatModel]:
        model = ScriptedChatModel(
            [
                call("final_answer", answer="1.11%", value=1.11, unit="%", citations=[]),
                call("final_answer", answer=f"{second} billion", value=second, unit="USD billions"),
            ]
        )
        return guided(store, model).run("What were ACME's FY2022 net sales in USD billions?"), model

    ans, model = run(0.9)
    sent_back = model.requests[1][0][-1].content
    assert sent_back.startswith("Check: your answer's number (1.11) is not the statement row F1")
    assert "Net sales, FY2022 = 1,250 USD millions (p. 5)" in sent_back
    assert ans.answer.startswith("1.25 USD billions: Net sales, FY2022")
    assert ans.number is not None and ans.number.value == pytest.approx(1.25)
    assert [(c.doc_id, c.page) for c in ans.citations] == [(DOC, 5)]
    assert any("value from the statement row F1" in n for n in ans.notes)
    # a number from another row shown is the model's choice: kept
    ans, _ = run(1.1)
    assert ans.number is not None and ans.number.value == pytest.approx(1.1)


def test_a_kept_number_of_another_item_is_replaced_by_the_best_row() -> None:
    from docnav.agent.policy import _kept_off_row_answer

    def ref(label: str, value: float) -> dict[str, Any]:
        return {"value": value, "doc": DOC, "page": 4, "label": label, "period": "FY2018"}

    best = {
        "ref": "F1",
        "value": 8738.0,
        "text": "8,738 USD millions",
        "label": "Property, plant and equipment - net",
        "period": "2018-12-31",
        "page": 5,
        "doc": DOC,
        "scale": 1e6,
        "outflow": False,
    }
    memo = {
        "best": best,
        "bounced": ["best"],
        "question": "Answer from the balance sheet: what is the FY2018 net PPNE? In USD billions.",
        "refs": {
            "F1": ref("Property, plant and equipment - net", 8738.0),
            "F2": ref("Total assets", 36500.0),
            "F3": ref("Property, plant and equipment - net", 8100.0),  # the prior year
        },
    }
    args = {"answer": "36,500 USD millions", "value": 36500, "unit": "USD millions"}
    kept = _kept_off_row_answer(args, memo)
    assert kept is not None and kept[0]["answer"].startswith("8.738 USD billions")
    # another row of the same item (the prior year's column) is the model's choice
    same = {"answer": "8,100 USD millions", "value": 8100, "unit": "USD millions"}
    assert _kept_off_row_answer(same, memo) is None


def test_a_bare_figure_in_another_scale_is_the_row_in_the_asked_scale() -> None:
    from docnav.agent.final import parse_final
    from docnav.agent.policy import _rescaled_bare

    assert parse_final({"answer": "-1,577"}).number.value == -1577  # type: ignore[union-attr]
    assert parse_final({"answer": "Yes, 5.1%"}).number is None  # a sentence: no value read
    best = {
        "ref": "F2",
        "value": -1577.0,
        "text": "-1,577 USD millions",
        "label": "Purchases of property, plant and equipment (PP&E)",
        "period": "FY2018",
        "page": 60,
        "doc": DOC,
        "scale": 1e6,
        "outflow": True,
    }
    memo = {"best": best, "question": "What is the FY2018 capex (in USD millions)?"}
    out = _rescaled_bare({"answer": "-1.577", "value": None}, memo)
    assert out is not None and out[0]["answer"].startswith("1,577 USD millions (paid out)")
    assert _rescaled_bare({"answer": "-1,577"}, memo) is None  # the row as shown stays
    assert _rescaled_bare({"answer": "1.577 USD billions"}, memo) is None  # a unit: its choice
    assert _rescaled_bare({"answer": "42"}, memo) is None  # another figure: not this guard's


def test_an_unfiltered_grep_is_narrowed_to_the_chosen_company(store: CorpusStore) -> None:
    """issue 23 item 3: the guided agent's grep never scans the whole corpus."""
    model = ScriptedChatModel(
        [
            call("grep", pattern="Net sales"),
            call("final_answer", answer="x", citations=[]),
        ]
    )
    ans = guided(store, model, off="tools").run("What were ACME's FY2022 net sales?")
    company = store.get_document(DOC).meta.company
    assert company
    assert any(s.tool == "grep" for s in ans.trace.steps)
    assert DOC in model.requests[1][0][-1].content
    assert f"over {len(store.list_documents(company=company))} filing(s)" in (
        model.requests[1][0][-1].content
    )


def test_a_direction_decided_in_code_is_sent_back_then_replaced(
    store: CorpusStore, monkeypatch
) -> None:
    """ "Is the gross margin improving?": code computes both years' margins from the rows; a
    "Yes" against them is sent back once and, kept, replaced by the decision with its figures
    and the rows' page; an agreeing bare "No" gets the figures added."""

    facts = [
        income_row(label, p, v)
        for label, p, v in (
            ("Net sales", "FY2022", 1.25e9),
            ("Net sales", "FY2021", 1.1e9),
            ("Gross profit", "FY2022", 4.0e8),
            ("Gross profit", "FY2021", 4.4e8),
        )
    ]
    monkeypatch.setattr(type(store), "facts", lambda self, doc_id: facts, raising=False)
    q = "Is ACME's gross margin improving in FY2022?"

    def run(first: str, second: str) -> tuple[Any, ScriptedChatModel]:
        model = ScriptedChatModel(
            [
                call("final_answer", answer=first, citations=[]),
                call("final_answer", answer=second, citations=[]),
            ]
        )
        return guided(store, model).run(q), model

    ans, model = run("Yes, it is improving.", "Yes.")
    assert "the answer is No" in model.requests[0][0][1].content  # shown in the first look
    assert model.requests[1][0][-1].content.startswith("Check: computed in code")
    assert ans.answer.startswith("No: gross profit / revenue * 100: FY2021 40% -> FY2022 32%")
    assert (DOC, 5) in [(c.doc_id, c.page) for c in ans.citations]
    ans, model = run("No.", "unused")
    assert len(model.requests) == 1
    assert ans.answer.startswith("No. (gross profit / revenue * 100: FY2021 40% -> FY2022 32%")
