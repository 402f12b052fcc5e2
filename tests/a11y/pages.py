"""The pages the accessibility gate checks: one line each. A new office or manager page joins by one line.

`path` is a URL path with `{placeholders}` filled from the seeded rows (tests/a11y/seed.py: contact,
conversation, property, campaign, import_run). `roles` says who opens it: "office" (the Office staff group), "manager"
(the Manager group) or "anonymous" (sign-in pages). `optional=True` skips a page whose URL does not
resolve yet (a page another branch is still building); drop the flag once it has merged.
"""
from __future__ import annotations

from dataclasses import dataclass

OFFICE, MANAGER, ANONYMOUS = "office", "manager", "anonymous"
STAFF = (OFFICE, MANAGER)


@dataclass(frozen=True)
class Page:
    name: str
    path: str
    roles: tuple[str, ...] = STAFF
    optional: bool = False
    status: int = 200  # what the role gets: 403 for a page shown to refuse them
    screenshot: str = ""  # file name of a phone-width screenshot kept in docs/screenshots/


PAGES: tuple[Page, ...] = (
    Page("admin sign-in", "/admin/login/", (ANONYMOUS,)),
    Page("dashboard sign-in", "/dashboard/login/", (ANONYMOUS,)),
    Page("admin index", "/admin/"),
    Page("contacts list", "/admin/contacts/contact/"),
    Page("contact page", "/admin/contacts/contact/{contact}/change/", screenshot="contact-phone.png"),
    Page("add contact", "/admin/contacts/contact/add/"),
    Page("properties list", "/admin/properties/property/"),
    Page("property page", "/admin/properties/property/{property}/change/"),
    Page("campaigns list", "/admin/campaigns/campaign/"),
    Page("campaign page with results", "/admin/campaigns/campaign/{campaign}/change/"),
    Page("campaign members", "/admin/campaigns/campaignmembership/?campaign__id__exact={campaign}"),
    Page("enroll by tag", "/admin/campaigns/campaign/{campaign}/enroll-tag/"),
    Page("import runs list", "/admin/properties/importrun/"),
    Page("import upload", "/admin/properties/importrun/upload/"),
    Page("import run page", "/admin/properties/importrun/{import_run}/change/"),
    Page("dashboard", "/dashboard/", (MANAGER,), screenshot="dashboard-phone.png"),
    Page("dashboard refused to office staff", "/dashboard/", (OFFICE,), status=403),
    Page("monthly report", "/dashboard/reports/monthly/", (MANAGER,)),
    Page("inbox", "/admin/inbox/"),
    Page("inbox thread", "/admin/inbox/{conversation}/"),
    Page("my day", "/admin/jobs/followuptask/my-day/"),
)
