"""Is a benchmark store what the current code builds? (issue 21: "from a fresh clone's store")

Compares, filing by filing, a scratch store that HEAD just ingested with the same filings
(same content hash) in a reference store that an earlier commit built: catalog metadata and
identity, the outline, chunks (every field; BM25 indexes section path + text + numbers, the
embeddings company/form/period + section path + text), page texts and statement facts. Both
stores are only read: the reference one through its files and a read-only SQLite connection,
so checking never migrates or locks it.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path

import numpy as np
from pydantic import BaseModel

from docnav.retrieval.dense import DenseIndex, embed
from docnav.retrieval.index import _dense_text
from docnav.settings import RetrievalSettings
from docnav.types import Chunk, Document

# fields of a stored Document that say when and from where, not what the filing is
VOLATILE_DOC_FIELDS = frozenset({"ingested_at", "docnav_version", "source_path"})


class KindCheck(BaseModel):
    """One file kind of one filing: how many records matched and the first differences."""

    same: int = 0
    differ: int = 0
    only_ref: int = 0
    only_new: int = 0
    fields: dict[str, int] = {}  # field name -> records differing in it
    examples: list[str] = []


class FilingCheck(BaseModel):
    version: str  # <doc_id>@<hash12>
    kinds: dict[str, KindCheck]


def _read_jsonl(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]


def _compare_records(ref: list[dict], new: list[dict], key: str | None) -> KindCheck:
    """Records matched by ``key`` (else by position); a differing record counts each field."""
    out = KindCheck()
    if key is None:
        ref_map = {i: r for i, r in enumerate(ref)}
        new_map = {i: r for i, r in enumerate(new)}
    else:
        ref_map = {r[key]: r for r in ref}
        new_map = {r[key]: r for r in new}
    for k, r in ref_map.items():
        n = new_map.get(k)
        if n is None:
            out.only_ref += 1
            continue
        if r == n:
            out.same += 1
            continue
        out.differ += 1
        for f in sorted(set(r) | set(n)):
            if r.get(f) != n.get(f):
                out.fields[f] = out.fields.get(f, 0) + 1
                if len(out.examples) < 3:
                    out.examples.append(
                        f"{k}.{f}: {str(r.get(f))[:80]!r} -> {str(n.get(f))[:80]!r}"
                    )
    out.only_new = sum(1 for k in new_map if k not in ref_map)
    return out


def _doc_record(path: Path) -> dict:
    rec = json.loads((path / "meta.json").read_text(encoding="utf-8"))
    return {k: v for k, v in rec.items() if k not in VOLATILE_DOC_FIELDS}


def _catalog_rows(store: Path) -> dict[str, dict]:
    uri = f"file:{store / 'catalog.sqlite'}?mode=ro"
    with sqlite3.connect(uri, uri=True) as db:
        db.row_factory = sqlite3.Row
        rows = db.execute("SELECT * FROM documents").fetchall()
    drop = {"record", "source_path", "dir"}
    return {r["doc_id"]: {k: r[k] for k in r.keys() if k not in drop} for r in rows}


def _content_keys(path: Path) -> list[dict]:
    """Chunks as what a search sees (text, section path, pages, the numbers BM25 indexes),
    ignoring ids and order, so a chunk split or merged early does not count every later chunk
    as changed."""
    keys = []
    for r in _read_jsonl(path):
        keys.append(
            {
                "key": json.dumps(
                    [r["text"], r["section_path"], r["page_start"], r["page_end"], r.get("numbers")]
                )
            }
        )
    seen: dict[str, int] = {}
    for k in keys:  # the same text twice stays two records
        seen[k["key"]] = seen.get(k["key"], 0) + 1
        k["key"] += f"#{seen[k['key']]}"
    return keys


def _pages(path: Path) -> list[dict]:
    files = sorted((path / "pages").glob("page-*.txt"))
    return [{"page": p.name, "text": p.read_text(encoding="utf-8")} for p in files]


def check_filing(ref_dir: Path, new_dir: Path, ref_cat: dict, new_cat: dict) -> FilingCheck:
    doc_id = new_dir.name.split("@")[0]
    kinds = {
        "meta": _compare_records([_doc_record(ref_dir)], [_doc_record(new_dir)], None),
        "catalog": _compare_records([ref_cat[doc_id]], [new_cat[doc_id]], None),
        "sections": _compare_records(
            json.loads((ref_dir / "sections.json").read_text(encoding="utf-8")),
            json.loads((new_dir / "sections.json").read_text(encoding="utf-8")),
            "id",
        ),
        "chunks": _compare_records(
            _read_jsonl(ref_dir / "chunks.jsonl"), _read_jsonl(new_dir / "chunks.jsonl"), "id"
        ),
        "chunks_by_content": _compare_records(
            _content_keys(ref_dir / "chunks.jsonl"), _content_keys(new_dir / "chunks.jsonl"), "key"
        ),
        "pages": _compare_records(_pages(ref_dir), _pages(new_dir), "page"),
        "facts": _compare_records(
            _read_jsonl(ref_dir / "facts.jsonl"), _read_jsonl(new_dir / "facts.jsonl"), None
        ),
    }
    return FilingCheck(version=new_dir.name, kinds=kinds)


def check_stores(ref_store: Path, new_store: Path) -> list[FilingCheck]:
    """Every filing version of ``new_store`` against the same version folder (same doc id and
    content hash) of ``ref_store``; a version missing there is an error, not a skip."""
    ref_cat, new_cat = _catalog_rows(ref_store), _catalog_rows(new_store)
    out = []
    for new_dir in sorted((new_store / "docs").iterdir()):
        ref_dir = ref_store / "docs" / new_dir.name
        if not ref_dir.is_dir():
            raise FileNotFoundError(f"{new_dir.name}: not in {ref_store} (id or content differs)")
        out.append(check_filing(ref_dir, new_dir, ref_cat, new_cat))
    return out


def totals(checks: list[FilingCheck]) -> dict[str, dict[str, int]]:
    """Per file kind: records the same / differing / only on one side, and filings fully equal."""
    out: dict[str, dict[str, int]] = {}
    for c in checks:
        for kind, k in c.kinds.items():
            t = out.setdefault(kind, dict.fromkeys(("same", "differ", "only_ref", "only_new"), 0))
            for f in ("same", "differ", "only_ref", "only_new"):
                t[f] += getattr(k, f)
            equal = k.differ == k.only_ref == k.only_new == 0
            t["filings_equal"] = t.get("filings_equal", 0) + int(equal)
    return out


def _ref_vectors(ref_home: Path, version: str) -> tuple[list[str], np.ndarray]:
    """The texts a reference filing's stored embeddings were made from, and those vectors."""
    d = ref_home / "store" / "docs" / version
    doc = Document.model_validate_json((d / "meta.json").read_text(encoding="utf-8"))
    chunks = [Chunk.model_validate(r) for r in _read_jsonl(d / "chunks.jsonl")]
    matrix = np.load(dense_folder(ref_home) / f"{version}.npy").astype(np.float32)
    if matrix.shape[0] != len(chunks):
        raise ValueError(f"{version}: {matrix.shape[0]} vectors for {len(chunks)} chunks")
    return [_dense_text(c, doc) for c in chunks], matrix


