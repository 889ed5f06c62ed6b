"""Editors and admins read the audit trail (docs/editors.md#the-audit-trail).

Idempotent and reversible, like 0009_role_groups: a missing group is left
alone (an installation may have renamed it)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUPS = ("Editor", "Admin")
PERMISSIONS = ("view_auditevent",)


def grant(apps, schema_editor):
    using = schema_editor.connection.alias
    config = apps.get_app_config("articles")
    config.models_module = True
    create_permissions(config, verbosity=0, using=using, apps=apps)
    config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.using(using).filter(
        content_type__app_label="articles", codename__in=PERMISSIONS
    )
    for group in Group.objects.using(using).filter(name__in=GROUPS):
        group.permissions.add(*permissions)


def revoke(apps, schema_editor):
    using = schema_editor.connection.alias
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.using(using).filter(
        content_type__app_label="articles", codename__in=PERMISSIONS
    )
    for group in Group.objects.using(using).filter(name__in=GROUPS):
        group.permissions.remove(*permissions)


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0013_revisions_audit"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
