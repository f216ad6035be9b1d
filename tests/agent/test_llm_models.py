"""GGUF assembly from part packages, the factory, lenient parsing (no model needed)."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest

from docnav.agent.llm import LLMError, make_chat_model
from docnav.agent.llm.gguf import (
    MODELS,
    GGUFSpec,
    ModelNotAvailable,
    assemble_gguf,
    resolve_model_path,
)
from docnav.agent.llm.parsing import loads_lenient, parse_arguments, split_hermes
from docnav.settings import Settings


def _make_parts(root: Path, prefix: str, blobs: list[bytes]) -> None:
    """Installable-looking part modules: ``{prefix}{i}/__init__.py`` with get_part_path()."""
    for i, blob in enumerate(blobs, start=1):
        pkg = root / f"{prefix}{i}"
        (pkg / "data").mkdir(parents=True)
        (pkg / "data" / f"part{i:02d}.bin").write_bytes(blob)
        (pkg / "__init__.py").write_text(
            textwrap.dedent(
                f"""
                import os
                def get_part_path():
                    return os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "part{i:02d}.bin")
                """
            )
        )


@pytest.fixture
def fake_parts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    prefix = f"fakegguf_part_{tmp_path.name.replace('-', '_')}_"
    # 11 parts so that lexical order (1, 10, 11, 2, ...) differs from numeric order
    blobs = [b"GGUF" + b"\x00" * 3] + [bytes([i]) * (100 + i) for i in range(2, 12)]
    _make_parts(tmp_path / "site", prefix, blobs)
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    spec = GGUFSpec(
        key="fake",
        filename="fake.gguf",
        module_prefix=prefix,
        dist_prefix="fake-part",
        version="1.0",
        n_parts=len(blobs),
        description="a fake model",
    )
    yield spec, blobs, tmp_path / "site"
    for name in [m for m in sys.modules if m.startswith(prefix)]:
        del sys.modules[name]


def test_parts_concatenated_in_numeric_order(fake_parts, tmp_path: Path) -> None:
    spec, blobs, _ = fake_parts
    out = assemble_gguf(spec, tmp_path / "models")
    assert out.read_bytes() == b"".join(blobs)
    assert not list((tmp_path / "models").glob(".*.tmp"))  # no temporary left behind


def test_cache_reused_and_rebuilt_when_size_wrong(fake_parts, tmp_path: Path) -> None:
    spec, blobs, _ = fake_parts
    models = tmp_path / "models"
    out = assemble_gguf(spec, models)
    mtime = out.stat().st_mtime_ns
    assert assemble_gguf(spec, models) == out
    assert out.stat().st_mtime_ns == mtime  # not rewritten
    out.write_bytes(b"GGUF truncated")  # an interrupted copy by some other tool
    assert assemble_gguf(spec, models).read_bytes() == b"".join(blobs)


def test_missing_part_names_the_pip_command(fake_parts, tmp_path: Path) -> None:
    spec, _, site = fake_parts
    import shutil

    shutil.rmtree(site / f"{spec.module_prefix}7")
    with pytest.raises(ModelNotAvailable) as e:
        assemble_gguf(spec, tmp_path / "models")
    msg = str(e.value)
    assert "part 7/11" in msg and "fake-part7==1.0" in msg and "pip install" in msg


def test_part_that_is_not_gguf_refused(fake_parts, tmp_path: Path) -> None:
    spec, _, site = fake_parts
    (site / f"{spec.module_prefix}1" / "data" / "part01.bin").write_bytes(b"NOPE123")
    with pytest.raises(ModelNotAvailable, match="does not start a GGUF"):
        assemble_gguf(spec, tmp_path / "models")


def test_resolve_model_path(tmp_path: Path) -> None:
    gguf = tmp_path / "any.gguf"
    gguf.write_bytes(b"GGUF")
    assert resolve_model_path(str(gguf), tmp_path) == gguf
    with pytest.raises(ModelNotAvailable, match="unknown local model 'nope'"):
        resolve_model_path("nope", tmp_path)
    assert set(MODELS) == {"qwen2.5-coder-1.5b", "qwen2.5-coder-0.5b"}


def test_factory_errors_are_clear(tmp_path: Path) -> None:
    with pytest.raises(LLMError, match="needs DOCNAV_LLM_BASE_URL"):
        make_chat_model(Settings(home=tmp_path, llm_backend="openai"))
    with pytest.raises(LLMError, match="unknown DOCNAV_LLM_BACKEND 'gpt'"):
        make_chat_model(Settings(home=tmp_path, llm_backend="gpt"))
    m = make_chat_model(
        Settings(home=tmp_path, llm_backend="openai", llm_base_url="http://127.0.0.1:9/v1")
    )
    assert m.context_window == Settings().llm_ctx


def test_vllm_missing_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "vllm", None)  # import vllm -> ImportError, installed or not
    with pytest.raises(LLMError, match=r"pip install -e '\.\[gpu\]'"):
        make_chat_model(Settings(home=tmp_path, llm_backend="vllm", llm_model="Qwen/Qwen2.5-7B"))


def test_lenient_json_repairs() -> None:
    assert loads_lenient('```json\n{"a": 1,}\n```') == {"a": 1}
    assert loads_lenient("{'a': True, 'b': None}") == {"a": True, "b": None}
    assert loads_lenient('{"q": "revenue", "k": 5') == {"q": "revenue", "k": 5}  # cut off
    assert loads_lenient('{"a": "x"} trailing words') == {"a": "x"}
    # Python-only literals come back as JSON (a set stored in a tool call broke the chat
    # template's tojson when a follow-up rendered the thread again)
    assert loads_lenient('{"answer": "x", "citations": [{"doc"}]}') == {
        "answer": "x",
        "citations": [["doc"]],
    }
    assert loads_lenient("{'a': (1, 2), 1: b'z'}") == {"a": [1, 2], "1": "z"}
    with pytest.raises(ValueError):
        loads_lenient("{'a': 1j}")
    args, err = parse_arguments('"{\\"expression\\": \\"1+1\\"}"')  # double-encoded
    assert args == {"expression": "1+1"} and err is None
    args, err = parse_arguments("expression=1+1")
    assert args == {} and err and "could not parse" in err
    args, err = parse_arguments("[1, 2]")
    assert err and "JSON object" in err


def test_hermes_blocks_and_bare_calls() -> None:
    names = {"grep", "calculator"}
    text = (
        'Let me look.\n<tool_call>\n{"name": "grep", "arguments": {"pattern": "revenue"}}'
        '\n</tool_call>\n<tool_call>\n{"name": "calculator", "arguments": {"expression": '
        '"2*3"}}\n</tool_call>'
    )
    content, calls = split_hermes(text, names)
    assert content == "Let me look."
    assert [(c.name, c.arguments) for c in calls] == [
        ("grep", {"pattern": "revenue"}),
        ("calculator", {"expression": "2*3"}),
    ]
    assert all(c.parse_error is None for c in calls)
    # no tags, just the object: still a call when the name is a tool
    content, calls = split_hermes('{"name": "grep", "arguments": {"pattern": "x"}}', names)
    assert content == "" and calls[0].name == "grep"
    # an answer that happens to be JSON is not a call
    content, calls = split_hermes('{"revenue": 5}', names)
    assert calls == [] and content == '{"revenue": 5}'
    # unknown tool and broken JSON become parse errors the loop can show
    _, calls = split_hermes('<tool_call>{"name": "rm", "arguments": {}}</tool_call>', names)
    assert calls[0].parse_error and "unknown tool 'rm'" in calls[0].parse_error
    _, calls = split_hermes("<tool_call>{name: grep pattern}</tool_call>", names)
    assert calls[0].parse_error and calls[0].raw_arguments
    # Qwen3 thinking is dropped
    content, calls = split_hermes("<think>hmm</think>The answer is 4.", names)
    assert content == "The answer is 4." and calls == []
