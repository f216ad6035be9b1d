"""Snapshot of :func:`detect_structure` over fixed real and synthetic filings.

Proves a refactor of structure detection changes nothing: dump before, dump after, compare
bytes. Page text is read once and cached (``inputs.json``), so both dumps see the very same
input and only structure detection runs the second time. Each document is detected twice:
with the form the pipeline would pass and with ``form=None`` (the form guessed from the
cover), to cover both paths.

    python -m docnav.bench.structure_snapshot OUT_DIR [--inputs CACHE.json] [--synth DIR] [--all]
    cmp BEFORE/structure.json AFTER/structure.json

Ingestion only: no embeddings, no store, no LLM.
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

from docnav.ingestion.html import parse_html_filing
from docnav.ingestion.metadata import extract_metadata
from docnav.ingestion.pdf import read_pdf_pages
from docnav.ingestion.structure import detect_structure

SHARED = Path(__file__).resolve().parents[2] / "shared"
FB_PDFS = SHARED / "financebench" / "pdfs"
EDGAR = SHARED / "edgar"

# a mix of 10-K, 10-Q, 8-K and earnings releases (--all takes every FinanceBench PDF)
FIXED_PDFS = [
    "3M_2018_10K",
    "AMCOR_2023_10K",
    "PFIZER_2021_10K",
    "VERIZON_2019_10K",
    "MICROSOFT_2023_10K",
    "COSTCO_2021_10K",
    "BLOCK_2020_10K",
    "Pfizer_2023Q2_10Q",
    "AMCOR_2023Q2_10Q",
    "WALMART_2024Q1_10Q",
    "FOOTLOCKER_2023Q3_10Q",
    "FOOTLOCKER_2022_8K_dated_2022-08-19",
    "BESTBUY_2023_8K_dated-2023-04-24",
    "ULTABEAUTY_2023_8K_dated-2023-06-07",
    "MGMRESORTS_2022Q4_EARNINGS",
    "PFIZER_2023Q2_EARNINGS",
]
_COVER_FORM = re.compile(r"\bFORM\s+(10-K|10-Q|8-K)\b", re.IGNORECASE)


def _pdf_input(path: Path) -> dict:
    pages = read_pdf_pages(path)
    meta = extract_metadata(pages, file_name=path.name)
    return {"name": path.name, "form": meta.form, "pages": pages}


def _html_input(path: Path) -> dict:
    filing = parse_html_filing(path.read_bytes(), edgartools_check=False)
    form = filing.meta.form
    if form is None:  # as parse_html_filing decides it before calling detect_structure
        m = _COVER_FORM.search("\n".join(filing.pages[:2]))
        form = m.group(1).upper() if m else None
    return {"name": path.name, "form": form, "pages": filing.pages}


def collect_inputs(pdf_names: list[str], synth: Path | None) -> list[dict]:
    files = [FB_PDFS / f"{n}.pdf" for n in pdf_names]
    files += sorted(EDGAR.glob("*.htm*"))
    if synth is not None:
        files += sorted(p for p in synth.rglob("*") if p.suffix in (".pdf", ".html", ".htm"))
    return [_pdf_input(f) if f.suffix == ".pdf" else _html_input(f) for f in files]


def dump(inputs: list[dict]) -> str:
    """Every input's structure, with its form and guessed, as canonical JSON text."""
    out = []
    for doc in inputs:
        for form in (doc["form"], None):
            sd = detect_structure(list(doc["pages"]), form)
            out.append({"name": doc["name"], "form": form, "structure": sd.model_dump()})
    return json.dumps(out, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--inputs", type=Path, help="page-text cache: read if present, else written")
    ap.add_argument("--synth", type=Path, help="a `docnav synth` output folder to include")
    ap.add_argument("--all", action="store_true", help="every FinanceBench PDF")
    a = ap.parse_args()
    if a.inputs is not None and a.inputs.exists():
        inputs = json.loads(a.inputs.read_text())
    else:
        names = sorted(p.stem for p in FB_PDFS.glob("*.pdf")) if a.all else FIXED_PDFS
        inputs = collect_inputs(names, a.synth)
        if a.inputs is not None:
            a.inputs.write_text(json.dumps(inputs, ensure_ascii=False))
    a.out.mkdir(parents=True, exist_ok=True)
    (a.out / "structure.json").write_text(dump(inputs))
    print(f"{len(inputs)} documents -> {a.out / 'structure.json'}")


if __name__ == "__main__":
    main()
