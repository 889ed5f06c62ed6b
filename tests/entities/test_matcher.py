from __future__ import annotations

import random

import pytest
from django.core.cache import cache

from entities import matcher as matcher_module
from entities.matcher import (
    ABOUT,
    MENTIONS,
    Matcher,
    detect,
    find_candidates,
    get_matcher,
    invalidate_matcher,
)
from entities.models import Entity
from tests.factories import AliasFactory, EntityFactory

pytestmark = pytest.mark.django_db

PERSON = Entity.Kind.PERSON
ORGANIZATION = Entity.Kind.ORGANIZATION
PLACE = Entity.Kind.PLACE

# The story's people, organisations and places: canonical name first.
STORY_GAZETTEER = {
    PERSON: [
        ["Benjamin Netanyahu", "Netanyahu", "Prime Minister Netanyahu"],
        ["Vladimir Putin", "Putin"],
        ["Hassan Rouhani", "Rouhani"],
        ["Bashar al-Assad", "Assad"],
    ],
    ORGANIZATION: [
        ["United Nations", "UN"],
        [
            "UN Security Council",
            "United Nations Security Council",
            "UNSC",
            "Security Council",
        ],
        ["Free Syrian Army"],
        ["Hezbollah"],
        ["Prime Minister’s Office"],
        ["Russian Defense Ministry", "Defense Ministry"],
    ],
    PLACE: [
        ["Israel"],
        ["Russia"],
        ["Syria"],
        ["Iran"],
        ["Turkey"],
        ["Damascus"],
        ["Wadi Barada Valley"],
    ],
}

# Counted by hand in the story: headline, standfirst and body. "Russian",
# "Israeli", "Iranian", "Syrian" and "Turkish" are adjectives, not the places;
# "Prime Minister Benjamin Netanyahu" is one mention of Netanyahu.
STORY_COUNTS = {
    "Benjamin Netanyahu": 5,  # headline 1, body 4
    "Vladimir Putin": 6,  # headline 1, dek 1, body 4
    "Hassan Rouhani": 1,
    "Bashar al-Assad": 2,  # "Assad’s" twice
    "United Nations": 2,
    "UN Security Council": 2,  # "UNSC" in the dek, "Security Council"
    "Free Syrian Army": 2,
    "Hezbollah": 1,
    "Prime Minister’s Office": 1,
    "Russian Defense Ministry": 1,  # "Russia’s Defense Ministry"
    "Israel": 5,  # dek "Israel-Russia", body 4
    "Russia": 7,  # dek 2, body 5 (one of them "Russia’s")
    "Syria": 6,  # never "Syrian"
    "Iran": 1,  # the dek; "Iranian President" is not Iran
    "Turkey": 1,  # "Russian-Turkey" in the dek; "Turkish" is not Turkey
    "Damascus": 1,
    "Wadi Barada Valley": 1,
}
IN_HEADLINE_OR_DEK = {
    "Benjamin Netanyahu",
    "Vladimir Putin",
    "UN Security Council",
    "Israel",
    "Russia",
    "Iran",
    "Turkey",
}


def build(*names: str | tuple[str, int]) -> Matcher:
    """A matcher where each bare name is its own entity, numbered from 1."""
    pairs = [
        name if isinstance(name, tuple) else (name, n)
        for n, name in enumerate(names, start=1)
    ]
    return Matcher.from_aliases(pairs)


def matched(matcher: Matcher, text: str) -> list[str]:
    return [text[m.start : m.end] for m in matcher.find(text)]


def read_story(path) -> tuple[str, str, str]:
    # Line 1 is the page title, then headline, standfirst and body, each after
    # a blank line.
    lines = path.read_text(encoding="utf-8").split("\n")
    return lines[2], lines[4], "\n".join(lines[5:]).strip()


