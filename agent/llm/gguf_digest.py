"""SHA-256 checks of the assembled GGUF files and of the PyPI parts they are made from.

A part's expected digest comes from its wheel's RECORD (pip checked it at install; a later
change in site-packages is caught here). The assembled file's digest is the model spec's when
recorded there, else the one recorded beside the file when it was first assembled from checked
parts. Hashing 1 GB costs seconds on a busy CPU, so a verified file gets a stamp (digest, size,
mtime) beside it and is hashed again only when its size or mtime changed: any write to it
(a truncated copy, another tool's overwrite) is caught, a bit flip that keeps the mtime is not.
"""

from __future__ import annotations

import base64
import hashlib
import json
from importlib import metadata
from pathlib import Path

from pydantic import BaseModel

_CHUNK = 16 << 20


class Stamp(BaseModel):
    sha256: str
    size: int
    mtime_ns: int


def stamp_path(path: Path) -> Path:
    return path.with_name(path.name + ".sha256.json")


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            h.update(chunk)
    return h.hexdigest()


def read_stamp(path: Path) -> Stamp | None:
    try:
        return Stamp.model_validate_json(stamp_path(path).read_text())
    except (OSError, ValueError):
        return None


def write_stamp(path: Path, sha256: str) -> None:
    st = path.stat()
    stamp = Stamp(sha256=sha256, size=st.st_size, mtime_ns=st.st_mtime_ns)
    tmp = stamp_path(path).with_suffix(".tmp")
    tmp.write_text(json.dumps(stamp.model_dump()))
    tmp.replace(stamp_path(path))


def verified(path: Path, expected: str | None) -> bool:
    """True when ``path`` has the expected digest (``None``: the one recorded at assembly).
    Hashes only when the stamp is missing or stale; a match renews the stamp. A link is
    checked (and stamped) at its target, so links to one cached file share one stamp."""
    if not path.is_file():
        return False
    path = path.resolve()
    stamp = read_stamp(path)
    want = expected or (stamp.sha256 if stamp else None)
    if want is None:
        return False  # nothing to check against: assemble a checked copy
    st = path.stat()
    if stamp and (stamp.sha256, stamp.size, stamp.mtime_ns) == (want, st.st_size, st.st_mtime_ns):
        return True
    if file_sha256(path) != want:
        return False
    try:
        write_stamp(path, want)
    except OSError:  # a read-only cache still works, it is just hashed again next time
        pass
    return True


def recorded_part_digest(dist: str, part: Path) -> str | None:
    """The hex SHA-256 of ``part`` in the RECORD of the installed distribution ``dist``;
    None when the distribution or its record of that file is not there (nothing to check)."""
    try:
        files = metadata.distribution(dist).files or []
    except metadata.PackageNotFoundError:
        return None
    part = part.resolve()
    for f in files:
        if f.hash is None or f.hash.mode != "sha256":
            continue
        if Path(str(f.locate())).resolve() == part:
            raw = base64.urlsafe_b64decode(f.hash.value + "=" * (-len(f.hash.value) % 4))
            return raw.hex()
    return None
