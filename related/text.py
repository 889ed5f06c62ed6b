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
COUNTED_TERMS = 200
MIN_LENGTH = 3
MAX_LENGTH = 40
# Boilerplate lines are short.
BOILERPLATE_WORDS = 12

WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
TAG = re.compile(r"<[^>]*>")
ENTITY = re.compile(r"&(?:#\d+|#x[0-9a-f]+|[a-z]+);", re.IGNORECASE)
BLOCK_END = re.compile(r"</(?:p|h[1-6]|li|blockquote|div)>|<br\s*/?>", re.IGNORECASE)
POSSESSIVE = re.compile(r"['’]s?$")

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


def terms(headline: str, dek: str, body_html: str, language: str = "en") -> Terms:
    """The COUNTED_TERMS most frequent words of a story, weighted by where they
    stand (headline HEADLINE_WEIGHT, standfirst DEK_WEIGHT, body BODY_WEIGHT)."""
    language = primary_language(language) or "en"
    stop = STOP_WORDS.get(language, frozenset())
    stem = stemmer(language)
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
        kept = []
        for token in tokens:
            token = token.lower().replace("’", "'")
            if token in stop:
                # Before the possessive goes: "let's" is a stop word, "let" not.
                continue
            token = POSSESSIVE.sub("", token)
            if MIN_LENGTH <= len(token) <= MAX_LENGTH and token not in stop:
                kept.append(token)
        stems = stem.stemWords(kept) if stem is not None else kept
        for token, root in zip(kept, stems, strict=True):
            if root in stop:
                continue
            feature = term_feature(language, root)
            counts[feature] += weight
            words.setdefault(feature, token)
    strongest = counts.most_common(COUNTED_TERMS)
    return Terms(
        counts=dict(strongest),
        words={feature: words[feature] for feature, _ in strongest},
    )
