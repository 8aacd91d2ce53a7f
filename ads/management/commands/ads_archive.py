"""Retire old ad event partitions: rolled up, written to gzipped CSV, dropped."""

from django.core.management.base import BaseCommand, CommandError

from ads.services.archive import partition_archive, partitions_older_than


class Command(BaseCommand):
    help = "Archive the ad impression and click partitions of days older than --older-than days."

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than", type=int, required=True, help="Days; partitions ending before are archived."
        )
        parser.add_argument("--dry-run", action="store_true", help="List what would be archived, change nothing.")

    def handle(self, *args, **options):
        if options["older_than"] < 1:
            raise CommandError("--older-than is at least 1 day")
        partitions = partitions_older_than(days=options["older_than"])
        if not partitions:
            self.stdout.write("Nothing to archive.")
        for partition in partitions:
            if options["dry_run"]:
                self.stdout.write(f"would archive {partition.name} ({partition.day}, {partition.rows} rows)")
                continue
            path = partition_archive(partition=partition)
            self.stdout.write(f"archived {partition.name} ({partition.rows} rows) to {path}")
