"""Full-text search over stories: the stored document and its queries (README,
"Search").

On PostgreSQL each story's row carries `search_vector`, a tsvector that the
database computes from the row itself (a stored generated column) and a GIN
index covers: headline weighted A, standfirst B, body C, each parsed with the
text search configuration of the story's language. Because the database
derives it from the row, it follows exactly what readers see: any write of the
row (a form save, publishing a revision, an import, a `QuerySet.update()`)
recomputes it, and a live story's staged revision, which is not in the row,
never reaches it.

On SQLite the same column exists but is always NULL, and searching falls back
to case-insensitive containment (`ArticleQuerySet.search`).
"""

from __future__ import annotations

import html
import re

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import (
    SearchConfig,
    SearchHeadline,
    SearchQuery,
    SearchVector,
    SearchVectorField,
)
from django.db import connections, models
from django.db.models.functions import Concat, Left
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

# Longest query a reader or partner may send, in characters.
MAX_QUERY_LENGTH = 200

# How much of a story the search reads (docs/partners.md). PostgreSQL refuses to
# build a tsvector over 1 MB, and one such story would fail every write of its
# row. Text makes at most about 5 bytes of tsvector per character (measured:
# distinct two-character CJK words), so these bounds stay far below the limit
# whatever a story holds, and still read more than any real story: 100,000
# characters of body is about 16,000 English words.
SEARCH_BODY_CHARS = 100_000
SEARCH_DEK_CHARS = 10_000
# How much of the body a snippet is cut from: ts_headline parses all it is
# given, for every story on the page.
SNIPPET_BODY_CHARS = 20_000

# A story's language (ISO 639-1, as stored: "en", "en-GB", "pt_BR") to the
# PostgreSQL text search configuration that stems it. Every one ships with
# PostgreSQL 14, the oldest Django 5.2 supports. Any other language is parsed
# with "simple" (lower-cased words, no stemming, no stop words).
LANGUAGE_CONFIGS = {
    "ar": "arabic",
    "ca": "catalan",
    "da": "danish",
    "de": "german",
    "el": "greek",
    "en": "english",
    "es": "spanish",
    "eu": "basque",
    "fi": "finnish",
    "fr": "french",
    "ga": "irish",
    "hi": "hindi",
    "hu": "hungarian",
    "hy": "armenian",
    "id": "indonesian",
    "it": "italian",
    "lt": "lithuanian",
    "nb": "norwegian",
    "ne": "nepali",
    "nl": "dutch",
    "nn": "norwegian",
    "no": "norwegian",
    "pt": "portuguese",
    "ro": "romanian",
    "ru": "russian",
    "sr": "serbian",
    "sv": "swedish",
    "ta": "tamil",
    "tr": "turkish",
    "yi": "yiddish",
}
DEFAULT_CONFIG = "simple"
# Every configuration a stored vector may have been parsed with; a query is
# parsed with each, so it finds stories in any language.
CONFIGS = sorted({DEFAULT_CONFIG, *LANGUAGE_CONFIGS.values()})

# Markers PostgreSQL puts around highlighted words; `highlight()` escapes the
# text between them and turns them into <mark>. Control characters, which
# stored text does not hold (the cleaner drops them).
START_SEL = "\x02"
STOP_SEL = "\x03"


def config_for(language: str) -> str:
    """The text search configuration for a story language: "en-GB" → "english"."""
    code = re.split("[-_]", language.strip().lower(), maxsplit=1)[0]
    return LANGUAGE_CONFIGS.get(code, DEFAULT_CONFIG)


def language_config() -> SearchConfig:
    """`config_for(language)` in SQL, for the row at hand. Each branch is a
    constant `regconfig`, so the expression is immutable and may define a
    generated column."""
    by_config: dict[str, list[str]] = {}
    for code, config in LANGUAGE_CONFIGS.items():
        by_config.setdefault(config, []).append(code)
    return SearchConfig(
        models.Case(
            *(
                models.When(
                    language__iregex=rf"^({'|'.join(sorted(codes))})([-_]|$)",
                    then=SearchConfig(config),
                )
                for config, codes in sorted(by_config.items())
            ),
            default=SearchConfig(DEFAULT_CONFIG),
            output_field=models.TextField(),
        )
    )


class PostgreSQLOnly(models.Func):
    """Its expression on PostgreSQL, NULL on any other database: lets one
    migration define the search column on both."""

    def as_sql(self, compiler, connection, **extra_context):
        return "NULL", []

    def as_postgresql(self, compiler, connection, **extra_context):
        return compiler.compile(self.get_source_expressions()[0])


def document() -> PostgreSQLOnly:
    """The expression of `Article.search_vector`: headline (A), standfirst (B)
    and body (C), cut to what a tsvector holds, in the story's language. Markup
    in the body is skipped by PostgreSQL's parser (tags and entities are not
    words)."""
    config = language_config()
    return PostgreSQLOnly(
        SearchVector("headline", config=config, weight="A")
        + SearchVector(Left("dek", SEARCH_DEK_CHARS), config=config, weight="B")
        + SearchVector(Left("body", SEARCH_BODY_CHARS), config=config, weight="C"),
        output_field=SearchVectorField(),
    )


