"""Unit tests of `related.text`: how a story's words become weighted features."""

from __future__ import annotations

import itertools

import pytest

from related import text
from related.scoring import TOTAL
from related.text import (
    BODY_CHARS,
    BOILERPLATE_WORDS,
    COUNTED_TERMS,
    DEK_WEIGHT,
    HEADLINE_WEIGHT,
    plain_text,
    term_feature,
    terms,
)


@pytest.fixture(autouse=True)
def _archive():
    """Pure functions of text: no archive, no database."""


# Letters the English stemmer leaves alone at the end of a made-up word.
CONSONANTS = "bcdfghjkmnpqrvwxz"


def counted(found: text.Terms) -> dict[str, float]:
    """A story's weighted counts by the word shown for each."""
    return {found.words[feature]: count for feature, count in found.counts.items()}


def made_up_words(count: int, length: int = 4) -> list[str]:
    """`count` distinct letter-only words that are not English and stem to
    themselves ("zbcdq", "zbcfq", ...)."""
    letters = itertools.product(CONSONANTS, repeat=length)
    return [f"z{''.join(next(letters))}q" for _ in range(count)]


class TestWeights:
    def test_headline_dek_and_body_weigh_as_configured(self):
        """A word counts HEADLINE_WEIGHT in the headline, DEK_WEIGHT in the
        standfirst and 1 in the body."""
        found = counted(terms("Reservoir", "Tailings", "<p>Brumadinho</p>"))
        assert found == {
            "reservoir": HEADLINE_WEIGHT,
            "tailings": DEK_WEIGHT,
            "brumadinho": 1.0,
        }
        assert HEADLINE_WEIGHT > DEK_WEIGHT > 1.0

    def test_a_word_in_every_part_adds_up(self):
        """A word used in the headline, the standfirst and twice in the body
        counts the sum of its places."""
        found = counted(
            terms(
                "Reservoir bursts",
                "The reservoir held mud",
                "<p>The reservoir was old.</p><p>A second reservoir held.</p>",
            )
        )
        assert found["reservoir"] == HEADLINE_WEIGHT + DEK_WEIGHT + 2.0

    def test_words_are_counted_case_blind(self):
        """'RESERVOIR', 'Reservoir' and 'reservoir' are one word."""
        found = terms("RESERVOIR", "Reservoir", "<p>reservoir</p>")
        assert list(found.counts.values()) == [HEADLINE_WEIGHT + DEK_WEIGHT + 1.0]


class TestWords:
    def test_stemming_joins_inflections(self):
        """'Elections' and 'election' are one term, shown as first written."""
        found = terms("Elections loom", "", "<p>The election is close.</p>")
        assert counted(found)["elections"] == HEADLINE_WEIGHT + 1.0
        assert "election" not in counted(found)
        assert term_feature("en", "elect") in found.counts

    def test_stop_words_and_numbers_are_dropped(self):
        """'said', 'the' and '2024' never become terms; words beside digits stay."""
        found = counted(
            terms(
                "Turnout hit 61% in 2024, officials said",
                "",
                "<p>The 2024 vote: 1,234,567 ballots. COVID-19 rules applied.</p>",
            )
        )
        assert {"said", "the", "in"}.isdisjoint(found)
        assert not any(char.isdigit() for word in found for char in word)
        assert {"turnout", "officials", "ballots", "covid"} <= set(found)

    def test_contractions_in_the_stop_list_are_stop_words(self):
        """'Let's' and 'let’s' are stop words, not the term 'let'."""
        found = counted(terms("Let's vote", "", "<p>Let’s go, here's why.</p>"))
        assert found == {"vote": HEADLINE_WEIGHT}

    def test_short_words_are_dropped(self):
        """Words under MIN_LENGTH letters ('UN', 'ox') are not terms."""
        assert counted(terms("UN ox vote", "", "")) == {"vote": HEADLINE_WEIGHT}

    def test_possessives_join_the_name(self):
        """'Brumadinho's', 'Vale’s' and 'miners'' count as the words they own."""
        found = counted(
            terms(
                "Brumadinho's grief",
                "Vale’s dam",
                "<p>Brumadinho mourns. Vale apologises. The miners' union.</p>",
            )
        )
        assert found["brumadinho"] == HEADLINE_WEIGHT + 1.0
        assert found["vale"] == DEK_WEIGHT + 1.0
        assert "miners" in found
        assert not any("'" in word or "’" in word for word in found)

    def test_markup_and_entities_are_not_words(self):
        """Tags, attributes and character references are left out of the words."""
        found = counted(
            terms(
                "",
                "",
                '<p><a href="https://example.org/mudflow">Rescuers</a>'
                " &amp; firefighters&nbsp;searched</p>",
            )
        )
        assert set(found) == {"rescuers", "firefighters", "searched"}


