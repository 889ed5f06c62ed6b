"""Plain-text stories, as the wire and the scrapers deliver them.

A first line `Headline | Publication` (the publication is optional), a blank
line, the headline again (dropped), a blank line, then an optional standfirst,
which is a dek only when TWO blank lines follow it, then body paragraphs
separated by blank lines. The shorter layout, a headline, a blank line and
paragraphs, reads the same way.
"""

from __future__ import annotations

from articles.importers.base import (
    ImportRejected,
    StoryData,
    decode,
    hash_key,
    split_blocks,
    text_to_html,
)


def parse(name: str, data: bytes) -> list[StoryData]:
    """The one story in a plain-text file.

    Raises ImportRejected when the file is empty, not UTF-8 or has no headline.
    """
    blocks = split_blocks(decode(name, data))
    first = blocks.pop(0)
    # Padding lets "| Publication" and "Headline |" split like the full form.
    headline, bar, source_name = f" {first.text} ".rpartition(" | ")
    if not bar:
        headline, source_name = first.text, ""
    headline, source_name = headline.strip(), source_name.strip()
    if not headline:
        raise ImportRejected(
            name, "no headline before the “ | ” on the first line", line=first.line
        )
    if blocks and _same(blocks[0].text, headline):
        blocks.pop(0)
    dek = ""
    if len(blocks) > 1 and blocks[0].blank_lines_after >= 2:
        dek = blocks.pop(0).text
    return [
        StoryData(
            headline=headline,
            dek=dek,
            body_html=text_to_html(block.text for block in blocks),
            source_name=source_name,
            source_key=hash_key(source_name, headline),
        )
    ]


def _same(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()
