"""Primary keys: UUIDv7, generated in Python, so keys sort by creation time (RFC 9562)."""

import uuid

import uuid6


def uuid7() -> uuid.UUID:
    """A new UUIDv7: 48 bits of Unix milliseconds, then a counter and random bits.

    Values made by one process are strictly increasing, even within the same millisecond.
    """
    return uuid.UUID(int=uuid6.uuid7().int)
