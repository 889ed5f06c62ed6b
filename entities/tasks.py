"""Background work, run by `manage.py db_worker` (django-tasks-db)."""

from __future__ import annotations

import dataclasses

from django_tasks import task

from entities.rescan import rescan_archive


@task()
def rescan_archive_for_entities(
    entity_ids: list[int], names: list[str] | None = None
) -> dict[str, int]:
    """Find new or changed names in every earlier story: suggestions, tags for
    "always confirm" entities, and those stories' related lists. Queued by
    `services.rescan_archive_later`; `names` as for `rescan.rescan_archive`."""
    return dataclasses.asdict(rescan_archive(entity_ids=entity_ids, names=names))
