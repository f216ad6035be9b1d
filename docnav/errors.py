"""Errors with messages meant for people: one line, says what and what to do."""

from __future__ import annotations

from typing import Literal


class DocnavError(Exception):
    """Base class for every error docnav raises on purpose."""


class IngestError(DocnavError):
    """A file could not be ingested (corrupt, encrypted, no text layer, unknown type, too big)."""


class NotFoundError(DocnavError):
    """A document, section or page that is not in the store."""


class StoreLockedError(DocnavError):
    """Another process holds the corpus store's write lock for too long."""


class IndexCorruptError(DocnavError):
    """A search index file is unreadable or does not match the store; the message names
    `docnav index rebuild`, which restores it from the store."""


class InvalidQueryError(DocnavError):
    """A search query docnav cannot run (empty, or only whitespace)."""


class AmbiguousRefError(DocnavError):
    """A document reference (name or id prefix) that matches more than one document; it is
    refused, never acted on. The message lists the matching doc ids."""


LLMFailureKind = Literal["down", "timeout", "refused"]

# what a client may see: no URL, no host, no backend text (that goes to the server log)
_LLM_MESSAGES: dict[str, str] = {
    "down": "the language model backend is unavailable; no answer was produced",
    "timeout": "the language model backend did not answer in time; no answer was produced",
    "refused": "the language model backend refused the request; no answer was produced",
}


class LLMUnavailableError(DocnavError):
    """The language model backend is down, timed out or refused: there is no answer, and
    that is an error, never an answer. ``str(e)`` is safe to show any client; ``detail``
    (the backend's own message, with its URL) is for the server log and the local CLI."""

    def __init__(self, kind: LLMFailureKind, detail: str = "") -> None:
        super().__init__(_LLM_MESSAGES[kind])
        self.kind: LLMFailureKind = kind
        self.detail = detail

    def __reduce__(self):  # picklable across processes despite the custom signature
        return (type(self), (self.kind, self.detail))
