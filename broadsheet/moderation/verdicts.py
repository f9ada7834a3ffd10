"""What moderation says about a new comment, asked with plain values only.

`engagement` calls `judge_comment()` before it stores a comment; this module never sees a
Comment object, so moderation can grow (rules, a learned spam filter, bans) without the
two apps importing each other. Today it knows one rule: pre-moderation, site-wide.
"""

from dataclasses import dataclass

from django.conf import settings

APPROVED = "approved"
PENDING = "pending"


@dataclass(frozen=True)
class Verdict:
    status: str  # "approved" or "pending"
    reason: str = ""


def judge_comment(*, text: str, is_guest: bool, page_id: int) -> Verdict:
    """The status a new comment starts with, and why."""
    if settings.COMMENTS_PREMODERATE:
        return Verdict(PENDING, "All comments are held for moderation.")
    return Verdict(APPROVED)
