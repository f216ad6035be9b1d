"""Plain text and Markdown: pages split at form feeds (else ~every 60 lines)."""

from __future__ import annotations

import re

from docnav.errors import IngestError
from docnav.types import Block, Section, StructuredDoc

LINES_PER_PAGE = 60
_MD_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM), else UTF-16 with BOM, else cp1252; binary is refused."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:  # an odd byte count or a lone surrogate
            raise IngestError(f"invalid UTF-16 text ({exc.reason} at byte {exc.start})") from exc
    if b"\x00" in data[:4096]:
        raise IngestError("binary file, not text (unknown file type)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def split_pages(text: str) -> list[str]:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\f" in text:
        return [p for p in text.split("\f")]
    lines = text.split("\n")
    return [
        "\n".join(lines[i : i + LINES_PER_PAGE])
        for i in range(0, max(len(lines), 1), LINES_PER_PAGE)
    ]


def markdown_structure(pages: list[str]) -> StructuredDoc | None:
    """Sections from Markdown '#' headings; None when the text has none."""
    sections: list[Section] = []
    blocks: list[Block] = []
    stack: list[tuple[int, str]] = []  # (level, section id)
    para: list[str] = []
    para_page = 0

    def flush(page: int) -> None:
        if para:
            sid = stack[-1][1] if stack else None
            blocks.append(
                Block(
                    type="text",
                    text="\n".join(para),
                    page_start=para_page,
                    page_end=page,
                    section_id=sid,
                )
            )
            para.clear()

    for pno, page in enumerate(pages):
        for line in page.split("\n"):
            m = _MD_HEADING.match(line)
            if m:
                flush(pno)
                level = len(m.group(1)) - 1
                while stack and stack[-1][0] >= level:
                    sections[int(stack.pop()[1][1:])].page_end = pno
                sid = f"s{len(sections):04d}"
                sections.append(
                    Section(
                        id=sid,
                        title=m.group(2),
                        kind="other",
                        level=level,
                        parent=stack[-1][1] if stack else None,
                        page_start=pno,
                        page_end=pno,
                    )
                )
                stack.append((level, sid))
                continue
            if not line.strip():
                flush(pno)
                continue
            if not para:
                para_page = pno
            para.append(line)
        # sections open at a page end extend over it
        for _, sid in stack:
            sections[int(sid[1:])].page_end = pno
    flush(len(pages) - 1)
    return StructuredDoc(sections=sections, blocks=blocks) if sections else None
