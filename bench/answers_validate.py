"""Validation of the checkers against the FinanceBench paper's human labels (paper_results/).

- numeric verifier: every labelled row whose gold answer is a number; the verifier's
  correct / not-correct against the label "Correct Answer" (both policies: any number of the
  answer, the last number only), at ±1% and ±2.5%;
- refusal detector: every labelled row; detected refusal against the label "Refusal";
- polarity check: every labelled row where gold and answer both open with Yes/No; an opposite
  opening is graded wrong without a judge, so every such row should be labelled incorrect;
- LLM judge: a seeded sample of rows with sentence gold answers, half labelled correct and half
  incorrect (refusals are the detector's job), at most two rows per question; the judge's
  yes/partial/no against the label, with the time per call. The judge's verdicts are appended to
  ``judge_rows.jsonl`` one at a time, so a long CPU run can stop and resume.
"""

from __future__ import annotations

import json
import random
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from docnav.agent.llm.base import ChatModel
from docnav.bench import machine_line
from docnav.bench.checkers import (
    check_numeric,
    gold_number,
    is_refusal,
    opposite_polarity,
    polarity,
)
from docnav.bench.datasets import PaperRow
from docnav.bench.judge import judge_answer
from docnav.questions import Question


def _kappa(pairs: list[tuple[bool, bool]]) -> float | None:
    n = len(pairs)
    if not n:
        return None
    po = sum(a == b for a, b in pairs) / n
    pa, pb = sum(a for a, _ in pairs) / n, sum(b for _, b in pairs) / n
    pe = pa * pb + (1 - pa) * (1 - pb)
    return None if pe == 1 else (po - pe) / (1 - pe)


def validate_numeric(
    paper: list[PaperRow], questions: dict[str, Question], tol: float, loose: float
) -> dict[str, Any]:
    """Agreement of the numeric verifier with the human labels on numeric-gold rows (the gold
    as written in questions.jsonl, e.g. "$1577.00", not the paper file's bare float)."""
    rows = [r for r in paper if gold_number(questions[r.financebench_id].answer)]
    out: dict[str, Any] = {
        "rows": len(rows),
        "questions": len({r.financebench_id for r in rows}),
        "policies": {},
    }
    for policy in ("any", "last"):
        for t in (tol, loose):
            pairs, conf, disagree = [], Counter(), []
            for r in rows:
                q = questions[r.financebench_id]
                v = check_numeric(
                    q.answer, r.model_answer, question=q.question, tol=t, policy=policy
                )  # type: ignore[arg-type]
                ours = v is not None and v.outcome == "correct"
                human = r.label == "Correct Answer"
                pairs.append((ours, human))
                said = {True: "correct", False: "not correct"}
                conf[f"human {said[human]} / ours {said[ours]}"] += 1
                if ours != human and policy == "last" and t == tol:
                    disagree.append(
                        {
                            "id": r.financebench_id,
                            "config": f"{r.model_name}/{r.eval_mode}",
                            "gold": q.answer,
                            "label": r.label,
                            "ours": "correct" if ours else "not correct",
                            "detail": v.detail if v else "",
                            "answer_tail": r.model_answer.strip()[-200:],
                        }
                    )
            key = f"{policy} @ ±{t:.1%}"
            out["policies"][key] = {
                "agreement": sum(a == b for a, b in pairs) / len(pairs),
                "kappa": _kappa(pairs),
                "confusion": dict(conf),
            }
            if disagree:
                out["disagreements"] = disagree
    return out


def validate_refusals(paper: list[PaperRow]) -> dict[str, Any]:
    conf = Counter()
    for r in paper:
        conf[(r.label == "Refusal", is_refusal(r.model_answer))] += 1
    tp, fp, fn = conf[(True, True)], conf[(False, True)], conf[(True, False)]
    n = sum(conf.values())
    return {
        "rows": n,
        "agreement": (tp + conf[(False, False)]) / n,
        "precision": tp / (tp + fp) if tp + fp else None,
        "recall": tp / (tp + fn) if tp + fn else None,
        "confusion": {
            "human refusal / detected": tp,
            "human refusal / not detected": fn,
            "human not refusal / detected": fp,
            "human not refusal / not detected": conf[(False, False)],
        },
    }


