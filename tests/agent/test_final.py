"""A final_answer call cut off by max_tokens keeps what the model had written."""

from __future__ import annotations

from docnav.agent.final import salvage_final
from docnav.agent.llm.base import ChatMessage
from docnav.agent.llm.parsing import split_hermes
from docnav.agent.modes import Passage, answer_once, pages_context
from tests.agent.fakes import ScriptedChatModel

PAGE = "Operating income margin 19.1 % 20.8 % (1.7)%. Gross margin fell."

# The shape the 1.5B model wrote on FinanceBench 01226 (oracle): the answer in full, then
# citations until the 512-token limit cut the JSON inside the third one, where closing the
# open brackets cannot repair it.
CUT = (
    '<tool_call>\n{"name": "final_answer", "arguments": {"answer": "Operating margin '
    'decreased, driven by a higher cost of sales.", "citations": [{"doc": "3M_2022_10K", '
    '"page": 27, "quote": "Operating income margin 19.1 % 20.8 % (1.7)%"}, {"doc": '
    '"3M_2022_10K", "page": 27, "quote": "Cost of sales increased in 2022."}, {"doc": "3M_2022_10K", "page": '
)


def test_cut_call_keeps_answer_and_complete_citations() -> None:
    _, calls = split_hermes(CUT, {"final_answer"})
    assert calls[0].parse_error and calls[0].raw_arguments  # unparseable as it stands
    args = salvage_final(calls[0].raw_arguments)
    assert args is not None
    assert args["answer"] == "Operating margin decreased, driven by a higher cost of sales."
    assert [c["quote"] for c in args["citations"]] == [
        "Operating income margin 19.1 % 20.8 % (1.7)%",
        "Cost of sales increased in 2022.",
    ]


def test_cut_inside_the_answer_keeps_the_text_written() -> None:
    raw = '{"name": "final_answer", "arguments": {"value": -1.7, "answer": "Margin fell \\"1.7\\" pts, lit\\u00'
    args = salvage_final(raw)
    assert args == {"answer": 'Margin fell "1.7" pts, lit', "citations": [], "value": -1.7}
    # nothing written yet, or no answer field at all: nothing to keep
    assert salvage_final('{"name": "final_answer", "arguments": {"answer": "') is None
    assert salvage_final('{"name": "final_answer", "arguments": {"citations": [{"do') is None


def test_answer_once_uses_the_cut_call_and_verifies_its_citations() -> None:
    content, calls = split_hermes(CUT, {"final_answer"})
    model = ScriptedChatModel([ChatMessage(role="assistant", content=content, tool_calls=calls)])
    ctx = pages_context([Passage("d1", "3M_2022_10K", 26, 26, PAGE)], 10_000, model.count_tokens)
    ans = answer_once(model, "oracle", "What drove the margin?", ctx, {"d1": "3M_2022_10K"})
    assert ans.answer.startswith("Operating margin decreased")
    assert any("cut off" in n for n in ans.notes)
    assert [c.verified for c in ans.citations] == [True, False]  # second quote is not on the page
