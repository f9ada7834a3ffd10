"""Wagtail's Editors and Moderators groups may moderate reader comments."""

from django.db import migrations


def grant(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    content_type, _ = ContentType.objects.get_or_create(
        app_label="moderation", model="moderationaction"
    )
    permission, _ = Permission.objects.get_or_create(
        content_type=content_type,
        codename="moderate_comments",
        defaults={"name": "Can moderate reader comments"},
    )
    for group in Group.objects.filter(name__in=["Editors", "Moderators"]):
        group.permissions.add(permission)


class Migration(migrations.Migration):
    dependencies = [
        ("moderation", "0001_initial"),
        ("wagtailcore", "0002_initial_data"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
