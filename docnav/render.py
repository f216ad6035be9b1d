"""Printing answers and agent steps for people (rich), and the plain-text answer with its
citations that the MCP server and the OpenAI-compatible endpoint send.

A citation is "verified" when its quote was found on a page the model was shown: that is what
was checked, and all it says (not that the quote supports the answer), so it is shown as
"quote found, p. N", never as a check mark."""

from __future__ import annotations

import json

from rich.console import Console
from rich.panel import Panel
from rich.table import Table

from docnav.types import Answer, Citation, Step


def _args(a: dict) -> str:
    s = json.dumps(a, ensure_ascii=False)
    return s if len(s) <= 100 else s[:97] + "..."


def citation_check(c: Citation) -> str:
    """What the checker found for one citation, in words: "quote found, p. 45" (the page the
    quote is on, among the pages the model read) or "quote not found in the pages read"."""
    return f"quote found, p. {c.page}" if c.verified else "quote not found in the pages read"


def answer_text(a: Answer) -> str:
    """The answer as plain text (Markdown-friendly) with numbered citations, 1-based pages:

    ``... [1]`` then ``[1] NAME p. 45, Item 8 > Note 12: "quote" (quote found, p. 45)``."""
    parts = [a.answer.strip() or "(no answer)"]
    if a.number is not None and not (a.number.text and a.number.text in a.answer):
        unit = f" {a.number.unit}" if a.number.unit else ""
        parts.append(f"Value: {a.number.value:g}{unit}")
    if a.citations:
        lines = ["Sources:"]
        for i, c in enumerate(a.citations, 1):
            where = f"{c.doc_name or c.doc_id} p. {c.page}"
            if c.section_path:
                where += f", {c.section_path}"
            quote = " ".join(c.quote.split())
            quote = quote if len(quote) <= 200 else quote[:199] + "…"
            lines.append(f'[{i}] {where}: "{quote}" ({citation_check(c)})')
        parts.append("\n".join(lines))
    if a.notes:
        parts.append("\n".join(f"Note: {n}" for n in a.notes))
    return "\n\n".join(parts)


def print_step(console: Console, step: Step) -> None:
    """One streamed line per step."""
    tok = f" [dim]({step.tokens_in}→{step.tokens_out} tok, {step.seconds:.1f}s)[/dim]"
    if step.kind == "model":
        if step.tool:
            console.print(
                f"[cyan]▶ model[/cyan] calls [bold]{step.tool}[/bold] {_args(step.arguments)}{tok}"
            )
        else:
            console.print(f"[cyan]▶ model[/cyan] {step.summary[:120]}{tok}")
    elif step.kind == "tool":
        console.print(f"  [green]↳ {step.tool}[/green] {step.summary}")
    elif step.kind == "error":
        console.print(f"  [red]✗ {step.tool or 'error'}[/red] {step.summary}")
    elif step.kind == "note":
        console.print(f"  [yellow]! {step.summary}[/yellow]")
    elif step.kind == "answer":
        console.print(f"[cyan]▶ model[/cyan] answers{tok}")


def print_answer(console: Console, a: Answer) -> None:
    body = a.answer
    if a.number is not None:
        unit = f" {a.number.unit}" if a.number.unit else ""
        body += f"\n\n[bold]Value:[/bold] {a.number.value:g}{unit}"
    title = f"{a.mode} · {a.model} · confidence {a.confidence}"
    console.print(Panel(body, title=title, title_align="left"))
    if a.citations:
        t = Table("checked", "document", "page", "quote", show_edge=False, box=None)
        for c in a.citations:
            check = citation_check(c)
            t.add_row(
                f"[green]{check}[/green]" if c.verified else f"[red]{check}[/red]",
                c.doc_name,
                str(c.page),
                c.quote[:100],
            )
        console.print(t)
    for n in a.notes:
        console.print(f"[yellow]note:[/yellow] {n}")
    tr = a.trace
    console.print(
        f"[dim]{tr.llm_calls} LLM call(s), {tr.tool_calls} tool call(s), "
        f"{tr.tokens_in} tokens in / {tr.tokens_out} out, {tr.seconds:.1f} s, "
        f"{len(tr.pages_read)} page(s) read"
        + (f", thread {a.thread_id}" if a.thread_id else "")
        + "[/dim]"
    )