class SearchVectorIndex(GinIndex):
    """A GIN index on PostgreSQL; elsewhere a plain index (on a column that is
    always NULL there), so that one migration serves both databases."""

    def create_sql(self, model, schema_editor, using="", **kwargs):
        if schema_editor.connection.vendor != "postgresql":
            return models.Index.create_sql(
                self, model, schema_editor, using=using, **kwargs
            )
        return super().create_sql(model, schema_editor, using=using, **kwargs)


# How many matches a search ranks: the newest this many (found through the GIN
# index, or by walking the newest stories; README, "Search"). Ranking reads
# each match's whole vector, so ranking every match of two common words (40% of
# a 1M-story archive) takes seconds; ranking the newest 300 takes milliseconds
# and keeps results recent.
SEARCH_CANDIDATES = 300


def _any_language_sql(text_sql: str) -> str:
    # The configurations are this module's constants, not input.
    configs = ", ".join(f"'{config}'" for config in CONFIGS)
    return (
        "SELECT string_agg(DISTINCT '(' || query::text || ')', ' | ')::tsquery"
        f" FROM unnest(ARRAY[{configs}]::regconfig[]) AS config,"
        f" websearch_to_tsquery(config, {text_sql}) AS query"
        " WHERE numnode(query) > 0"
    )


class AnyLanguageQuery(SearchQuery):
    """`text` as web search syntax (`election -local "prime minister"`), parsed
    in every configuration a story may be stored in and joined with OR, each
    distinct parse once, so that it finds stories in any language.

    websearch_to_tsquery accepts any input: unbalanced quotes and stray
    operators are words. The parses are made and deduplicated in a scalar
    subquery, evaluated once per query (an InitPlan); most configurations parse
    most words alike, so this keeps the query a few terms long rather than one
    per configuration. NULL, matching nothing, when no configuration finds a
    word (only stop words).
    """

    def __init__(self, text: str) -> None:
        super().__init__(text, search_type="websearch")

    def as_sql(self, compiler, connection, function=None, template=None):
        (text,) = self.get_source_expressions()
        text_sql, params = compiler.compile(text)
        return f"({_any_language_sql(text_sql)})", params


class ParsedQuery(SearchQuery):
    """A tsquery already parsed (`parse_query`), as a constant: PostgreSQL's
    planner then knows from the column's statistics how many stories its words
    match, and so whether to walk the newest stories or the GIN index."""

    def __init__(self, tsquery: str) -> None:
        super().__init__(tsquery, search_type="raw")

    def as_sql(self, compiler, connection, function=None, template=None):
        (value,) = self.get_source_expressions()
        value_sql, params = compiler.compile(value)
        return f"{value_sql}::tsquery", params


def parse_query(text: str, using: str) -> str | None:
    """`text` parsed as `AnyLanguageQuery` parses it, as tsquery text; None
    when it holds no word to search for. One query, reading no table."""
    with connections[using].cursor() as cursor:
        cursor.execute(f"SELECT ({_any_language_sql('%s')})::text", [text])
        (parsed,) = cursor.fetchone()
    return parsed


def search_query(text: str) -> AnyLanguageQuery:
    """The query for `text` that snippets use."""
    return AnyLanguageQuery(text)


def snippet_expression(query: SearchQuery) -> SearchHeadline:
    """The standfirst and the start of the body, as plain text, with the words
    `query` matches between START_SEL and STOP_SEL."""
    body_text = models.Func(
        Left("body", SNIPPET_BODY_CHARS),
        models.Value("<[^>]*>"),
        models.Value(" "),
        models.Value("g"),
        function="regexp_replace",
        output_field=models.TextField(),
    )
    return SearchHeadline(
        Concat("dek", models.Value(" … "), body_text, output_field=models.TextField()),
        query,
        config=language_config(),
        start_sel=START_SEL,
        stop_sel=STOP_SEL,
        max_words=35,
        min_words=15,
        max_fragments=2,
        fragment_delimiter=" … ",
    )


def highlight(snippet: str) -> SafeString:
    """A snippet from `snippet_expression` as HTML: its text escaped, the
    highlighted words in <mark>. Markup always balances, whatever the text."""
    parts: list[str] = []
    open_mark = False
    for piece in re.split(f"([{START_SEL}{STOP_SEL}])", snippet):
        if piece == START_SEL and not open_mark:
            parts.append("<mark>")
            open_mark = True
        elif piece == STOP_SEL and open_mark:
            parts.append("</mark>")
            open_mark = False
        elif piece not in (START_SEL, STOP_SEL):
            # The body is stored as HTML: "&amp;" is "&" to a reader.
            parts.append(escape(html.unescape(piece)))
    if open_mark:
        parts.append("</mark>")
    return mark_safe(" ".join("".join(parts).split()).strip(" …"))
