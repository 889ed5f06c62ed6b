from __future__ import annotations

import pytest

from tests.related.helpers import ARCHIVE_SIZE, archive_of


@pytest.fixture(autouse=True)
def archive(request):
    """An archive of published stories that share nothing, so that document
    frequencies mean what they do on a real desk: one story in three carrying
    an entity is common, not rare."""
    if "transactional_db" in request.fixturenames:
        return []
    request.getfixturevalue("db")
    return archive_of(ARCHIVE_SIZE)
