"""The WordPress import at size: a generated WXR export of BENCH_WXR_MB megabytes (50 by
default; posts with long bodies, threaded comments with wpDiscuz votes, ratings and a
few attachments) imported into a fresh database, reporting items per second, database
queries per post and the process's peak memory (ru_maxrss). Run with
`make bench-migration`. Writes bench/results/migration-<MB>mb.json (-read- for the
read mode).

Memory should stay flat as the file grows. Peak memory is per process, so
BENCH_WXR_SIZES=5,20,50 runs each size in a process of its own and prints them side by
side (bench/results/migration-sizes.json). A full import of a 1 GB export takes hours on
a small machine, so BENCH_WXR_MODE=read measures the part that depends on the file's size
without the database: both streaming passes the import makes (read_wxr), every record
built, nothing converted or written. The documented 1 GB
figure is `BENCH_WXR_MODE=read BENCH_WXR_MB=1024`; CI never runs it. Generated files
stay in var/bench/ (a 1 GB one is worth deleting afterwards).
"""

import json
import os
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

MEGABYTES = float(os.environ.get("BENCH_WXR_MB", "50"))
MODE = os.environ.get("BENCH_WXR_MODE", "import")  # "import", or "read" (no database)
SIZES = os.environ.get("BENCH_WXR_SIZES", "")  # "5,20,50": each size in its own process
COMMENTS_PER_POST = int(os.environ.get("BENCH_WXR_COMMENTS", "12"))
WORDS = [
    "harbour",
    "quay",
    "council",
    "ferry",
    "tide",
    "market",
    "boat",
    "storm",
    "repair",
    "lighthouse",
    "regatta",
    "fish",
    "budget",
    "road",
    "season",
    "volunteer",
    "weather",
    "crane",
    "dock",
    "net",
    "rope",
    "gull",
    "pier",
    "island",
]

HEAD = """<?xml version="1.0" encoding="UTF-8" ?>
<rss version="2.0" xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/"
 xmlns:content="http://purl.org/rss/1.0/modules/content/"
 xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.2/">
<channel>
<title>Bench Gazette</title>
<wp:wxr_version>1.2</wp:wxr_version>
<wp:base_site_url>https://bench.example</wp:base_site_url>
<wp:base_blog_url>https://bench.example</wp:base_blog_url>
"""


def sentence(rng: random.Random, n: int = 14) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + "."


def comment_xml(rng: random.Random, post: int, n: int, parent: int) -> str:
    cid = post * 1000 + n
    likes, dislikes = rng.randint(0, 9), rng.randint(0, 4)
    votes = f'a:2:{{s:4:"like";i:{likes};s:7:"dislike";i:{dislikes};}}'
    return f"""<wp:comment><wp:comment_id>{cid}</wp:comment_id>
<wp:comment_author><![CDATA[Reader {n}]]></wp:comment_author>
<wp:comment_author_email>reader{n}@bench.example</wp:comment_author_email>
<wp:comment_author_url></wp:comment_author_url>
<wp:comment_author_IP>198.51.100.{n % 250}</wp:comment_author_IP>
<wp:comment_date>2020-01-01 10:{n % 60:02d}:00</wp:comment_date>
<wp:comment_date_gmt>2020-01-01 10:{n % 60:02d}:00</wp:comment_date_gmt>
<wp:comment_content><![CDATA[{sentence(rng, 30)}

{sentence(rng, 20)}]]></wp:comment_content>
<wp:comment_approved>1</wp:comment_approved><wp:comment_type>comment</wp:comment_type>
<wp:comment_parent>{post * 1000 + parent if parent else 0}</wp:comment_parent>
<wp:comment_user_id>0</wp:comment_user_id>
<wp:commentmeta><wp:meta_key>wpdiscuz_votes_seperate</wp:meta_key><wp:meta_value><![CDATA[{votes}]]></wp:meta_value></wp:commentmeta>
</wp:comment>
"""


