"""The desk's roles as groups: Reporter, Editor and Admin (docs/editors.md#roles).

Idempotent (a group that exists gains what it lacks) and reversible (the groups
are deleted). Permissions are named by app and codename, as they were when this
migration was written; later models give their permissions in their own
migrations.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ALL = ("add", "change", "delete", "view")


def crud(app, model, actions=ALL):
    return [(app, f"{action}_{model}") for action in actions]


# Write stories and their inlines; edit only their own drafts (enforced in
# articles.services), submit them for review. No publishing, no deleting.
REPORTER = [
    *crud("articles", "article", ("add", "change", "view")),
    *crud("articles", "articleentity"),
    *crud("articles", "taggedarticle"),
    *crud("articles", "section", ("view",)),
    *crud("articles", "thread", ("view",)),
    *crud("entities", "entity", ("view",)),
    *crud("entities", "suggestion", ("change", "view")),
    *crud("related", "relatedlink"),
    *crud("related", "relatedexclusion"),
    *crud("taggit", "tag", ("add", "view")),
]

# Edit anything, publish, withdraw, delete, share previews; the gazetteer,
# sections, threads and tags.
EDITOR = [
    *REPORTER,
    ("articles", "delete_article"),
    ("articles", "publish_article"),
    ("articles", "change_any_article"),
    *crud("articles", "section"),
    *crud("articles", "thread"),
    *crud("articles", "importjob", ("view", "delete")),
    *crud("articles", "previewlink"),
    *crud("entities", "entity"),
    *crud("entities", "alias"),
    *crud("entities", "entityredirect"),
    *crud("entities", "suggestion"),
    *crud("taggit", "tag"),
]

# An editor who also manages accounts, partners and their keys, and login
# lockouts.
ADMIN = [
    *EDITOR,
    *crud("auth", "user"),
    *crud("auth", "group"),
    *crud("auth", "permission", ("view",)),
    *crud("partners", "partner"),
    *crud("partners", "partnerapikey"),
    *crud("partners", "dailyusage", ("view",)),
    *crud("axes", "accessattempt", ("view", "delete")),
    *crud("axes", "accesslog", ("view", "delete")),
    *crud("axes", "accessfailurelog", ("view", "delete")),
]

ROLES = {"Reporter": REPORTER, "Editor": EDITOR, "Admin": ADMIN}


def create_groups(apps, schema_editor):
    using = schema_editor.connection.alias
    # Permissions are otherwise created after the last migration has run.
    for label in {app for app, _ in ADMIN}:
        config = apps.get_app_config(label)
        config.models_module = True
        create_permissions(config, verbosity=0, using=using, apps=apps)
        config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, wanted in ROLES.items():
        permissions = []
        for app, codename in dict.fromkeys(wanted):
            try:
                permissions.append(
                    Permission.objects.using(using).get(
                        content_type__app_label=app, codename=codename
                    )
                )
            except Permission.DoesNotExist:
                raise LookupError(f"No permission {app}.{codename}") from None
        group, _ = Group.objects.using(using).get_or_create(name=name)
        group.permissions.add(*permissions)


def delete_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.using(schema_editor.connection.alias).filter(
        name__in=ROLES
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0008_roles_preview_links"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("entities", "0004_suggestion_relevance_choices"),
        ("related", "0004_postings"),
        ("taggit", "0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx"),
        ("partners", "0001_initial"),
        ("axes", "0010_accessattemptexpiration"),
    ]

    operations = [migrations.RunPython(create_groups, delete_groups)]
