"""Bans by account, by email and by keyed client-address hash; optionally shadow; they
can expire."""

from django.db.models import Q
from django.utils import timezone

from broadsheet.moderation.mailboxes import canonical_email
from broadsheet.moderation.models import Ban

__all__ = ["canonical_email", "find"]


def find(*, user_id=None, email: str = "", ip_hash: str = ""):
    """The active ban that applies to this author, or None (one query)."""
    who = Q()
    if user_id:
        who |= Q(kind=Ban.Kind.ACCOUNT, value=str(user_id))
    if email:
        who |= Q(kind=Ban.Kind.EMAIL, value=canonical_email(email))
    if ip_hash:
        who |= Q(kind=Ban.Kind.ADDRESS, value=ip_hash)
    if not who:
        return None
    # The author's bans (a handful at most, by the kind-and-value index), expired ones
    # included, are sorted here: the expiry filter and the ordering in SQL made this
    # query, on every comment, cost twice as much to build as to run.
    now = timezone.now()
    active = [
        ban for ban in Ban.objects.filter(who) if ban.expires_at is None or ban.expires_at > now
    ]
    # A full ban outranks a shadow ban; the newest first.
    return min(active, key=lambda ban: (ban.shadow, -ban.created_at.timestamp()), default=None)
