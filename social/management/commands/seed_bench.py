"""manage.py seed_bench: a synthetic network for the home-feed benchmark, written with COPY.

For a database of its own (``EMBEDDED_DB_NAME=fanfare_bench``, or a ``DATABASE_URL`` naming a
scratch database): ``bench/bench_home_feed.py`` creates and uses ``fanfare_bench`` itself.
Refuses to write into a database that holds any account already (demo data, real data, or an
earlier network) unless ``--force``; with ``--force`` it still refuses when the bench handles
exist (run it on a fresh database).
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from accounts.models import User
from social.bench_network import BENCH_HANDLE_PREFIX, PROBES, Sizes, seed_network


class Command(BaseCommand):
    help = (
        "Generate a benchmark network with COPY (defaults: 100,000 users, 1,000,000 posts, 10,000,000 follows, "
        "10,000 videos) into the database settings name. For a bench database only: refuses a database with "
        "accounts in it unless --force."
    )

    def add_arguments(self, parser):
        defaults = Sizes()
        parser.add_argument("--users", type=int, default=defaults.users)
        parser.add_argument("--posts", type=int, default=defaults.posts)
        parser.add_argument("--follows", type=int, default=defaults.follows)
        parser.add_argument("--videos", type=int, default=defaults.videos)
        parser.add_argument("--days", type=int, default=defaults.days, help="Posts spread over this many days.")
        parser.add_argument("--seed", type=int, default=7, help="Random seed: the same seed, the same network.")
        parser.add_argument("--force", action="store_true", help="Write even though accounts exist.")

    def handle(self, *args, **options):
        database = connection.settings_dict["NAME"]
        if User.all_objects.filter(handle__in=list(PROBES)).exists():
            raise CommandError(f"{database!r} has a bench network already: seed a fresh database.")
        if User.all_objects.exists() and not options["force"]:
            raise CommandError(
                f"{database!r} has accounts in it. seed_bench is for a database of its own "
                "(EMBEDDED_DB_NAME=fanfare_bench manage.py migrate && ... seed_bench); pass --force to write anyway."
            )
        sizes = Sizes(
            users=options["users"],
            posts=options["posts"],
            follows=options["follows"],
            videos=options["videos"],
            days=options["days"],
        )
        if sizes.users <= max(PROBES.values()):
            raise CommandError(f"--users must be more than {max(PROBES.values())} (the probe users follow that many).")
        self.stdout.write(f"Seeding {database!r}: {sizes}. Users are named {BENCH_HANDLE_PREFIX}N; probes: {PROBES}.")
        with transaction.atomic():
            result = seed_network(sizes=sizes, seed=options["seed"], report=self.stdout.write)
        self.stdout.write(self.style.SUCCESS(f"Done: {result}"))
