from django.core.management.base import BaseCommand

from broadsheet.engagement.demo import seed_demo_comments
from broadsheet.newsroom.demo import seed_demo
from broadsheet.newsroom.models import ArticlePage


class Command(BaseCommand):
    help = "Create the demo newsroom (sections, authors, 24 articles). Safe to run again."

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing if the site already has articles (used by `make run`).",
        )

    def handle(self, *args, if_empty=False, **options):
        if if_empty and ArticlePage.objects.exists():
            self.stdout.write("The site already has articles; demo not loaded.")
            return
        report = seed_demo()
        # The command composes the apps' demos; the apps themselves never import each other.
        comments = seed_demo_comments(list(ArticlePage.objects.live().order_by("path")))
        if report.created or comments:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Demo newsroom: created {len(report.created)} objects and {comments} comments."
                )
            )
        else:
            self.stdout.write("Demo newsroom already complete; nothing changed.")