class TestFind:
    def test_whole_words_only(self):
        """A name inside a longer word is not a mention: "Iran" is not in "Iranian"."""
        matcher = build("Iran")
        text = "Iranian and Irani officials; Iran-backed (Iran) Iran."
        assert matched(matcher, text) == ["Iran", "Iran", "Iran"]

    def test_longest_match_wins(self):
        """ "Free Syrian Army" is one mention, not also "Syrian" or "Syria"."""
        matcher = build("Free Syrian Army", "Syrian", "Syria", "Army")
        mentions = matcher.find("The Free Syrian Army and the Syrian army.")
        assert [(m.entity_id, m.alias) for m in mentions] == [
            (1, "Free Syrian Army"),
            (2, "Syrian"),
        ]

    def test_leftmost_match_wins_an_overlap(self):
        """Of two overlapping names the one that starts first is taken."""
        matcher = build("New York", "York City Council")
        assert matched(matcher, "New York City Council") == ["New York"]

    def test_part_word_match_does_not_hide_a_shorter_name(self):
        """ "New York" is found in "New York Cityscape" though "New York City" fails."""
        matcher = build("New York", "New York City")
        assert matched(matcher, "the New York Cityscape") == ["New York"]

    @pytest.mark.parametrize("text", ["Russia's army", "Russia’s army"])
    def test_possessive(self, text):
        """A possessive, straight or curly, is a mention of the name before it."""
        assert [(m.start, m.end) for m in build("Russia").find(text)] == [(0, 6)]

    @pytest.mark.parametrize(
        ("alias", "text"),
        [
            ("Prime Minister’s Office", "the Prime Minister's Office said"),
            ("Prime Minister's Office", "the Prime Minister’s Office said"),
            ("Prime Minister’s Office", "the Prime Minister’s Office said"),
        ],
    )
    def test_curly_and_straight_apostrophes_are_the_same(self, alias, text):
        """An alias with an apostrophe matches either kind of apostrophe."""
        mentions = build(alias).find(text)
        assert [(m.alias, text[m.start : m.end]) for m in mentions] == [
            (alias, text[4:27])
        ]

    def test_no_match_after_a_letter_and_apostrophe(self):
        """ "Brien" is not found in "O'Brien" or "O’Brien"."""
        assert matched(build("Brien"), "O'Brien, O’Brien and Brien") == ["Brien"]

    def test_case_sensitive(self):
        """ "Turkey" is the country; "turkey" the bird is not a mention."""
        matcher = build("Turkey")
        assert matched(matcher, "A turkey sandwich in TURKEY, Turkey.") == ["Turkey"]

    def test_lower_case_alias_matches_capitalised(self):
        """An alias starting in lower case also matches at a sentence start."""
        matcher = build("al-Assad")
        assert matched(matcher, "Al-Assad met al-Assad.") == ["Al-Assad", "al-Assad"]

    def test_offsets_point_at_the_text(self):
        """text[start:end] is the matched name, in every field."""
        matcher = build("Vladimir Putin", "Putin", "Russia")
        text = "Russia: Vladimir Putin’s aide, and Putin, spoke.\nRussia!"
        mentions = matcher.find(text, "body")
        assert [(text[m.start : m.end], m.field) for m in mentions] == [
            ("Russia", "body"),
            ("Vladimir Putin", "body"),
            ("Putin", "body"),
            ("Russia", "body"),
        ]
        assert all(text[m.start : m.end] == m.alias for m in mentions)

    def test_shared_alias_names_every_entity(self):
        """An alias of two entities (different kinds) is a mention of both."""
        matcher = build(("Georgia", 1), ("Georgia", 2), ("Tbilisi", 3))
        mentions = matcher.find("Tbilisi, Georgia")
        assert [(m.entity_id, m.start) for m in mentions] == [(3, 0), (1, 9), (2, 9)]

    def test_empty_matcher_finds_nothing(self):
        """A gazetteer with no names matches nothing."""
        assert Matcher.from_aliases([]).find("Russia and Syria") == []
        assert build("Russia").find("") == []

    def test_agrees_with_a_plain_reference(self):
        """On random texts, matches equal a slow, obvious implementation."""
        rng = random.Random(7)
        words = ["Ab", "Ba", "Ab Ba", "Ba Ab", "Abba", "Ab Ab Ba", "a", "b", "ab"]
        for _ in range(300):
            aliases = rng.sample(words[:6], k=rng.randint(1, 6))
            text = "".join(
                rng.choice(words + [" ", " ", ", ", "'s ", "-"]) for _ in range(20)
            )
            matcher = build(*aliases)
            assert matched(matcher, text) == _reference(aliases, text), (
                aliases,
                text,
            )


def _reference(aliases: list[str], text: str) -> list[str]:
    def whole(start: int, end: int) -> bool:
        before = text[start - 1] if start else " "
        after = text[end] if end < len(text) else " "
        return not (before.isalnum() or after.isalnum()) and not (
            before in "'’" and start > 1 and text[start - 2].isalpha()
        )

    found, position = [], 0
    while position < len(text):
        here = [
            a
            for a in aliases
            if text.startswith(a, position) and whole(position, position + len(a))
        ]
        if here:
            longest = max(here, key=len)
            found.append(longest)
            position += len(longest)
        else:
            position += 1
    return found


