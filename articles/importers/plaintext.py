"""Plain-text stories, as the wire and the scrapers deliver them.

A first line `Headline | Publication` (the publication is optional), a blank
line, the headline again (dropped), a blank line, then an optional standfirst,
which is a dek only when TWO blank lines follow it, then body paragraphs
separated by blank lines. The shorter layout, a headline, a blank line and
paragraphs, reads the same way.

The file is read line by line and each paragraph kept once, so time is linear in
its length and memory bounded by the story's (MAX_BODY_CHARS), not the file's.
"""

from __future__ import annotations

import html
from collections.abc import Iterator
from typing import IO

from django.conf import settings

from articles.importers.base import (
    ImportRejected,
    ParagraphTooLong,
    StoryData,
    read_lines,
    split_blocks,
)


def parse(name: str, stream: IO[bytes]) -> Iterator[StoryData]:
    """The one story in a plain-text file.

    Raises ImportRejected when the file is empty, not UTF-8, has no headline or
    a body longer than MAX_BODY_CHARS.
    """
    limit = settings.MAX_BODY_CHARS
    blocks = split_blocks(read_lines(name, stream), max_chars=limit)
    try:
        first = next(blocks, None)
        if first is None:
            raise ImportRejected(name, "the file is empty")
        # Padding lets "| Publication" and "Headline |" split like the full form.
        headline, bar, source_name = f" {first.text} ".rpartition(" | ")
        if not bar:
            headline, source_name = first.text, ""
        headline, source_name = headline.strip(), source_name.strip()
        if not headline:
            raise ImportRejected(
                name, "no headline before the “ | ” on the first line", line=first.line
            )
        block = next(blocks, None)
        if block is not None and _same(block.text, headline):
            block = next(blocks, None)
        following = next(blocks, None)
        dek = ""
        if following is not None and block.blank_lines_after >= 2:
            dek, block, following = block.text, following, next(blocks, None)
        body: list[str] = []
        chars = 0
        while block is not None:
            paragraph = f"<p>{html.escape(block.text, quote=False)}</p>"
            chars += len(paragraph) + (1 if body else 0)
            if chars > limit:
                raise ImportRejected(name, _too_long(limit), line=block.line)
            body.append(paragraph)
            block, following = following, next(blocks, None)
    except ParagraphTooLong as error:
        raise ImportRejected(name, _too_long(limit), line=error.line) from None
    yield StoryData(
        headline=headline,
        dek=dek,
        body_html="\n".join(body),
        source_name=source_name,
        source_key="",
    )


def _too_long(limit: int) -> str:
    return (
        f"the story is longer than the limit of {limit:,} characters (MAX_BODY_CHARS)"
    )


def _same(paragraph: str, headline: str) -> bool:
    # A long paragraph is not the headline; splitting it into words to check
    # would cost many times its size in memory.
    if len(paragraph) > 2 * len(headline) + 16:
        return False
    return (
        " ".join(paragraph.split()).casefold() == " ".join(headline.split()).casefold()
    )
