"""manage.py import_propertyradar FILE: properties and their owners from a PropertyRadar export."""
from properties.models import ImportKind

from ._importing import ImportCommand


class Command(ImportCommand):
    help = "Import a PropertyRadar export: properties, their owners (by phone) and the links between them."
    kind = ImportKind.PROPERTYRADAR
    with_state = True
