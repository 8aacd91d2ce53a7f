from django.core.management.base import BaseCommand, CommandError

from content.services.video_pipeline import video_reprocess
from core.errors import ApplicationError


class Command(BaseCommand):
    help = "Retry a video's failed renditions, or with --all redo its whole pipeline (poster, sprite, ladder)."

    def add_arguments(self, parser):
        parser.add_argument("video_ids", nargs="+", help="Video ids.")
        parser.add_argument("--all", action="store_true", dest="everything", help="Redo every rendition.")

    def handle(self, *args, video_ids, everything=False, **options):
        for video_id in video_ids:
            try:
                names = video_reprocess(video_id=video_id, everything=everything)
            except (ApplicationError, ValueError) as error:
                raise CommandError(f"{video_id}: {error}") from error
            self.stdout.write(f"{video_id}: {', '.join(names) or 'nothing to retry'}")
