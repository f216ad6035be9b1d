"""`docnav bench ingest`: ingestion speed against bare pypdfium2 extraction measured in the
same run, structure quality, and metadata accuracy from content alone.

Files are copied under random names (no sidecar) so metadata comes from content only.
"""

from __future__ import annotations

import json
import random
import shutil
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console

from docnav.bench import git_commit, machine_info
from docnav.ingestion import CorpusStore, IngestOptions, ingest_paths, read_pdf_pages
from docnav.ingestion.metadata import company_matches, normalize_form
from docnav.types import Chunk, Document, DocumentMeta

ITEM_KINDS = {"item"}


def _bare_extract(files: list[Path]) -> tuple[float, int]:
    t0 = time.perf_counter()
    pages = 0
    for f in files:
        try:
            pages += len(read_pdf_pages(f))
        except Exception:  # noqa: BLE001 - bare timing only
            pass
    return time.perf_counter() - t0, pages


def _ingest(files: list[Path], workers: int) -> tuple[float, CorpusStore, Path]:
    root = Path(tempfile.mkdtemp(prefix=f"docnav-bench-{workers}p-"))
    store = CorpusStore(root)
    t0 = time.perf_counter()
    report = ingest_paths(store, files, IngestOptions(), workers=workers)
    secs = time.perf_counter() - t0
    if report.failed:
        raise RuntimeError(f"{len(report.failed)} files failed: {report.failed[:3]}")
    return secs, store, root


def copy_random_names(files: list[Path], work: Path) -> tuple[list[Path], dict[str, str]]:
    """Copies of ``files`` in ``work`` under random (seeded) names, and random stem -> original
    stem: metadata must then come from content, not from a telling file name."""
    rng = random.Random(0)
    name_of: dict[str, str] = {}
    out = []
    for f in files:
        stem = uuid.UUID(int=rng.getrandbits(128)).hex
        dst = work / f"{stem}{f.suffix}"
        shutil.copyfile(f, dst)
        name_of[stem] = f.stem
        out.append(dst)
    return out, name_of


def dir_size(p: Path) -> int:
    return sum(f.stat().st_size for f in p.rglob("*") if f.is_file())


def _section_of_page(chunks: list[Chunk], page: int) -> list[str]:
    return [c.section_path for c in chunks if c.page_start <= page <= c.page_end]


@dataclass
class _Scan:
    """What the benchmark reads back from the store: per document (by original name) and
    the structure counts over all of them."""

    by_name: dict[str, tuple] = field(default_factory=dict)  # doc -> (document, chunks, sections)
    meta_rows: list[dict] = field(default_factory=list)  # detected vs true company/form/year
    pages_in_item: int = 0
    pages_itemable: int = 0  # pages of 10-Ks and 10-Qs
    notes_per_10k: list[int] = field(default_factory=list)
    tables: int = 0
    refs: int = 0
    refs_resolved: int = 0


def run_ingest_bench(
    pdf_dir: Path,
    questions_path: Path,
    documents_path: Path,
    out: Path,
    limit: int | None = None,
    console: Console | None = None,
    hand_sample: int = 20,
) -> dict:
    console = console or Console()
    if not pdf_dir.is_dir():
        from docnav.errors import DocnavError

        raise DocnavError(
            f"no PDF folder at {pdf_dir} (FinanceBench lives in ../shared/financebench)"
        )
    truth = _load_truth(documents_path)
    originals = sorted(pdf_dir.glob("*.pdf"))[:limit] if limit else sorted(pdf_dir.glob("*.pdf"))

    work = Path(tempfile.mkdtemp(prefix="docnav-bench-files-"))
    files, name_of = copy_random_names(originals, work)

    console.print(
        f"[bold]bench ingest[/bold]: {len(files)} PDFs (copied under random names, no sidecar)"
    )
    speed, pages, store1, root1 = _time_ingestion(files, console)
    docs = store1.list_documents()
    scan = _scan(store1, docs, name_of, truth)
    aliases = _score_metadata(scan.meta_rows, docs)
    ev_list = _evidence_pages(questions_path, scan.by_name)
    rng = random.Random(20261124)
    sample = rng.sample(ev_list, min(hand_sample, len(ev_list)))

    result = {
        "command": "docnav bench ingest" + (f" --limit {limit}" if limit else ""),
        "measured_at_commit": git_commit(),
        "machine": machine_info(),
        "files": len(files),
        "pages": pages,
        "speed": speed,
        "store_bytes": dir_size(root1),
        "structure": _structure_figures(scan, ev_list),
        "metadata": _metadata_figures(scan.meta_rows, aliases),
        "evidence_not_in_section": [r for r in ev_list if not r["in_section"]],
        "hand_check_sample": sample,
    }
    shutil.rmtree(root1, ignore_errors=True)
    shutil.rmtree(work, ignore_errors=True)
    _write(result, out)
    console.print(f"results -> {out}/results.json, report.md, ingest.png")
    return result


