from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def media_files(settings):
    """The files stored under the test's MEDIA_ROOT, as paths relative to it."""

    def stored() -> list[str]:
        root = Path(settings.MEDIA_ROOT)
        return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())

    return stored
