from __future__ import annotations

import pytest

from newsroom.cleaning import clean_text, describe, unwanted_in


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("Plain headline", "Plain headline"),
        ("Wire\x1b[0m copy", "Wire[0m copy"),
        ("tab\tand\nnewline stay", "tab\tand\nnewline stay"),
        ("windows\r\nline\rendings", "windows\nline\nendings"),
        ("nul\x00 del\x7f c1\x85 end", "nul del c1 end"),
        ("lone \ud800 surrogate", "lone  surrogate"),
        ("non-character \uffff", "non-character "),
        ("Ünïcödé — “quotes” 東京", "Ünïcödé — “quotes” 東京"),
    ],
)
def test_clean_text(raw, clean):
    """Control characters and lone surrogates go; tab, newline and real text stay."""
    assert clean_text(raw) == clean


def test_unwanted_in_names_each_character_once():
    """The report names each unwanted character once, in order, and not CRs."""
    assert unwanted_in("a\x1bb\x1bc\r\n\x00\ud800") == [
        "U+001B",
        "U+0000",
        "U+D800 lone surrogate",
    ]
    assert unwanted_in("fine\r\n") == []


def test_describe_uses_unicode_names():
    """A named character is reported with its name."""
    assert describe("\ufffe") == "U+FFFE"
    assert describe("\u00a0") == "U+00A0 NO-BREAK SPACE"
