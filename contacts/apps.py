from django.apps import AppConfig
from django.db.models.signals import post_migrate


class ContactsConfig(AppConfig):
    name = "contacts"
    verbose_name = "Homeowners"

    def ready(self):
        from .roles import roles_sync_after_migrate

        # Sent once per app after `migrate`; listening for our own app's is enough to run once.
        post_migrate.connect(roles_sync_after_migrate, sender=self, dispatch_uid="contacts.roles_sync")
