"""RelatedLink, RelatedExclusion, RelatedScore, DocumentFrequency and
StoryFeatures now belong to the `related` app, which takes over their tables
(see related/migrations/0001_initial.py). Nothing changes in the database here."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("articles", "0003_related_document_frequency"),
        ("related", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="RelatedExclusion"),
                migrations.DeleteModel(name="RelatedLink"),
                migrations.DeleteModel(name="RelatedScore"),
                migrations.DeleteModel(name="DocumentFrequency"),
                migrations.DeleteModel(name="StoryFeatures"),
            ],
            database_operations=[],
        ),
    ]
