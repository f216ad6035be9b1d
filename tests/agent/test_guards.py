"""The guided policy's guards in the loop, with a scripted model over a tiny synthetic 10-K:
each answers a habit of small models with the next step, and each can be switched off."""

from __future__ import annotations

import pytest

from docnav.agent.loop import AgentRunner
from docnav.ingestion import CorpusStore

from .fakes import ScriptedChatModel, call
from .synthetic import guided_runner, make_store

DOC = "ACME_2022_10K"
Q_BALANCE = "What were ACME's FY2022 inventories? Use the balance sheet."


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> CorpusStore:
    return make_store(tmp_path_factory.mktemp("acme"))


def guided(store: CorpusStore, model, off: str = "", words=("widget",), **budget) -> AgentRunner:
    return guided_runner(store, model, words, off, **budget)


def _tool_results(model: ScriptedChatModel, i: int) -> str:
    return model.requests[i][0][-1].content


def test_a_repeated_call_opens_the_next_evidence(store: CorpusStore) -> None:
    same = {"query": "widget demand"}
    model = ScriptedChatModel(
        [
            call("search", **same),
            call("search", **same),
            call("final_answer", answer="175", value=175, citations=[]),
        ]
    )
    ctx_store = store
    runner = guided(ctx_store, model, off="first")
    runner.ctx.index = _FakeIndex(store)
    ans = runner.run(Q_BALANCE)
    text = _tool_results(model, 2)
    assert text.startswith("You made this exact search call before; its result is tool result #1")
    assert (
        f'Next step, taken for you: read_pages(doc="{DOC}", start=5, end=5) (Balance Sheet)' in text
    )
    assert "Inventories                         175" in text
    assert "final_answer" not in text.split(":")[0]  # no invitation to stop
    assert (DOC, 5) in ans.trace.pages_read


def test_a_repeat_after_the_named_statement_was_read_asks_for_the_answer(
    store: CorpusStore,
) -> None:
    """Once the page the question names is read, a repeat opens no search-hit pages (they
    only bury it): it points back to the statement and asks for the answer."""
    same = {"query": "widget demand"}
    model = ScriptedChatModel(
        [
            call("read_pages", doc=DOC, start=5, end=5),
            call("search", **same),
            call("search", **same),
            call("final_answer", answer="175", value=175, citations=[]),
        ]
    )
    runner = guided(store, model)
    runner.ctx.index = _FakeIndex(store)
    runner.run(Q_BALANCE)
    text = _tool_results(model, 3)
    assert text.startswith("You made this exact search call before")
    assert "You have read the pages the question points to (Balance Sheet pp. 5-5)" in text
    assert "taken for you" not in text


def test_a_page_shown_only_as_a_snippet_still_counts_as_unread(store: CorpusStore) -> None:
    same = {"query": "inventories"}
    model = ScriptedChatModel(
        [
            call("search", **same),
            call("search", **same),
            call("final_answer", answer="175", value=175, citations=[]),
        ]
    )
    runner = guided(store, model, words=("Inventories",))  # the first look shows p. 5's chunk
    runner.ctx.index = _FakeIndex(store)
    runner.run(Q_BALANCE)
    assert "Inventories 175 160" in model.requests[0][0][1].content
    assert f'read_pages(doc="{DOC}", start=5, end=5)' in _tool_results(model, 2)


def test_a_failed_call_repeated_verbatim_is_caught(store: CorpusStore) -> None:
    bad = {"doc": DOC, "section": "Item 99"}
    model = ScriptedChatModel(
        [
            call("read_section", **bad),
            call("read_section", **bad),
            call("final_answer", answer="175", citations=[]),
        ]
    )
    guided(store, model, off="first,lean").run(Q_BALANCE)  # lean offers no read_section
    assert "no section" in _tool_results(model, 1)
    text = _tool_results(model, 2)
    assert text.startswith("This exact read_section call failed before (tool result #1")
    assert "Inventories" in text  # the next evidence, opened


def test_repeat_guard_off_runs_the_call_again(store: CorpusStore) -> None:
    bad = {"doc": DOC, "section": "Item 99"}
    model = ScriptedChatModel(
        [
            call("read_section", **bad),
            call("read_section", **bad),
            call("final_answer", answer="175", citations=[]),
        ]
    )
    guided(store, model, off="first,repeat,lean").run(Q_BALANCE)
    assert _tool_results(model, 1) == _tool_results(model, 2)


