"""Creates the "Office staff" and "Manager" groups with their permissions (see contacts/roles.py).

Permissions are only created by Django after all migrations ran, so roles_sync creates
them first; the dependencies make sure every model that exists now has its table and type.
"""
from django.db import migrations


def create_roles(apps, schema_editor):
    from contacts.roles import roles_sync

    roles_sync(apps=apps, using=schema_editor.connection.alias)


class Migration(migrations.Migration):

    dependencies = [
        ("contacts", "0001_initial"),
        ("properties", "0001_initial"),
        ("campaigns", "0002_initial"),
        ("openphone", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("admin", "0003_logentry_add_action_flag_choices"),
        ("sessions", "0001_initial"),
        ("authtoken", "0004_alter_tokenproxy_options"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
        ("django_celery_results", "0014_alter_taskresult_status"),
    ]

    operations = [
        migrations.RunPython(create_roles, migrations.RunPython.noop),
    ]
