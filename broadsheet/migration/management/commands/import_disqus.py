from django.core.management.base import BaseCommand, CommandError

from broadsheet.migration.disqus import DisqusFileError, import_disqus


class Command(BaseCommand):
    help = (
        "Import comments from a Disqus XML export, attached to articles by URL (or by the "
        "WordPress post id in the thread's identifier, or a redirect from the old URL); "
        "threads closed on Disqus close comments on their article. Safe to run again: "
        "comments already imported are left alone."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="The Disqus export (XML, uncompressed).")

    def handle(self, *args, file, **options):
        try:
            report = import_disqus(file)
        except DisqusFileError as error:
            raise CommandError(str(error)) from None
        write = self.stdout.write
        write(
            f"Threads: {report.threads} ({report.matched_threads} matched to articles, "
            f"{len(report.unmatched)} unmatched)."
        )
        write(
            f"Comments: {report.posts} in the file; {report.imported} imported "
            f"({report.spam} as spam, {report.removed} as removed), "
            f"{report.already_imported} imported before, {report.skipped} skipped "
            f"(no article), {report.duplicates} duplicates."
        )
        if report.orphans:
            write(f"{report.orphans} replies whose parent is missing kept as top-level comments.")
        if report.closed:
            articles = "article" if report.closed == 1 else "articles"
            write(f"Comments closed on {report.closed} {articles} (closed on Disqus).")
        for thread_id, link, count in report.unmatched:
            write(f"  unmatched thread {thread_id}: {link or '(no link)'} ({count} comments)")
        self.stdout.write(self.style.SUCCESS("Done."))