def test_not_found_before_the_named_statement_is_answered_with_it(store: CorpusStore) -> None:
    model = ScriptedChatModel(
        [
            call("final_answer", answer="The value is not found in the filings.", citations=[]),
            call(
                "final_answer",
                answer="Inventories were $175 million.",
                value=175,
                citations=[{"doc": DOC, "page": 5, "quote": "Inventories 175 160"}],
            ),
        ]
    )
    ans = guided(store, model, off="first").run(Q_BALANCE)
    text = _tool_results(model, 1)
    assert text.startswith("Not yet: you have not read the pages this question points to")
    assert "Inventories                         175" in text
    assert ans.answer == "Inventories were $175 million." and ans.citations[0].verified
    assert [s.kind for s in ans.trace.steps].count("note") == 1


def test_not_found_is_refused_only_once(store: CorpusStore) -> None:
    nf = call("final_answer", answer="not found in the filings", citations=[])
    nf2 = call("final_answer", answer="still not found in the filings", citations=[])
    model = ScriptedChatModel([nf, nf2])
    ans = guided(store, model, off="first").run(Q_BALANCE)
    assert ans.not_found and len(model.requests) == 2


def test_not_found_after_reading_the_pages_stands(store: CorpusStore) -> None:
    model = ScriptedChatModel(
        [
            call("read_pages", doc=DOC, start=5),
            call("final_answer", answer="not found in the filings", citations=[]),
        ]
    )
    ans = guided(store, model, off="first").run(Q_BALANCE)
    assert ans.not_found and len(model.requests) == 2


def test_not_found_guard_off(store: CorpusStore) -> None:
    model = ScriptedChatModel([call("final_answer", answer="not found in the filings")])
    ans = guided(store, model, off="first,notfound").run(Q_BALANCE)
    assert ans.not_found and len(model.requests) == 1


def test_without_a_named_statement_the_statements_are_offered(store: CorpusStore) -> None:
    model = ScriptedChatModel(
        [
            call("final_answer", answer="not found in the filings", citations=[]),
            call("final_answer", answer="x", citations=[]),
        ]
    )
    guided(store, model, off="first").run("How is ACME doing?")
    text = _tool_results(model, 1)
    assert "Income Statement pp. 4-4" in text and "Balance Sheet pp. 5-5" in text


def test_an_unknown_document_gets_the_companys_filings(store: CorpusStore) -> None:
    model = ScriptedChatModel(
        [
            call("outline", doc="doc_10k_2016"),
            call("final_answer", answer="x", citations=[]),
        ]
    )
    guided(store, model, off="first,notfound").run("What were ACME's FY2022 inventories?")
    text = _tool_results(model, 1)
    assert "no document 'doc_10k_2016'" in text
    assert f"Filings of the company the question names:\n{DOC} | 10-K | FY2022" in text


def test_a_computed_figure_without_the_calculator_is_sent_to_it_once(store: CorpusStore) -> None:
    model = ScriptedChatModel(
        [
            call("final_answer", answer="Current ratio 1.5", value=1.5, citations=[]),
            call("calculator", expression="640 / 400"),
            call("final_answer", answer="Current ratio 1.6", value=1.6, citations=[]),
        ]
    )
    ans = guided(store, model, off="first,notfound").run("What is ACME's FY2022 current ratio?")
    assert _tool_results(model, 1).startswith("Not yet: this question asks for a computed figure")
    assert "total current assets / total current liabilities" in _tool_results(model, 1)
    assert ans.number is not None and ans.number.value == pytest.approx(1.6)


def test_a_yes_no_question_answered_without_yes_or_no_is_sent_back_once(
    store: CorpusStore,
) -> None:
    model = ScriptedChatModel(
        [
            call("final_answer", answer="640", value=640, citations=[]),
            call("final_answer", answer="640 again", value=640, citations=[]),
        ]
    )
    q = "Does ACME have positive working capital based on FY2022 data?"
    ans = guided(store, model, off="first,notfound,calc").run(q)
    assert _tool_results(model, 1).startswith("Not yet: the question asks yes or no")
    assert ans.answer.startswith("640 again")  # sent back once, then accepted as it is


def test_a_reasons_question_answered_with_no_cause_is_sent_back_once(
    store: CorpusStore,
) -> None:
    from docnav.agent.guards import names_a_cause

    model = ScriptedChatModel(
        [
            call("final_answer", answer="Operating margin decreased by 12.9%.", citations=[]),
            call("final_answer", answer="Lower margin, due to higher costs.", citations=[]),
        ]
    )
    q = "What drove the change in ACME's operating margin in FY2022?"
    ans = guided(store, model, off="first,notfound").run(q)
    assert _tool_results(model, 1).startswith("Not yet: the question asks what caused it")
    assert ans.answer.startswith("Lower margin, due to higher costs.")
    assert names_a_cause("Sales fell, primarily from lower volumes")
    assert not names_a_cause("The margin was 20.1% in FY2022.")