def post_xml(rng: random.Random, post: int, category: str) -> str:
    paragraphs = "\n\n".join(sentence(rng, rng.randint(30, 60)) for _ in range(12))
    comments = "".join(
        comment_xml(rng, post, n, rng.randint(1, n - 1) if n > 1 and rng.random() < 0.5 else 0)
        for n in range(1, COMMENTS_PER_POST + 1)
    )
    attachment = ""
    if post % 50 == 0:
        attachment = f"""<item><title>Picture {post}</title><wp:post_id>{post + 500000}</wp:post_id>
<wp:post_type>attachment</wp:post_type><wp:status>inherit</wp:status>
<wp:attachment_url>https://bench.example/wp-content/uploads/2020/01/p{post}.jpg</wp:attachment_url>
<wp:postmeta><wp:meta_key>_wp_attached_file</wp:meta_key><wp:meta_value>2020/01/p{post}.jpg</wp:meta_value></wp:postmeta>
</item>
"""
    return f"""<item><title>{sentence(rng, 6)[:-1]}</title>
<link>https://bench.example/2020/01/story-{post}/</link>
<dc:creator>writer</dc:creator>
<content:encoded><![CDATA[{paragraphs}
<!-- wp:quote --><blockquote class="wp-block-quote"><p>{sentence(rng)}</p>
<cite>A. Source</cite></blockquote><!-- /wp:quote -->]]></content:encoded>
<excerpt:encoded><![CDATA[]]></excerpt:encoded>
<wp:post_id>{post}</wp:post_id>
<wp:post_date>2020-01-01 09:00:00</wp:post_date>
<wp:post_date_gmt>2020-01-01 09:00:00</wp:post_date_gmt>
<wp:comment_status>open</wp:comment_status><wp:post_name>story-{post}</wp:post_name>
<wp:status>publish</wp:status><wp:post_type>post</wp:post_type>
<category domain="category" nicename="{category}"><![CDATA[{category.title()}]]></category>
<wp:postmeta><wp:meta_key>wpdiscuz_post_rating</wp:meta_key><wp:meta_value>4.2</wp:meta_value></wp:postmeta>
<wp:postmeta><wp:meta_key>wpdiscuz_post_rating_count</wp:meta_key>
<wp:meta_value>{rng.randint(1, 40)}</wp:meta_value></wp:postmeta>
{comments}</item>
{attachment}"""


def generate(path: Path, megabytes: float) -> dict:
    """Write the export item by item (never held whole); returns what it holds."""
    rng = random.Random(20261130)
    target = int(megabytes * 1024 * 1024)
    posts = 0
    with open(path, "w", encoding="utf-8") as out:
        out.write(HEAD)
        out.write(
            "<wp:author><wp:author_id>1</wp:author_id><wp:author_login>writer</wp:author_login>"
            "<wp:author_email>writer@bench.example</wp:author_email>"
            "<wp:author_display_name>Bench Writer</wp:author_display_name></wp:author>\n"
        )
        for slug in ("harbour", "council", "weather"):
            out.write(
                f"<wp:category><wp:term_id>{len(slug)}{slug[0]}</wp:term_id><wp:category_nicename>"
                f"{slug}</wp:category_nicename><wp:cat_name>{slug.title()}</wp:cat_name>"
                "</wp:category>\n"
            )
        while out.tell() < target:
            posts += 1
            out.write(post_xml(rng, posts, ("harbour", "council", "weather")[posts % 3]))
        out.write("</channel>\n</rss>\n")
    return {"posts": posts, "comments": posts * COMMENTS_PER_POST}


def setup_django(var: Path) -> None:
    database = var / "migration.sqlite3"
    for leftover in var.glob("migration.sqlite3*"):
        leftover.unlink()
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{database}")
    os.environ.setdefault("BROADSHEET_VAR_DIR", str(var))
    os.environ.setdefault("SECRET_KEY", "bench-only-secret")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "broadsheet.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()


def peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)  # KiB on Linux


def read_only(export: Path) -> dict:
    """What the import holds while it reads the file, without the database and the
    per-post conversion (at about 50 ms a post, hours at 1 GB; the full imports at
    growing sizes cover them): both streaming passes, every record built."""
    from broadsheet.migration.wxr_reader import WpItem, read_wxr

    posts = comments = 0
    for second in (False, True):  # terms and attachments first, then the posts
        for record in read_wxr(str(export)):
            if second and isinstance(record, WpItem) and record.post_type == "post":
                posts += 1
                comments += len(record.comments)
    return {"articles": posts, "comments": comments, "items": posts + comments}


