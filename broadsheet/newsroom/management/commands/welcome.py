"""`broadsheet welcome`: the last lines `make run` prints, once the server answers, so a
newcomer's terminal ends with where to read and where to sign in, not in log lines."""

import time
import urllib.request

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Say where the site and its admin are, and how to make a first editor."

    def add_arguments(self, parser):
        parser.add_argument(
            "--wait", type=float, default=0, help="Seconds to wait for /healthz to answer first."
        )

    def handle(self, *args, wait=0, **options):
        base = settings.WAGTAILADMIN_BASE_URL.rstrip("/")
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=2):  # noqa: S310
                    break
            except OSError:
                time.sleep(0.5)
        has_editor = get_user_model().objects.filter(is_staff=True, is_active=True).exists()
        lines = [
            "",
            f"Broadsheet is running: {base}/",
            f"The newsroom's desk (Wagtail admin): {base}/admin/",
        ]
        if has_editor:
            lines.append("Sign in there with an editor account.")
        else:
            lines += [
                "No editor account yet. In another terminal, either:",
                "  .venv/bin/broadsheet seed_demo --editor   (a demo editor; password printed)",
                "  .venv/bin/broadsheet createsuperuser      (your own account)",
            ]
        lines.append("Emails are printed here, one line each. Stop with Ctrl-C.")
        self.stdout.write("\n".join(lines))
