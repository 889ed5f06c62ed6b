"""Find the entities a story mentions, and capitalised names nobody has filed yet.

One Aho-Corasick automaton holds every entity name and alias. It is built once
per process and rebuilt only when the gazetteer changes: `invalidate_matcher()`
bumps a version token in Django's cache, so every process sharing that cache
notices, and a fingerprint of the tables (row counts, newest change) catches
writes made without it, such as another process under a per-process cache.
While the cache is unavailable the version is unknown and taken as unchanged:
the process keeps its automaton and its fingerprint checks, a bump the cache did
not take is sent again once it answers, and `invalidate_matcher()` still
rebuilds its own process's automaton.

Matching rules:

- Whole words only: the characters either side of a match must not be letters
  or digits ("Iran" is not found in "Iranian"), and a match does not start
  after a letter and an apostrophe ("Brien" is not found in "O'Brien").
  A possessive is fine: "Russia's" and "Russia’s" are Russia.
- Leftmost-longest, never overlapping: "Free Syrian Army" beats "Syrian".
  Only whole-word matches compete, so "New York" is still found in
  "New York Cityscape" when "New York City" is also an alias.
- Case-sensitive, as written: "Turkey" is the country and "turkey" the bird.
  An alias written with a lower-case first letter ("al-Assad", "bitcoin") also
  matches with a capital one, as at the start of a sentence. Text in capitals
  ("PUTIN SAYS") is not matched unless an alias is written that way ("UNSC").
- Straight and curly apostrophes are interchangeable in aliases.
- An alias shared by entities of different kinds (Georgia the place and
  Georgia the person) yields one mention per entity, over the same span.
"""

from __future__ import annotations

import re
import threading
import time
import uuid
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable
from typing import NamedTuple

import ahocorasick
from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Max

from entities.models import Alias, Entity

FIELDS = ("headline", "dek", "body")
FIELD_ORDER = {field: n for n, field in enumerate(FIELDS)}
ABOUT = "about"
MENTIONS = "mentions"
# A story is about an entity it names this often, even outside headline and dek.
ABOUT_MIN_MENTIONS = 3

VERSION_KEY = "entities:gazetteer-version"
# The shared version token is read on every call; the database fingerprint, for
# writes that skipped invalidate_matcher(), at most this often.
FINGERPRINT_INTERVAL = 5.0

APOSTROPHES = "'’"


class Mention(NamedTuple):
    """One occurrence of an entity in a field: text[start:end] is what matched."""

    entity_id: int
    alias: str
    start: int
    end: int
    field: str = ""


class Detection(NamedTuple):
    """What a story says about one entity: how often, where first, how central."""

    entity_id: int
    count: int
    first_field: str
    first_offset: int
    relevance: str
    alias: str

    def finding(self) -> dict[str, object]:
        """Everything but the entity, as `Suggestion.record_finding()` takes it."""
        return {
            "count": self.count,
            "first_field": self.first_field,
            "first_offset": self.first_offset,
            "relevance": self.relevance,
            "alias": self.alias,
        }


class Candidate(NamedTuple):
    """A capitalised name the gazetteer does not know, with a guessed kind."""

    name: str
    kind: str
    count: int
    first_offset: int


