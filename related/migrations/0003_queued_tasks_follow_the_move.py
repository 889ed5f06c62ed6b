"""Refreshes queued before the upgrade name the task by its old path,
`articles.tasks.refresh_related_lists`; point them at `related.tasks` so the
worker still runs them."""

from django.db import migrations

OLD = "articles.tasks.refresh_related_lists"
NEW = "related.tasks.refresh_related_lists"


def retarget(apps, schema_editor, old=OLD, new=NEW):
    DBTaskResult = apps.get_model("django_tasks_database", "DBTaskResult")
    DBTaskResult.objects.using(schema_editor.connection.alias).filter(
        task_path=old
    ).update(task_path=new)


def restore(apps, schema_editor):
    retarget(apps, schema_editor, old=NEW, new=OLD)


class Migration(migrations.Migration):

    dependencies = [
        ("related", "0002_rename_tables"),
        ("django_tasks_database", "0021_conditional_partial_index_ordering"),
    ]

    operations = [migrations.RunPython(retarget, restore)]
