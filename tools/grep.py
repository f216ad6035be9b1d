"""The ``grep`` tool: regex search over the store's page files, number-aware, bounded.

A pattern that is just a number ("45.2 million", "$45,200", "(1,234)", "2.5%") is searched
as that amount in every form filings print it (``ingestion.numbers.number_regex``: with or
without "$" and commas, and scaled as a table "in thousands"/"in millions" prints it). Each
hit is then checked against the canonical numbers ingestion extracted from that page (which
know the table's scale): "same amount" when one of them equals the pattern's value.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path

from pydantic import BaseModel, Field

from docnav.ingestion.numbers import number_regex, parse_number
from docnav.tools.access import ToolError, page_of, pages_dir, read_page, select_documents
from docnav.tools.base import PageRead, Tool, ToolContext, ToolResult
from docnav.tools.grep_backends import (
    GrepLine,
    GrepOptions,
    GrepOutput,
    GrepPatternError,
    resolve_backend,
    run_backend,
)
from docnav.types import Document

_NUMBER_ONLY = re.compile(
    r"[-(\u2212]?\s*(?:US)?\$?\s?\(?\d[\d,]*(?:\.\d+)?\)?\s*"
    r"(?:%|percent|per cent|thousand|million|billion|trillion|bn|mm|mn|[kmb]|basis points?|bps)?",
    re.IGNORECASE,
)
LINE_CHARS = 300  # a shown line is cut to this many characters around its first match


def number_pattern(pattern: str) -> tuple[str, float, str | None, float] | None:
    """(regex, value, unit, half) when the whole pattern is a number, else None. ``half`` is
    the rounding half-width the pattern was written to: "$32.8 billion" stands for any
    amount from 32.75 to 32.85 billion (half = 5e7); 0 when it carries no scale word."""
    plain = pattern.replace("\\", "").strip()  # "45\.2" is still a number
    if not plain or not _NUMBER_ONLY.fullmatch(plain):
        return None
    n = parse_number(plain)
    if n is None:
        return None
    # rebuild the text from the value rounded to 12 digits: "$32.8 billion" is
    # 32799999999.999996 as a float, whose digits would never match the filing's "32,800"
    digits = format(Decimal(f"{abs(n.value):.12g}"), "f")
    suffix = {"%": "%", "bps": " bps", "shares": " shares"}.get(n.unit or "", "")
    rx = number_regex(f"{'$' if n.unit == 'USD' else ''}{digits}{suffix}")
    if rx is None:
        return None
    written = re.search(r"\d[\d,]*(?:\.(\d+))?", plain)
    decimals = len(written.group(1) or "") if written else 0
    half = 0.5 * 10.0**-decimals * n.scale if n.scale > 1 else 0.0
    return rx, n.value, n.unit, half


def _clip(line: GrepLine) -> tuple[str, str]:
    """(shown text with ellipses, the raw shown slice) for one line."""
    text = line.text
    if len(text) <= LINE_CHARS:
        return text, text
    s = line.spans[0][0] if line.spans else 0
    lo = max(0, min(s - LINE_CHARS // 3, len(text) - LINE_CHARS))
    raw = text[lo : lo + LINE_CHARS]
    return ("…" if lo else "") + raw + ("…" if lo + LINE_CHARS < len(text) else ""), raw


NumberRow = tuple[str, float, "str | None", int, int]  # text, value, unit, page_start, page_end


def _number_table(ctx: ToolContext, doc: Document) -> list[NumberRow]:
    """Every number ingestion extracted from ``doc``'s chunks, cached in ``ctx.extra`` per
    document version (plain ``json`` on chunks.jsonl: ~3x faster than the pydantic models)."""
    cache = ctx.extra.setdefault("grep_numbers", {})
    path = ctx.store.doc_dir(doc.doc_id) / "chunks.jsonl"
    key = str(path)
    if key not in cache:
        rows: list[NumberRow] = []
        with path.open(encoding="utf-8") as fh:
            for line in fh:
                if '"numbers":[]' in line:
                    continue
                c = json.loads(line)
                for n in c.get("numbers", []):
                    rows.append(
                        (n["text"], n["value"], n.get("unit"), c["page_start"], c["page_end"])
                    )
        cache[key] = rows
    return cache[key]


def _same_kind(a: str | None, b: str | None) -> bool:
    """Percentages only match percentages; dollars, shares and bare numbers match each other
    except dollars vs shares."""
    if (a == "%") != (b == "%") or (a == "bps") != (b == "bps"):
        return False
    return {a, b} != {"USD", "shares"}


class _Amounts:
    """Checks grep hits against ingestion's numbers, and finds amounts that round to the
    pattern ("$32.8 billion" -> "32,765" in a table in millions)."""

    def __init__(self, ctx: ToolContext, value: float, unit: str | None, half: float) -> None:
        self.ctx, self.value, self.unit, self.half = ctx, abs(value), unit, half
        self.docs: dict[str, Document] = {}

    def _page_rows(self, doc: Document, page: int) -> list[NumberRow]:
        return [r for r in _number_table(self.ctx, doc) if r[3] <= page <= r[4]]

    def note(self, doc: Document, page: int, line: str) -> str:
        """ "same amount" / "reads as ..." for a matching line, from ingestion's numbers."""
        same, other = False, set()
        for text, value, unit, _, _ in self._page_rows(doc, page):
            if text not in line:
                continue
            if _same_kind(unit, self.unit) and abs(abs(value) - self.value) <= 1e-6 * max(
                1.0, self.value
            ):
                same = True
            else:
                other.add(f"{text}={value:,.6g}{' ' + unit if unit else ''}")
        if same:
            return "  [same amount]"
        if other:
            return f"  [reads as {'; '.join(sorted(other)[:2])}]"
        return ""

    def near(
        self, docs: list[Document], seen: set[tuple[str, int]]
    ) -> list[tuple[Document, int, int, str, str]]:
        """(doc, page, 1-based line, line text, mention) for amounts within the pattern's
        rounding that the regex did not find (pages in ``seen`` are skipped)."""
        if self.half <= 0:
            return []
        lo, hi = self.value - self.half, self.value + self.half
        out = []
        for d in docs:
            for text, value, unit, p0, p1 in _number_table(self.ctx, d):
                if not (lo <= abs(value) < hi and _same_kind(unit, self.unit)):
                    continue
                if abs(abs(value) - self.value) <= 1e-6 * max(1.0, self.value):
                    continue  # exact: the regex finds it
                for p in range(p0, p1 + 1):
                    if (d.doc_id, p) in seen:
                        continue
                    try:
                        rows = read_page(self.ctx.store, d, p).split("\n")
                    except ToolError:
                        continue
                    hit = next((i for i, r in enumerate(rows) if text in r), None)
                    if hit is not None:
                        shown = f"{value:,.0f}" if abs(value) >= 1000 else f"{value:g}"
                        out.append((d, p, hit + 1, rows[hit], f"{text} = {shown}"))
                        seen.add((d.doc_id, p))
                        break
        return out


