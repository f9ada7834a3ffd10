from django.core.management.base import BaseCommand

from broadsheet.engagement.services import recount


class Command(BaseCommand):
    help = "Rebuild comment, vote and reply counts from the stored comments and votes."

    def add_arguments(self, parser):
        parser.add_argument("--page", type=int, help="Only this page's comments.")

    def handle(self, *args, page=None, **options):
        total = recount(page)
        self.stdout.write(self.style.SUCCESS(f"Recounted {total} comments."))