class TestDetect:
    def test_relevance(self):
        """Headline or standfirst, or three mentions, make a story about an entity."""
        matcher = build("Russia", "Syria", "Iran", "Turkey")
        detections = detect(
            "Russia speaks",
            "Iran listens",
            "Syria, Syria and Syria. Turkey once. Russia again.",
            matcher=matcher,
        )
        assert [
            (d.entity_id, d.count, d.first_field, d.first_offset, d.relevance)
            for d in detections
        ] == [
            (2, 3, "body", 0, ABOUT),
            (1, 2, "headline", 0, ABOUT),
            (3, 1, "dek", 0, ABOUT),
            (4, 1, "body", 24, MENTIONS),
        ]

    def test_shared_alias_counts_for_each_entity(self):
        """An alias of two entities counts as a mention of both."""
        matcher = build(("Georgia", 1), ("Georgia", 2), ("Tbilisi", 1))
        detections = detect("", "Tbilisi, Georgia", "Georgia", matcher=matcher)
        assert [(d.entity_id, d.count, d.first_offset) for d in detections] == [
            (1, 3, 0),
            (2, 2, 9),
        ]

    def test_first_alias_is_reported(self):
        """A detection names the alias of its first mention."""
        matcher = build(("Vladimir Putin", 1), ("Putin", 1))
        (detection,) = detect("", "Putin said", "Vladimir Putin", matcher=matcher)
        assert (detection.count, detection.alias) == (2, "Putin")


class TestCandidates:
    def test_kinds_are_guessed(self):
        """Valleys are places, armies organisations, titled names people."""
        text = (
            "The Free Syrian Army fought in the Wadi Barada Valley. Russian "
            "President Vladimir Putin called Mr. John Smith. The Middle East waits."
        )
        candidates = find_candidates(text, Matcher.from_aliases([]))
        assert {(c.name, c.kind) for c in candidates} == {
            ("Free Syrian Army", "organization"),
            ("Wadi Barada Valley", "place"),
            ("Vladimir Putin", "person"),
            ("John Smith", "person"),
            ("Middle East", "other"),
        }

    def test_sentence_starters_and_single_words_are_skipped(self):
        """ "However", "According", days, months and lone words are not names."""
        text = (
            "However, Syria said so. According to Hezbollah, On Monday Assad left. "
            "In December Damascus fell. The UN met."
        )
        assert find_candidates(text, Matcher.from_aliases([])) == []

    def test_known_names_are_not_candidates(self):
        """Names the gazetteer knows, whole or in part, are cut from runs."""
        known = build("Vladimir Putin", "Security Council")
        text = "Russian President Vladimir Putin met the Security Council Ambassadors."
        assert find_candidates(text, known) == []

    def test_spans_may_stand_for_the_gazetteer(self):
        """`known` may be the matched (start, end) spans instead of a matcher."""
        text = "The Free Syrian Army and the Wadi Barada Valley."
        assert [c.name for c in find_candidates(text, [(4, 20)])] == [
            "Wadi Barada Valley"
        ]

    def test_counts(self):
        """A candidate named twice is counted twice, listed first."""
        text = "Middle East talks. The Free Syrian Army. The Free Syrian Army again."
        candidates = find_candidates(text, Matcher.from_aliases([]))
        assert [(c.name, c.count) for c in candidates] == [
            ("Free Syrian Army", 2),
            ("Middle East", 1),
        ]


class TestStory:
    @pytest.fixture
    def gazetteer(self):
        entities = {}
        for kind, rows in STORY_GAZETTEER.items():
            for name, *aliases in rows:
                entity = EntityFactory(name=name, kind=kind)
                for alias in aliases:
                    AliasFactory(entity=entity, name=alias)
                entities[entity.pk] = name
        return entities

    def test_every_entity_found_with_its_count(self, story_file, gazetteer):
        """Each entity of the story is found as often as it is named, and no other."""
        detections = detect(*read_story(story_file))
        assert {gazetteer[d.entity_id]: d.count for d in detections} == STORY_COUNTS

    def test_relevance(self, story_file, gazetteer):
        """Entities in the headline or standfirst, or named 3+ times, are "about"."""
        detections = detect(*read_story(story_file))
        about = {gazetteer[d.entity_id] for d in detections if d.relevance == ABOUT}
        assert about == IN_HEADLINE_OR_DEK | {"Syria"}

    def test_offsets(self, story_file, gazetteer):
        """Each first offset points at the alias in the field it names."""
        headline, dek, body = read_story(story_file)
        fields = {"headline": headline, "dek": dek, "body": body}
        for d in detect(headline, dek, body):
            text = fields[d.first_field]
            assert text[d.first_offset : d.first_offset + len(d.alias)] == d.alias

    def test_candidates_with_an_empty_gazetteer(self, story_file):
        """With nothing filed, the story's names come back as candidates."""
        text = "\n\n".join(read_story(story_file))
        candidates = {c.name: c for c in find_candidates(text)}
        assert {
            name: (candidates[name].kind, candidates[name].count)
            for name in [
                "Free Syrian Army",
                "Wadi Barada Valley",
                "Vladimir Putin",
                "Security Council",
            ]
        } == {
            "Free Syrian Army": ("organization", 2),
            "Wadi Barada Valley": ("place", 1),
            "Vladimir Putin": ("person", 2),
            "Security Council": ("organization", 1),
        }
        assert not {"However", "According", "Saturday", "Prime Minister"} & set(
            candidates
        )

    def test_no_candidates_the_gazetteer_knows(self, story_file, gazetteer):
        """With the gazetteer loaded, only unknown names remain."""
        text = "\n\n".join(read_story(story_file))
        assert [c.name for c in find_candidates(text)] == ["Middle East"]


