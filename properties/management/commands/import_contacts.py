"""manage.py import_contacts FILE: people from a plain contacts CSV."""
from properties.models import ImportKind

from ._importing import ImportCommand


class Command(ImportCommand):
    help = "Import a contacts CSV (first name, last name, phone, email, tags, notes; common header spellings)."
    kind = ImportKind.CONTACTS