def fresh_site() -> None:
    """A migrated, empty database with its home page (before the clock starts)."""
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from broadsheet.newsroom.tests.factories import HomePageFactory

    HomePageFactory()


def full_import(export: Path) -> dict:
    """The import into a fresh SQLite database, its queries counted."""
    from django.db import connection

    from broadsheet.engagement.models import Comment
    from broadsheet.migration.wxr import WxrImport
    from broadsheet.newsroom.models import ArticlePage

    queries = 0

    def count(execute, sql, params, many, context):
        nonlocal queries
        queries += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        report = WxrImport(export).run()
    posts = report.created["article"] + report.updated["article"]
    return {
        "articles": ArticlePage.objects.count(),
        "comments": Comment.objects.count(),
        "items": sum(report.created.values()) + sum(report.updated.values()),
        "queries": queries,
        "queries_per_post": round(queries / max(posts, 1), 1),
        "created": dict(report.created),
        "skipped": dict(report.skipped),
    }


def one_size(megabytes: float) -> dict:
    var = ROOT / "var" / "bench"
    var.mkdir(parents=True, exist_ok=True)
    export = var / f"wxr-{megabytes:g}mb.xml"
    began = time.perf_counter()
    if not export.exists():
        print(f"Writing a {megabytes:g} MB WordPress export to {export}", flush=True)
        generate(export, megabytes)
    generate_s = round(time.perf_counter() - began, 1)
    setup_django(var)
    if MODE != "read":
        fresh_site()
    rss_before = peak_rss_mb()
    began, cpu = time.perf_counter(), time.process_time()
    measured = read_only(export) if MODE == "read" else full_import(export)
    seconds, cpu_s = time.perf_counter() - began, time.process_time() - cpu
    size = export.stat().st_size / 1024 / 1024
    results = {
        "mode": "read: both streaming passes, no conversion, no database"
        if MODE == "read"
        else "import: the full import into a fresh SQLite database",
        "megabytes": round(size, 1),
        "generate_s": generate_s,
        "seconds": round(seconds, 1),
        "cpu_s": round(cpu_s, 1),
        "items_per_s": round(measured["items"] / seconds, 1),
        "items_per_cpu_s": round(measured["items"] / max(cpu_s, 0.001), 1),
        "megabytes_per_s": round(size / seconds, 2),
        "peak_rss_mb_before": rss_before,
        "peak_rss_mb": peak_rss_mb(),
        **measured,
    }
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    name = f"migration-{'read-' if MODE == 'read' else ''}{megabytes:g}mb.json"
    (out / name).write_text(json.dumps(results, indent=2))
    return results


def sizes(megabytes: list[float]) -> None:
    """Each size in a fresh process (ru_maxrss only grows), then the peaks side by side."""
    rows = []
    for size in megabytes:
        env = {**os.environ, "BENCH_WXR_MB": f"{size:g}", "BENCH_WXR_SIZES": ""}
        subprocess.run([sys.executable, __file__], env=env, check=True, stdout=subprocess.DEVNULL)
        name = f"migration-{'read-' if MODE == 'read' else ''}{size:g}mb.json"
        rows.append(json.loads((ROOT / "bench" / "results" / name).read_text()))
    heads = ("MB", "posts", "items", "s", "items/s", "q/post", "peak MB")
    print(" ".join(f"{head:>8}" for head in heads))
    for row in rows:
        print(
            f"{row['megabytes']:>8} {row['articles']:>8} {row['items']:>8} {row['seconds']:>8}"
            f" {row['items_per_s']:>8} {row.get('queries_per_post', '-'):>8}"
            f" {row['peak_rss_mb']:>8}"
        )
    (ROOT / "bench" / "results" / "migration-sizes.json").write_text(json.dumps(rows, indent=2))


def main() -> None:
    if SIZES:
        sizes([float(size) for size in SIZES.split(",") if size.strip()])
    else:
        print(json.dumps(one_size(MEGABYTES), indent=2))


if __name__ == "__main__":
    main()
