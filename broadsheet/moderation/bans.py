"""Bans by account, by email and by keyed client-address hash; optionally shadow; they
can expire."""

from django.db.models import Q
from django.utils import timezone

# Providers that ignore dots in the local part, and the one name for each.
DOTLESS_DOMAINS = {"gmail.com": "gmail.com", "googlemail.com": "gmail.com"}


def canonical_email(email: str) -> str:
    """The one spelling of a mailbox that an email ban is stored and matched under, so a
    banned author cannot come back as `Troll@Example.org`, `troll+again@example.org` or,
    at Gmail, `t.roll@googlemail.com`: lower case, a `+tag` dropped from the local part
    (plus addressing delivers `name+tag@` to `name@` at nearly every provider), and
    dots dropped at the providers that ignore them."""
    email = (email or "").strip().lower()
    local, at, domain = email.rpartition("@")
    if not at or not local:
        return email
    local = local.split("+", 1)[0] or local
    if domain in DOTLESS_DOMAINS:
        domain = DOTLESS_DOMAINS[domain]
        local = local.replace(".", "") or local
    return f"{local}@{domain}"


def find(*, user_id=None, email: str = "", ip_hash: str = ""):
    """The active ban that applies to this author, or None (one query)."""
    from broadsheet.moderation.models import Ban

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