def dense_folder(home: Path) -> Path:
    """Where an index keeps the default model's embeddings (the folder the index names)."""
    key = hashlib.sha256(RetrievalSettings().embedding_model.encode()).hexdigest()[:8]
    return home / "indexes" / f"dense-{key}"


def embedding_check(ref_home: Path, version: str) -> dict:
    """Embed a reference filing's chunk texts again with the current model: cosine with the
    stored vectors (stored float16, so ~0.9999 rather than exactly 1)."""
    texts, stored = _ref_vectors(ref_home, version)
    fresh = embed(texts, RetrievalSettings().embedding_model)
    stored = stored / np.linalg.norm(stored, axis=1, keepdims=True)
    cos = np.sum(stored * fresh, axis=1)
    return {
        "version": version,
        "model": RetrievalSettings().embedding_model,
        "chunks": len(texts),
        "cos_min": round(float(cos.min()), 6),
        "cos_mean": round(float(cos.mean()), 6),
    }


def reuse_embeddings(ref_home: Path, new_home: Path) -> dict[str, int]:
    """Embeddings for every filing of ``new_home``: a chunk whose embedded text (company, form,
    period, section path, text) is the same in ``ref_home`` takes the stored vector, the others
    are embedded now; written where the index looks, so it embeds nothing itself."""
    out = dense_folder(new_home)
    out.mkdir(parents=True, exist_ok=True)
    reused = fresh = 0
    for d in sorted((new_home / "store" / "docs").iterdir()):
        if (out / f"{d.name}.npy").exists():  # written by an earlier, interrupted run
            continue
        ref_texts, ref_m = _ref_vectors(ref_home, d.name)
        known = dict(zip(ref_texts, ref_m, strict=True))
        doc = Document.model_validate_json((d / "meta.json").read_text(encoding="utf-8"))
        texts = [_dense_text(Chunk.model_validate(r), doc) for r in _read_jsonl(d / "chunks.jsonl")]
        missing = [t for t in texts if t not in known]
        if missing:
            known.update(
                zip(missing, embed(missing, RetrievalSettings().embedding_model), strict=True)
            )
        reused += len(texts) - len(missing)
        fresh += len(missing)
        DenseIndex(np.vstack([known[t] for t in texts])).save(out / f"{d.name}.npy")
    return {"reused": reused, "embedded": fresh}


def evidence_touched(ref_store: Path, new_store: Path, questions: Path) -> dict[str, int]:
    """How many questions have an evidence page (0-based ``evidence_page_num``) inside a chunk
    that is not the same in both stores: the questions whose ranking the change can move most."""
    changed: dict[str, set[int]] = {}
    for new_dir in (new_store / "docs").iterdir():
        ref = {k["key"] for k in _content_keys(ref_store / "docs" / new_dir.name / "chunks.jsonl")}
        new = {k["key"] for k in _content_keys(new_dir / "chunks.jsonl")}
        pages = changed.setdefault(new_dir.name.split("@")[0], set())
        for key in ref ^ new:
            _, _, start, end, _ = json.loads(key.rsplit("#", 1)[0])
            pages.update(range(start, end + 1))
    qs = [json.loads(x) for x in questions.read_text(encoding="utf-8").splitlines() if x.strip()]
    hit = sum(
        any(e["evidence_page_num"] in changed.get(e["doc_name"], set()) for e in q["evidence"])
        for q in qs
    )
    return {"questions": len(qs), "evidence_in_changed_chunk": hit}


def main() -> None:
    import argparse

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("ref_store", type=Path, help="reference store folder (<home>/store)")
    ap.add_argument("new_store", type=Path, help="store HEAD just built (<home>/store)")
    ap.add_argument("--out", type=Path, help="write the checks as JSON here")
    a = ap.parse_args()
    checks = check_stores(a.ref_store, a.new_store)
    result = {
        "ref_store": str(a.ref_store),
        "new_store": str(a.new_store),
        "filings": len(checks),
        "totals": totals(checks),
        "per_filing": [c.model_dump() for c in checks],
    }
    text = json.dumps(result, indent=1)
    if a.out:
        a.out.write_text(text + "\n", encoding="utf-8")
    print(json.dumps(result["totals"], indent=1))


if __name__ == "__main__":
    main()
