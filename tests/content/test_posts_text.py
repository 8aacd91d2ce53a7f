"""Reading post text: grapheme length, hashtags (case, Unicode, punctuation), mentions."""

import pytest

from content.services.post_text import hashtags_parse, mentions_parse, text_length


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", 0),
        ("hello", 5),
        ("e\u0301", 1),  # e + combining acute: one character on screen
        ("👨‍👩‍👧", 1),  # a family: five code points joined
        ("🇫🇷🇧🇷", 2),  # two flags, four regional indicators
        ("👍🏽", 1),  # a thumb with a skin tone
        ("한국어", 3),
    ],
)
def test_length_counts_characters_as_people_see_them(text, expected):
    assert text_length(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I love #Django!", ["django"]),
        ("#Django #DJANGO #django", ["django"]),
        ("#café, #ÉTÉ.", ["café", "été"]),
        ("#Straße #STRASSE", ["strasse"]),
        ("(#parens) [#square] #end.", ["parens", "square", "end"]),
        ("#日本語。#русский?", ["日本語", "русский"]),
        ("#snake_case #_", ["snake_case"]),
        ("C# and a#b are not tags", []),
        ("#123 is a number, #2024goals is a tag", ["2024goals"]),
        ("https://example.com/#anchor &#39; ##double", []),
        ("#ｆｕｌｌ", ["full"]),  # noqa: RUF001 - fullwidth letters are the point of this case
        ("no tags here", []),
    ],
)
def test_hashtags_are_case_folded_unicode_aware_and_punctuation_safe(text, expected):
    assert hashtags_parse(text) == expected


def test_at_most_30_hashtags_are_kept():
    assert hashtags_parse(" ".join(f"#tag{i}" for i in range(40))) == [f"tag{i}" for i in range(30)]


def test_a_hashtag_longer_than_100_characters_is_dropped():
    assert hashtags_parse("#" + "a" * 101 + " #ok") == ["ok"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("hi @Ana, and @bob.", ["ana", "bob"]),
        ("(@carol) @carol @CAROL", ["carol"]),
        ("mail me at ana@example.com", []),
        ("@ab is too short, @" + "x" * 31 + " too long", []),
        ("@dave's post", ["dave"]),
        ("@émile is not a handle", []),
    ],
)
def test_mentions_are_handles_outside_email_addresses(text, expected):
    assert mentions_parse(text) == expected
