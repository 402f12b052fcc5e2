"""The two staff roles as permission groups: what office staff and managers may do in the admin.

`roles_sync` creates the groups and grants what is listed here. It only adds, so a permission
granted by hand stays, except that it takes from managers what MANAGER_NEVER_VIEWS lists. It runs in the data migration that introduced
the roles and after every `migrate`, so a model added later gets its permissions too.
"""
from __future__ import annotations

from django.apps import apps as global_apps
from django.db import DEFAULT_DB_ALIAS
from django.db.models import Q

OFFICE_STAFF = "Office staff"
MANAGER = "Manager"

# "app_label.model": actions. Office staff find, read, edit and text homeowners; they delete
# nothing (bulk delete included), touch no user accounts and only read campaigns.
OFFICE_STAFF_PERMISSIONS: dict[str, set[str]] = {
    "contacts.contact": {"view", "add", "change"},
    "contacts.contactphone": {"view", "add", "change"},
    "contacts.tag": {"view", "add", "change"},
    "contacts.activity": {"view", "add", "change"},
    "contacts.conversation": {"view", "add", "change"},
    "contacts.optoutevent": {"view"},
    # Lines: office staff rename them; they come from OpenPhone. Texted photos: view only (the
    # copy task writes them). Scheduled texts: view, and change to cancel one.
    "contacts.line": {"view", "change"},
    "contacts.activitymedia": {"view"},
    "contacts.scheduledtext": {"view", "add", "change"},
    "contacts.textinghold": {"view"},
    # The inbox's saved replies: the office writes and improves its own.
    "contacts.savedreply": {"view", "add", "change"},
    "properties.property": {"view", "add", "change"},
    "properties.propertycontact": {"view", "add", "change"},
    "campaigns.campaign": {"view"},
    "campaigns.campaignmembership": {"view", "add", "change"},
    # Small CSV uploads from the admin; operators run the big ones from the command line.
    "properties.importrun": {"view", "add"},
    "properties.importreject": {"view"},
    # Follow-ups, visits, quotes and jobs are the office's daily work; deleting stays with managers.
    "jobs.followuptask": {"view", "add", "change"},
    "jobs.appointment": {"view", "add", "change"},
    "jobs.quote": {"view", "add", "change"},
    "jobs.job": {"view", "add", "change"},
    "jobs.remindertemplate": {"view", "change"},
}

# Managers have everything office staff have, plus these, plus view on every model
# (webhook events, users, task results, ...) except MANAGER_NEVER_VIEWS.
MANAGER_EXTRA_PERMISSIONS: dict[str, set[str]] = {
    "contacts.contact": {"delete"},
    # Deleting a person deletes their numbers, timeline and opt-out records with them; the
    # admin refuses the deletion unless the user may delete those too.
    "contacts.contactphone": {"delete"},
    "contacts.activity": {"delete"},
    "contacts.conversation": {"delete"},
    "contacts.optoutevent": {"delete"},
    "contacts.textinghold": {"delete"},
    "contacts.tag": {"delete"},
    # Deleting a person deletes their texts' media and scheduled texts with them.
    "contacts.activitymedia": {"delete"},
    "contacts.scheduledtext": {"delete"},
    "contacts.savedreply": {"delete"},
    "properties.property": {"delete"},
    "properties.propertycontact": {"delete"},
    "campaigns.campaign": {"add", "change", "delete"},
    "campaigns.campaignmembership": {"delete"},
    "jobs.followuptask": {"delete"},
    "jobs.appointment": {"delete"},
    "jobs.quote": {"delete"},
    "jobs.job": {"delete"},
    "jobs.calendarfeed": {"change", "delete"},
    # The "Reprocess" action on stored OpenPhone events.
    "openphone.webhookevent": {"change"},
    # The schedules (DatabaseScheduler rows): managers pause them and change when they run,
    # choosing among the existing timings.
    "django_celery_beat.periodictask": {"add", "change", "delete"},
}
# Never granted to managers, and taken back if an earlier version granted them. API tokens are
# secrets: seeing them is seeing a password. The schedules' building blocks (the crontab,
# interval, solar and clocked timings a schedule points to) and Celery's task results are
# infrastructure for superusers: a timing edited there changes every schedule that uses it.
MANAGER_NEVER_VIEWS = {
    "authtoken.token", "authtoken.tokenproxy",
    "django_celery_beat.crontabschedule", "django_celery_beat.intervalschedule",
    "django_celery_beat.clockedschedule", "django_celery_beat.solarschedule",
    "django_celery_results.taskresult", "django_celery_results.groupresult",
    "django_celery_results.chordcounter",
    # Second-factor keys and recovery codes are secrets too.
    "otp_totp.totpdevice", "otp_static.staticdevice", "otp_static.statictoken",
}


def _codenames_q(spec: dict[str, set[str]]) -> Q:
    query = Q(pk__in=[])
    for label, actions in spec.items():
        app_label, model = label.split(".")
        query |= Q(content_type__app_label=app_label, content_type__model=model,
                   codename__in=[f"{action}_{model}" for action in actions])
    return query


def roles_sync(*, apps=global_apps, using: str = DEFAULT_DB_ALIAS) -> None:
    """Create both groups and grant them their permissions (additive; safe to run again)."""
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after migrations finish; make sure every app's exist now.
    for app_config in global_apps.get_app_configs():
        create_permissions(app_config, verbosity=0, using=using, apps=apps)

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.using(using)

    office = permissions.filter(_codenames_q(OFFICE_STAFF_PERMISSIONS))
    manager = permissions.filter(
        _codenames_q(OFFICE_STAFF_PERMISSIONS) | _codenames_q(MANAGER_EXTRA_PERMISSIONS) | Q(codename__startswith="view_")
    )
    never = Q(pk__in=[])
    for label in MANAGER_NEVER_VIEWS:
        app_label, model = label.split(".")
        never |= Q(content_type__app_label=app_label, content_type__model=model)
    manager = manager.exclude(never)

    for name, granted in ((OFFICE_STAFF, office), (MANAGER, manager)):
        group, _ = Group.objects.using(using).get_or_create(name=name)
        group.permissions.add(*granted)
        if name == MANAGER:
            group.permissions.remove(*permissions.filter(never))


def roles_sync_after_migrate(sender, using=DEFAULT_DB_ALIAS, apps=global_apps, **kwargs) -> None:
    """post_migrate receiver: keep the roles complete when later migrations add models."""
    roles_sync(apps=apps, using=using)