class TestCache:
    def test_built_once(self, django_assert_num_queries):
        """A second call reuses the automaton without touching the database."""
        EntityFactory(name="Russia", kind=PLACE)
        first = get_matcher()
        with django_assert_num_queries(0):
            assert get_matcher() is first

    def test_invalidated_after_an_alias_change(self):
        """A new alias is matched once the matcher is invalidated."""
        russia = EntityFactory(name="Russia", kind=PLACE)
        assert get_matcher().find("the Russian Federation") == []
        AliasFactory(entity=russia, name="Russian Federation")
        invalidate_matcher()
        assert [m.entity_id for m in get_matcher().find("the Russian Federation")] == [
            russia.pk
        ]

    def test_another_process_invalidating_is_noticed(self):
        """A new version in the shared cache makes this process rebuild."""
        first = get_matcher()
        cache.set(matcher_module.VERSION_KEY, "bumped elsewhere", timeout=None)
        assert get_matcher() is not first

    def test_unannounced_change_is_noticed(self, monkeypatch):
        """A write that skipped invalidation is caught by the table fingerprint."""
        monkeypatch.setattr(matcher_module, "FINGERPRINT_INTERVAL", 0)
        russia = EntityFactory(name="Russia", kind=PLACE)
        assert get_matcher().find("Moscow") == []
        AliasFactory(entity=russia, name="Moscow")
        assert [m.entity_id for m in get_matcher().find("Moscow")] == [russia.pk]


class TestSpellingsAndRelevance:
    def test_spellings_are_what_the_matcher_takes(self):
        """Every spelling listed is matched, as the alias's own entity."""
        matcher = Matcher.from_aliases([("prime  minister’s office", 1)])
        spellings = matcher_module.spellings("prime  minister’s office")
        assert spellings == {
            "prime minister’s office",
            "prime minister's office",
            "Prime minister’s office",
            "Prime minister's office",
        }
        for spelling in spellings:
            assert [m.entity_id for m in matcher.find(f"the {spelling} said")] == [1]

    def test_no_spellings_for_blank_names(self):
        """An alias of whitespace only has nothing to match."""
        assert matcher_module.spellings("  ") == set()

    @pytest.mark.parametrize(
        ("field", "count", "expected"),
        [
            ("headline", 1, ABOUT),
            ("dek", 1, ABOUT),
            ("body", 2, MENTIONS),
            ("body", 3, ABOUT),
        ],
    )
    def test_relevance(self, field, count, expected):
        """About when in the headline or standfirst or named often."""
        assert matcher_module.relevance(field, count) == expected


class TestRecheck:
    def test_recheck_reads_the_fingerprint_now(self):
        """A write nobody announced is seen at once with `recheck`, not only after
        FINGERPRINT_INTERVAL."""
        russia = EntityFactory(name="Russia", kind=PLACE)
        assert get_matcher().find("Moscow") == []
        AliasFactory(entity=russia, name="Moscow")
        assert get_matcher().find("Moscow") == []
        assert [m.entity_id for m in get_matcher(recheck=True).find("Moscow")] == [
            russia.pk
        ]

    def test_recheck_keeps_a_current_matcher(self, django_assert_num_queries):
        """Nothing changed, the matcher is kept after reading the fingerprint."""
        EntityFactory(name="Russia", kind=PLACE)
        first = get_matcher()
        with django_assert_num_queries(2):
            assert get_matcher(recheck=True) is first
