"""Primary keys: UUIDv7, generated in Python, so keys sort by creation time (RFC 9562)."""

import uuid

import uuid6


def uuid7() -> uuid.UUID:
    """A new UUIDv7: 48 bits of Unix milliseconds, then a counter and random bits.

    Values made by one process are strictly increasing, even within the same millisecond.
    """
    return uuid.UUID(int=uuid6.uuid7().int)


def uuid7_many(count: int) -> list[uuid.UUID]:
    """``count`` new UUIDv7s, strictly increasing, for writers of many rows (the ads event writer):
    one :func:`uuid7`, then its low bits replaced by 0, 1, 2, ... (~1 µs each instead of ~6).

    They keep :func:`uuid7`'s order and uniqueness in this process: each call of it takes a
    millisecond of its own (later than any before, ``uuid6`` moves to the next one when the clock
    has not), so every value made after these has a later timestamp, and these share the first
    one's millisecond and differ in their counter bits. The rest of the first one's 74 random bits
    stay, keeping values made by other processes in that millisecond apart.
    """
    if count <= 0:
        return []
    first = uuid7().int
    bits = count.bit_length()
    base = first >> bits << bits
    return [uuid.UUID(int=base | index) for index in range(count)]
