"""The load and crash round of `make test-resilience`: nothing acknowledged is lost.

For each database (SQLite, then PostgreSQL on a server of its own with Redis of its own
for the cache), on a small site built for the round (bench/processes.py), with an SMTP
server of its own (aiosmtpd):

1. `broadsheet serve` and `broadsheet worker` run as subprocesses;
2. RESILIENCE_CLIENTS clients (64) post for RESILIENCE_SECONDS (30) comments, votes and
   ratings through the reader API, each write as a new guest (its own `bs_reader`
   cookie, made here, so the voter is known) from its own address (X-Forwarded-For
   behind the trusted proxy on loopback), so no per-reader or per-address limit
   refuses them; every eighth comment asks to be notified ("notify": a confirmation
   email is then due to its own address);
3. at 40% of the run the whole server is killed with SIGKILL and started again at once;
   at 60% the worker is; the clients keep going;
4. when the clients stop, the worker gets RESILIENCE_DRAIN_SECONDS (60) to send the
   emails due, then everything stops and a process of the site checks every
   acknowledged write (a 2xx answer) against the database.

Prints, per database: writes acknowledged, stored, lost, duplicated, refused but stored,
stored counts that differ from a recount, emails due, sent, lost, duplicated, and the
seconds from the server's kill to the next acknowledged write. Exits 1 on any loss,
duplicate, refused write stored or count that differs. RESILIENCE_DATABASES=sqlite (or
postgresql) runs one round. Results: bench/results/resilience.json.
"""

import contextlib
import http.client
import itertools
import json
import os
import random
import secrets
import shutil
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from processes import ROOT, Serve, Worker, collect_static, prepared_site, site_env  # noqa: E402

from broadsheet.tests.services import PostgresServer, RedisServer, free_port  # noqa: E402

SECONDS = float(os.environ.get("RESILIENCE_SECONDS", "30"))
CLIENTS = int(os.environ.get("RESILIENCE_CLIENTS", "64"))
DRAIN = float(os.environ.get("RESILIENCE_DRAIN_SECONDS", "60"))
DATABASES = os.environ.get("RESILIENCE_DATABASES", "sqlite,postgresql").split(",")
RESULTS = ROOT / "bench" / "results"
NOTIFY_EVERY = 8


def say(text: str) -> None:
    print(text, flush=True)


# -- the SMTP server -----------------------------------------------------------------


class Inbox:
    """aiosmtpd's handler: every message's recipients, counted."""

    def __init__(self):
        self.received: Counter = Counter()
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        with self.lock:
            for recipient in envelope.rcpt_tos:
                self.received[recipient.lower()] += 1
        return "250 OK"


@contextlib.contextmanager
def smtp_server():
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


# -- the clients ---------------------------------------------------------------------


