"""LLM-free: the guided first look's best row / computed value / decision for each question.

usage: python bestrows.py <questions.jsonl> <out.json> [docnav home]
"""

import json
import sys

from docnav.agent.policy import GuidedConfig, GuidedPolicy
from docnav.engine import Engine
from docnav.settings import Settings


def look(pol: GuidedPolicy, engine: Engine, question: str, gold: object) -> dict:
    st = pol.start(question, engine.tool_context())
    m = st.memo
    best = m.get("best")
    decision = m.get("decision")
    calc = [line for line in st.text.splitlines() if line.startswith("Computed in code")]
    return {
        "best": best and (best.get("label"), best.get("value")),
        "decision": decision.get("word") if isinstance(decision, dict) else decision,
        "calc": calc[0][:300] if calc else None,
        "refs": [v["label"] for v in list((m.get("refs") or {}).values())[:6]],
        "gold": gold,
    }


def main() -> None:
    home = sys.argv[3] if len(sys.argv) > 3 else "/work/fbhome"
    engine = Engine(Settings(home=home))
    k = engine.settings.agent.rag_k
    pol = GuidedPolicy(
        GuidedConfig(),
        retrieve=lambda q: engine.index_search(q, mode="bm25", k=k),
        max_chars=12000,
    )
    out = {}
    for line in open(sys.argv[1]):
        r = json.loads(line)
        qid = r.get("financebench_id") or r.get("id")
        try:
            out[qid] = look(pol, engine, r["question"], r.get("answer") or r.get("gold"))
        except Exception as ex:  # noqa: BLE001 - one question's failure is recorded, not fatal
            out[qid] = {"error": repr(ex)[:200]}
    json.dump(out, open(sys.argv[2], "w"), indent=1)


if __name__ == "__main__":
    main()
