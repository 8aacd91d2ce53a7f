from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Turn IVS playback authorization on for the channels of followers-only and subscribers-only "
        "streams (scheduled or live) and off for the others, where it differs."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Count what would change; change nothing.")

    def handle(self, *args, **options):
        from streaming.services.ivs_playback import ivs_channels_authorization_sync

        counts = ivs_channels_authorization_sync(dry_run=options["dry_run"])
        prefix = "would change: " if options["dry_run"] else ""
        self.stdout.write(
            f"{prefix}protected {counts['protected']}, opened {counts['opened']}, "
            f"left live {counts['live']}, channel missing {counts['missing']}"
        )
