"""Story import: turn files into `StoryData`, then each story into an Article.

`base` holds the data types, rejections, the report and decoding; one module
per input format (`ninjs`, `plaintext`) parses, importing from `base` only;
`run` imports the formats and writes the stories. The names below are the
package's public ones.
"""

from __future__ import annotations

from articles.importers.base import (
    IMPORT_SUFFIXES,
    JSON_SUFFIXES,
    PLAINTEXT_SUFFIXES,
    EntityRef,
    ImportRejected,
    ImportReport,
    Outcome,
    Source,
    StoryData,
    decode,
    hash_key,
)
from articles.importers.run import (
    get_or_create_section,
    get_or_create_thread,
    import_files,
    import_story,
    parse_file,
    read_stories,
)

__all__ = [
    "IMPORT_SUFFIXES",
    "JSON_SUFFIXES",
    "PLAINTEXT_SUFFIXES",
    "EntityRef",
    "ImportRejected",
    "ImportReport",
    "Outcome",
    "Source",
    "StoryData",
    "decode",
    "get_or_create_section",
    "get_or_create_thread",
    "hash_key",
    "import_files",
    "import_story",
    "parse_file",
    "read_stories",
]
