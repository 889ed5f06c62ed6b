"""The moved tables take this app's names; their rows, keys and constraints stay."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("related", "0001_initial"),
    ]

    operations = [
        migrations.AlterModelTable(name="documentfrequency", table=None),
        migrations.AlterModelTable(name="storyfeatures", table=None),
        migrations.AlterModelTable(name="relatedexclusion", table=None),
        migrations.AlterModelTable(name="relatedlink", table=None),
        migrations.AlterModelTable(name="relatedscore", table=None),
    ]
