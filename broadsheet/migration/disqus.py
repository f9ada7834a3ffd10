"""Comments from a Disqus export (Disqus admin → Export: one XML file, namespace
http://disqus.com), attached to our articles by URL, or by the WordPress post id that
WordPress's Disqus plugin put in the thread's identifier (`<id>123 URL</id>`) when the
WordPress site was imported first. A thread closed on Disqus (`isClosed`) closes
comments on its article.

The file is read once, as a stream (defusedxml's iterparse: no DTD, no entities, no
external references, so neither a billion laughs nor a file read from our disk), into a
temporary SQLite file beside nothing else; then each Disqus thread is imported in its own
transaction, replies after their parents. A thread's comments are the only thing held in
memory at once. Comments are stored as guests' comments, never announced to
notifications (these were published years ago), and keyed by Disqus id in
`DisqusPost`, so a second run imports only what the first did not.
"""

import re
import sqlite3
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from wagtail.contrib.redirects.models import Redirect
from wagtail.models import Page, Site

from broadsheet import pagecache
from broadsheet.engagement.identity import keyed_hash
from broadsheet.engagement.models import Comment
from broadsheet.engagement.rendering import clean_html
from broadsheet.engagement.services import recount, takes_comments
from broadsheet.migration.models import DisqusPost, ImportedObject
from broadsheet.reader_input import clean_text, single_line

DISQUS = "{http://disqus.com}"
DSQ_ID = "{http://disqus.com/disqus-internals}id"
GUEST_NAME_LENGTH = Comment._meta.get_field("guest_name").max_length
# The identifier WordPress's Disqus plugin gives a thread: the post id, then its address.
WORDPRESS_IDENTIFIER = re.compile(r"^(?P<post_id>\d+)(?:\s+(?P<url>\S+))?$")


class DisqusFileError(Exception):
    """The file cannot be read as a Disqus export; the message says where and why."""


@dataclass
class DisqusReport:
    """What an import did, for the command to print and the tests to check."""

    threads: int = 0
    matched_threads: int = 0
    posts: int = 0
    imported: int = 0
    already_imported: int = 0
    spam: int = 0
    removed: int = 0
    orphans: int = 0
    duplicates: int = 0
    closed: int = 0  # articles whose comments were closed because Disqus closed the thread
    # (Disqus thread id, link, how many comments it had) for threads with no article.
    unmatched: list[tuple[str, str, int]] = field(default_factory=list)

    @property
    def skipped(self) -> int:
        return sum(count for _id, _link, count in self.unmatched)


def import_disqus(path: str | Path) -> DisqusReport:
    """Import a Disqus export. Safe to run again (comments are keyed on their Disqus id);
    raises DisqusFileError, before writing anything, on a file that is not well-formed
    XML or declares a DTD or entities."""
    report = DisqusReport()
    with tempfile.TemporaryDirectory(prefix="disqus-") as folder:
        staging = sqlite3.connect(Path(folder) / "staging.sqlite3")
        try:
            _stage(Path(path), staging, report)
            for thread in staging.execute(
                "SELECT dsq_id, link, identifier, closed FROM threads ORDER BY rowid"
            ):
                _import_thread(staging, *thread, report)
        finally:
            staging.close()
    return report


def _stage(path: Path, staging: sqlite3.Connection, report: DisqusReport) -> None:
    staging.executescript(
        """
        CREATE TABLE threads (dsq_id TEXT PRIMARY KEY, link TEXT, identifier TEXT,
            closed INTEGER);
        CREATE TABLE posts (
            dsq_id TEXT PRIMARY KEY, thread TEXT, parent TEXT, created_at TEXT,
            name TEXT, email TEXT, message TEXT, deleted INTEGER, spam INTEGER, ip TEXT);
        CREATE INDEX posts_by_thread ON posts (thread, created_at, dsq_id);
        """
    )
    for kind, element in _top_level_elements(path):
        if kind == "thread":
            staging.execute(
                "INSERT OR IGNORE INTO threads VALUES (?, ?, ?, ?)",
                (
                    element.get(DSQ_ID, ""),
                    _text(element, "link"),
                    _text(element, "id"),
                    _text(element, "isClosed") == "true",
                ),
            )
        elif kind == "post":
            author = element.find(f"{DISQUS}author")
            thread, parent = element.find(f"{DISQUS}thread"), element.find(f"{DISQUS}parent")
            inserted = staging.execute(
                "INSERT OR IGNORE INTO posts VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    element.get(DSQ_ID, ""),
                    thread.get(DSQ_ID, "") if thread is not None else "",
                    parent.get(DSQ_ID, "") if parent is not None else "",
                    _text(element, "createdAt"),
                    _text(author, "name") or _text(author, "username"),
                    _text(author, "email"),
                    _text(element, "message"),
                    _text(element, "isDeleted") == "true",
                    _text(element, "isSpam") == "true",
                    _text(element, "ipAddress"),
                ),
            ).rowcount
            report.posts += 1
            report.duplicates += 1 - inserted
    staging.commit()
    report.threads = staging.execute("SELECT count(*) FROM threads").fetchone()[0]


