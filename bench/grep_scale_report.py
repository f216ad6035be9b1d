"""report.md for `docnav bench grep-scale` (figures from results.json only)."""

from __future__ import annotations

from pathlib import Path

TARGET_FILINGS = 50_000  # issue 23's corpus: S&P 500 10-K/10-Q/8-K over ten years


def _ms(s: float) -> str:
    return f"{s * 1000:.1f}"


def _sizes(result: dict) -> list[str]:
    lines = [
        "| filings | page files | page MB | argv bytes, all folders | complete: all | "
        "complete: narrowed | x | tool defaults: all | tool defaults: narrowed | x | "
        "catalog query | filings after narrowing (median) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in result["runs"]:
        c, s = r["corpus"], r["summary"]
        lines.append(
            f"| {c['filings']:,} | {c['page_files']:,} | {c['mb']:.1f} | {c['argv_bytes_all']:,} "
            f"| {_ms(s['complete_all_p50_s'])} | {_ms(s['complete_narrowed_p50_s'])} "
            f"| {s['complete_all_p50_s'] / s['complete_narrowed_p50_s']:.1f} "
            f"| {_ms(s['tool_all_p50_s'])} | {_ms(s['tool_narrowed_p50_s'])} "
            f"| {s['tool_all_p50_s'] / s['tool_narrowed_p50_s']:.1f} "
            f"| {_ms(s['catalog_p50_s'])} | {s['narrowed_filings_median']:g} |"
        )
    return lines


def _per_query(result: dict) -> list[str]:
    lines = [
        "| filings | query | filters | narrowed filings | complete all ms (matches) "
        "| complete narrowed ms (matches) | tool all ms | tool narrowed ms |",
        "|---:|---|---|---:|---:|---:|---:|---:|",
    ]
    for r in result["runs"]:
        for q in r["rows"]:
            f = ", ".join(f"{k}={v}" for k, v in q["filters"].items())
            c, t = q["complete"], q["tool"]
            lines.append(
                f"| {r['corpus']['filings']:,} | {q['query']} | {f} | {q['narrowed_filings']} "
                f"| {_ms(c['all_p50_s'])} ({c['all_matches']:,}) "
                f"| {_ms(c['narrowed_p50_s'])} ({c['narrowed_matches']:,}) "
                f"| {_ms(t['all_p50_s'])} | {_ms(t['narrowed_p50_s'])} |"
            )
    return lines


def _extrapolation(result: dict) -> list[str]:
    fit = result.get("fit") or {}
    if not fit:
        return []
    mb = fit["mb_per_filing"] * TARGET_FILINGS
    secs = fit["intercept_s"] + fit["s_per_mb"] * mb
    argv = fit["argv_bytes_per_filing"] * TARGET_FILINGS
    return [
        "## What this implies at 50k filings (an extrapolation, not a measurement)",
        "",
        f"A least-squares line through the complete all-filings p50s gives "
        f"{fit['s_per_mb'] * 1000:.2f} ms per MB of page text (intercept "
        f"{_ms(fit['intercept_s'])} ms). These synthetic filings average "
        f"{fit['mb_per_filing'] * 1000:.0f} kB of page text; at {TARGET_FILINGS:,} such filings "
        f"({mb:,.0f} MB) one unfiltered grep would take about {secs:.1f} s per query on this "
        "machine, against the narrowed figure above, which does not grow with the corpus. "
        "Real 10-Ks are far longer than these synthetic ones (FinanceBench's 10-Ks run to "
        "100+ pages), so the real figure is larger.",
        "",
        f"The unfiltered tool also passes every page folder to rg as an argument: "
        f"{fit['argv_bytes_per_filing']:.0f} bytes per filing here, so about {argv / 1e6:.1f} MB "
        f"of arguments at {TARGET_FILINGS:,} filings, past this machine's ARG_MAX of "
        f"{result['arg_max'] / 1e6:.1f} MB: without narrowing the call would fail (E2BIG), "
        "not just be slow.",
        "",
    ]


def _load_note(result: dict) -> list[str]:
    cpus = result["machine"].get("cpus") or 1
    if result["load_avg"][0] <= cpus:
        return []
    return [
        f"The run shared {cpus} CPUs with other work (load average {result['load_avg'][0]:.1f} "
        "at the end, this benchmark at nice 19): at the small sizes most of a call's few "
        "hundred ms is likely waiting for a CPU and starting rg (not measured apart), which "
        "is why those sizes do not line up. The trend, and the ratio at the largest size, "
        "are the figures to read.",
        "",
    ]


def write_report(result: dict, out: Path, machine: str) -> None:
    lines = [
        "# grep at scale: all page files vs catalog-narrowed filings",
        "",
        f"Command: `{result['command']}` (repo root; the stores are read only). Commit "
        f"{result['commit']}, {machine}; load average at the end "
        f"{', '.join(f'{x:.2f}' for x in result['load_avg'])} (a shared machine; ratios within "
        f"one run are the figures to read). rg: {result['rg']}. p50 of {result['reps']} runs "
        "per query, then the median over the query list.",
        "",
        "Corpora: synthetic filings from `docnav synth --formats html` (10-K, three 10-Qs and "
        "an 8-K per company-year), ingested with `docnav ingest --no-embed` into one store "
        "per size. *all*: rg over every filing's page folder (what the grep tool does when the "
        "agent gives no company / form / year); *narrowed*: the catalog query for the "
        "query's filters (one company, plus form and/or year for most) and rg over those "
        "filings, catalog time included. *complete*: every match, no context; *tool "
        "defaults*: stop after 30 matches, 1 context line, as the agent's grep runs.",
        "",
        "## p50 per query (ms) against corpus size",
        "",
        *_load_note(result),
        *_sizes(result),
        "",
        "![grep time against corpus size](grep_scale.png)",
        "",
        *_extrapolation(result),
        "## Does the agent's grep narrow?",
        "",
        "Only when the model passes `doc`, `company`, `form` or `year`: `tools/grep.py` calls "
        "`select_documents(store, doc, company, form, year)`, which with none of them returns "
        "every filing in the catalog, and all their page folders go to one rg call. Nothing in "
        "`agent/` fills those arguments in (the guided policy knows the chosen filing from "
        "its first look but does not pass it to grep). See the issue-23 report for the change "
        "proposed to the owners of tools/ and agent/.",
        "",
        "## Per query",
        "",
        *_per_query(result),
    ]
    (out / "report.md").write_text("\n".join(lines) + "\n")
