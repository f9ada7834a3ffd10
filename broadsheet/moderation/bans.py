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
    now = timezone.now()
    return (
        Ban.objects.filter(who)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        .order_by("shadow", "-created_at")  # a full ban outranks a shadow ban
        .first()
    )
