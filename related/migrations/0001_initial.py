"""The related-story models move here from `articles` with their rows.

The tables already exist (made by articles' migrations 0001-0003): this
migration only takes the models over in Django's state, and moves their
content types (and so their permissions) to this app. 0002 renames the tables.
"""

import django.db.models.deletion
from django.db import migrations, models

MOVED = ["relatedlink", "relatedexclusion", "relatedscore", "documentfrequency", "storyfeatures"]


def move_content_types(apps, schema_editor):
    """Permissions granted on the models keep working: their content types move.

    A fresh database has none yet (they are made after migrating).
    """
    ContentType = apps.get_model("contenttypes", "ContentType")
    types = ContentType.objects.using(schema_editor.connection.alias)
    for model in MOVED:
        if types.filter(app_label="articles", model=model).exists():
            types.filter(app_label="related", model=model).delete()
            types.filter(app_label="articles", model=model).update(app_label="related")


def restore_content_types(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    ContentType.objects.using(db).filter(app_label="related", model__in=MOVED).update(
        app_label="articles"
    )


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("articles", "0003_related_document_frequency"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="DocumentFrequency",
                    fields=[
                        ("feature", models.BigIntegerField(primary_key=True, serialize=False)),
                        ("df", models.IntegerField(default=0)),
                    ],
                    options={
                        "verbose_name_plural": "document frequencies",
                        "db_table": "articles_documentfrequency",
                    },
                ),
                migrations.CreateModel(
                    name="StoryFeatures",
                    fields=[
                        ("article", models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name="+", serialize=False, to="articles.article")),
                        ("features", models.JSONField(default=list)),
                    ],
                    options={
                        "verbose_name_plural": "story features",
                        "db_table": "articles_storyfeatures",
                    },
                ),
                migrations.CreateModel(
                    name="RelatedExclusion",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("article", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="related_exclusions", to="articles.article")),
                        ("target", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+", to="articles.article", verbose_name="excluded story")),
                    ],
                    options={
                        "verbose_name": "excluded suggestion",
                        "db_table": "articles_relatedexclusion",
                        "constraints": [
                            models.UniqueConstraint(fields=("article", "target"), name="related_exclusion_unique"),
                            models.CheckConstraint(condition=models.Q(("article", models.F("target")), _negated=True), name="related_exclusion_not_self"),
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="RelatedLink",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("sort_order", models.PositiveIntegerField(db_index=True, default=0)),
                        ("article", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="related_links", to="articles.article")),
                        ("target", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+", to="articles.article", verbose_name="related story")),
                    ],
                    options={
                        "ordering": ["sort_order", "pk"],
                        "db_table": "articles_relatedlink",
                        "constraints": [
                            models.UniqueConstraint(fields=("article", "target"), name="related_link_unique"),
                            models.CheckConstraint(condition=models.Q(("article", models.F("target")), _negated=True), name="related_link_not_self"),
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="RelatedScore",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("score", models.FloatField()),
                        ("rank", models.PositiveSmallIntegerField()),
                        ("shared", models.JSONField(default=dict)),
                        ("article", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="related_scores", to="articles.article")),
                        ("target", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+", to="articles.article")),
                    ],
                    options={
                        "ordering": ["article_id", "rank"],
                        "db_table": "articles_relatedscore",
                        "indexes": [models.Index(fields=["article", "rank"], name="related_score_rank")],
                        "constraints": [models.UniqueConstraint(fields=("article", "target"), name="related_score_unique")],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(move_content_types, restore_content_types),
    ]
