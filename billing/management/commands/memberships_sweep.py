from django.core.management.base import BaseCommand

from billing.services.memberships import memberships_sweep


class Command(BaseCommand):
    help = (
        "End memberships whose failed renewal is past the grace period, gifts that ran out and joins "
        "left incomplete (3-D Secure) for 23 hours; "
        "tell members whose membership ends soon (what the hourly beat job does)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Count them; change nothing.")

    def handle(self, *args, dry_run: bool, **options):
        result = memberships_sweep(dry_run=dry_run)
        verb = "would end" if dry_run else "ended"
        self.stdout.write(
            f"{verb} {result.ended_after_grace} after the grace period, {result.gifts_ended} gifts and "
            f"{result.incomplete_expired} joins left incomplete; "
            f"{result.ending_notices} ending notices{' to send' if dry_run else ' sent'}"
        )