class Grep(Tool):
    """Search the text of filings with a regular expression (Rust/ripgrep syntax) and get
    each hit's document, 1-based page and line with context lines. Narrow it with doc, or with
    company / form / year. A pattern that is just a number ("45.2 million", "$45,200", "2.5%")
    also finds the same amount written other ways (45,200,000; 45,200 in a table in
    thousands; $45.2M) and marks hits that ingestion read as the same amount. Set
    fixed_strings=true to search literal text containing ( ) $ . * etc."""

    name = "grep"

    class Args(BaseModel):
        pattern: str = Field(min_length=1, max_length=500, description="Regex or literal text.")
        doc: str | None = Field(default=None, description="Only this doc id.")
        company: str | None = Field(default=None, description="Only this company's filings.")
        form: str | None = Field(default=None, description="Only this form, e.g. 10-K.")
        year: int | None = Field(default=None, description="Only this fiscal year.")
        context_lines: int = Field(default=1, ge=0, le=5, description="Lines around each hit.")
        max_matches: int = Field(default=30, ge=1, le=200, description="Hits to show at most.")
        ignore_case: bool = Field(default=True, description="Case-insensitive (default).")
        fixed_strings: bool = Field(default=False, description="Pattern is literal text.")
        number_aware: bool = Field(default=True, description="Expand a number pattern.")

    def run(self, ctx: ToolContext, args: Args) -> ToolResult:
        docs = select_documents(ctx.store, args.doc, args.company, args.form, args.year)
        unfiltered = not any((args.doc, args.company, args.form, args.year))
        if unfiltered and 0 < ctx.grep_max_unfiltered_docs < len(docs):
            # a corpus-wide scan grows with the corpus (results/grep-scale) and, at tens of
            # thousands of filings, no longer fits one rg command line: narrow it first
            raise ToolError(
                f"grep over all {len(docs)} filings is not allowed; narrow it with doc, or "
                "company / form / year (list_documents or search shows them)"
            )
        if not docs:
            return ToolResult(
                text="No filing matches those filters; call list_documents.", summary="grep: 0"
            )
        by_dir: dict[str, Document] = {}
        for d in docs:
            by_dir[str(pages_dir(ctx.store, d))] = d
        pattern, fixed, num = args.pattern, args.fixed_strings, None
        if args.number_aware and not fixed:
            num = number_pattern(args.pattern)
            if num:
                pattern = num[0]
        backend = resolve_backend(ctx.grep_backend)
        opts = GrepOptions(
            ignore_case=args.ignore_case or num is not None,
            fixed_strings=fixed,
            context=args.context_lines,
            max_matches=min(args.max_matches, ctx.grep_max_matches),
            timeout_s=ctx.grep_timeout_s,
            max_filesize=ctx.grep_max_filesize,
        )
        try:
            out = run_backend(backend, pattern, [Path(p) for p in by_dir], opts)
        except GrepPatternError as e:
            raise ToolError(
                f"{e}. Escape ( ) [ ] . $ * + ? with a backslash, or pass fixed_strings=true "
                "to search the text literally"
            ) from None
        amounts = _Amounts(ctx, num[1], num[2], num[3]) if num else None
        return _render(ctx, args, out, by_dir, amounts, docs)


