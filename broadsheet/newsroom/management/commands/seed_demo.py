import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
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
        parser.add_argument(
            "--editor",
            action="store_true",
            help="Also make (or reset) the demo editor account `editor`, in the Editors and "
            "Moderators groups, and print its password: trying the desk takes one command.",
        )
        parser.add_argument(
            "--password", default="", help="The demo editor's password (default: a new one)."
        )

    def handle(self, *args, if_empty=False, editor=False, password="", **options):
        if editor:
            self.make_editor(password or secrets.token_urlsafe(12))
            if ArticlePage.objects.exists():
                return
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

    def make_editor(self, password: str) -> None:
        """A desk account for trying Broadsheet, never a superuser: what a newsroom's
        editors and moderators can do, no more."""
        user, _ = get_user_model().objects.get_or_create(
            username="editor",
            defaults={"email": "editor@example.org", "first_name": "Demo", "last_name": "Editor"},
        )
        user.is_staff, user.is_active = True, True
        user.set_password(password)
        user.save()
        user.groups.add(*Group.objects.filter(name__in=["Editors", "Moderators"]))
        admin = f"{settings.WAGTAILADMIN_BASE_URL.rstrip('/')}/admin/"
        self.stdout.write(
            self.style.SUCCESS(f"Demo editor: sign in at {admin} as editor, password {password}")
        )
