"""Uploaded files and server-side paths, made safe before ingestion sees them.

Uploads are written to a temporary name in the upload folder and renamed into place
once complete and type-checked by content; nothing uploaded is ever executed (the
pipeline only reads it). Server-side paths are resolved (symlinks followed) and must
stay under an allowed ingest root."""

from __future__ import annotations

import hashlib
import os
import re
import uuid
from pathlib import Path
from typing import BinaryIO

from docnav.errors import IngestError
from docnav.ingestion.pipeline import (
    HTML_SUFFIXES,
    PDF_SUFFIXES,
    SUPPORTED_SUFFIXES,
    TEXT_SUFFIXES,
    sha256_file,
    sniff_type,
)
from docnav.serving.errors import ApiError
from docnav.settings import Settings

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_CANON = {
    "pdf": (PDF_SUFFIXES, ".pdf"),
    "html": (HTML_SUFFIXES, ".html"),
    "text": (TEXT_SUFFIXES, ".txt"),
}


def sanitize_filename(raw: str | None) -> str:
    """A client's filename -> a plain name with no folder part: '../../x.pdf' -> 'x.pdf'."""
    name = (raw or "").replace("\\", "/").split("/")[-1]
    name = _UNSAFE.sub("_", name).strip(" .")  # no leading dots: no hidden files, no '..'
    stem, dot, suffix = name.rpartition(".")
    if not dot:
        stem, suffix = name, ""
    stem = stem[:100].strip(" .") or "upload"
    return f"{stem}.{suffix[:10]}" if suffix else stem


def save_upload(
    src: BinaryIO, filename: str | None, folder: Path, max_bytes: int
) -> tuple[Path, bool]:
    """Copy ``src`` to ``folder/<safe name>`` atomically; refuse too big or unknown content.
    A name already taken by other bytes gets the content hash appended: an upload never
    overwrites another. Returns the path and whether those exact bytes were already there."""
    folder.mkdir(parents=True, exist_ok=True)
    name = sanitize_filename(filename)
    tmp = folder / f".upload-{uuid.uuid4().hex}.part"
    size = 0
    head = b""
    digest = hashlib.sha256()
    try:
        with tmp.open("wb") as out:
            while block := src.read(1 << 20):
                size += len(block)
                digest.update(block)
                if size > max_bytes:
                    raise ApiError(
                        413,
                        "too_large",
                        f"{name} is over the upload limit of {max_bytes / 1e6:.0f} MB",
                    )
                if len(head) < 4096:
                    head += block[: 4096 - len(head)]
                out.write(block)
            out.flush()
            os.fsync(out.fileno())
        if size == 0:
            raise ApiError(422, "empty_file", f"{name} is empty")
        suffix = Path(name).suffix.lower()
        try:
            kind = sniff_type(head, suffix)
        except IngestError as exc:
            raise ApiError(415, "unsupported_type", f"{name}: {exc}") from exc
        suffixes, canon = _CANON[kind]
        if suffix not in suffixes:  # the content decides; the name follows it
            name = f"{name}{canon}"
        final = folder / name
        if final.exists() and sha256_file(final) != digest.hexdigest():
            final = final.with_name(f"{final.stem}-{digest.hexdigest()[:12]}{final.suffix}")
        existed = final.exists()  # the same bytes again: the job will report "unchanged"
        os.replace(tmp, final)
        return final, existed
    finally:
        tmp.unlink(missing_ok=True)


def ingest_roots(settings: Settings) -> list[Path]:
    raw = settings.serve.ingest_roots or ""
    parts = [p for chunk in raw.split(",") for p in chunk.split(os.pathsep)]
    return [Path(p.strip()).expanduser().resolve() for p in parts if p.strip()]


def confine(path: str, roots: list[Path]) -> list[Path]:
    """Files named by ``path`` (a file or a folder, walked without following links), each
    resolved and inside an allowed root. Raises 403/404 for anything else."""
    if not roots:
        raise ApiError(
            403,
            "path_ingest_off",
            "server-side path ingest is off; set DOCNAV_INGEST_ROOTS to allow folders",
        )
    if "\x00" in path:
        raise ApiError(422, "bad_path", "path contains a NUL byte")
    p = Path(path).expanduser()
    if not p.is_absolute():
        p = roots[0] / p
    resolved = p.resolve()

    def inside(r: Path) -> bool:
        return any(r.is_relative_to(root) for root in roots)

    if not inside(resolved):
        raise ApiError(403, "outside_roots", f"{path} is outside the allowed ingest roots")
    if resolved.is_file():
        return [resolved]
    if not resolved.is_dir():
        raise ApiError(404, "not_found", f"{path}: no such file or folder")
    files = []
    for dirpath, dirnames, filenames in os.walk(resolved, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for fn in sorted(filenames):
            f = Path(dirpath) / fn
            if fn.startswith(".") or f.suffix.lower() not in SUPPORTED_SUFFIXES:
                continue
            rf = f.resolve()
            if inside(rf) and rf.is_file() and rf not in files:  # links out are skipped
                files.append(rf)
    if not files:
        raise ApiError(422, "no_files", f"{path} holds no PDF, HTML or text files")
    return files
