"""Reading a post's text: its length as people see it, its hashtags and its mentions.

Length is counted in extended grapheme clusters (the ``regex`` module's ``\\X``): an emoji made of
several code points (a family, a flag, a skin tone) or a letter with combining accents counts as
one character, as it looks on screen.
"""

from __future__ import annotations

import unicodedata

import regex

_GRAPHEME = regex.compile(r"\X")
# A hashtag starts after the beginning, a space or punctuation other than '#', '&' or a word
# character (so "C#", "a#b" and "&#39;" are not tags), and runs over letters, marks, digits and
# '_' in any script. Trailing punctuation ("#django!", "#café,") is not part of it.
_HASHTAG = regex.compile(r"(?<![\p{L}\p{M}\p{N}_#&/])#([\p{L}\p{M}\p{N}_]+)")
# Handles are ASCII (accounts.handles): 3 to 30 of [A-Za-z0-9_], not inside an email address.
_MENTION = regex.compile(r"(?<![A-Za-z0-9_@.])@([A-Za-z0-9_]{3,30})(?![A-Za-z0-9_@])")
HASHTAG_MAX_LENGTH = 100
MAX_HASHTAGS = 30
MAX_MENTIONS = 20


def text_length(text: str) -> int:
    """The number of user-visible characters (extended grapheme clusters) in ``text``."""
    return len(_GRAPHEME.findall(text))


def hashtag_normalize(tag: str) -> str:
    """NFKC, then case-folded: ``#Straße`` and ``#STRASSE`` are one tag, fullwidth letters become ASCII."""
    return unicodedata.normalize("NFKC", tag).casefold()


def hashtags_parse(text: str) -> list[str]:
    """The distinct hashtags of ``text``, normalised, in order of first appearance.

    Tags made only of digits (``#1``) are not hashtags; longer than 100 characters are dropped;
    at most 30 are kept.
    """
    found: list[str] = []
    for match in _HASHTAG.finditer(text):
        tag = hashtag_normalize(match.group(1))
        if tag.replace("_", "").isdigit() or not tag.strip("_") or len(tag) > HASHTAG_MAX_LENGTH:
            continue
        if tag not in found:
            found.append(tag)
        if len(found) == MAX_HASHTAGS:
            break
    return found


def mentions_parse(text: str) -> list[str]:
    """The distinct handles mentioned in ``text`` (lower-cased), in order; at most 20."""
    found: list[str] = []
    for match in _MENTION.finditer(text):
        handle = match.group(1).lower()
        if handle not in found:
            found.append(handle)
        if len(found) == MAX_MENTIONS:
            break
    return found
