"""Ingestion: files (PDF, EDGAR HTML/iXBRL, text) -> pages -> structure -> chunks -> corpus store.

Knows nothing of LLMs or retrieval. Page numbers are 0-based in data, 1-based on screen.
"""

from docnav.ingestion.chunking import make_chunks
from docnav.ingestion.metadata import extract_metadata, load_sidecar
from docnav.ingestion.numbers import detect_scale, extract_numbers
from docnav.ingestion.pdf import read_pdf_pages
from docnav.ingestion.pipeline import IngestOptions, Parsed, expand_paths, ingest_paths, parse_file
from docnav.ingestion.store import CorpusStore, section_paths
from docnav.ingestion.structure import detect_structure
from docnav.ingestion.xrefs import find_refs, resolve_refs

__all__ = [
    "CorpusStore",
    "IngestOptions",
    "Parsed",
    "detect_scale",
    "detect_structure",
    "expand_paths",
    "extract_metadata",
    "extract_numbers",
    "find_refs",
    "ingest_paths",
    "load_sidecar",
    "make_chunks",
    "parse_file",
    "read_pdf_pages",
    "resolve_refs",
    "section_paths",
]