def test_a_ratio_behind_a_yes_no_question_may_be_computed(store: CorpusStore) -> None:
    model = ScriptedChatModel(
        [
            call("calculator", expression="640 - 400"),
            call("final_answer", answer="Yes, 240", value=240, citations=[]),
        ]
    )
    q = "Does ACME have positive working capital based on FY2022 data?"
    guided(store, model, off="first,notfound").run(q)
    assert "= 240" in _tool_results(model, 1)


class _FakeIndex:
    """search() over the synthetic store's chunks: returns the same hits whatever the query."""

    def __init__(self, store: CorpusStore) -> None:
        from .synthetic import hits_for

        self.hits = hits_for(store, "widget")

    def search(self, query, mode="hybrid", **kw):
        from docnav.retrieval.index import SearchResult

        return SearchResult(query=query, mode=mode, hits=self.hits)


def test_a_bare_number_is_no_description() -> None:
    from docnav.agent.guards import bare_number

    assert bare_number("$17 million") and bare_number("2.0897")
    assert not bare_number("Employee-related liabilities, 87% of the total, for severance.")
    assert not bare_number("Packaging")


def test_a_repeat_with_every_named_page_read_leaves_only_final_answer(
    store: CorpusStore,
) -> None:
    """The reply asks for the answer; the next call may only be final_answer (the tool list
    and prompt stay as they are); 'once' off leaves every tool allowed, as before."""
    same = {"query": "widget demand"}
    script = [
        call("read_pages", doc=DOC, start=5, end=5),
        call("search", **same),
        call("search", **same),
        call("final_answer", answer="175", value=175, citations=[]),
    ]
    for off, choice in (("", "final_answer"), ("once", "required")):
        model = ScriptedChatModel(list(script))
        runner = guided(store, model, off=off)
        runner.ctx.index = _FakeIndex(store)
        runner.run(Q_BALANCE)
        assert [r[2] for r in model.requests] == ["required"] * 3 + [choice]
        assert model.requests[3][1] == model.requests[0][1]


def test_a_second_repeat_asks_for_the_answer_now(store: CorpusStore) -> None:
    """The first repeat opens the next evidence and leaves the model free to read it; the
    run's second repeat still shows what it opened, and the next call is final_answer."""
    same = {"query": "widget demand"}
    model = ScriptedChatModel(
        [
            call("search", **same),
            call("search", **same),
            call("search", **same),
            call("final_answer", answer="175", value=175, citations=[]),
        ]
    )
    runner = guided(store, model, off="first")
    runner.ctx.index = _FakeIndex(store)
    runner.run(Q_BALANCE)
    assert [r[2] for r in model.requests] == ["required"] * 3 + ["final_answer"]
    assert "taken for you" in _tool_results(model, 2)
    assert "call final_answer" in _tool_results(model, 3)


def test_answer_now_after_a_second_repeat_that_opened_pages() -> None:
    from docnav.agent.guards import ANSWER_NOW, answer_now
    from docnav.tools.base import PageRead, ToolResult

    opened = ToolResult(text="p. 5", reads=[PageRead(doc_id=DOC, page=4, text="p. 5")])
    memo: dict = {}
    assert answer_now(opened, memo) is opened and not memo.get(ANSWER_NOW)
    again = answer_now(opened, memo)
    assert memo[ANSWER_NOW] and again.text.endswith("second repeated call: answer now.")
    memo = {}
    assert answer_now(ToolResult(text="all read", ok=False), memo).text == "all read"
    assert memo[ANSWER_NOW]


def test_a_second_computation_for_a_one_value_question_runs(store: CorpusStore) -> None:
    model = ScriptedChatModel(
        [
            call("calculator", expression="175 + 160"),
            call("calculator", expression="175 - 160"),
            call("final_answer", answer="175", value=175, citations=[]),
        ]
    )
    guided(store, model, off="first,notfound").run(Q_BALANCE)
    assert _tool_results(model, 1).startswith("Not computed: this question asks for one")
    assert "= 15" in _tool_results(model, 2)
    model = ScriptedChatModel(
        [
            call("calculator", expression="175 + 160"),
            call("calculator", expression="175 - 160"),
            call("final_answer", answer="175", value=175, citations=[]),
        ]
    )
    guided(store, model, off="first,notfound,once").run(Q_BALANCE)
    assert _tool_results(model, 2).startswith("Not computed")
