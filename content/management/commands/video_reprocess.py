from django.core.management.base import BaseCommand, CommandError

from content.services.video_pipeline import video_reprocess, video_reprocess_plan
from core.errors import ApplicationError


class Command(BaseCommand):
    help = "Retry a video's failed renditions, or with --all redo its whole pipeline (poster, sprite, ladder)."

    def add_arguments(self, parser):
        parser.add_argument("video_ids", nargs="+", help="Video ids.")
        parser.add_argument("--all", action="store_true", dest="everything", help="Redo every rendition.")
        parser.add_argument("--dry-run", action="store_true", help="Say what would be redone; change nothing.")

    def handle(self, *args, video_ids, everything=False, dry_run=False, **options):
        for video_id in video_ids:
            if dry_run:
                try:
                    names = video_reprocess_plan(video_id=video_id, everything=everything)
                except (ApplicationError, ValueError) as error:
                    raise CommandError(f"{video_id}: {error}") from error
                whole = "the whole pipeline, now " if everything else ""
                self.stdout.write(f"{video_id}: would redo {whole}{', '.join(names) or 'nothing'}")
                continue
            try:
                names = video_reprocess(video_id=video_id, everything=everything)
            except (ApplicationError, ValueError) as error:
                raise CommandError(f"{video_id}: {error}") from error
            self.stdout.write(f"{video_id}: {', '.join(names) or 'nothing to retry'}")
