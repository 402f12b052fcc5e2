"""Admin of the properties app. The import screens (upload, runs, rejects) are in import_admin.py."""
from . import import_admin  # noqa: F401 - registers ImportRun
