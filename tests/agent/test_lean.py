"""The guided policy's lean prompt (issue 19, results/answers-cost): the lean tool list, the
lean outline; switched off, each is what it was before, byte for byte."""

from __future__ import annotations

import json

import pytest

from docnav.agent.final import FINAL_ANSWER
from docnav.agent.first_look import _outline
from docnav.agent.llm.base import ToolSpec
from docnav.agent.policy import GuidedConfig, policy_tools
from docnav.agent.specs import first_sentence, lean_spec, tool_specs
from docnav.ingestion import CorpusStore

from .fakes import ScriptedChatModel, call
from .synthetic import guided_runner, make_store

DOC = "ACME_2022_10K"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> CorpusStore:
    return make_store(tmp_path_factory.mktemp("acme"))


def _size(specs: list[ToolSpec]) -> int:
    return sum(len(json.dumps(s.openai())) for s in specs)


def test_whole_specs_are_the_tools_own() -> None:
    tools = policy_tools("guided", GuidedConfig.from_off("lean"))
    specs = tool_specs(tools)
    assert [s.name for s in specs] == [t.name for t in tools] + ["final_answer"]
    for s, t in zip(specs, tools, strict=False):
        assert (s.description, s.parameters) == (t.description(), t.parameters())
    assert specs[-1] == FINAL_ANSWER


def test_lean_specs_keep_names_arguments_and_the_answer_format() -> None:
    tools = policy_tools("guided", GuidedConfig.from_off("lean"))
    whole, lean = tool_specs(tools), tool_specs(tools, lean=True)
    assert [s.name for s in lean] == [s.name for s in whole]
    assert _size(lean) < 0.7 * _size(whole)
    assert lean[-1] == FINAL_ANSWER  # every field of the answer is used
    by = {s.name: s for s in lean}
    assert set(by["search"].parameters["properties"]) == {"query", "company", "year", "doc"}
    assert by["search"].parameters["required"] == ["query"]
    assert by["read_pages"].parameters["required"] == ["doc", "start"]
    period = by["facts"].parameters["properties"]["period"]
    assert "FY2019" in period["description"]  # a format is kept
    assert "description" not in by["read_pages"].parameters["properties"]["doc"]
    for s in lean:
        assert "\n" not in s.description and s.description.endswith(".")


def test_first_sentence() -> None:
    assert first_sentence("Read pages (start=45, end=47). Long\nranges come in parts.") == (
        "Read pages (start=45, end=47)."
    )
    assert first_sentence("Search e.g. 10-K filings") == "Search e.g. 10-K filings"
    spec = ToolSpec(name="x", description="One. Two.", parameters={"type": "object"})
    assert lean_spec(spec).parameters == {"type": "object", "properties": {}}


def test_lean_offers_fewer_tools_and_off_offers_them_as_before() -> None:
    lean = [t.name for t in policy_tools("guided")]
    whole = [t.name for t in policy_tools("guided", GuidedConfig.from_off("lean"))]
    assert "list_documents" in whole and "read_section" in whole
    assert [n for n in whole if n not in ("list_documents", "read_section")] == lean


def test_the_guided_loop_sends_the_lean_list_on_every_call(store: CorpusStore) -> None:
    script = [
        call("read_pages", doc=DOC, start=5),
        call("final_answer", answer="175", value=175, citations=[]),
    ]
    q = "What were ACME's FY2022 inventories? Use the balance sheet."
    sent = {}
    for off in ("", "lean"):
        model = ScriptedChatModel(list(script))
        guided_runner(store, model, ("widget",), off).run(q)
        (_, t0, _), (_, t1, _) = model.requests
        assert t0 == t1  # byte-identical across calls
        sent[off] = t0
    tools = policy_tools("guided", GuidedConfig.from_off("lean"))
    assert sent["lean"] == tool_specs(tools)  # off: the list as before
    assert sent[""] == tool_specs(policy_tools("guided"), lean=True)


def test_lean_outline_lists_statements_items_and_the_named_note(store: CorpusStore) -> None:
    doc = store.get_document(DOC)
    sections = store.sections(DOC)
    whole = _outline(doc, sections, 2500)
    lean = _outline(doc, sections, 2500, named=["Note 5"])
    assert lean.splitlines()[:2] == whole.splitlines()[:2]  # head and statements
    assert "Items: Item 1 Business p. 1" in lean
    notes = [s for s in sections if s.kind == "note"]
    for s in notes:
        assert (s.label == "Note 5") == (s.title[:60] in lean)
    if len(notes) > 1:
        assert f"Notes: {len(notes)} on pp." in lean


def test_lean_hits_carry_the_last_part_of_the_section_path(store: CorpusStore) -> None:
    from docnav.agent.first_look import _hits_block
    from docnav.tools.base import ToolContext

    from .synthetic import hits_for

    hits = hits_for(store, "Net sales", "widget")
    deep = [
        h.model_copy(update={"section_path": f"PART II > Item 8 > {h.section_path}"}) for h in hits
    ]
    whole, _ = _hits_block(ToolContext(store=store), deep, 4000)
    lean, reads = _hits_block(ToolContext(store=store), deep, 4000, lean=True)
    assert "PART II > Item 8 >" in whole and "PART II" not in lean
    assert len(lean) < len(whole) and reads