def _load_truth(documents_path: Path) -> dict[str, dict]:
    truth = {}
    for line in documents_path.read_text().splitlines():
        if line.strip():
            d = json.loads(line)
            truth[d["doc_name"]] = d
    return truth


def _time_ingestion(files: list[Path], console: Console) -> tuple[dict, int, CorpusStore, Path]:
    """Bare extraction, then full ingestion with 1 and 2 processes, timed in this run: the
    speed figures, the page count and the 1-process store (its root removed by the caller)."""
    _bare_extract(files[: min(3, len(files))])  # warm imports and the page cache a little
    for f in files:
        f.read_bytes()
    bare_s, pages = _bare_extract(files)
    console.print(f"bare pypdfium2 extraction, 1 process: {pages} pages in {bare_s:.1f}s")
    t1, store1, root1 = _ingest(files, 1)
    console.print(f"full ingestion, 1 process: {t1:.1f}s ({t1 / bare_s:.2f}x bare)")
    t2, store2, root2 = _ingest(files, 2)
    console.print(f"full ingestion, 2 processes: {t2:.1f}s ({t2 / bare_s:.2f}x bare)")
    shutil.rmtree(root2, ignore_errors=True)
    speed = {
        "bare_extract_s_1p": round(bare_s, 2),
        "ingest_s_1p": round(t1, 2),
        "ingest_s_2p": round(t2, 2),
        "ratio_1p_vs_bare": round(t1 / bare_s, 3),
        "ratio_2p_vs_bare": round(t2 / bare_s, 3),
        "pages_per_s_bare": round(pages / bare_s, 1),
        "pages_per_s_1p": round(pages / t1, 1),
        "pages_per_s_2p": round(pages / t2, 1),
        "goal_1p": "<= 1.5x bare",
        "goal_2p": "< 1.0x bare",
    }
    return speed, pages, store1, root1


def _scan(store: CorpusStore, docs: list[Document], name_of: dict[str, str], truth: dict) -> _Scan:
    scan = _Scan()
    for d in docs:
        doc_name = name_of[Path(d.source_path).stem]
        chunks = store.chunks(d.doc_id)
        sections = store.sections(d.doc_id)
        scan.by_name[doc_name] = (d, chunks, sections)
        t = truth.get(doc_name)
        if t:
            scan.meta_rows.append(_meta_row(doc_name, d.meta, t))
        scan.tables += d.n_tables
        scan.refs += d.n_refs
        scan.refs_resolved += d.n_refs_resolved
        if d.meta.form in ("10-K", "10-Q"):
            item_pages = set()
            for s in sections:
                if s.kind in ITEM_KINDS or any(
                    a.kind in ITEM_KINDS for a in _ancestors(s, sections)
                ):
                    item_pages.update(range(s.page_start, s.page_end + 1))
            scan.pages_in_item += len(item_pages)
            scan.pages_itemable += d.n_pages
        if d.meta.form == "10-K":
            scan.notes_per_10k.append(sum(1 for s in sections if s.kind == "note"))
    return scan


def _meta_row(doc_name: str, m: DocumentMeta, t: dict) -> dict:
    """Detected company, form and fiscal year of one filing next to the true ones."""
    row = {
        "doc_name": doc_name,
        "company_true": t["company"],
        "company": m.company,
        "form_true": normalize_form(t["doc_type"]),
        "form": m.form,
        "year_true": int(t["doc_period"]),
        "year": m.fiscal_year,
    }
    row["company_ok_no_alias"] = bool(m.company) and company_matches(m.company, t["company"])
    row["form_ok"] = row["form"] == row["form_true"]
    row["year_ok"] = row["year"] == row["year_true"]
    return row


def _score_metadata(meta_rows: list[dict], docs: list[Document]) -> dict[str, list[str]]:
    """Mark each row company_ok / all_ok and return the alias table used for it."""
    # Former names the filings themselves state ("we changed our name from Square to Block")
    # form a corpus-level alias table, as retrieval's company filter uses it.
    aliases = {
        d.meta.company: d.meta.former_names for d in docs if d.meta.company and d.meta.former_names
    }
    for row in meta_rows:
        row["company_ok"] = bool(row["company"]) and company_matches(
            row["company"], row["company_true"], aliases
        )
        row["all_ok"] = row["company_ok"] and row["form_ok"] and row["year_ok"]
    return aliases