class Matcher:
    """Every name and alias of the gazetteer in one automaton."""

    def __init__(
        self,
        automaton: ahocorasick.Automaton | None,
        size: int,
        shared: dict[str, tuple[int, ...]] | None = None,
    ) -> None:
        self._automaton = automaton
        self.size = size
        # Aliases naming several entities: alias -> the entities after the first.
        self.shared = shared or {}

    def __len__(self) -> int:
        return self.size

    @classmethod
    def from_aliases(cls, aliases: Iterable[tuple[str, int]]) -> Matcher:
        """Build from (alias text, entity id) pairs; canonical names count too."""
        owners: dict[str, list[int]] = {}
        for text, entity_id in aliases:
            key = " ".join(text.split())
            if not key:
                continue
            ids = owners.setdefault(key, [])
            if entity_id not in ids:
                ids.append(entity_id)
        # Spelling variants never shadow an alias someone actually wrote.
        variants: dict[str, str] = {}
        for alias in owners:
            for variant in _variants(alias):
                if variant not in owners:
                    variants.setdefault(variant, alias)
        if not owners:
            return cls(None, 0)
        automaton = ahocorasick.Automaton()
        payloads = {}
        for alias, ids in owners.items():
            # Length less one: iter() reports the index of a match's last character.
            payloads[alias] = (len(alias) - 1, ids[0], alias)
            automaton.add_word(alias, payloads[alias])
        for variant, alias in variants.items():
            automaton.add_word(variant, payloads[alias])
        automaton.make_automaton()
        shared = {
            alias: tuple(ids[1:]) for alias, ids in owners.items() if len(ids) > 1
        }
        return cls(automaton, len(owners), shared)

    def find(self, text: str, field: str = "") -> list[Mention]:
        """Mentions in `text`, in order: whole words, leftmost-longest, no overlaps."""
        found = self.scan(text)
        mentions = [
            Mention(entity_id, alias, start, end, field)
            for start, end, (_, entity_id, alias) in zip(
                found[0::3], found[1::3], found[2::3], strict=True
            )
        ]
        if not self.shared:
            return mentions
        return [
            mention._replace(entity_id=entity_id)
            for mention in mentions
            for entity_id in (mention.entity_id, *self.shared.get(mention.alias, ()))
        ]

    def spans(self, text: str) -> list[tuple[int, int, tuple]]:
        """(start, end, payload) for each match `find()` reports in `text`."""
        found = self.scan(text)
        return list(zip(found[0::3], found[1::3], found[2::3], strict=True))

    def scan(self, text: str) -> list:
        """The matches in `text`, flat: start, end, payload, start, end, ...

        A payload is (length - 1, first entity id, alias); `shared` has the other
        entities of an alias that names several. Flat, to spare a tuple per
        match on long texts.
        """
        if self._automaton is None or not text:
            return []
        # iter_long() would choose leftmost-longest in C, but it drops matches
        # (pyahocorasick issue #133: "Syrian" in "the Free Syrian" when "Free
        # Syrian Army" is a key) and cannot pass over part-word matches. So take
        # every match, in order of end, and keep the whole-word ones that beat
        # what they overlap.
        chosen: list = []
        append = chosen.append
        # A trailing space lets the boundary checks index past either end
        # (text[-1] is that space) without testing for them.
        text += " "
        top_end = 0
        for end, payload in self._automaton.iter(text):
            start = end - payload[0]
            before = text[start - 1]
            if before.isalnum() or (
                before in APOSTROPHES and text[start - 2].isalpha()
            ):
                continue
            end += 1
            if text[end].isalnum():
                continue
            if start < top_end:
                # An overlap: the new match ends last, so it wins only by
                # starting before the leftmost match it overlaps, or with it and
                # longer.
                i = len(chosen) - 3
                while i and chosen[i - 2] > start:
                    i -= 3
                rival_start = chosen[i]
                if start > rival_start or (
                    start == rival_start and end <= chosen[i + 1]
                ):
                    continue
                del chosen[i:]
            append(start)
            append(end)
            append(payload)
            top_end = end
        return chosen


def spellings(alias: str) -> set[str]:
    """Every string the matcher takes for `alias`: the alias as a key (runs of
    whitespace made one space) and its variants (the other apostrophe, a
    capital first letter). Empty for an alias of whitespace only."""
    key = " ".join(alias.split())
    if not key:
        return set()
    return {key, *_variants(key)}


def relevance(first_field: str, count: int) -> str:
    """ABOUT for an entity first named in the headline or standfirst, or named
    at least ABOUT_MIN_MENTIONS times; else MENTIONS."""
    return ABOUT if first_field != "body" or count >= ABOUT_MIN_MENTIONS else MENTIONS


def _variants(alias: str) -> set[str]:
    forms = {alias}
    if "'" in alias or "’" in alias:
        forms |= {alias.replace("’", "'"), alias.replace("'", "’")}
    forms |= {form[0].upper() + form[1:] for form in forms if form[0].islower()}
    forms.discard(alias)
    return forms


_lock = threading.Lock()
_current: dict[str, object] = {}
# Set when the cache did not take a version bump: it is sent again once the cache
# answers, so other processes still learn of the change.
_unsent_bump = threading.Event()


