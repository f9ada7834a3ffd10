"""The one place live threads render a comment for every reader.

It renders the comment as the htmx answer to a post does (engagement's one-comment
template), but for no one in particular: no "mine", no held marks, vote buttons shown.
When engagement gets a faster renderer of one comment, this function switches to it.
"""

from django.conf import settings
from django.template.loader import render_to_string

from broadsheet.engagement.models import Comment


def comment_fragment(comment: Comment, *, comments_open: bool) -> str:
    """The shared HTML of one approved comment, without its replies (they come as their
    own events). Only ever called for a comment whose status is approved."""
    assert comment.status == Comment.Status.APPROVED  # noqa: S101 - never render others
    comment.level = min(comment.depth + 1, settings.COMMENTS_MAX_DEPTH)
    comment.replies = []
    comment.mine = False
    context = {
        "comment": comment,
        "page_id": comment.page_id,
        "comments_open": comments_open,
        "fresh": True,
    }
    return render_to_string("engagement/comment.html", context)