def validate_polarity(paper: list[PaperRow]) -> dict[str, Any]:
    """Human labels of the rows the polarity check decides (opposite Yes/No opening: graded
    wrong) and, for contrast, of the rows with the same opening (left to the judge)."""
    decided: Counter = Counter()
    same: Counter = Counter()
    wrongly: list[dict[str, str]] = []
    for r in paper:
        if not polarity(r.gold_answer) or not polarity(r.model_answer):
            continue
        if opposite_polarity(r.gold_answer, r.model_answer):
            decided[r.label] += 1
            if r.label == "Correct Answer":
                wrongly.append({"id": r.financebench_id, "config": f"{r.model_name}/{r.eval_mode}"})
        else:
            same[r.label] += 1
    n = sum(decided.values())
    return {
        "rows_decided": n,
        "decided_labels": dict(decided),
        "precision": (n - decided["Correct Answer"]) / n if n else None,
        "same_polarity_labels": dict(same),
        "human_correct_but_graded_wrong": wrongly,
    }


def judge_sample(
    paper: list[PaperRow], questions: dict[str, Question], n: int = 40, seed: int = 0
) -> list[PaperRow]:
    """Sentence-gold rows labelled correct or incorrect, balanced, ≤ 2 per question,
    interleaved (correct, incorrect, ...) so a run stopped early stays balanced."""
    rng = random.Random(seed)
    pool = [
        r
        for r in paper
        if r.label in ("Correct Answer", "Incorrect Answer")
        and not gold_number(questions[r.financebench_id].answer)
        and not is_refusal(r.model_answer)
    ]
    rng.shuffle(pool)
    picked: dict[str, list[PaperRow]] = {"Correct Answer": [], "Incorrect Answer": []}
    per_q: Counter = Counter()
    for r in pool:
        if len(picked[r.label]) < n // 2 and per_q[r.financebench_id] < 2:
            picked[r.label].append(r)
            per_q[r.financebench_id] += 1
    a, b = picked["Correct Answer"], picked["Incorrect Answer"]
    return [x for pair in zip(a, b, strict=False) for x in pair]


def run_judge_validation(
    model: ChatModel,
    sample: list[PaperRow],
    questions: dict[str, Question],
    rows_path: Path,
    on_row: Callable[[dict], None] | None = None,
    deadline_s: float | None = None,
) -> list[dict]:
    """Judge each sampled row (resuming from ``rows_path``); stop starting new rows after
    ``deadline_s`` seconds."""
    done: dict[str, dict] = {}
    if rows_path.is_file():
        for line in rows_path.read_text().splitlines():
            try:
                d = json.loads(line)
                done[d["key"]] = d
            except (json.JSONDecodeError, KeyError):
                continue
    t_start = time.monotonic()
    rows_path.parent.mkdir(parents=True, exist_ok=True)
    with rows_path.open("a") as fh:
        for r in sample:
            key = f"{r.financebench_id}|{r.model_name}|{r.eval_mode}"
            if key in done:
                continue
            if deadline_s is not None and time.monotonic() - t_start > deadline_s:
                break
            q = questions[r.financebench_id]
            res = judge_answer(model, q.question, q.answer, r.model_answer)
            d = {
                "key": key,
                "id": r.financebench_id,
                "label": r.label,
                "verdict": res.verdict,
                "reason": res.reason,
                "seconds": res.seconds,
                "tokens_in": res.tokens_in,
                "tokens_out": res.tokens_out,
                "judge_model": model.name,
            }
            fh.write(json.dumps(d) + "\n")
            fh.flush()
            done[key] = d
            if on_row:
                on_row(d)
    keys = [f"{r.financebench_id}|{r.model_name}|{r.eval_mode}" for r in sample]
    return [done[k] for k in keys if k in done]


