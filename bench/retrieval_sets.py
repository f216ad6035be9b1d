"""Named page rows of ``docnav bench retrieval`` on several question sets at once, LLM-free:
the FinanceBench dev questions, questions docnav has never seen (``bench/data/
retrieval_unseen.jsonl``: other filings of the same store, gold pages read by hand) and the
planted synthetic set, so a change is judged on all three, not on the dev 60 alone.

Shared store only (the sets ask about filings of one store; the single-store ceiling is
``docnav bench retrieval``'s). Per question the rank of the first gold page is kept, so a
before/after pair of rows shows which questions moved.

``python -m docnav.bench.retrieval_sets --home HOME --out DIR --set dev=Q.jsonl
--set unseen=U.jsonl [--planted SYNTH --planted-home PHOME] [--rows 'a,b'] [--previous J]``
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from docnav.bench import git_commit
from docnav.bench.retrieval import CONFIGS, Config, _ask, _Tally
from docnav.engine import Engine
from docnav.settings import Settings

DEFAULT_ROWS = ("pages+route+year",)
SHOWN = ("page_recall@1", "page_recall@5", "page_recall@10", "page_recall@20")


def pick(rows: list[str]) -> list[Config]:
    by_label = {c.label: c for c in CONFIGS}
    bad = [r for r in rows if r not in by_label]
    if bad:
        raise ValueError(f"unknown rows {bad}")
    return [by_label[r] for r in rows]


def measure_set(engine: Engine, questions: list[dict], cfg: Config) -> tuple[dict, dict]:
    """One row on one question set, shared store: (figures, first gold page rank per id)."""
    docs = {d.name: d for d in engine.documents()}
    tally = _Tally()
    ranks: dict[str, int | None] = {}
    for q in questions:
        _, pr = _ask(engine, cfg, q, None, None, tally, docs)
        ranks[q["financebench_id"]] = pr
    return tally.figures(), ranks


def run(
    home: Path,
    sets: dict[str, Path],
    rows: list[str],
    planted: Path | None = None,
    planted_home: Path | None = None,
    command: str = "",
) -> dict:
    configs = pick(rows)
    engine = Engine(Settings(home=home))
    engine.index.ensure(dense=True)
    out: dict = {"command": command, "measured_at_commit": git_commit(), "sets": {}}
    for name, path in sets.items():
        qs = [json.loads(x) for x in path.read_text().splitlines() if x.strip()]
        res = {}
        for cfg in configs:
            figures, ranks = measure_set(engine, qs, cfg)
            res[cfg.label] = {"figures": figures, "page_rank": ranks}
            print(name, cfg.label, {k: figures[k] for k in (*SHOWN, "right_filing_in_top10")})
        out["sets"][name] = {"questions": len(qs), "path": str(path), "rows": res}
    if planted is not None:
        from docnav.bench.page_ranker import planted_section

        sec = planted_section(planted, planted_home or home.parent / "planted-home", configs)
        out["planted"] = sec
        for label, r in sec["recall"].items():
            print("planted", label, {k: r[k] for k in SHOWN})
    return out


def merge(previous: dict | None, new: dict) -> dict:
    """Rows measured before plus this run's, each marked with its commit; a row measured
    again keeps its earlier figures under ``label [commit]`` (before / after)."""
    now = new["measured_at_commit"]
    if not previous:
        for s in new["sets"].values():
            s["rows"] = {k: {**r, "commit": now} for k, r in s["rows"].items()}
        if "planted" in new:
            rec = new["planted"]["recall"]
            new["planted"]["recall"] = {k: {**r, "commit": now} for k, r in rec.items()}
        return {**new, "runs": [new["command"]]}
    merged = json.loads(json.dumps(previous))
    was = previous.get("measured_at_commit", "?")
    for rows in [s["rows"] for s in merged["sets"].values()] + [
        merged.get("planted", {}).get("recall", {})
    ]:
        for r in rows.values():
            r.setdefault("commit", was)

    def put(rows: dict, label: str, r: dict) -> None:
        if label in rows:
            old = rows.pop(label)
            rows[f"{label} [{(old.get('commit') or was)[:7]}]"] = old
        rows[label] = {**r, "commit": now}

    for name, s in new["sets"].items():
        dst = merged["sets"].setdefault(name, {**s, "rows": {}})
        for label, r in s["rows"].items():
            put(dst["rows"], label, r)
    if "planted" in new:
        pl = merged.setdefault("planted", {**new["planted"], "recall": {}})
        for label, r in new["planted"]["recall"].items():
            put(pl["recall"], label, r)
    merged["measured_at_commit"] = now
    merged["runs"] = [*(previous.get("runs") or [previous.get("command", "")]), new["command"]]
    return merged


def to_markdown(res: dict) -> str:
    lines = ["# Page rows on three question sets (shared store, LLM-free)", ""]
    lines += [f"- `{c}`" for c in res.get("runs", [res.get("command", "")])]
    head = "| row | page R@1 | page R@5 | page R@10 | page R@20 | right filing in top 10 | commit |"
    rule = "| --- | ---: | ---: | ---: | ---: | ---: | --- |"
    for name, s in res["sets"].items():
        lines += ["", f"## {name}: {s['questions']} questions (`{s['path']}`)", "", head, rule]
        for label, r in s["rows"].items():
            f = r["figures"]
            rf = f.get("right_filing_in_top10")
            cells = [f"{100 * f[k]:.1f}" for k in SHOWN] + [f"{100 * rf:.0f}%" if rf else ""]
            cells.append(r.get("commit", "")[:7])
            lines.append(f"| {label} | " + " | ".join(cells) + " |")
    if "planted" in res:
        pl = res["planted"]
        lines += ["", f"## planted: {pl['questions']} questions (`{pl['corpus']}`)", "", head, rule]
        for label, r in pl["recall"].items():
            cells = [f"{100 * r[k]:.1f}" for k in SHOWN]
            cells += [f"{100 * r['right_filing_in_top10']:.0f}%", r.get("commit", "")[:7]]
            lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(prog="python -m docnav.bench.retrieval_sets")
    ap.add_argument("--home", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--set", action="append", default=[], help="NAME=questions.jsonl")
    ap.add_argument("--rows", default=",".join(DEFAULT_ROWS))
    ap.add_argument("--planted", type=Path)
    ap.add_argument("--planted-home", type=Path)
    ap.add_argument("--previous", type=Path, help="a results.json whose rows are kept")
    a = ap.parse_args()
    sets = dict(s.split("=", 1) for s in a.set)
    rows = [r.strip() for r in a.rows.split(",") if r.strip()]
    cmd = "python -m docnav.bench.retrieval_sets " + " ".join(
        [f"--home {a.home}", f"--out {a.out}", *(f"--set {s}" for s in a.set)]
        + [f"--rows '{a.rows}'"]
        + ([f"--planted {a.planted} --planted-home {a.planted_home}"] if a.planted else [])
    )
    res = run(a.home, {k: Path(v) for k, v in sets.items()}, rows, a.planted, a.planted_home, cmd)
    prev = json.loads(a.previous.read_text()) if a.previous and a.previous.exists() else None
    res = merge(prev, res)
    a.out.mkdir(parents=True, exist_ok=True)
    (a.out / "results.json").write_text(json.dumps(res, indent=1) + "\n")
    (a.out / "report.md").write_text(to_markdown(res))


if __name__ == "__main__":
    main()
