"""What partners are told of times. PublicChange (the API's Last-Modified per
kind of thing shown), each kind starting at the time of this migration, the
latest any change before it could have been.

first_published_at becomes the first time readers could see a story
(Article.first_publication): cleared for stories that were never live, and set
to the go-live time of published stories that have not been seen since it was
last set."""

from django.db import migrations, models
from django.db.models import F, Q
from django.utils import timezone


def honest_first_publication(apps, schema_editor):
    Article = apps.get_model("articles", "Article")
    now = timezone.now()
    # Set when it was scheduled, and not passed at its last write or now.
    unseen = Q(first_published_at__gt=F("updated_at")) | Q(first_published_at__gt=now)
    stories = Article.objects.filter(unseen)
    stories.exclude(status="published").update(first_published_at=None)
    stories.filter(status="published").update(first_published_at=F("go_live_at"))


def start_public_changes(apps, schema_editor):
    PublicChange = apps.get_model("articles", "PublicChange")
    now = timezone.now()
    PublicChange.objects.bulk_create(
        [PublicChange(scope=scope, changed_at=now) for scope in SCOPES],
        ignore_conflicts=True,
    )


SCOPES = ("stories", "sections", "tags", "threads", "entities", "authors")


class Migration(migrations.Migration):
    dependencies = [("articles", "0020_deleted_articles")]

    operations = [
        migrations.CreateModel(
            name="PublicChange",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True,
                        primary_key=True,
                        serialize=False,
                        verbose_name="ID",
                    ),
                ),
                (
                    "scope",
                    models.CharField(
                        choices=[
                            ("stories", "Stories"),
                            ("sections", "Sections"),
                            ("tags", "Topic tags"),
                            ("threads", "Developing stories"),
                            ("entities", "Entities"),
                            ("authors", "Authors"),
                        ],
                        max_length=16,
                        unique=True,
                    ),
                ),
                ("changed_at", models.DateTimeField()),
            ],
            options={"verbose_name": "public change"},
        ),
        migrations.RunPython(start_public_changes, migrations.RunPython.noop),
        migrations.RunPython(honest_first_publication, migrations.RunPython.noop),
    ]