def judge_agreement(rows: list[dict]) -> dict[str, Any]:
    conf = Counter((d["label"], d["verdict"]) for d in rows)
    out: dict[str, Any] = {
        "rows": len(rows),
        "confusion": {f"{lab} / {v}": n for (lab, v), n in sorted(conf.items(), key=str)},
    }
    for name, as_correct in (
        ("partial as incorrect", {"yes"}),
        ("partial as correct", {"yes", "partial"}),
    ):
        pairs = [(d["verdict"] in as_correct, d["label"] == "Correct Answer") for d in rows]
        out[name] = {
            "agreement": sum(a == b for a, b in pairs) / len(pairs) if pairs else None,
            "kappa": _kappa(pairs),
        }
    secs = sorted(d["seconds"] for d in rows)
    if secs:
        out["seconds_per_call_p50"] = secs[len(secs) // 2]
        out["seconds_total"] = sum(secs)
        out["tokens_in_mean"] = sum(d["tokens_in"] for d in rows) / len(rows)
        out["tokens_out_mean"] = sum(d["tokens_out"] for d in rows) / len(rows)
    out["failed_calls"] = sum(d["verdict"] is None for d in rows)
    return out


def render_checker_report(res: dict) -> str:
    L = ["# Checker validation against the FinanceBench paper's human labels", ""]
    L.append(f"- command: `{res['command']}`")
    L.append(
        f"- commit: {res.get('commit')}; labelled rows: {res['paper_rows']} (16 model × mode files, 60 questions)"
    )
    num = res["numeric"]
    L += ["", "## Numeric verifier (no LLM; all numeric-gold rows)", ""]
    L.append(
        f"{num['rows']} labelled rows on {num['questions']} questions whose gold answer is a number."
    )
    L += [
        "",
        "| policy @ tolerance | agreement with humans | Cohen's κ | confusion |",
        "|---|---|---|---|",
    ]
    for k, v in num["policies"].items():
        L.append(f"| {k} | {100 * v['agreement']:.1f}% | {v['kappa']:.3f} | {v['confusion']} |")
    L += [
        "",
        "Disagreements at the default (structured number + last number of the text, ±1%):",
        "",
    ]
    for d in num.get("disagreements", []):
        tail = d["answer_tail"].replace("\n", " ").replace("|", "/")[-120:]
        L.append(
            f"- {d['id']} ({d['config']}): gold {d['gold']}, human {d['label']}, ours {d['ours']} — {d['detail'][:100]} — …{tail}"
        )
    ref = res["refusals"]
    L += ["", "## Refusal detector (no LLM; all rows)", ""]
    L.append(
        f"agreement {100 * ref['agreement']:.1f}% on {ref['rows']} rows; precision "
        f"{100 * ref['precision']:.1f}%, recall {100 * ref['recall']:.1f}%; {ref['confusion']}"
    )
    pol = res.get("polarity")
    if pol:
        L += [
            "",
            "## Polarity check (no LLM; rows whose gold and answer both open with Yes/No)",
            "",
        ]
        prec = "–" if pol["precision"] is None else f"{100 * pol['precision']:.1f}%"
        L.append(
            f"Opposite opening, graded wrong without a judge: {pol['rows_decided']} rows, human "
            f"labels {pol['decided_labels']} (labelled not correct: {prec}). Same opening, left "
            f"to the judge: human labels {pol['same_polarity_labels']}."
        )
    j = res.get("judge")
    L += ["", "## LLM judge (sentence answers)", ""]
    if not j or not j.get("rows"):
        L.append("not run")
    else:
        if res.get("judge_command") and res["judge_command"] != res["command"]:
            L += [f"Made by `{res['judge_command']}` at commit {res.get('judge_commit')}.", ""]
        L.append(
            f"Judge model: {res['judge_model']} ({res['judge_backend']}), fixed prompt "
            f"(bench/judge.py JUDGE_SYSTEM), verdict tool. Sample: {j['rows']} of {res['judge_sample_planned']} "
            "planned rows (seeded; sentence gold; half labelled correct, half incorrect; ≤2 per question)."
        )
        L += ["", "| mapping | agreement with humans | Cohen's κ |", "|---|---|---|"]
        for k in ("partial as incorrect", "partial as correct"):
            v = j[k]
            kap = "–" if v["kappa"] is None else f"{v['kappa']:.3f}"
            L.append(f"| {k} | {100 * v['agreement']:.1f}% | {kap} |")
        L += ["", f"Confusion (human label / judge verdict): {j['confusion']}", ""]
        L.append(
            f"Time: {j.get('seconds_per_call_p50', 0):.0f} s per call (p50), {j.get('seconds_total', 0) / 60:.1f} min in all, "
            f"{j.get('tokens_in_mean', 0):.0f} prompt and {j.get('tokens_out_mean', 0):.0f} completion tokens per call, on {machine_line(res.get('machine', ''))}. "
            f"Failed calls: {j['failed_calls']}."
        )
        if res.get("judge_note"):
            L += ["", res["judge_note"]]
        runs = res.get("judge_runs")
        if runs:
            L += [
                "",
                "Every judge validation run (prompt versions in bench/judge.py's history; the "
                "seed-0 sample is the one v2/v3 were designed after, seed 1 is held out):",
                "",
                "| prompt | sample | rows | agreement (partial = incorrect) | κ | 'yes' on human-incorrect | s/call p50 | rows file |",
                "|---|---|---|---|---|---|---|---|",
            ]
            for r in runs:
                L.append(
                    f"| {r['prompt']} | seed {r['seed']} | {r['rows']} | "
                    f"{100 * r['partial as incorrect']['agreement']:.1f}% | "
                    f"{r['partial as incorrect']['kappa']:.2f} | {r['yes_on_incorrect']} | "
                    f"{r.get('seconds_per_call_p50', 0):.0f} | {r['rows_file']} |"
                )
        v1 = None if runs else res.get("judge_v1")
        if v1:
            L += [
                "",
                f"The first prompt ({v1['prompt']}, rows in {v1['rows_file']}, `{v1['command']}` "
                f"at {v1['commit']}) on the same {v1['rows']} rows: agreement "
                f"{100 * v1['partial as incorrect']['agreement']:.1f}% (partial as incorrect), "
                f"κ {v1['partial as incorrect']['kappa']:.3f}; {v1['confusion']}; "
                f"{v1.get('seconds_per_call_p50', 0):.0f} s per call (p50).",
            ]
    L.append("")
    return "\n".join(L)


def run_checker_validation(
    out: Path,
    paper_dir: Path,
    questions_path: Path,
    judge: ChatModel | None,
    judge_backend: str = "",
    n: int = 40,
    seed: int = 0,
    tol: float = 0.01,
    loose: float = 0.025,
    deadline_s: float | None = None,
    command: str = "docnav bench checkers",
    on_row: Callable[[dict], None] | None = None,
) -> dict[str, Any]:
    """Validate all three checkers and write ``out/results.json`` and ``out/report.md``."""

    from docnav.bench import git_commit, machine_info
    from docnav.bench.datasets import load_paper_results
    from docnav.questions import load_questions

    paper = load_paper_results(paper_dir)
    questions = {q.id: q for q in load_questions(questions_path)}
    paper = [r for r in paper if r.financebench_id in questions]
    res: dict[str, Any] = {
        "command": command,
        "commit": git_commit(),
        "machine": machine_info(),
        "paper_rows": len(paper),
        "numeric": validate_numeric(paper, questions, tol, loose),
        "refusals": validate_refusals(paper),
        "polarity": validate_polarity(paper),
    }
    if judge is not None:
        sample = judge_sample(paper, questions, n, seed)
        rows = run_judge_validation(
            judge, sample, questions, out / "judge_rows.jsonl", on_row, deadline_s
        )
        from docnav.bench.judge import JUDGE_PROMPT_VERSION

        res.update(
            judge_seed=seed,
            judge_prompt=JUDGE_PROMPT_VERSION,
            judge_command=command,
            judge_commit=git_commit(),
            judge_model=judge.name,
            judge_backend=judge_backend,
            judge_sample_planned=len(sample),
            judge=judge_agreement(rows),
        )
    if (out / "results.json").is_file():  # keep the first prompt's validation for comparison
        v1 = json.loads((out / "results.json").read_text()).get("judge_v1")
        if v1:
            res["judge_v1"] = v1
    if judge is None and (out / "results.json").is_file():  # keep an earlier judge validation
        old = json.loads((out / "results.json").read_text())
        keys = ("judge", "judge_model", "judge_backend", "judge_sample_planned", "judge_note")
        keys += ("judge_runs",)
        keys += ("judge_prompt", "judge_seed")
        for k in keys:
            if k in old:
                res[k] = old[k]
        if "judge" in old:
            res["judge_command"] = old.get("judge_command") or old.get("command")
            res["judge_commit"] = old.get("judge_commit") or old.get("commit")
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(res, indent=2))
    (out / "report.md").write_text(render_checker_report(res))
    return res