class Clients:
    """CLIENTS threads posting writes until told to stop; each write is recorded with
    what it asked for, its answer, and when it was sent and answered."""

    def __init__(self, url: str, articles: list[int], comments: list[int]):
        self.url, self.articles, self.comments = url, articles, comments
        self.stop = threading.Event()
        self.records: list[dict] = []
        self.lock = threading.Lock()
        self.token = ""
        self.comment_numbers = itertools.count()  # across clients (atomic under the GIL)
        self.killed_at = float("inf")  # when the server was killed
        self.back_at = None  # the first acknowledged write sent after that

    def csrf(self) -> str:
        while not self.token:
            try:
                with urllib.request.urlopen(f"{self.url}/api/v1/session", timeout=10) as answer:
                    self.token = json.loads(answer.read())["csrf_token"]
            except OSError:
                time.sleep(0.2)
        return self.token

    def run(self, number: int) -> None:
        rng = random.Random(number)
        n = 0
        while not self.stop.is_set():
            n += 1
            self.write(rng, f"{number}-{n}", n)

    def write(self, rng: random.Random, tag: str, n: int) -> None:
        token = secrets.token_urlsafe(32)  # a new guest: bs_reader is theirs
        kind = ("comment", "vote", "rating")[n % 3]
        if kind == "comment":
            article = rng.choice(self.articles)
            record = {"kind": kind, "article": article, "body": f"Resilience comment {tag}."}
            payload = {
                "body": record["body"],
                "author_name": f"Reader {tag}",
                "author_email": f"reader-{tag}@example.org",
            }
            if next(self.comment_numbers) % NOTIFY_EVERY == 0:  # the 1st, 9th, 17th ...
                payload["notify"] = "comments"
                record["email"] = payload["author_email"]
            path = f"/api/v1/articles/{article}/comments"
        elif kind == "vote":
            record = {"kind": kind, "comment": rng.choice(self.comments)}
            record["value"] = payload_value = rng.choice((1, -1))
            payload = {"value": payload_value}
            path = f"/api/v1/comments/{record['comment']}/vote"
        else:
            record = {"kind": kind, "article": rng.choice(self.articles)}
            record["stars"] = stars = rng.randint(1, 5)
            payload = {"stars": stars}
            path = f"/api/v1/articles/{record['article']}/rating"
        record["token"] = token
        csrf = self.csrf()
        request = urllib.request.Request(
            self.url + path,
            data=json.dumps(payload).encode(),
            method="POST",
            headers={
                "Content-Type": "application/json",
                "X-CSRFToken": csrf,
                "Cookie": f"csrftoken={csrf}; bs_reader={token}",
                "X-Forwarded-For": f"10.{rng.randrange(256)}.{rng.randrange(256)}."
                f"{rng.randrange(1, 255)}",
            },
        )
        record["sent"] = time.monotonic()
        try:
            with urllib.request.urlopen(request, timeout=15) as answer:
                record["status"] = answer.status
                record["answer"] = json.loads(answer.read() or b"null")
        except urllib.error.HTTPError as error:
            record["status"] = error.code
        except (OSError, http.client.HTTPException):
            # No whole answer: connection refused, reset, timeout, or cut off mid-body.
            record["status"] = None
            time.sleep(0.2)
        record["answered"] = time.monotonic()
        with self.lock:
            self.records.append(record)
            if self.back_at is None and record["sent"] >= self.killed_at and ok(record):
                self.back_at = record["answered"]


# -- one round -----------------------------------------------------------------------


@contextlib.contextmanager
def services_for(database: str, folder: Path):
    """The database URL and extra settings for a round: SQLite in the folder, or a
    PostgreSQL server and a Redis server of the round's own."""
    if database == "sqlite":
        yield None, {"CACHE_BACKEND": "database"}
        return
    with PostgresServer() as postgres, RedisServer() as redis:
        url = postgres.create_database("resilience")
        yield url, {"REDIS_URL": redis.url, "CACHE_BACKEND": "redis"}


