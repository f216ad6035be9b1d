"""`docnav bench fuzz`: a bounded atheris run on ``parse_file`` (bench/fuzz_ingest.py), seeded
from small real files, with its findings and libFuzzer's figures in results/fuzz/."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO_SAMPLES = Path(__file__).resolve().parents[1] / "docnav" / "data" / "samples"

# a text filing and a Markdown note: the two text paths (filing structure / '#' headings)
TEXT_SEED = """UNITED STATES SECURITIES AND EXCHANGE COMMISSION
Washington, D.C. 20549
FORM 10-K
ANNUAL REPORT PURSUANT TO SECTION 13 OR 15(d) OF THE SECURITIES EXCHANGE ACT OF 1934
For the fiscal year ended December 31, 2023
EXAMPLE CORP
PART I
Item 1. Business
Example Corp sells widgets. Net sales were $45.2 million (see Note 3).
Item 1A. Risk Factors
Demand may fall.
\f
PART II
Item 8. Financial Statements and Supplementary Data
CONSOLIDATED STATEMENTS OF OPERATIONS
(in thousands)            2023      2022
Net sales               45,200    41,800
Net income               3,100     2,900
Note 3. Revenue
Revenue is recognised at delivery; refer to Item 7.
"""
MD_SEED = """# Quarterly note

## Revenue
Revenue grew 8% to $1.2 billion.

## Outlook
| metric | 2024 |
| --- | --- |
| capex | 120 |
"""


def make_seeds(corpus: Path) -> list[str]:
    """Small real inputs of every kind, encoded for the target (suffix byte + content)."""
    from docnav.bench.fuzz_ingest import encode
    from docnav.synth import SynthConfig, generate, small_config

    corpus.mkdir(parents=True, exist_ok=True)
    synth = corpus.parent / "synth"
    if not (synth / "pdf").is_dir():
        cfg = SynthConfig.model_validate(
            {**small_config(0).model_dump(), "formats": ["pdf", "html"]}
        )
        generate(cfg, synth)
    seeds = {
        "synth-8k.pdf": (".pdf", synth / "pdf" / "YARROGATE_2023Q4_8K.pdf"),
        "synth-10q.pdf": (".pdf", synth / "pdf" / "YARROGATE_2023Q2_10Q.pdf"),
        "synth-8k.html": (".html", synth / "html" / "YARROGATE_2023Q4_8K.html"),
        "synth-10q.html": (".html", synth / "html" / "YARROGATE_2023Q2_10Q.html"),
        "edgar-8k.html": (".html", REPO_SAMPLES / "BuckleInc.8-K.html"),
    }
    names = []
    for name, (suffix, path) in seeds.items():
        if path.exists():
            (corpus / name).write_bytes(encode(suffix, path.read_bytes()))
            names.append(name)
    texts = (
        ("filing.txt", ".txt", TEXT_SEED.encode()),
        ("filing-utf16.txt", ".txt", TEXT_SEED.encode("utf-16")),  # Windows exports: BOM + UTF-16
        ("note.md", ".md", MD_SEED.encode()),
    )
    for name, suffix, content in texts:
        (corpus / name).write_bytes(encode(suffix, content))
        names.append(name)
    return names


def run_fuzz(
    seconds: int,
    work: Path,
    out: Path | None = None,
    seed: int = 1,
    max_len: int = 65536,
    command: str | None = None,
) -> dict[str, Any]:
    """Fuzz for ``seconds`` (plus start-up); returns libFuzzer's figures and the findings."""
    from docnav.bench import git_commit, machine_info

    shutil.rmtree(work, ignore_errors=True)
    corpus, artifacts = work / "corpus", work / "artifacts"
    seeds = make_seeds(corpus)
    artifacts.mkdir(parents=True)
    n_seed = len(list(corpus.iterdir()))
    flags = [
        f"-max_total_time={seconds}",
        f"-seed={seed}",
        f"-max_len={max_len}",
        "-timeout=60",  # one input this slow is a hang (the target records > 10 s itself)
        "-rss_limit_mb=3072",
        "-print_final_stats=1",
        f"-artifact_prefix={artifacts}/",
    ]
    cmd = [sys.executable, "-m", "docnav.bench.fuzz_ingest", str(work), *flags, str(corpus)]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 300)
    wall = time.perf_counter() - t0
    log = proc.stdout + proc.stderr
    (work / "fuzz.log").write_text(log)
    findings = [json.loads(p.read_text()) for p in sorted((work / "findings").glob("*.json"))]
    native = sorted(p.name for p in artifacts.iterdir())
    stats = _stats(log)
    result = {
        "command": command or f"docnav bench fuzz --seconds {seconds}",
        "measured_at_commit": git_commit(),
        "machine": machine_info() | {"load_avg_at_start": [round(x, 1) for x in os.getloadavg()]},
        "fuzzer": "atheris " + _version("atheris") + " (libFuzzer), docnav modules instrumented",
        "target": "docnav.ingestion.pipeline.parse_file (PDF, HTML, .txt, .md by a suffix byte)",
        "seconds_asked": seconds,
        "seconds_wall": round(wall, 1),
        "seed": seed,
        "seeds": seeds,
        "seed_inputs": n_seed,
        "corpus_after": len(list(corpus.iterdir())),
        "return_code": proc.returncode,
        **stats,
        "findings": findings,
        "native_crashes": native,  # libFuzzer artifacts: segfault, -timeout, out of memory
        "log_tail": log[-2500:] if proc.returncode else "",
    }
    if out is not None:
        write_report(result, out, work)
    return result