def _evidence_pages(questions_path: Path, by_name: dict[str, tuple]) -> list[dict]:
    """Each gold evidence page once: is the page inside a chunk with a detected section path?"""
    ev_rows = []
    for line in questions_path.read_text().splitlines():
        if not line.strip():
            continue
        q = json.loads(line)
        for ev in q["evidence"]:
            hit = by_name.get(ev["doc_name"])
            if hit is None:
                continue
            d, chunks, _ = hit
            paths = _section_of_page(chunks, ev["evidence_page_num"])
            known = [p for p in paths if p != "(unknown)"]
            ev_rows.append(
                {
                    "financebench_id": q["financebench_id"],
                    "doc_name": ev["doc_name"],
                    "page_index": ev["evidence_page_num"],
                    "page_shown": ev["evidence_page_num"] + 1,
                    "section_paths": sorted(set(paths)),
                    "in_section": bool(known),
                }
            )
    ev_unique = {(r["doc_name"], r["page_index"]): r for r in ev_rows}
    return list(ev_unique.values())


def _structure_figures(scan: _Scan, ev_list: list[dict]) -> dict:
    notes = scan.notes_per_10k
    return {
        "share_pages_in_item_10k_10q": round(scan.pages_in_item / max(scan.pages_itemable, 1), 4),
        "notes_per_10k_mean": round(sum(notes) / max(len(notes), 1), 2),
        "notes_per_10k_min": min(notes) if notes else 0,
        "tables": scan.tables,
        "cross_refs": scan.refs,
        "cross_refs_resolved": scan.refs_resolved,
        "cross_refs_resolved_share": round(scan.refs_resolved / max(scan.refs, 1), 4),
        "evidence_pages": len(ev_list),
        "evidence_pages_in_section_share": round(
            sum(r["in_section"] for r in ev_list) / max(len(ev_list), 1), 4
        ),
    }


def _metadata_figures(meta_rows: list[dict], aliases: dict) -> dict:
    n_meta = len(meta_rows) or 1
    return {
        "filings": len(meta_rows),
        "company_acc": round(sum(r["company_ok"] for r in meta_rows) / n_meta, 4),
        "company_acc_without_aliases": round(
            sum(r["company_ok_no_alias"] for r in meta_rows) / n_meta, 4
        ),
        "aliases_from_filings": aliases,
        "form_acc": round(sum(r["form_ok"] for r in meta_rows) / n_meta, 4),
        "fiscal_year_acc": round(sum(r["year_ok"] for r in meta_rows) / n_meta, 4),
        "all_three_acc": round(sum(r["all_ok"] for r in meta_rows) / n_meta, 4),
        "mismatches": [r for r in meta_rows if not r["all_ok"]],
    }


def _ancestors(s, sections):
    by_id = {x.id: x for x in sections}
    cur = by_id.get(s.parent) if s.parent else None
    while cur is not None:
        yield cur
        cur = by_id.get(cur.parent) if cur.parent else None


def _write(result: dict, out: Path) -> None:
    from docnav.extras import pyplot

    plt = pyplot()  # a clear error naming the bench extra when matplotlib is absent

    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(result, indent=2, default=str))
    _plot(plt, result, out / "ingest.png")
    (out / "report.md").write_text(_report_md(result))