def get_matcher(*, recheck: bool = False) -> Matcher:
    """The process's matcher for the gazetteer as it is now; built when stale.

    With `recheck`, the tables' fingerprint is read now rather than at most
    every FINGERPRINT_INTERVAL, for work that must see a change committed a
    moment ago by another process (the archive rescan, in a task worker whose
    cache may not be shared).
    """
    token = _version_token()
    now = time.monotonic()
    with _lock:
        matcher = _current.get("matcher")
        # An unknown version (no cache) counts as unchanged; the fingerprint
        # still catches what other processes write meanwhile.
        if matcher is not None and token in (None, _current["token"]):
            if not recheck and now - _current["checked_at"] < FINGERPRINT_INTERVAL:
                return matcher
            fingerprint = _fingerprint()
            if fingerprint == _current["fingerprint"]:
                _current["checked_at"] = now
                return matcher
        else:
            fingerprint = _fingerprint()
        matcher = _build()
        if token is None:
            # Built without knowing the version: keep the last one seen, so a
            # different version once the cache answers means a rebuild (none
            # seen, after invalidate_matcher(), means one in any case).
            token = _current.get("token")
        _current.update(
            matcher=matcher, token=token, fingerprint=fingerprint, checked_at=now
        )
        return matcher


def invalidate_matcher() -> None:
    """Make every process rebuild its matcher before its next match.

    Call after changing entities or aliases in bulk (`update()`, `bulk_create()`,
    `delete()` on a queryset); single saves and deletes should call it too.
    """
    with _lock:
        _current.clear()
    _bump_version()
    # Again at commit, in case another process rebuilt from the old rows in the
    # meantime.
    transaction.on_commit(_bump_version)


def _bump_version() -> None:
    token = uuid.uuid4().hex
    cache.set(VERSION_KEY, token, timeout=None)
    if cache.get(VERSION_KEY) == token:
        _unsent_bump.clear()
    else:
        _unsent_bump.set()


def _version_token() -> str | None:
    """The shared gazetteer version; None while the cache is unavailable."""
    token = cache.get(VERSION_KEY)
    if token is None:
        # First use, or the cache lost it (evicted, restarted empty): a new
        # version, so every process rebuilds once.
        cache.add(VERSION_KEY, uuid.uuid4().hex, timeout=None)
        token = cache.get(VERSION_KEY)
        if token is not None:
            _unsent_bump.clear()
    elif _unsent_bump.is_set():
        _bump_version()
        token = cache.get(VERSION_KEY)
    return token


def _fingerprint() -> tuple:
    entities = Entity.objects.aggregate(count=Count("pk"), changed=Max("updated_at"))
    aliases = Alias.objects.aggregate(count=Count("pk"), changed=Max("updated_at"))
    return (*entities.values(), *aliases.values())


def _build() -> Matcher:
    names = Entity.objects.values_list("name", "pk")
    aliases = Alias.objects.values_list("name", "entity_id")
    return Matcher.from_aliases([*names, *aliases])


def detect(
    headline: str, dek: str, body_text: str, *, matcher: Matcher | None = None
) -> list[Detection]:
    """The entities a story mentions, most central first.

    `body_text` is plain text (see `articles.html.html_to_text`). An entity in
    the headline or standfirst, or named at least ABOUT_MIN_MENTIONS times, is
    what the story is "about"; any other is one it "mentions". Offsets count
    characters from the start of `first_field`.
    """
    if matcher is None:
        matcher = get_matcher()
    seen: dict[int, list] = {}
    shared = matcher.shared
    for field, text in zip(FIELDS, (headline, dek, body_text), strict=True):
        if not text:
            continue
        found = matcher.scan(text)
        payloads = found[2::3]
        # Counting and first offsets run in C over every match; the Python loop
        # below only visits each distinct alias once.
        counts = Counter(payloads)
        firsts = dict(zip(reversed(payloads), reversed(found[0::3]), strict=True))
        for payload in sorted(counts, key=firsts.__getitem__):
            _, entity_id, alias = payload
            count, start = counts[payload], firsts[payload]
            for owner in (entity_id, *shared.get(alias, ())):
                entry = seen.get(owner)
                if entry is None:
                    seen[owner] = [count, field, start, alias]
                else:
                    entry[0] += count
    detections = [
        Detection(
            entity_id,
            count,
            field,
            offset,
            relevance(field, count),
            alias,
        )
        for entity_id, (count, field, offset, alias) in seen.items()
    ]
    detections.sort(
        key=lambda d: (
            d.relevance != ABOUT,
            -d.count,
            FIELD_ORDER[d.first_field],
            d.first_offset,
        )
    )
    return detections


