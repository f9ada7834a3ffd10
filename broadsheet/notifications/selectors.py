"""Reads of notifications: whose address is whose, what an address or account follows,
who is to be told of a comment, and when an address was last emailed about an article.

Nothing here writes. `services.py` holds every write (subscribing, recording the
notifications these reads name, sending), so a newcomer finds a write where the styleguide
says, and a read can be called from a page or a task without side effects.
"""

import re
from datetime import datetime

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet

from broadsheet.engagement.models import Comment
from broadsheet.notifications.models import Delivery, Subscription

Kind = Subscription.Kind
MENTION = re.compile(r"(?<![\w@])@(\w[\w.+-]{0,148}\w)")


def verified_email(user) -> str:
    """The account's verified primary address (allauth), or ""."""
    if user is None:
        return ""
    from allauth.account.models import EmailAddress

    address = (
        EmailAddress.objects.filter(user=user, verified=True)
        .order_by("-primary", "pk")
        .values_list("email", flat=True)
        .first()
    )
    return (address or "").lower()


def active_subscriptions(address_id: int) -> QuerySet[Subscription]:
    """The address's subscriptions that are not stopped, those still waiting for the
    owner's confirmation included (the manage page lists them, to stop them too)."""
    return (
        Subscription.objects.filter(address_id=address_id, ended_at__isnull=True)
        .select_related("page")
        .order_by("-created_at")
    )


def subscriptions_of(user) -> QuerySet[Subscription]:
    """An account's subscriptions that are not stopped, newest first."""
    return (
        Subscription.objects.filter(user=user, ended_at__isnull=True)
        .select_related("page", "address")
        .order_by("-created_at")
    )


def mentioned_users(text: str) -> list:
    """Accounts named as @username in a comment (case ignored; at most ten per comment)."""
    names = list(dict.fromkeys(name.lower() for name in MENTION.findall(text)))[:10]
    if not names:
        return []
    query = Q()
    for name in names:
        query |= Q(username__iexact=name)
    return list(get_user_model().objects.filter(query))


def author_email(comment: Comment) -> str:
    """Where the comment's author hears from us: an account's verified address, a
    guest's given one ("" when there is none)."""
    if comment.user_id:
        return verified_email(comment.user)
    return (comment.guest_email or "").lower()


def recipients_for(
    comment: Comment, *, was_held: bool, mentioned: list | None = None
) -> dict[int, tuple[str, int | None]]:
    """Confirmed addresses to tell about `comment`: {address id: (kind, page id)}. The
    most personal reason wins when several apply; the author is never told of their own
    comment (except of its approval). `mentioned` are the accounts named in it (read
    again when not given). Reads only: the accounts' own mention and approval
    subscriptions must exist already (`services.enrol_accounts` makes them)."""
    found: dict[int, tuple[str, int | None]] = {}
    author = author_email(comment)
    active = Subscription.objects.filter(ended_at__isnull=True, confirmed_at__isnull=False)

    def add(subscriptions, kind):
        for address_id, email, page_id in subscriptions.values_list(
            "address_id", "address__email", "page_id"
        ):
            if email != author or kind == Kind.APPROVED:
                found.setdefault(address_id, (kind, page_id or comment.page_id))

    if was_held and comment.user_id:
        add(active.filter(kind=Kind.APPROVED, page=None, user_id=comment.user_id), Kind.APPROVED)
    if mentioned is None:
        mentioned = mentioned_users(comment.body)
    if mentioned:
        add(active.filter(kind=Kind.MENTIONS, page=None, user__in=mentioned), Kind.MENTIONS)
    if comment.parent_id:
        parent = Comment.objects.filter(pk=comment.parent_id).first()
        parent_email = author_email(parent) if parent else ""
        if parent_email:
            add(
                active.filter(
                    kind=Kind.REPLIES, page_id=comment.page_id, address__email=parent_email
                ),
                Kind.REPLIES,
            )
    add(active.filter(kind=Kind.COMMENTS, page_id=comment.page_id), Kind.COMMENTS)
    return found


def last_delivery_started(address_id: int, page_id: int | None) -> datetime | None:
    """When the last email to this address about this article was started: the digest
    window counts from there, so an email being sent right now also holds the next one
    back."""
    return (
        Delivery.objects.filter(address_id=address_id, page_id=page_id)
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )
