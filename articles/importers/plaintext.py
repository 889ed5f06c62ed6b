"""Plain-text stories, as the wire and the scrapers deliver them.

A first line `Headline | Publication` (the publication is optional), a blank
line, the headline again (dropped), a blank line, then an optional standfirst,
which is a dek only when TWO blank lines follow it, then body paragraphs
separated by blank lines. The shorter layout, a headline, a blank line and
paragraphs, reads the same way.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from dataclasses import dataclass

from articles.importers import ImportRejected, StoryData, decode, hash_key


@dataclass
class _Block:
    """A paragraph: its text, the line it starts on, blank lines after it."""

    text: str
    line: int
    blank_lines_after: int = 0


def parse(name: str, data: bytes) -> list[StoryData]:
    """The one story in a plain-text file.

    Raises ImportRejected when the file is empty, not UTF-8 or has no headline.
    """
    blocks = _blocks(decode(name, data))
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


def text_to_html(paragraphs: Iterable[str]) -> str:
    """Body HTML with one `<p>` per paragraph of plain text."""
    return "\n".join(
        f"<p>{html.escape(paragraph, quote=False)}</p>" for paragraph in paragraphs
    )


def split_paragraphs(text: str) -> list[str]:
    """Paragraphs of `text`: separated by blank lines, or by line breaks when the
    text has no blank lines at all."""
    if re.search(r"\n[ \t]*\n", text.strip()):
        return [block.text for block in _blocks(text)]
    return [line.strip() for line in text.splitlines() if line.strip()]


def _blocks(text: str) -> list[_Block]:
    """Runs of non-blank lines, each joined into one line of text."""
    blocks: list[_Block] = []
    in_block = False
    for number, line in enumerate(text.split("\n"), start=1):
        line = line.strip()
        if not line:
            if blocks:
                blocks[-1].blank_lines_after += 1
            in_block = False
        elif in_block:
            blocks[-1].text += f" {line}"
        else:
            blocks.append(_Block(line, number))
            in_block = True
    return blocks


def _same(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()
