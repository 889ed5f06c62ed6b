from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils.module_loading import import_string
from django_tasks_db.models import DBTaskResult

from related.models import (
    DocumentFrequency,
    RelatedExclusion,
    RelatedLink,
    RelatedScore,
    StoryFeatures,
)
from related.tasks import refresh_related_lists

# The last state in which the related-story models lived in `articles`.
BEFORE = [("articles", "0003_related_document_frequency"), ("related", None)]
MOVED = [
    ("articles", "0004_related_models_move_to_related"),
    ("related", "0003_queued_tasks_follow_the_move"),
]


def migrate(targets):
    """Migrate to `targets`; the historical models of the state reached."""
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    ContentType.objects.clear_cache()
    graph = executor.loader.graph
    nodes = [
        *(target for target in targets if target[1] is not None),
        *(
            node
            for node in graph.leaf_nodes()
            if node[0] in {"auth", "contenttypes", "django_tasks_database"}
        ),
    ]
    return executor.loader.project_state(nodes).apps


def latest():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


@pytest.mark.django_db(transaction=True)
def test_moving_the_models_keeps_their_rows_and_permissions():
    """A database made before `related` existed migrates with every pick,
    exclusion, score and count intact, and permissions granted on them kept."""
    try:
        old = migrate(BEFORE)
        Article = old.get_model("articles", "Article")
        when = datetime.datetime(2026, 11, 20, 9, tzinfo=datetime.UTC)
        one, two, three = (
            Article.objects.create(
                headline=f"Story {n}",
                slug=f"story-{n}",
                status="published",
                go_live_at=when,
            )
            for n in range(3)
        )
        old.get_model("articles", "RelatedLink").objects.create(
            article=one, target=two, sort_order=3
        )
        old.get_model("articles", "RelatedExclusion").objects.create(
            article=one, target=three
        )
        old.get_model("articles", "RelatedScore").objects.create(
            article=two, target=one, score=1.5, rank=0, shared={"entities": []}
        )
        old.get_model("articles", "DocumentFrequency").objects.create(feature=0, df=3)
        old.get_model("articles", "StoryFeatures").objects.create(
            article=one, features=[0, 2]
        )
        types = old.get_model("contenttypes", "ContentType").objects
        link_type, _ = types.get_or_create(app_label="articles", model="relatedlink")
        permission = old.get_model("auth", "Permission").objects.get_or_create(
            content_type=link_type,
            codename="add_relatedlink",
            defaults={"name": "Can add related link"},
        )[0]
        group = old.get_model("auth", "Group").objects.create(name="Desk")
        group.permissions.add(permission)
        queued = old.get_model("django_tasks_database", "DBTaskResult").objects.create(
            task_path="articles.tasks.refresh_related_lists",
            args_kwargs={"args": [one.pk], "kwargs": {}},
            queue_name="default",
            backend_name="default",
            run_after=when,
        )

        migrate(MOVED)

        assert RelatedLink.objects.get().sort_order == 3
        assert RelatedLink.objects.get().target_id == two.pk
        assert RelatedExclusion.objects.get().target_id == three.pk
        assert RelatedScore.objects.get().shared == {"entities": []}
        assert DocumentFrequency.objects.get(feature=0).df == 3
        assert StoryFeatures.objects.get().features == [0, 2]
        assert RelatedLink._meta.db_table == "related_relatedlink"
        assert "related_relatedlink" in connection.introspection.table_names()
        assert "articles_relatedlink" not in connection.introspection.table_names()
        desk = Group.objects.get(name="Desk")
        assert [
            (p.content_type.app_label, p.codename) for p in desk.permissions.all()
        ] == [("related", "add_relatedlink")]
        # A refresh queued before the upgrade still reaches the moved task.
        path = DBTaskResult.objects.get(pk=queued.pk).task_path
        assert import_string(path) is refresh_related_lists

        # Words are counted from 0004 on: the old counts are dropped, so that
        # the first refresh counts the archive again.
        migrate(latest())
        assert not DocumentFrequency.objects.exists()
        assert not StoryFeatures.objects.exists()
        assert RelatedScore.objects.get().score == 1.5
    finally:
        migrate(latest())
