"""first_published_at becomes the first time readers could see a story
(Article.first_publication): cleared for stories that were never live, and set
to the go-live time of published stories that have not been seen since it was
last set."""

from django.db import migrations
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


class Migration(migrations.Migration):
    dependencies = [("articles", "0019_authors")]

    operations = [
        migrations.RunPython(honest_first_publication, migrations.RunPython.noop),
    ]
