"""Errors with messages meant for people: one line, says what and what to do."""


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
