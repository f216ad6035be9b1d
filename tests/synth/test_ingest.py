"""The generated filings ingest like real ones: metadata, Items, Notes, statements,
resolved cross-references; planted answers are on their evidence pages; PDF and HTML give
the same pages."""

from __future__ import annotations

from docnav.questions import FAILURE_MODES, formula_value


def _norm(s: str) -> str:
    return "".join(s.split())


def test_metadata_matches_what_was_generated(engine, doc_rows):
    docs = {d.name: d for d in engine.documents()}
    assert set(docs) == set(doc_rows)
    for name, row in doc_rows.items():
        m = docs[name].meta
        assert m.company == row["company"], name
        assert m.ticker == row["ticker"] and m.cik == row["cik"], name
        assert m.form == {"10k": "10-K", "10q": "10-Q", "8k": "8-K"}[row["doc_type"]], name
        assert m.fiscal_year == row["doc_period"], name
        assert m.fiscal_period == row["fiscal_period"], name
        assert m.period_end.isoformat() == row["period_end"], name
    # the small corpus holds a fiscal year that does not end in December
    assert any(not r["period_end"].endswith("12-31") for r in doc_rows.values())


def test_items_notes_statements_detected(engine):
    for d in engine.documents():
        secs = engine.store.sections(d.doc_id)
        items = [s.label for s in secs if s.kind == "item"]
        notes = [int(s.label.split()[1]) for s in secs if s.kind == "note"]
        stmts = {s.label for s in secs if s.kind == "statement"}
        if d.meta.form == "10-K":
            for need in (
                "Item 1",
                "Item 1A",
                "Item 3",
                "Item 7",
                "Item 7A",
                "Item 8",
                "Item 9A",
                "Item 15",
            ):
                assert need in items, (d.name, need)
            assert notes == list(range(1, len(notes) + 1)) and len(notes) >= 11, d.name
            assert stmts == {"Income Statement", "Balance Sheet", "Cash Flow Statement"}, d.name
            assert not d.warnings, d.warnings
        elif d.meta.form == "10-Q":
            assert items == [
                "Item 1",
                "Item 2",
                "Item 3",
                "Item 4",
                "Item 1",
                "Item 1A",
                "Item 2",
                "Item 3",
                "Item 4",
                "Item 5",
                "Item 6",
            ], d.name
            assert notes == [1, 2, 3, 4, 5]
            assert {s.label for s in secs if s.kind == "part"} == {"Part I", "Part II"}
        else:
            assert items == ["Item 2.02", "Item 9.01"], d.name


def test_planted_note_references_resolve(engine):
    for d in engine.documents():
        if d.meta.form != "10-K":
            continue
        secs = {s.id: s for s in engine.store.sections(d.doc_id)}
        note_refs = [r for c in engine.store.chunks(d.doc_id) for r in c.refs if r.kind == "note"]
        assert len(note_refs) >= 6, d.name
        for r in note_refs:
            assert r.target_section is not None, (d.name, r)
            assert secs[r.target_section].label == r.label


def test_gold_answers_are_on_their_evidence_pages(engine, questions):
    docs = {d.name: d for d in engine.documents()}
    assert {q.failure_mode for q in questions} == set(FAILURE_MODES)
    for q in questions:
        assert q.evidence and q.answer_value is not None, q.id
        for ev in q.evidence:
            d = docs[ev.doc_name]
            page = engine.page_text(d.doc_id, ev.page)  # the Engine's pages are 1-based
            assert _norm(ev.text) in _norm(page), (q.id, ev)
            # the amount is there after ingestion's own number normaliser (table scales applied)
            values = {
                round(n.value)
                for c in engine.store.chunks(d.doc_id)
                if c.page_start <= ev.page_index <= c.page_end
                for n in c.numbers
            }
            assert round(ev.value) in values, (q.id, ev)
        assert formula_value(q) == q.answer_value, q.id


def test_pdf_and_html_pages_agree(html_engine, pdf_engine):
    pdf_docs = {d.name: d for d in pdf_engine.documents()}
    for d in html_engine.documents():
        p = pdf_docs[d.name]
        assert p.n_pages == d.n_pages, d.name
        for i in range(1, d.n_pages + 1):
            assert _norm(html_engine.page_text(d.doc_id, i)) == _norm(
                pdf_engine.page_text(p.doc_id, i)
            ), (d.name, i)


def test_vocabulary_trap_words_never_appear_in_the_filings(engine, questions):
    """The vocabulary questions ask with words the filings never use; otherwise lexical search
    would find them and the question would not test the mismatch."""
    trap = ("ebitda", "capex", "capital expenditure")
    vocab = [q for q in questions if q.failure_mode == "vocabulary"]
    assert vocab and all(any(w in q.question.lower() for w in trap) for q in vocab)
    for d in engine.documents():
        for i in range(1, d.n_pages + 1):
            text = engine.page_text(d.doc_id, i).lower()
            assert not any(w in text for w in trap), (d.name, i)


def test_temporal_questions_have_the_other_period_beside_the_answer(engine, questions):
    """A temporal trap: the evidence page also shows the neighbouring period's value, so the
    right column (or filing) must be chosen."""
    docs = {d.name: d for d in engine.documents()}
    n = 0
    for q in questions:
        if q.failure_mode != "temporal" or "quarter" not in q.question:
            continue
        ev = q.evidence[-1]
        nums = [
            round(m.value)
            for c in engine.store.chunks(docs[ev.doc_name].doc_id)
            if c.page_start <= ev.page_index <= c.page_end and c.type == "table"
            for m in c.numbers
        ]
        assert round(ev.value) in nums and len(set(nums)) > 1
        n += 1
    assert n >= 2


def test_first_and_third_quarter_periods_of_a_june_year_end(tmp_path):
    """Q1 and Q3 10-Qs (the small preset has only Q2) of a December and a June fiscal year:
    the quarter and the fiscal year come out right after ingestion."""
    import json

    from docnav.engine import Engine
    from docnav.settings import Settings
    from docnav.synth import SynthConfig, generate

    cfg = SynthConfig(
        companies=2,
        first_year=2024,
        last_year=2024,
        quarters=[1, 3],
        earnings=False,
        formats=["pdf"],
        seed=11,
    )
    generate(cfg, tmp_path / "c")
    rows = {
        r["doc_name"]: r
        for r in map(json.loads, (tmp_path / "c" / "documents.jsonl").read_text().splitlines())
    }
    e = Engine(Settings(home=tmp_path / "home"))
    assert not e.ingest([tmp_path / "c" / "pdf"]).failed
    got = {d.name: (d.meta.fiscal_period, d.meta.period_end.isoformat()) for d in e.documents()}
    assert got == {n: (r["fiscal_period"], r["period_end"]) for n, r in rows.items()}
    assert {"Q1 2024", "Q3 2024"} <= {p for p, _ in got.values()}
    assert any(
        end.startswith("2023-09") for _, end in got.values()
    )  # June year end: Q1 ends Sep 2023


def test_fragments_and_reference_chains_cross_pages(questions):
    """Fragmentation: three pieces on three pages; causal chain: the "See Note N" target is on
    another page than the note that refers to it. On one page a single chunk read could do."""
    for q in questions:
        pages = [(e.doc_name, e.page) for e in q.evidence]
        if q.failure_mode == "fragmentation":
            assert len(set(pages)) == 3, q.id
        elif q.failure_mode == "causal_chain":
            assert pages[0] != pages[1], q.id