def one_round(database: str) -> dict:
    folder = Path(tempfile.mkdtemp(prefix=f"resilience-{database}-", dir=ROOT / "var"))
    try:
        with services_for(database, folder) as (url, extra), smtp_server() as (inbox, port):
            env = site_env(
                folder / "site",
                url,
                EMAIL_URL=f"smtp://127.0.0.1:{port}",
                TASKS_BACKEND="database",
                PAGE_CACHE="1",
                GUEST_VOTES_PER_ADDRESS="1000000",
                NOTIFICATIONS_RETRY_SECONDS="1",
                **extra,
            )
            began = time.monotonic()
            site = prepared_site(env, articles=8, comments=200, ratings=20)
            say(f"[{database}] site built in {time.monotonic() - began:.0f} s")
            return drive(database, env, folder, site, inbox)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def drive(database: str, env: dict, folder: Path, site: dict, inbox: Inbox) -> dict:
    server = Serve(env, folder / "server.log")
    worker = Worker(env, folder / "worker.log")
    with server, worker:
        server.wait_healthy()
        clients = Clients(server.url, site["articles"], site["comments"])
        clients.csrf()
        threads = [threading.Thread(target=clients.run, args=(n,)) for n in range(CLIENTS)]
        say(
            f"[{database}] {CLIENTS} clients for {SECONDS:.0f} s; kill -9 of the server at "
            f"{SECONDS * 0.4:.0f} s, of the worker at {SECONDS * 0.6:.0f} s"
        )
        start = time.monotonic()
        for thread in threads:
            thread.start()
        time.sleep(SECONDS * 0.4)
        killed = clients.killed_at = time.monotonic()
        server.kill()
        server.start()
        time.sleep(max(0.0, start + SECONDS * 0.6 - time.monotonic()))
        worker.kill()
        worker.start()
        time.sleep(max(0.0, start + SECONDS - time.monotonic()))
        # Not over before the server is back (on a busy machine a restart can outlast the
        # run): until a few seconds of acknowledged writes after it, at most 3 minutes.
        deadline = time.monotonic() + 180
        while clients.back_at is None and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(3)
        clients.stop.set()
        for thread in threads:
            thread.join()
        records = clients.records
        due = {r["email"].lower() for r in acknowledged(records, "comment") if notified(r)}
        drained = time.monotonic()
        while time.monotonic() - drained < DRAIN and not due <= set(inbox.received):
            time.sleep(0.5)
        time.sleep(2)  # a duplicate sent just after the last one due
    recovery = round(clients.back_at - killed, 2) if clients.back_at else None
    before = [r for r in records if ok(r) and r["answered"] < killed]
    latencies = sorted(r["answered"] - r["sent"] for r in records if ok(r))
    checked = verify(env, folder, records)
    received = inbox.received
    emails = {
        "due": len(due),
        "sent": sum(1 for address in due if received[address]),
        "lost": sum(1 for address in due if not received[address]),
        "duplicated": sum(received[address] - 1 for address in due if received[address] > 1),
        "unexpected": sum(n for address, n in received.items() if address not in due),
    }
    statuses = Counter(str(r["status"]) for r in records)
    notify = Counter(
        r["answer"].get("notifications", "")[:60]
        for r in acknowledged(records, "comment")
        if "email" in r
    )
    return {
        "database": database,
        "clients": CLIENTS,
        "seconds": SECONDS,
        "statuses": dict(statuses),
        "notify_answers": dict(notify),
        "writes": checked,
        "emails": emails,
        "recovery_s": recovery,
        "acknowledged_per_s_before_kill": round(len(before) / (killed - start), 1),
        "acknowledged_p50_ms": round(1000 * latencies[len(latencies) // 2]) if latencies else None,
    }


def ok(record: dict) -> bool:
    return record["status"] is not None and 200 <= record["status"] < 300


def acknowledged(records: list[dict], kind: str) -> list[dict]:
    return [r for r in records if r["kind"] == kind and ok(r)]


def notified(record: dict) -> bool:
    return "email" in record and record["answer"].get("notifications") == "confirmation_sent"


def verify(env: dict, folder: Path, records: list[dict]) -> dict:
    """Check the records against the database, in a process of the site's own."""
    path = folder / "records.json"
    path.write_text(json.dumps(records))
    import subprocess

    done = subprocess.run(
        [sys.executable, __file__, "verify", str(path)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        raise SystemExit(f"verification failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _verify(path: str) -> None:
    """Run inside the site (Django set up on the round's database)."""
    import django

    django.setup()
    from django.db import transaction

    from broadsheet.engagement.identity import keyed_hash
    from broadsheet.engagement.models import Comment, Discussion, Rating, RatingSummary, Vote
    from broadsheet.engagement.services import recount

    records = json.loads(Path(path).read_text())
    for record in records:
        record["voter"] = f"g:{keyed_hash('reader', record['token'])}"
    result = {}
    for kind in ("comment", "vote", "rating"):
        mine = [r for r in records if r["kind"] == kind]
        if kind == "comment":
            rows = Counter(
                Comment.objects.filter(body__in=[r["body"] for r in mine]).values_list(
                    "body", flat=True
                )
            )
            key = "body"
        else:
            # A vote is one per (comment, voter), a rating one per (article, voter).
            if kind == "vote":
                model, column, sent = Vote, "comment_id", "comment"
            else:
                model, column, sent = Rating, "page_id", "article"
            voters = [r["voter"] for r in mine]
            rows = Counter(
                f"{target}:{voter}"
                for target, voter in model.objects.filter(voter__in=voters).values_list(
                    column, "voter"
                )
            )
            for r in mine:
                r["key"] = f"{r[sent]}:{r['voter']}"
            key = "key"
        acked = [r for r in mine if ok(r)]
        refused = [r for r in mine if r["status"] is not None and not ok(r)]
        unanswered = [r for r in mine if r["status"] is None]
        result[kind] = {
            "acknowledged": len(acked),
            "stored": sum(1 for r in acked if rows[r[key]]),
            "lost": sum(1 for r in acked if not rows[r[key]]),
            "duplicated": sum(n - 1 for n in rows.values() if n > 1),
            "refused_but_stored": sum(1 for r in refused if rows[r[key]]),
            "unanswered": len(unanswered),
            "unanswered_stored": sum(1 for r in unanswered if rows[r[key]]),
        }

    def counts() -> dict:
        return {
            **{
                f"comment {pk}": row
                for pk, *row in Comment.objects.values_list(
                    "pk", "upvotes", "downvotes", "score", "reply_count"
                )
            },
            **{
                f"discussion {pk}": n
                for pk, n in Discussion.objects.values_list("page_id", "comment_count")
            },
            **{
                f"rating {pk}": [n, total]
                for pk, n, total in RatingSummary.objects.values_list("page_id", "count", "total")
                if n or total
            },
        }

    stored = counts()
    with transaction.atomic():
        recount()
        recounted = counts()
        transaction.set_rollback(True)
    keys = stored.keys() | recounted.keys()
    differ = sorted(k for k in keys if stored.get(k) != recounted.get(k))
    result["counts_differ"] = len(differ)
    result["counts_differ_examples"] = differ[:5]
    print(json.dumps(result))


# -- the report ----------------------------------------------------------------------


def table(rounds: list[dict]) -> str:
    lines = [
        "| database | kind | acknowledged | stored | lost | duplicated | refused but stored "
        "| unanswered (stored) |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rounds:
        for kind in ("comment", "vote", "rating"):
            w = r["writes"][kind]
            lines.append(
                f"| {r['database']} | {kind} | {w['acknowledged']} | {w['stored']} | {w['lost']} "
                f"| {w['duplicated']} | {w['refused_but_stored']} | {w['unanswered']} "
                f"({w['unanswered_stored']}) |"
            )
    lines += [
        "",
        "| database | counts differing from a recount | emails due | sent | lost | duplicated "
        "| recovery s (kill -9 to next acknowledged write) | acknowledged/s before the kill "
        "(p50 ms) | answers |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in rounds:
        e = r["emails"]
        statuses = ", ".join(f"{k}: {v}" for k, v in sorted(r["statuses"].items()))
        lines.append(
            f"| {r['database']} | {r['writes']['counts_differ']} | {e['due']} | {e['sent']} | "
            f"{e['lost']} | {e['duplicated']} | {r['recovery_s']} | "
            f"{r['acknowledged_per_s_before_kill']} ({r['acknowledged_p50_ms']}) | {statuses} |"
        )
    return "\n".join(lines) + "\n"


def failures(rounds: list[dict]) -> list[str]:
    found = []
    for r in rounds:
        for kind in ("comment", "vote", "rating"):
            w = r["writes"][kind]
            for what in ("lost", "duplicated", "refused_but_stored"):
                if w[what]:
                    found.append(f"{r['database']}: {w[what]} {kind} writes {what}")
        if r["writes"]["counts_differ"]:
            found.append(
                f"{r['database']}: {r['writes']['counts_differ']} stored counts differ from a "
                f"recount (e.g. {', '.join(r['writes']['counts_differ_examples'])})"
            )
        if r["recovery_s"] is None:
            found.append(f"{r['database']}: no write acknowledged after the server's restart")
        for what in ("lost", "duplicated"):
            if r["emails"][what]:
                found.append(f"{r['database']}: {r['emails'][what]} emails {what}")
    return found


def main() -> None:
    began = time.monotonic()
    (ROOT / "var").mkdir(exist_ok=True)
    collect_static(site_env(ROOT / "var" / "crash-collect"))
    rounds = [one_round(database.strip()) for database in DATABASES if database.strip()]
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "resilience.json").write_text(json.dumps(rounds, indent=2))
    say("")
    say(table(rounds))
    problems = failures(rounds)
    say(f"({time.monotonic() - began:.0f} s; bench/results/resilience.json)")
    if problems:
        say("FAILED: " + "; ".join(problems))
        sys.exit(1)
    say("Nothing acknowledged was lost or duplicated; every email due went out once.")


if __name__ == "__main__":
    if sys.argv[1:2] == ["verify"]:
        _verify(sys.argv[2])
    else:
        main()