def _plot(plt, result: dict, path: Path) -> None:
    """Speed against bare extraction, and the structure and metadata shares."""
    sp, st, md = result["speed"], result["structure"], result["metadata"]
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(11, 4))
    labels = ["bare extract\n1 process", "full ingest\n1 process", "full ingest\n2 processes"]
    vals = [sp["bare_extract_s_1p"], sp["ingest_s_1p"], sp["ingest_s_2p"]]
    bars = a1.bar(labels, vals, color=["#999", "#1f77b4", "#2ca02c"])
    a1.axhline(1.5 * vals[0], ls="--", color="red", lw=1, label="goal: 1.5x bare (1 process)")
    a1.set_ylabel("seconds (lower is better)")
    a1.set_title(f"{result['files']} PDFs, {result['pages']} pages")
    for b, v in zip(bars, vals, strict=True):
        a1.text(
            b.get_x() + b.get_width() / 2,
            v,
            f"{v:.1f}s\n{v / vals[0]:.2f}x",
            ha="center",
            va="bottom",
        )
    a1.legend(loc="upper left", fontsize=8)
    a1.set_ylim(0, max(vals + [1.5 * vals[0]]) * 1.3)
    qlabels = [
        "evidence pages\nin a section",
        "pages in an Item\n(10-K/10-Q)",
        "metadata\nall 3 right",
        "cross-refs\nresolved",
    ]
    qvals = [
        st["evidence_pages_in_section_share"],
        st["share_pages_in_item_10k_10q"],
        md["all_three_acc"],
        st["cross_refs_resolved_share"],
    ]
    bars = a2.bar(qlabels, [100 * v for v in qvals], color="#1f77b4")
    a2.axhline(95, ls="--", color="red", lw=1, label="goal 95%")
    a2.set_ylim(0, 110)
    a2.set_ylabel("%")
    a2.set_title("structure and metadata quality")
    for b, v in zip(bars, qvals, strict=True):
        a2.text(b.get_x() + b.get_width() / 2, 100 * v, f"{100 * v:.1f}%", ha="center", va="bottom")
    a2.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _report_md(result: dict) -> str:
    sp, st, md = result["speed"], result["structure"], result["metadata"]
    lines = [
        "# Ingestion benchmark",
        "",
        f"Command: `{result['command']}` (from the repo root, ../shared beside it). "
        f"Machine: {result['machine']['cpus']} CPUs, Python {result['machine']['python']}.",
        "",
        f"{result['files']} FinanceBench PDFs copied under random names, no sidecar; {result['pages']} pages.",
        "",
        "## Speed (same run; ratios against bare pypdfium2 text extraction on 1 process)",
        "",
        "| run | seconds | pages/s | vs bare | goal |",
        "| --- | ---: | ---: | ---: | --- |",
        f"| bare pypdfium2 extraction, 1 process | {sp['bare_extract_s_1p']} | {sp['pages_per_s_bare']} | 1.00x | |",
        f"| full ingestion, 1 process | {sp['ingest_s_1p']} | {sp['pages_per_s_1p']} | {sp['ratio_1p_vs_bare']:.2f}x | <= 1.5x |",
        f"| full ingestion, 2 processes | {sp['ingest_s_2p']} | {sp['pages_per_s_2p']} | {sp['ratio_2p_vs_bare']:.2f}x | < 1.0x |",
        "",
        f"Store size: {result['store_bytes'] / 1e6:.1f} MB.",
        "",
        "## Structure",
        "",
        f"- FinanceBench evidence pages inside a chunk with a detected section path: "
        f"**{100 * st['evidence_pages_in_section_share']:.1f}%** of {st['evidence_pages']} distinct pages (goal >= 95%)",
        f"- pages inside a detected Item (10-K and 10-Q): {100 * st['share_pages_in_item_10k_10q']:.1f}%",
        f"- Notes per 10-K: mean {st['notes_per_10k_mean']}, min {st['notes_per_10k_min']}",
        f"- tables (atomic chunks): {st['tables']}",
        f"- cross-references: {st['cross_refs']}, resolved within the filing: {st['cross_refs_resolved']} "
        f"({100 * st['cross_refs_resolved_share']:.1f}%)",
        "",
        "## Metadata from content alone (random file names, no sidecar)",
        "",
        f"| field | accuracy over {md['filings']} filings |",
        "| --- | ---: |",
        f"| company | {100 * md['company_acc']:.1f}% (without the alias table: "
        f"{100 * md['company_acc_without_aliases']:.1f}%) |",
        f"| form | {100 * md['form_acc']:.1f}% |",
        f"| fiscal year | {100 * md['fiscal_year_acc']:.1f}% |",
        f"| all three | {100 * md['all_three_acc']:.1f}% (goal >= 95%) |",
        "",
        'The alias table comes from the filings themselves (`former_names`: "we changed our name '
        f'from Square to Block"), built over the whole store: {md["aliases_from_filings"]}.',
        "",
    ]
    if md["mismatches"]:
        lines += [
            "Mismatches:",
            "",
            "| doc | company (true / found) | form | year |",
            "| --- | --- | --- | --- |",
        ]
        for r in md["mismatches"]:
            lines.append(
                f"| {r['doc_name']} | {r['company_true']} / {r['company']} | {r['form_true']} / {r['form']} "
                f"| {r['year_true']} / {r['year']} |"
            )
        lines.append("")
    if result["evidence_not_in_section"]:
        lines += ["Evidence pages outside any detected section (page shown 1-based):", ""]
        for r in result["evidence_not_in_section"]:
            lines.append(f"- {r['doc_name']} p. {r['page_shown']}")
        lines.append("")
    lines += [
        "## Hand-check sample",
        "",
        "20 evidence pages drawn with a fixed seed; the detected section path is compared by hand "
        "with the PDF page in `handcheck.md` beside this report.",
        "",
        "| doc | page (1-based) | detected section path(s) |",
        "| --- | ---: | --- |",
    ]
    for r in result["hand_check_sample"]:
        lines.append(
            f"| {r['doc_name']} | {r['page_shown']} | {' ; '.join(r['section_paths']) or '(none)'} |"
        )
    lines.append("")
    lines.append("![ingestion](ingest.png)")
    return "\n".join(lines) + "\n"
