from django.core.management.base import BaseCommand

from broadsheet.discovery.services import refresh_all


class Command(BaseCommand):
    help = "Recompute the related-article lists of every live article."

    def handle(self, *args, **options):
        count = refresh_all()
        self.stdout.write(self.style.SUCCESS(f"Related lists recomputed for {count} articles."))