class TestBoilerplate:
    def test_short_boilerplate_lines_are_dropped(self):
        """Newsletter and sharing lines in the body are not counted."""
        found = counted(
            terms(
                "",
                "",
                "<p>Sign up for our newsletter</p>"
                "<p>Read more</p>"
                "<p><strong>Subscribe</strong> today!</p>"
                "<p>Rescuers searched the reservoir.</p>",
            )
        )
        assert set(found) == {"rescuers", "searched", "reservoir"}

    def test_a_long_paragraph_starting_like_boilerplate_is_kept(self):
        """A paragraph of more than BOILERPLATE_WORDS words is news even when it
        starts with 'Related'."""
        paragraph = (
            "Related investigations by federal prosecutors into the mining "
            "company's safety certificates began after the reservoir collapsed"
        )
        assert len(paragraph.split()) > BOILERPLATE_WORDS
        found = counted(terms("", "", f"<p>{paragraph}</p>"))
        assert {"related", "investigations", "prosecutors", "reservoir"} <= set(found)

    def test_boilerplate_words_inside_a_line_are_kept(self):
        """Only a line that starts with a boilerplate phrase is dropped."""
        found = counted(terms("", "", "<p>Rescuers watch the mud.</p>"))
        assert set(found) == {"rescuers", "watch", "mud"}

    def test_a_headline_starting_like_boilerplate_still_counts(self):
        """A headline or standfirst is never boilerplate: 'Watch: ...' and
        'Copyright ruling ...' keep their words."""
        found = counted(
            terms("Watch: reservoir dam collapses", "Copyright ruling hits", "")
        )
        assert found["reservoir"] == HEADLINE_WEIGHT
        assert found["ruling"] == DEK_WEIGHT


class TestLanguages:
    @pytest.mark.parametrize("language", ["xx", "ja", "tlh", ""])
    def test_a_language_without_a_stemmer_still_gives_terms(self, language):
        """Words of a story in a language with no Snowball stemmer are counted
        unstemmed, without an error."""
        found = counted(terms("Reservoirs collapse", "", "<p>reservoir</p>", language))
        if language:
            assert text.stemmer(text.primary_language(language)) is None
            assert found == {
                "reservoirs": HEADLINE_WEIGHT,
                "collapse": HEADLINE_WEIGHT,
                "reservoir": 1.0,
            }
        else:
            # No language at all is read as English.
            assert found == {
                "reservoirs": HEADLINE_WEIGHT + 1.0,
                "collapse": HEADLINE_WEIGHT,
            }

    @pytest.mark.parametrize("language", ["en-GB", "EN_us", "en"])
    def test_regional_english_is_english(self, language):
        """'en-GB' is stemmed and stop-worded as English."""
        found = terms("The elections", "", "<p>election</p>", language)
        assert counted(found) == {"elections": HEADLINE_WEIGHT + 1.0}
        assert term_feature("en", "elect") in found.counts

    def test_another_language_is_stemmed_with_its_own_stemmer(self):
        """A Portuguese story's inflections join under the Portuguese stemmer."""
        found = terms("Barragem rompem", "", "<p>A barragem rompeu.</p>", "pt-BR")
        assert counted(found) == {
            "barragem": HEADLINE_WEIGHT + 1.0,
            "rompem": HEADLINE_WEIGHT + 1.0,
        }

    def test_greek_is_stemmed(self):
        """Greek (ISO 'el', 'Modern Greek' to pycountry) has a Snowball stemmer
        and uses it: 'εκλογές' and 'εκλογή' are one term."""
        found = terms("Εκλογές", "", "<p>Η εκλογή</p>", "el")
        assert list(found.counts.values()) == [HEADLINE_WEIGHT + 1.0]

    def test_two_japanese_stories_about_one_event_share_terms(self):
        """Japanese text, written without spaces, still gives terms that two
        stories about the same dam collapse share."""
        one = terms(
            "ブラジルでダム決壊",
            "",
            "<p>鉱山のダムが決壊し、多数が行方不明。</p>",
            "ja",
        )
        two = terms("ダム決壊で捜索続く", "", "<p>決壊したダムの下流で捜索。</p>", "ja")
        assert set(one.counts) & set(two.counts)


