"""LLM-free: the guided first look's best row / computed value / decision for each question.
usage: bestrows.py <questions.jsonl> <out.json> [home]"""
import json, sys
from docnav.settings import Settings
from docnav.engine import Engine
from docnav.agent.policy import GuidedPolicy, GuidedConfig
home = sys.argv[3] if len(sys.argv) > 3 else "/work/fbhome"
e = Engine(Settings(home=home))
s = e.settings
pol = GuidedPolicy(GuidedConfig(), retrieve=lambda q: e.index_search(q, mode="bm25", k=s.agent.rag_k), max_chars=12000)
out = {}
for line in open(sys.argv[1]):
    r = json.loads(line)
    q = r["question"]; qid = r.get("financebench_id") or r.get("id")
    try:
        st = pol.start(q, e.tool_context())
        m = st.memo
        best = m.get("best")
        calc = [l for l in st.text.splitlines() if l.startswith("Computed in code")]
        out[qid] = {"best": best and (best.get("label"), best.get("value")), "decision": (m.get("decision") or {}).get("word") if isinstance(m.get("decision"), dict) else m.get("decision"),
                    "calc": calc[0][:300] if calc else None, "refs": [v["label"] for v in list((m.get("refs") or {}).values())[:6]], "gold": r.get("answer") or r.get("gold")}
    except Exception as ex:
        out[qid] = {"error": repr(ex)[:200]}
json.dump(out, open(sys.argv[2], "w"), indent=1)