def _top_level_elements(path: Path) -> Iterator[tuple[str, object]]:
    """(local name, element) for each child of <disqus>, each dropped once read."""
    depth, root = 0, None
    try:
        for event, element in iterparse(str(path), events=("start", "end"), forbid_dtd=True):
            if event == "start":
                depth += 1
                if depth == 1:
                    root = element
                    if element.tag != f"{DISQUS}disqus":
                        raise DisqusFileError(
                            f"{path}: not a Disqus export (the root element is "
                            f"<{element.tag}>, not <disqus> in the http://disqus.com namespace)."
                        )
                continue
            depth -= 1
            if depth == 1:
                yield element.tag.removeprefix(DISQUS), element
                root.remove(element)
    except ParseError as error:
        line, column = error.position
        reason = str(error).split(":", 1)[0]
        raise DisqusFileError(
            f"{path}: not well-formed XML at line {line}, column {column + 1}: {reason}."
        ) from None
    except DefusedXmlException as error:
        raise DisqusFileError(
            f"{path}: refused, the file declares a DTD, entities or external references, "
            f"which a Disqus export never does ({type(error).__name__})."
        ) from None
    except OSError as error:
        raise DisqusFileError(f"{path}: {error.strerror or error}.") from None


def _text(element, name: str) -> str:
    if element is None:
        return ""
    child = element.find(f"{DISQUS}{name}")
    return (child.text or "").strip() if child is not None else ""


def _import_thread(
    staging, thread_id: str, link: str, identifier: str, closed: bool, report: DisqusReport
) -> None:
    posts = staging.execute(
        "SELECT dsq_id, parent, created_at, name, email, message, deleted, spam, ip "
        "FROM posts WHERE thread = ? ORDER BY created_at, dsq_id",
        (thread_id,),
    ).fetchall()
    if not posts and not closed:
        return
    page = page_for_thread(link, identifier)
    if page is None:
        if posts:
            report.unmatched.append((thread_id, link, len(posts)))
        return
    report.matched_threads += bool(posts)
    with transaction.atomic():
        if closed:
            report.closed += close_comments(page)
        by_dsq = _imported_before([post[0] for post in posts])
        report.already_imported += len(by_dsq)
        waiting = waiting_at_start = [post for post in posts if post[0] not in by_dsq]
        in_thread = {post[0] for post in posts}
        while waiting:
            # Replies wait for their parent (a reply can be older than its parent when
            # clocks disagree); a pass that places nothing leaves only orphans.
            later = [p for p in waiting if p[1] in in_thread and p[1] not in by_dsq]
            ready = [p for p in waiting if not (p[1] in in_thread and p[1] not in by_dsq)]
            if not ready:
                ready, later = later, []
            # A pass's posts have their parents stored already: one insert for them all.
            parents = [by_dsq.get(post[1]) if post[1] else None for post in ready]
            comments = Comment.objects.bulk_create(
                [_comment(page, post, parent) for post, parent in zip(ready, parents, strict=True)],
                batch_size=500,
            )
            DisqusPost.objects.bulk_create(
                [
                    DisqusPost(dsq_id=post[0], thread_dsq_id=thread_id, comment=comment)
                    for post, comment in zip(ready, comments, strict=True)
                ],
                batch_size=500,
            )
            for post, parent, comment in zip(ready, parents, comments, strict=True):
                by_dsq[post[0]] = comment
                report.orphans += bool(post[1]) and parent is None
                report.spam += comment.status == Comment.Status.SPAM
                report.removed += comment.status == Comment.Status.REMOVED
            report.imported += len(ready)
            waiting = later
        if waiting_at_start:
            # The page's counts from its rows, in the thread's transaction (a thread
            # imported before entirely needs none).
            recount(page.pk)


def _imported_before(dsq_ids: list[str]) -> dict[str, Comment]:
    """The comments of these Disqus posts that an earlier run imported, by Disqus id
    (looked up a few hundred at a time: a thread can hold more ids than a query may)."""
    found: dict[str, Comment] = {}
    for start in range(0, len(dsq_ids), 500):
        for link in DisqusPost.objects.filter(
            dsq_id__in=dsq_ids[start : start + 500]
        ).select_related("comment"):
            found[link.dsq_id] = link.comment
    return found


