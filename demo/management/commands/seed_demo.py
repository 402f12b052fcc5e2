"""Load the demo: Massachusetts homeowners, houses, and 45 days of texts and calls (see demo/seed.py)."""
import random

from django.core.management.base import BaseCommand, CommandError

from demo.seed import MAX_HOMEOWNERS, seed_demo

DEFAULT_SEED = 1773


class Command(BaseCommand):
    help = "Load realistic demo data. Running it again with the same seed adds nothing."

    def add_arguments(self, parser):
        parser.add_argument("--homeowners", type=int, default=300,
                            help=f"How many homeowners (default 300, at most {MAX_HOMEOWNERS}).")
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED,
                            help="Random seed; the same seed makes the same people.")

    def handle(self, *args, homeowners: int, seed: int, **options):
        if not 1 <= homeowners <= MAX_HOMEOWNERS:
            raise CommandError(f"--homeowners must be between 1 and {MAX_HOMEOWNERS} (the fictional 555-01xx numbers "
                               f"of the nine Massachusetts area codes).")
        summary = seed_demo(rng=random.Random(seed), homeowners=homeowners)
        self.stdout.write(self.style.SUCCESS(f"Demo data loaded (seed {seed})."))
        for line in summary.lines():
            self.stdout.write("  " + line)
