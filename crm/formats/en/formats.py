"""The one date style of the CRM, everywhere Django formats a date: "Mon Dec 7, 2026, 1:38 PM".

Django 5 formats dates by locale (en) unless a project's FORMAT_MODULE_PATH names its own; this is
it (settings: FORMAT_MODULE_PATH = ["crm.formats"]). The admin lists and pages, the homeowner's
timeline and the dashboard all use these through the `date` filter or Django's own display.
"""
DATE_FORMAT = "D M j, Y"  # Mon Dec 7, 2026
DATETIME_FORMAT = "D M j, Y, g:i A"  # Mon Dec 7, 2026, 1:38 PM
TIME_FORMAT = "g:i A"  # 1:38 PM
SHORT_DATE_FORMAT = "D M j, Y"
SHORT_DATETIME_FORMAT = "D M j, Y, g:i A"
MONTH_DAY_FORMAT = "D M j"  # Mon Dec 7
YEAR_MONTH_FORMAT = "F Y"  # December 2026
