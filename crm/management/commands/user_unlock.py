"""Lift the sign-in lockout of one or more users: `manage.py user_unlock USERNAME [...]`."""
from django.core.management.base import BaseCommand

from crm.lockout import user_sign_in_unlock


class Command(BaseCommand):
    help = "Let users locked out after too many wrong passwords sign in again now (from any address)."

    def add_arguments(self, parser):
        parser.add_argument("usernames", nargs="+", metavar="USERNAME")

    def handle(self, *args, usernames, **options):
        for username in usernames:
            cleared = user_sign_in_unlock(username=username)
            if cleared:
                self.stdout.write(f"{username}: unlocked ({cleared} lockout record(s) cleared).")
            else:
                self.stdout.write(f"{username}: was not locked out.")