def _render(
    ctx: ToolContext,
    args: Grep.Args,
    out: GrepOutput,
    by_dir: dict[str, Document],
    amounts: _Amounts | None,
    docs: list[Document],
) -> ToolResult:
    n_docs = len(docs)
    how = "number-aware" if amounts else ("literal" if args.fixed_strings else "regex")
    head = f"grep {args.pattern!r} ({how}) over {n_docs} filing(s): "
    body: list[str] = []
    shown: dict[tuple[str, int], list[str]] = {}
    used, n_shown, same, cut = len(head) + 120, 0, 0, False
    cur_doc, cur_page = None, None
    for line in out.lines:
        d = by_dir.get(str(Path(line.path).parent))
        page = page_of(Path(line.path))
        if d is None or page is None:
            continue  # not a page of a selected document
        text, raw = _clip(line)
        note = amounts.note(d, page, line.text) if amounts and line.is_match else ""
        same += note == "  [same amount]"
        entry = f"  {line.line_number}{':' if line.is_match else '-'} {text}{note}"
        extra = [f"== {d.doc_id}"] if d.doc_id != cur_doc else []
        if extra or page != cur_page:
            extra.append(f"p. {page + 1}")
        size = sum(len(x) + 1 for x in (*extra, entry))
        if used + size > ctx.max_chars:
            cut = True
            break
        body += [*extra, entry]
        used += size
        cur_doc, cur_page = d.doc_id, page
        shown.setdefault((d.doc_id, page), []).append(raw)
        n_shown += line.is_match
    n_near = 0
    if amounts and not cut:
        near_lines: list[str] = []
        cur_doc = None
        for d, page, ln, text, mention in amounts.near(docs, set(shown))[:20]:
            clipped = text if len(text) <= LINE_CHARS else text[:LINE_CHARS] + "…"
            extra = [f"== {d.doc_id}"] if d.doc_id != cur_doc else []
            entry = [*extra, f"p. {page + 1}", f"  {ln}~ {clipped}  [{mention}]"]
            size = sum(len(x) + 1 for x in entry)
            if used + size > ctx.max_chars:
                cut = True
                break
            near_lines += entry
            used += size
            cur_doc = d.doc_id
            shown.setdefault((d.doc_id, page), []).append(clipped.rstrip("…"))
            n_near += 1
        if near_lines:
            body += [
                f"Amounts that round to {args.pattern!r} (ingestion's reading, '~' marks "
                "them; not the exact figure):",
                *near_lines,
            ]
    if n_shown == 0 and n_near == 0:
        msg = head + "no matches."
        if out.timed_out:
            msg += " The search timed out; narrow it with doc/company/form/year."
        elif not args.ignore_case:
            msg += " Try ignore_case=true or a looser pattern."
        return ToolResult(text=msg, summary=f"grep {args.pattern!r}: 0")
    docs_hit = {k[0] for k in shown}
    more = out.truncated or cut
    head += f"{n_shown} {'exact ' if amounts else ''}match(es) shown in {len(docs_hit)} filing(s)"
    if amounts:
        head += f", {same} read by ingestion as the same amount"
        if n_near:
            head += f", {n_near} more that round to it"
    head += " (line numbers within each 1-based page; ':' marks a hit, '-' context)"
    tail = []
    if more:
        tail.append(
            "[more matches not shown: narrow with doc/company/form/year, a tighter pattern, "
            "or fewer context_lines]"
        )
    if out.timed_out:
        tail.append("[search timed out; results are partial]")
    reads = [PageRead(doc_id=k[0], page=k[1], text="\n".join(v)) for k, v in shown.items()]
    return ToolResult(
        text="\n".join([head, *body, *tail]),
        reads=reads,
        truncated=more or out.timed_out,
        summary=f"grep {args.pattern!r}: {n_shown}{'+' if more else ''} hits",
    )


__all__ = ["Grep", "ToolError", "number_pattern"]
