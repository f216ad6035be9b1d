"""What a client may read: no absolute server paths, no internal URLs, and text that always
encodes as UTF-8 (a lone surrogate sent in a JSON body must not break the error echoing it).

Applied where text leaves the service (error bodies, SSE errors, readiness details, job and
document responses); the server log keeps the full text."""

from __future__ import annotations

import re
from pathlib import PurePosixPath

# scheme://anything-up-to-whitespace-or-quote: a backend URL, a proxy, a webhook
_URL = re.compile(r"\b[a-z][a-z0-9+.-]*://[^\s'\"<>]+", re.I)
# an absolute POSIX path of two or more parts ("/srv/docnav/uploads/10k.pdf"); the look-behind
# keeps "and/or", "1/2" and the "//" of URLs out, the look-ahead keeps API routes ("/v1/...")
_ABS_PATH = re.compile(r"(?<![\w.:/~-])/(?!v1/)(?:[^\s/'\"<>]+/)+([^\s/'\"<>]*)")


def utf8_safe(text: str) -> str:
    """Lone surrogates ("\\ud800") as their escape, so the text always encodes as UTF-8."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def public_text(text: str) -> str:
    """``text`` fit for a client: URLs replaced by ``<url>``, absolute paths by their last part
    (the file name), lone surrogates escaped."""
    text = _URL.sub("<url>", utf8_safe(text))
    return _ABS_PATH.sub(lambda m: m.group(1) or "<path>", text)


def file_name(path: str) -> str:
    """The last part of a server path: what a client needs to recognise its file."""
    return PurePosixPath(path).name or path