def _comment(page: Page, post: tuple, parent: Comment | None) -> Comment:
    _dsq_id, _parent, created_at, name, email, message, deleted, spam, ip = post
    status, reason = Comment.Status.APPROVED, ""
    if spam:
        status, reason = Comment.Status.SPAM, "Marked as spam on Disqus."
    elif deleted:
        status, reason = Comment.Status.REMOVED, "Deleted on Disqus."
    try:
        validate_email(email)
    except ValidationError:
        email = ""
    return Comment(
        page_id=page.pk,
        parent=parent,
        thread_id=(parent.thread_id or parent.pk) if parent else None,
        depth=parent.depth + 1 if parent else 0,
        guest_name=single_line(name)[:GUEST_NAME_LENGTH] or "Anonymous",
        guest_email=email.lower(),
        body=clean_text(message),
        body_html=clean_html(clean_text(message)),
        status=status,
        status_reason=reason,
        created_at=_moment(created_at),
        ip_hash=keyed_hash("address", ip) if ip else "",
    )


def _moment(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return datetime.now(UTC)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def page_for_thread(link: str, identifier: str) -> Page | None:
    """The page a Disqus thread belongs to: by its link, else by the WordPress post its
    identifier names, else through a redirect from its link."""
    parts = urlsplit(link.strip())
    site = _site_for(parts.hostname)
    if site is None:
        return None
    return (
        _page_at(site, parts.path)
        or page_for_wordpress_identifier(identifier)
        or _redirected(site, link)
    )


def page_for_wordpress_identifier(identifier: str) -> Page | None:
    """The article imported (`import_wxr`) from the WordPress post a Disqus identifier
    names. WordPress's Disqus plugin writes `123 https://old.example/?p=123`: the post id,
    then an address on the WordPress site, whose host must be the imported export's
    (`www.` aside), so that two imported WordPress sites' post 123 are never confused.
    A bare `123` matches only when one imported site has a post 123."""
    match = WORDPRESS_IDENTIFIER.match(identifier.strip())
    if match is None:
        return None
    candidates = ImportedObject.objects.filter(kind="article", source_id=match["post_id"])
    if match["url"]:
        host = _bare_host(match["url"])
        candidates = [c for c in candidates if _bare_host(c.source) == host]
    else:
        candidates = list(candidates[:2])
    if len(candidates) != 1:
        return None
    page = Page.objects.filter(pk=candidates[0].object_id).first()
    if page is None or not takes_comments(page):
        return None
    return page


def _bare_host(url: str) -> str:
    return (urlsplit(url).hostname or "").removeprefix("www.")


def close_comments(page: Page) -> bool:
    """Close comments on a page that has a `comments_open` flag (articles do): on the
    page readers see now and in its latest revision, so that an editor's next publish
    keeps them closed. Returns whether it changed anything."""
    specific = page.specific
    if not getattr(specific, "comments_open", False):
        return False
    latest = specific.get_latest_revision_as_object()
    latest.comments_open = False
    revision = latest.save_revision(clean=False, changed=specific.has_unpublished_changes)
    changes: dict = {"comments_open": False}
    if specific.live and not specific.has_unpublished_changes:
        changes["live_revision"] = revision  # the live page and its revision stay one
    type(specific).objects.filter(pk=page.pk).update(**changes)
    # Not a publication, but it changes the published page as one would: cached copies
    # of it, and the comment state writes keep (engagement.services), are read afresh.
    transaction.on_commit(pagecache.published)
    return True


def _site_for(hostname: str | None) -> Site | None:
    sites = list(Site.objects.select_related("root_page"))
    return next((s for s in sites if s.hostname == hostname), None) or next(
        (s for s in sites if s.is_default_site), None
    )


def _redirected(site: Site, url: str) -> Page | None:
    """One redirect followed (to a page, or to a link on this site): never a chain."""
    redirect = (
        Redirect.get_for_site(site)
        .filter(old_path=Redirect.normalise_path(url))
        .select_related("redirect_page")
        .first()
    )
    if redirect is None:
        return None
    if redirect.redirect_page_id:
        page = redirect.redirect_page
        return page if takes_comments(page) else None
    return _page_at(site, urlsplit(redirect.redirect_link).path) if redirect.redirect_link else None


def _page_at(site: Site, path: str) -> Page | None:
    url_path = site.root_page.url_path + "/".join(p for p in path.split("/") if p)
    url_path = url_path.rstrip("/") + "/"
    page = Page.objects.filter(url_path=url_path).first()
    if page is None or not takes_comments(page):
        return None
    return page
