"""Printing answers and agent steps for people (rich)."""

from __future__ import annotations

import json

from rich.console import Console
from rich.panel import Panel
from rich.table import Table

from docnav.agent.answer import Answer, Step


def _args(a: dict) -> str:
    s = json.dumps(a, ensure_ascii=False)
    return s if len(s) <= 100 else s[:97] + "..."


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
        console.print(f"  [green]✓ {step.tool}[/green] {step.summary}")
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
        t = Table("", "document", "page", "quote", show_edge=False, box=None)
        for c in a.citations:
            mark = "[green]✓[/green]" if c.verified else "[red]✗ not in pages read[/red]"
            t.add_row(mark, c.doc_name, str(c.page), c.quote[:100])
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
