"""The one place live threads render a comment for every reader.

It renders the comment as the htmx answer to a post does (engagement's one renderer of
comment HTML, comment_html), but for no one in particular: no "mine", no held marks,
vote buttons shown, and the badge its author's account earns on the article.
"""

from django.conf import settings

from broadsheet.engagement import selectors
from broadsheet.engagement.comment_html import render_comment_html
from broadsheet.engagement.models import Comment


def comment_fragment(comment: Comment, *, comments_open: bool) -> str:
    """The shared HTML of one approved comment, without its replies (they come as their
    own events). Only ever called for a comment whose status is approved."""
    assert comment.status == Comment.Status.APPROVED  # noqa: S101 - never render others
    comment.level = min(comment.depth + 1, settings.COMMENTS_MAX_DEPTH)
    comment.replies = []
    comment.mine = False
    selectors.mark_voice([comment], comment.page)
    return render_comment_html(
        comment, page_id=comment.page_id, comments_open=comments_open, fresh=True
    )
