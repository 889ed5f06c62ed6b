"""A story's words as features for scoring: pure functions, no ORM.

The headline, standfirst and body are cut into words (letters only, so numbers
never link stories), lower-cased, stripped of stop words (English so far; other
languages rely on very common words being left out by their document
frequency), stemmed with the Snowball stemmer of the story's language
(PyStemmer) when there is one, and counted with the headline weighing most.
Short lines of the body that are newsletter and sharing boilerplate ("Sign up!",
"Read more") are dropped first; a headline or standfirst never is. Each stem
becomes a feature number of its own, negative so that it never meets an
entity's or a tag's (see `related.scoring`).

Only the first BODY_CHARS characters of a body are read: a news story's topic is
in its first screens, and a 3 MB body then costs what a long story does.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pycountry
import Stemmer

HEADLINE_WEIGHT = 3.0
DEK_WEIGHT = 2.0
BODY_WEIGHT = 1.0
# What is read of a body, before and after its markup is dropped.
BODY_HTML_CHARS = 200_000
BODY_CHARS = 20_000
# The strongest words a story is counted with in document frequencies.
COUNTED_TERMS = 100
MIN_LENGTH = 3
MAX_LENGTH = 40
# Boilerplate lines are short.
BOILERPLATE_WORDS = 12

WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
TAG = re.compile(r"<[^>]*>")
ENTITY = re.compile(r"&(?:#\d+|#x[0-9a-f]+|[a-z]+);", re.IGNORECASE)
BLOCK_END = re.compile(r"</(?:p|h[1-6]|li|blockquote|div)>|<br\s*/?>", re.IGNORECASE)
POSSESSIVE = re.compile(r"['’]s?$")
# Scripts written without spaces between words (Chinese, Japanese, Korean's
# hanja): a run of them is counted as its overlapping pairs of characters, the
# usual way to index them without a dictionary.
UNSPACED = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")

DATA = Path(__file__).resolve().parent / "data"


def _lines(name: str) -> list[str]:
    """The lines of a data file, leaving out comments and blank lines."""
    lines = (DATA / name).read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and line[0] != "#"]


STOP_WORDS = {
    "en": frozenset(" ".join(_lines("stopwords-en.txt")).replace("’", "'").split())
}
BOILERPLATE = re.compile(
    "|".join(rf"^\W*{re.escape(phrase)}\b" for phrase in _lines("boilerplate-en.txt")),
    re.IGNORECASE,
)


def primary_language(language: str) -> str:
    """`language`'s primary subtag: "en" for "en-GB"."""
    return (language or "").replace("_", "-").split("-", 1)[0].lower()


@functools.cache
def stemmer(language: str) -> Stemmer.Stemmer | None:
    """The Snowball stemmer for an ISO 639-1 `language`, if there is one."""
    record = pycountry.languages.get(alpha_2=language) if len(language) == 2 else None
    if record is None:
        return None
    # "Greek" is "Modern Greek (1453-)" to ISO 639.
    algorithms = set(Stemmer.algorithms())
    name = next((w for w in WORD.findall(record.name.lower()) if w in algorithms), None)
    if name is None:
        return None
    return Stemmer.Stemmer(name, 100_000)


def term_feature(language: str, stem: str) -> int:
    """The feature number of a stem: negative, 40 bits of a stable hash."""
    digest = hashlib.blake2b(f"{language}:{stem}".encode(), digest_size=5).digest()
    return -(int.from_bytes(digest, "big") + 1)


def plain_text(html: str) -> str:
    """A body's text, a line per block, cheaply and for counting words only."""
    text = BLOCK_END.sub("\n", html[:BODY_HTML_CHARS])
    return ENTITY.sub(" ", TAG.sub(" ", text))[:BODY_CHARS]


@dataclass
class Terms:
    """A story's words: weighted counts by feature, and a word to show for each."""

    counts: dict[int, float] = field(default_factory=dict)
    words: dict[int, str] = field(default_factory=dict)


# What each word of a language became (its feature and the word to show, or None
# for a word that does not count): most of a story's words were met before.
_SEEN: dict[str, dict[str, tuple[int, str] | None]] = {}
SEEN_LIMIT = 500_000


def _features(language: str, tokens: list[str]) -> Counter[tuple[int, str] | None]:
    """How often each (feature, shown word) occurs among `tokens`; None counts
    the tokens that do not count."""
    seen = _SEEN.setdefault(language, {})
    # Strings cache their hash and the tuples do not: count the tokens first.
    counted = Counter(tokens)
    if len(seen) > SEEN_LIMIT:
        seen.clear()
    new = [token for token in counted if token not in seen]
    if new:
        stop = STOP_WORDS.get(language, frozenset())
        stem = stemmer(language)
        kept = []
        for token in new:
            word = token.lower().replace("’", "'")
            # Before the possessive goes: "let's" is a stop word, "let" not.
            if word not in stop:
                word = POSSESSIVE.sub("", word)
            shortest = 2 if UNSPACED.match(word) else MIN_LENGTH
            if shortest <= len(word) <= MAX_LENGTH and word not in stop:
                kept.append((token, word))
            else:
                seen[token] = None
        words = [word for _, word in kept]
        roots = stem.stemWords(words) if stem is not None else words
        for (token, word), root in zip(kept, roots, strict=True):
            seen[token] = None if root in stop else (term_feature(language, root), word)
    found: Counter[tuple[int, str] | None] = Counter()
    for token, n in counted.items():
        found[seen[token]] += n
    return found


def _pairs(tokens: list[str]) -> list[str]:
    """`tokens` with every run of an unspaced script cut into overlapping pairs
    of characters (a lone character stays whole, and counts for nothing)."""
    if not any(UNSPACED.search(token) for token in tokens):
        return tokens
    out = []
    for token in tokens:
        for piece in re.split(f"({UNSPACED.pattern})", token):
            if not piece:
                continue
            if UNSPACED.fullmatch(piece) and len(piece) > 2:
                out += [piece[i : i + 2] for i in range(len(piece) - 1)]
            else:
                out.append(piece)
    return out


def terms(headline: str, dek: str, body_html: str, language: str = "en") -> Terms:
    """The COUNTED_TERMS most frequent words of a story, weighted by where they
    stand (headline HEADLINE_WEIGHT, standfirst DEK_WEIGHT, body BODY_WEIGHT)."""
    language = primary_language(language) or "en"
    counts: Counter[int] = Counter()
    words: dict[int, str] = {}
    for text, weight, in_body in (
        (headline or "", HEADLINE_WEIGHT, False),
        (dek or "", DEK_WEIGHT, False),
        (plain_text(body_html or ""), BODY_WEIGHT, True),
    ):
        tokens = []
        for line in text.splitlines():
            found = WORD.findall(line)
            # A headline or standfirst is never boilerplate ("Watch: ...").
            if in_body and len(found) <= BOILERPLATE_WORDS and BOILERPLATE.match(line):
                continue
            tokens += found
        if UNSPACED.search(text):
            tokens = _pairs(tokens)
        for found, n in _features(language, tokens).items():
            if found is not None:
                feature, word = found
                counts[feature] += weight * n
                words.setdefault(feature, word)
    strongest = counts.most_common(COUNTED_TERMS)
    return Terms(
        counts=dict(strongest),
        words={feature: words[feature] for feature, _ in strongest},
    )
