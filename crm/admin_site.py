"""The admin as the office sees it: its lists grouped by what they are for, in plain names.

Django's admin index lists apps alphabetically under their Python names ("Contacts", "Django Celery
Beat", "Auth Token", ...). The office works with homeowners, properties, campaigns and imports, so
the index shows those groups first, in that order, with the names the office uses; what is left
(user accounts, webhook events, the schedules' building blocks, task results) follows under
"Administration" for whoever may see it. Permissions decide, as always, which lists a user gets:
this only orders and names them. Models are named by their "app_label.model" strings, so this
module imports no app.
"""
from __future__ import annotations

from django.apps import apps
from django.contrib import admin
from django.urls import NoReverseMatch, reverse
from django.utils.text import capfirst

# The name the office knows a list by (index entries and list titles); others keep Django's.
OFFICE_NAMES: dict[str, str] = {
    "contacts.contact": "Homeowners",
    "contacts.conversation": "Conversations",
    "contacts.activity": "Timeline entries",
    "contacts.tag": "Tags",
    "properties.property": "Properties",
    "campaigns.campaign": "Campaigns",
    "campaigns.campaignmembership": "Campaign members",
    "properties.importrun": "Import runs",
    "jobs.followuptask": "Follow-ups",
    "jobs.appointment": "Visits",
    "jobs.quote": "Quotes",
    "jobs.job": "Jobs",
    "jobs.remindertemplate": "Reminder texts",
    "jobs.calendarfeed": "Calendar addresses",
    "django_celery_beat.periodictask": "Schedules",
    "openphone.webhookevent": "OpenPhone webhook events",
    "auth.user": "User accounts",
    "auth.group": "Groups and permissions",
}

# Index groups, in order: (title, models). A group none of whose lists the user may see is not shown.
OFFICE_GROUPS: list[tuple[str, list[str]]] = [
    ("Homeowners", ["contacts.contact", "contacts.conversation", "contacts.activity", "contacts.tag"]),
    ("Properties", ["properties.property"]),
    ("Campaigns", ["campaigns.campaign", "campaigns.campaignmembership"]),
    ("Imports", ["properties.importrun"]),
    ("Follow-ups and jobs", ["jobs.followuptask", "jobs.appointment", "jobs.quote", "jobs.job",
                             "jobs.remindertemplate", "jobs.calendarfeed"]),
    ("Schedules", ["django_celery_beat.periodictask"]),
]

# Pages that are not model lists: (group title, URL name, entry name, permission needed or None).
# The inbox shows to those who may read conversations. The reports are the manager dashboard's pages; who may
# read them is decided there (Manager group); the entry shows to those who may view monthly reports.
OFFICE_PAGES: list[tuple[str, str, str, str | None]] = [
    ("Inbox", "inbox:index", "Inbox", "contacts.view_conversation"),
    ("Reports", "dashboard:index", "Dashboard", "dashboard.view_monthlyreport"),
    ("Reports", "dashboard:monthly_report", "Monthly report", "dashboard.view_monthlyreport"),
]
PAGE_GROUPS_FIRST = ("Inbox",)  # page groups shown before the model groups; the others after them

OTHER_GROUP = "Administration"
# Apps whose lists are the system's machinery rather than the office's work: whatever of theirs a
# user may see is listed under OTHER_GROUP. Lists of any other app that OFFICE_GROUPS does not name
# join the group titled like their app (contacts' are "Homeowners"), or a group of their own.
INFRASTRUCTURE_APPS = {
    "auth", "authtoken", "django_celery_beat", "django_celery_results", "openphone", "axes", "otp_totp",
    "otp_static", "django_otp", "two_factor", "sites", "admin",
}


def office_name(label_lower: str, default: str) -> str:
    """The office's name for a model's list ("contacts.contact" -> "Homeowners"), else `default`."""
    return OFFICE_NAMES.get(label_lower, default)


def _slug(title: str) -> str:
    return "office-" + title.lower().replace(" ", "-")


def _page_entry(url_name: str, name: str) -> dict | None:
    try:
        url = reverse(url_name)
    except NoReverseMatch:
        return None
    return {"name": name, "object_name": name.replace(" ", ""), "perms": {"view": True}, "admin_url": url,
            "add_url": None, "view_only": True, "model": None}


class CrmAdminSite(admin.AdminSite):
    site_header = "Attack-a-Crack Foundation Repair"
    site_title = "Attack-a-Crack CRM"
    index_title = "Back office"
    # "View site" opens the manager dashboard (the site has no public pages).
    site_url = "/dashboard/"
    # The homeowner list and page need the full width; the home page and breadcrumbs navigate.
    enable_nav_sidebar = False

    def get_app_list(self, request, app_label=None):
        if app_label is not None:  # an app's own page (/admin/contacts/): Django's listing
            return super().get_app_list(request, app_label)
        models = {}
        for app in self._build_app_dict(request).values():
            for entry in app["models"]:
                label = entry["model"]._meta.label_lower
                entry["name"] = office_name(label, entry["name"])
                models[label] = entry
        groups = {title: [models.pop(label) for label in labels if label in models] for title, labels in OFFICE_GROUPS}
        pages: dict[str, list[dict]] = {}
        for title, url_name, name, permission in OFFICE_PAGES:
            if permission and not request.user.has_perm(permission):
                continue
            entry = _page_entry(url_name, name)
            if entry is not None:
                pages.setdefault(title, []).append(entry)
        other = []
        for label, entry in sorted(models.items(), key=lambda item: item[1]["name"].lower()):
            app_label = label.split(".")[0]
            if app_label in INFRASTRUCTURE_APPS:
                other.append(entry)
            else:
                groups.setdefault(apps.get_app_config(app_label).verbose_name, []).append(entry)
        ordered = [(title, pages.pop(title)) for title in PAGE_GROUPS_FIRST if title in pages]
        ordered += [(title, entries) for title, entries in groups.items() if title != "Schedules"]
        ordered += list(pages.items())
        ordered.append(("Schedules", groups.get("Schedules", [])))
        ordered.append((OTHER_GROUP, other))
        return [
            {"name": title, "app_label": _slug(title), "app_url": entries[0]["admin_url"] or "",
             "has_module_perms": True, "models": entries}
            for title, entries in ordered if entries
        ]


def list_title(opts) -> str:
    """The title of a model's list page: the office's name, else Django's plural ("Homeowners")."""
    return office_name(opts.label_lower, capfirst(opts.verbose_name_plural))
