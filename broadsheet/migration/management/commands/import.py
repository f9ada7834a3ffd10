from django.core.management.base import BaseCommand, CommandError

from broadsheet.migration.jsonl import ExportFileError
from broadsheet.migration.jsonl_import import import_site


class Command(BaseCommand):
    help = (
        "Import a Broadsheet export (DIR, as `broadsheet export` wrote it) into this "
        "empty Broadsheet, ids kept. Refuses a site that has content."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", help="The export's folder.")
        parser.add_argument(
            "--no-index",
            action="store_true",
            help="Skip rebuilding the search index, related articles and Wagtail's "
            "reference index afterwards.",
        )

    def handle(self, *args, directory, no_index=False, **options):
        try:
            report = import_site(directory)
        except ExportFileError as error:
            raise CommandError(str(error)) from None
        for name, count in report.counts.items():
            self.stdout.write(f"{name}: {count}")
        if report.missing_files:
            self.stdout.write(
                self.style.WARNING(f"{len(report.missing_files)} image files missing.")
            )
        if not no_index:
            from django.core.management import call_command

            call_command("update_index", verbosity=0)
            call_command("refresh_related", verbosity=0)
            call_command("rebuild_references_index", verbosity=0)
        self.stdout.write(self.style.SUCCESS(f"Imported {directory}."))
