"""Bans by account, by email and by keyed client-address hash; optionally shadow; they
can expire."""

from django.db import connections, router
from django.utils import timezone

from broadsheet.moderation.mailboxes import canonical_email
from broadsheet.moderation.models import Ban

__all__ = ["canonical_email", "find"]


def find(*, user_id=None, email: str = "", ip_hash: str = ""):
    """The active ban that applies to this author, or None: one query, run on every
    comment. Written out in SQL, since building it through the ORM (three ORed
    conditions) cost more than running it; only a ban found (rare) is loaded as a model."""
    wanted = []
    if user_id:
        wanted.append((Ban.Kind.ACCOUNT.value, str(user_id)))
    if email:
        wanted.append((Ban.Kind.EMAIL.value, canonical_email(email)))
    if ip_hash:
        wanted.append((Ban.Kind.ADDRESS.value, ip_hash))
    if not wanted:
        return None
    connection = connections[router.db_for_read(Ban)]
    quote = connection.ops.quote_name
    # The author's bans (a handful at most, by the kind-and-value index), expired ones
    # included: the expiry and the ranking are decided below, on the few rows found.
    sql = (
        f"SELECT {quote('id')} FROM {quote(Ban._meta.db_table)} WHERE "  # noqa: S608 - names only
        + " OR ".join([f"({quote('kind')} = %s AND {quote('value')} = %s)"] * len(wanted))
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [part for pair in wanted for part in pair])
        ids = [row[0] for row in cursor.fetchall()]
    if not ids:
        return None
    now = timezone.now()
    active = [
        ban
        for ban in Ban.objects.filter(pk__in=ids)
        if ban.expires_at is None or ban.expires_at > now
    ]
    # A full ban outranks a shadow ban; the newest first.
    return min(active, key=lambda ban: (ban.shadow, -ban.created_at.timestamp()), default=None)
