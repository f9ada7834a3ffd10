from django.core.management.base import BaseCommand

from broadsheet.migration.export import export_site


class Command(BaseCommand):
    help = (
        "Export everything the newsroom owns into DIR: JSON Lines per kind, the image "
        "files, a WordPress WXR file and a manifest (see docs/migration.md)."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", help="Folder to write into (created if needed).")

    def handle(self, *args, directory, **options):
        report = export_site(directory)
        for name, count in report.counts.items():
            self.stdout.write(f"{name}: {count}")
        self.stdout.write(f"wordpress.xml: {report.wxr_items} items")
        if report.missing_files:
            self.stdout.write(
                self.style.WARNING(
                    f"{len(report.missing_files)} image files not found in storage: "
                    + ", ".join(report.missing_files[:10])
                )
            )
        self.stdout.write(self.style.SUCCESS(f"Exported to {directory}."))