# New-entity candidates: runs of capitalised words, cut at what the gazetteer
# knows, at possessives and at titles, then given a kind from their last word.


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


WORD = re.compile(r"[^\W_](?:[\w'’\-‐]*[^\W_])?")
# "al-Assad", "bin-Salman": a lower-case particle joined to a capitalised name.
PARTICLE = re.compile(r"(?:al|el|ad|ash|bin|ibn|abu|de|di|da|du|van|von)[-‐]")
# Lower-case words that may sit inside a name: "Bank of England", "Abu Bakr".
CONNECTORS = _words("of de del della der di da du van von bin ibn al el la le y")
# Written with a full stop and still part of the name that follows.
ABBREVIATIONS = _words("Mr Mrs Ms Dr Gen Sen Rep Gov Lt Col Sgt Capt Prof St")
TITLES = _words(
    """Mr Mrs Ms Miss Dr Sir Dame Lord Lady President Minister Premier Chancellor
    Secretary Senator Sen Representative Rep Governor Gov Mayor King Queen Prince
    Princess Sheikh Emir Pope Ayatollah Rabbi Imam Cardinal Bishop Father Judge
    Justice Ambassador Commissioner Chairman Chairwoman Chair Director Speaker
    Spokesman Spokeswoman Spokesperson Gen Lt Col Sgt Capt Colonel Lieutenant
    Captain Sergeant Commander Admiral Marshal Prof Professor"""
)
# Part of a title only right before one: "Prime Minister", "Defense Secretary".
TITLE_MODIFIERS = _words(
    """Prime Vice Deputy Foreign Defense Defence Interior Finance Justice Health
    Chief Acting Former Supreme General Attorney"""
)
SENTENCE_STARTERS = _words(
    """The A An This That These Those It Its He She They We I You His Her Their Our
    My Your There Here However According After Before During Upon Under Over While
    When Where Whether If Although Though Because Since Until Unless Meanwhile
    Also Yet So But And Or Nor For From With Without By To At On In Into Of As
    Last Next Every Each Some Many Most Several Both All Any No Not Only Even
    Still Then Thus Instead Despite Amid Among Between Following Earlier Later
    Today Yesterday Tomorrow Tonight Now Such What Which Who Whom Whose How Why"""
)
CALENDAR = _words(
    """Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February
    March April May June July August September October November December"""
)
PLACE_WORDS = _words(
    """Valley River Mountains Mountain City Lake Sea Ocean Island Islands Bay Gulf
    Strait Desert Heights Plain Plains Province Region District County Coast
    Peninsula Canyon Hills Forest Park Square Street Avenue Bridge Airport Port
    Harbour Harbor Crossing Camp Village Town"""
)
ORGANIZATION_WORDS = _words(
    """Army Council Ministry Office Party Union Company Authority Club Nations
    Agency Bank Bureau Commission Committee Corporation Court Department Fund
    Federation Forces Force Front Group Guard Institute League Movement Navy
    Organization Organisation Parliament Assembly Association Brigade Brigades
    Foundation Service Services University College School Hospital Inc Ltd
    Corp Co Airlines Times Post News Network Police Senate Congress Cabinet
    Coalition Alliance Alliances Secretariat Directorate Administration"""
)
# Longer runs of capitals are usually a headline in title case, not a name.
MAX_NAME_WORDS = 6


