"""What moderation says about a new comment, asked with plain values only.

`engagement` calls `judge_comment()` before it stores a comment, and `discussion_mode()`
to know whether a page's discussion is open; this module never sees a Comment object,
so the two apps stay apart. In order: bans, banned words (refused), the section's mode,
the spam score, watched words, links, a guest's first comment.
"""

import re
from dataclasses import dataclass, field

from django.conf import settings
from wagtail.models import Page

from broadsheet.moderation import bans, spam, words
from broadsheet.stored import SharedCopy

APPROVED = "approved"
PENDING = "pending"
SPAM = "spam"
SHADOW = "shadow"
REFUSED = "refused"

OPEN, PREMODERATED, CLOSED = "open", "premoderated", "closed"
LINK = re.compile(r"https?://|www\.|\]\(", re.I)


@dataclass(frozen=True)
class Verdict:
    status: str  # approved, pending, spam, shadow, or refused (nothing is stored)
    reason: str = ""
    score: float = 0.0
    evidence: list = field(default_factory=list)  # the words that weighed most
    http_status: int = 400  # for refusals


def discussion_mode(page: Page) -> str:
    """open, premoderated or closed: the section's choice (the article's parent). A page
    that knows its section (articles: one query, kept on the page for its other uses,
    ratings among them) is asked for it; any other page's parent is looked up (two
    queries: the parent, then its specific fields)."""
    specific = page.specific
    if hasattr(type(specific), "section"):
        parent = specific.section  # None directly under the home page: open
        mode = getattr(parent, "comments_mode", OPEN) if parent else OPEN
        return mode if mode in (OPEN, PREMODERATED, CLOSED) else OPEN
    parent = page.get_parent()
    mode = getattr(parent.specific, "comments_mode", OPEN) if parent else OPEN
    return mode if mode in (OPEN, PREMODERATED, CLOSED) else OPEN


def _load_rules():
    from broadsheet.moderation.models import ModerationRules

    return ModerationRules.load()


# Reading the rules (Wagtail's setting) was a query on every comment; saving them drops
# the copy (apps.py), so the next comment reads them afresh.
_rules = SharedCopy("moderation:rules", _load_rules)
forget_rules = _rules.forget


def rules():
    """The moderation rules in force (the shared cache's copy: stored.SharedCopy)."""
    return _rules.get()


def judge_comment(
    *,
    text: str,
    is_guest: bool,
    section_mode: str = OPEN,
    user_id: int | None = None,
    email: str = "",
    ip_hash: str = "",
    approved_before: bool = False,
) -> Verdict:
    """The status a new comment starts with, and why. `email` is matched against email
    bans as bans.canonical_email spells it; `approved_before` says whether this reader
    (their account, or a guest's own cookie: never an email anyone can type) had a
    comment approved, which lifts the hold on a guest's first comment."""
    ban = bans.find(user_id=user_id, email=email, ip_hash=ip_hash)
    if ban is not None:
        if ban.shadow:
            return Verdict(SHADOW, "Shadow ban.")
        return Verdict(REFUSED, "You cannot comment on this site.", http_status=403)
    settings_ = rules()
    banned = words.find(settings_.banned_words, text)
    if banned:
        return Verdict(
            REFUSED, "Your comment contains words this site does not accept: please reword it."
        )
    score, evidence = spam.score(text)
    if settings.COMMENTS_PREMODERATE or section_mode == PREMODERATED:
        return Verdict(PENDING, "All comments here are held for moderation.", score, evidence)
    if score > settings_.spam_threshold:
        return Verdict(PENDING, f"Spam score {score:.2f}.", score, evidence)
    watched = words.find(settings_.watched_words, text)
    if watched:
        return Verdict(PENDING, f"Contains a watched word: “{watched}”.", score, evidence)
    links = len(LINK.findall(text))
    if links > settings_.max_links:
        return Verdict(
            PENDING, f"{links} links (more than {settings_.max_links}).", score, evidence
        )
    if is_guest and settings_.hold_first_guest_comment and not approved_before:
        return Verdict(PENDING, "A guest's first comment.", score, evidence)
    return Verdict(APPROVED, "", score, evidence)