class TestEdges:
    @pytest.mark.parametrize(
        ("headline", "dek", "body"),
        [
            ("", "", ""),
            ("", "", "<p></p><p>&nbsp;</p><br>"),
            ("2024", "1 2 3", "<p>42 — 3.14%</p>"),
            ("It was the", "and of", "<p>They said that it is.</p>"),
        ],
    )
    def test_a_story_without_words_has_no_terms(self, headline, dek, body):
        """No words (nothing, markup, numbers or stop words only): no terms."""
        found = terms(headline, dek, body)
        assert found.counts == {}
        assert found.words == {}

    def test_only_the_start_of_a_huge_body_is_read(self, monkeypatch):
        """Of a 3 MB body only the first BODY_CHARS characters of text are read:
        words after them are not terms, and the stemmer sees no more."""
        first = "<p>Tailings from the reservoir buried the valley.</p>"
        filler = " ".join(made_up_words(3000))
        late = "<p>Zebras and giraffes escaped.</p>"
        body = first + f"<p>{filler}</p>" * 200 + late
        assert len(body) > 3_000_000
        stemmed: list[int] = []
        real = text.stemmer

        class Counting:
            def __init__(self, stemmer):
                self.stemmer = stemmer

            def stemWords(self, words):
                stemmed.append(len(words))
                return self.stemmer.stemWords(words)

        monkeypatch.setattr(text, "stemmer", lambda language: Counting(real(language)))

        found = counted(terms("Dam", "", body))

        assert len(plain_text(body)) <= BODY_CHARS
        assert {"tailings", "reservoir", "valley"} <= set(found)
        assert {"zebras", "giraffes"}.isdisjoint(found)
        # Each word read is at least one letter and a space.
        assert sum(stemmed) <= 1 + BODY_CHARS // 2
        assert len(found) == COUNTED_TERMS

    def test_a_huge_word_is_not_a_term(self):
        """A 3 MB run of letters is no word (longer than MAX_LENGTH)."""
        found = counted(terms("Mud", "", "<p>" + "a" * 3_000_000 + "</p>"))
        assert found == {"mud": HEADLINE_WEIGHT}

    def test_at_most_counted_terms_the_strongest_first(self):
        """A story with more distinct words than COUNTED_TERMS keeps the
        COUNTED_TERMS strongest: the headline's and the repeated ones."""
        words = made_up_words(COUNTED_TERMS * 3)
        body = "<p>" + " ".join(words) + " reservoir reservoir</p>"
        found = counted(terms("Tailings", "", body))
        assert len(found) == COUNTED_TERMS
        assert found["tailings"] == HEADLINE_WEIGHT
        assert found["reservoir"] == 2.0
        # Ties are broken by order of appearance, the same on every read.
        assert counted(terms("Tailings", "", body)) == found
        assert words[-1] not in found


class TestFeatures:
    def test_term_feature_is_stable_across_processes(self):
        """A stem's number never changes (it is stored): a fixed hash, not
        Python's per-process one."""
        assert term_feature("en", "dam") == -630437829451
        assert term_feature("en", "dam") == term_feature("en", "dam")

    def test_term_features_are_negative_and_never_the_total(self):
        """Every term's feature is negative (entities and tags are positive, the
        story count is 0) and fits a BigIntegerField."""
        features = [term_feature("en", word) for word in made_up_words(2000)]
        assert all(-(2**40) <= feature < TOTAL for feature in features)
        assert len(set(features)) == len(features)

    def test_the_same_stem_differs_per_language(self):
        """'dam' in English and in Portuguese are different features."""
        assert term_feature("en", "dam") != term_feature("pt", "dam")

    def test_terms_are_numbered_by_language_and_stem(self):
        """A story's counts are keyed by `term_feature` of its language."""
        english = terms("Reservoir", "", "", "en")
        other = terms("Reservoir", "", "", "xx")
        assert list(english.counts) == [term_feature("en", "reservoir")]
        assert list(other.counts) == [term_feature("xx", "reservoir")]