def find_candidates(
    text: str, known: Matcher | Iterable[tuple[int, int]] | None = None
) -> list[Candidate]:
    """Capitalised multi-word names in `text` that the gazetteer does not know.

    `known` is a matcher (the current one when omitted) or the (start, end)
    spans of `text` already matched; names overlapping them are cut there.
    Single words, and words that start sentences ("The", "However") or name
    days and months, are not candidates. Most frequent first.
    """
    if known is None:
        known = get_matcher()
    if isinstance(known, Matcher):
        found = known.scan(text)
        spans = list(zip(found[0::3], found[1::3], strict=True))
    else:
        spans = sorted((start, end) for start, end in known)
    starts = [start for start, _ in spans]
    counts: dict[str, list] = {}
    for run in _runs(text):
        for piece in _cut_known(run, spans, starts):
            for words, kind in _names(piece):
                name = " ".join(word for word, _, _ in words)
                entry = counts.get(name)
                if entry is None:
                    counts[name] = [kind, 1, words[0][1]]
                else:
                    entry[1] += 1
                    if entry[0] == Entity.Kind.OTHER:
                        entry[0] = kind
    candidates = [
        Candidate(name, kind, count, offset)
        for name, (kind, count, offset) in counts.items()
    ]
    candidates.sort(key=lambda c: (-c.count, c.first_offset))
    return candidates


Word = tuple[str, int, int]


def _runs(text: str) -> Iterable[list[Word]]:
    run: list[Word] = []
    previous_end = 0
    for match in WORD.finditer(text):
        word, start, end = match.group(), match.start(), match.end()
        possessive = len(word) > 2 and word[-2] in APOSTROPHES and word[-1] == "s"
        if possessive:
            word, end = word[:-2], end - 2
        gap = text[previous_end:start]
        joined = gap in (" ", "\xa0") or (
            gap in (". ", ".\xa0") and run and run[-1][0] in ABBREVIATIONS
        )
        if run and not joined:
            yield run
            run = []
        particle = PARTICLE.match(word)
        capitalised = word[0].isupper() or (
            particle is not None and word[particle.end() :][:1].isupper()
        )
        if capitalised or (run and word in CONNECTORS):
            run.append((word, start, end))
        elif run:
            yield run
            run = []
        if possessive and run:
            yield run
            run = []
        previous_end = match.end()
    if run:
        yield run


def _cut_known(
    run: list[Word], spans: list[tuple[int, int]], starts: list[int]
) -> Iterable[list[Word]]:
    piece: list[Word] = []
    for word in run:
        i = bisect_right(starts, word[1]) - 1
        inside = i >= 0 and spans[i][1] > word[1]
        if not inside and i + 1 < len(spans):
            inside = spans[i + 1][0] < word[2]
        if inside:
            if piece:
                yield piece
            piece = []
        else:
            piece.append(word)
    if piece:
        yield piece


def _names(words: list[Word]) -> Iterable[tuple[list[Word], str]]:
    while words and (words[0][0] in SENTENCE_STARTERS or words[0][0] in CALENDAR):
        words = words[1:]
    while words and (words[-1][0] in CALENDAR or words[-1][0] in CONNECTORS):
        words = words[:-1]
    while words and words[0][0] in CONNECTORS:
        words = words[1:]
    titles = [i for i, (word, _, _) in enumerate(words) if word in TITLES]
    # A title inside an institution's name is not a person's: "Minister's Office"
    # is cut at the possessive, but "Mayor Street" or "President Hotel" are not.
    if (
        titles
        and words[-1][0] not in PLACE_WORDS
        and words[-1][0] not in ORGANIZATION_WORDS
    ):
        # "Russian President Vladimir Putin": what precedes the title may be a
        # name of its own; what follows is a person if it is short.
        last = titles[-1]
        first = last
        while first > 0 and (
            words[first - 1][0] in TITLES or words[first - 1][0] in TITLE_MODIFIERS
        ):
            first -= 1
        yield from _names(words[:first])
        person = words[last + 1 :]
        if 2 <= len(person) <= 3 and not any(w in CONNECTORS for w, _, _ in person):
            yield person, Entity.Kind.PERSON
        elif person and person[0][0] not in CONNECTORS:
            yield from _names(person)
        return
    if len(words) < 2 or len(words) > MAX_NAME_WORDS:
        return
    last_word = words[-1][0]
    if last_word in PLACE_WORDS:
        yield words, Entity.Kind.PLACE
    elif last_word in ORGANIZATION_WORDS:
        yield words, Entity.Kind.ORGANIZATION
    else:
        yield words, Entity.Kind.OTHER
