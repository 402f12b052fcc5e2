"""Create (or reset) the demo admin user; the password comes from DEMO_ADMIN_PASSWORD or is generated."""
import os
import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Create the demo superuser 'admin' (password from DEMO_ADMIN_PASSWORD, else generated and printed)."

    def add_arguments(self, parser):
        parser.add_argument("--username", default="admin")

    def handle(self, *args, username: str, **options):
        password = os.environ.get("DEMO_ADMIN_PASSWORD") or secrets.token_urlsafe(12)
        user, created = get_user_model().objects.get_or_create(
            username=username, defaults={"email": f"{username}@attackacrack.example"}
        )
        user.is_staff = user.is_superuser = True
        user.set_password(password)
        user.save()
        verb = "Created" if created else "Reset password of"
        self.stdout.write(self.style.SUCCESS(f"{verb} admin user '{username}'."))
        if os.environ.get("DEMO_ADMIN_PASSWORD"):
            self.stdout.write("Password: the value of DEMO_ADMIN_PASSWORD.")
        else:
            self.stdout.write(f"Password: {password}")
        self.stdout.write(f"Log in at http://127.0.0.1:{os.environ.get('PORT', '8000')}/admin/")
