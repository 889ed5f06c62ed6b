from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _archive(archive):
    """Every related-stories test scores against an archive (see `archive`)."""
    return archive