def _version(dist: str) -> str:
    from importlib.metadata import version

    try:
        return version(dist)
    except Exception:
        return "?"


def _stats(log: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in ("number_of_executed_units", "average_exec_per_sec", "peak_rss_mb"):
        m = re.search(rf"stat::{key}:\s*(\d+)", log)
        out[key] = int(m.group(1)) if m else None
    done = re.findall(r"#(\d+)\s+\w+\s+cov: (\d+) ft: (\d+) corp: (\d+)", log)
    if done:
        _, cov, ft, corp = done[-1]
        out |= {"coverage_edges": int(cov), "features": int(ft), "corpus_units": int(corp)}
    return out


def write_report(result: dict[str, Any], out: Path, work: Path) -> None:
    from docnav.bench import machine_line

    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(result, indent=2) + "\n")
    fdir = out / "findings"
    shutil.rmtree(fdir, ignore_errors=True)
    if result["findings"]:  # the inputs that reproduce each finding, beside the report
        shutil.copytree(work / "findings", fdir)
    r = result
    lines = [
        "# Fuzzing the ingestion entry point (atheris)",
        "",
        f"Command: `{r['command']}` (repo root), measured at commit {r['measured_at_commit']} on "
        f"{machine_line(r['machine'])}, load average {r['machine']['load_avg_at_start']} at start.",
        "",
        f"Target: {r['target']}; {r['fuzzer']}. A parsed document or an `IngestError` (the "
        "one-line refusal the CLI and REST show) is a pass; any other exception, a native crash, "
        "an input slower than 10 s or over libFuzzer's 60 s timeout is a finding. edgartools' "
        "second opinion on HTML Items is off (it only adds warnings).",
        "",
        f"- {r['seconds_asked']} s asked ({r['seconds_wall']} s wall), libFuzzer seed {r['seed']}",
        f"- seeds: {', '.join(r['seeds'])} ({r['seed_inputs']} inputs; corpus {r['corpus_after']} "
        "after)",
        f"- inputs run: {r.get('number_of_executed_units')} "
        f"({r.get('average_exec_per_sec')}/s), coverage {r.get('coverage_edges')} edges, "
        f"{r.get('features')} features, peak RSS {r.get('peak_rss_mb')} MB",
        f"- return code {r['return_code']}; native crashes / timeouts: "
        f"{', '.join(r['native_crashes']) or 'none'}",
        f"- **findings: {len(r['findings'])}**",
        "",
    ]
    for f in r["findings"]:
        lines += [
            f"## {f['kind']} at {f['where']} ({f['suffix']} input, {f['input_bytes']} bytes)",
            "",
            f"Message: `{f['message']}`; input in `findings/` (first byte = suffix index).",
            "",
            "```",
            f["traceback"].strip()[-1500:],
            "```",
            "",
        ]
    (out / "report.md").write_text("\n".join(lines) + "\n")


def main(argv: list[str] | None = None) -> int:  # python -m docnav.bench.fuzz SECONDS
    seconds = int((argv or sys.argv[1:] or ["60"])[0])
    r = run_fuzz(seconds, Path("/tmp/docnav-fuzz"), Path("results/fuzz"))
    print(
        json.dumps(
            {k: v for k, v in r.items() if k != "findings"} | {"findings": len(r["findings"])}
        )
    )
    return 1 if r["findings"] or r["native_crashes"] else 0


if __name__ == "__main__":
    sys.exit(main())
