import signal
import time

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = (
        "Publish and unpublish scheduled pages every INTERVAL seconds until stopped "
        "(what a cron job running `broadsheet publish_scheduled` does in production)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=int, default=60, help="Seconds between runs.")
        parser.add_argument(
            "--runs", type=int, default=0, help="Stop after this many runs (0: run until stopped)."
        )

    def handle(self, *args, interval: int, runs: int, **options):
        if interval < 1:
            raise CommandError("--interval must be at least 1 second.")
        stopping = False

        def stop(signum, frame):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        done = 0
        while not stopping:
            call_command("publish_scheduled", verbosity=0)
            done += 1
            if runs and done >= runs:
                break
            for _ in range(interval):
                if stopping:
                    break
                time.sleep(1)
