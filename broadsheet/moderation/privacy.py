"""Readers' privacy requests: an export of everything stored about them, or erasure.

A reader is an account, or a guest known by email (their comments carry it; their
votes and ratings carry the guest keys of those comments). Erasure keeps discussions
readable: a comment with replies becomes "[removed]" with no author; the rest of their
comments, their votes, ratings, subscriptions and reports are deleted; every count is
then rebuilt from the rows that remain.
"""

from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse

from broadsheet.engagement import services as engagement
from broadsheet.engagement.models import Comment, Rating, Vote
from broadsheet.engagement.selectors import by_guest_email
from broadsheet.moderation.models import ModerationAction, Report

# The emailed links: signed, two days to use them.
SALT = "broadsheet.moderation.privacy"
LINK_AGE = 2 * 24 * 3600

REMOVED = "[removed]"


@dataclass
class Person:
    user: object | None = None
    email: str = ""

    @property
    def label(self) -> str:
        return f"account {self.user.pk}" if self.user else "a guest email"

    def comments(self):
        if self.user is not None:
            return Comment.objects.filter(user=self.user)
        return by_guest_email(self.email)

    def voters(self) -> list[str]:
        if self.user is not None:
            return [f"u:{self.user.pk}"]
        keys = self.comments().exclude(guest_key="").values_list("guest_key", flat=True)
        return [f"g:{key}" for key in set(keys)]

    def emails(self) -> list[str]:
        if self.user is None:
            return [self.email.lower()]
        from allauth.account.models import EmailAddress

        found = {
            e.lower()
            for e in EmailAddress.objects.filter(user=self.user).values_list("email", flat=True)
        }
        if self.user.email:
            found.add(self.user.email.lower())
        return sorted(found)


def export(person: Person) -> dict:
    """Everything stored about this reader, as plain JSON-ready values."""
    from broadsheet.notifications.models import Subscription

    voters = person.voters()
    return {
        "who": {
            "account": person.user.get_username() if person.user else None,
            "emails": person.emails(),
        },
        "comments": [
            {
                "id": c.pk,
                "article": c.page_id,
                "parent": c.parent_id,
                "body": c.body,
                "status": c.status,
                "created_at": c.created_at.isoformat(),
                "edited_at": c.edited_at.isoformat() if c.edited_at else None,
                "name": c.guest_name,
                "email": c.guest_email,
                "website": c.guest_url,
            }
            for c in person.comments().order_by("created_at")
        ],
        "votes": [
            {"comment": v.comment_id, "value": v.value, "created_at": v.created_at.isoformat()}
            for v in Vote.objects.filter(voter__in=voters)
        ],
        "ratings": [
            {"article": r.page_id, "stars": r.stars, "updated_at": r.updated_at.isoformat()}
            for r in Rating.objects.filter(voter__in=voters)
        ],
        "subscriptions": [
            {"kind": s.kind, "article": s.page_id, "email": s.address.email, "active": s.active}
            for s in Subscription.objects.filter(address__email__in=person.emails()).select_related(
                "address"
            )
        ],
        "reports": [
            {
                "comment": r.comment_id,
                "reason": r.reason,
                "note": r.note,
                "created_at": r.created_at.isoformat(),
            }
            for r in Report.objects.filter(reporter__in=voters)
        ],
    }


@transaction.atomic
def erase(person: Person, *, requested_by=None) -> dict:
    """Erase a reader; returns what was done, per kind. Counts are rebuilt after."""
    from broadsheet.notifications.models import Address

    voters = person.voters()
    emails = person.emails()
    comments = list(person.comments())
    pages = {c.page_id for c in comments}
    pages |= set(Vote.objects.filter(voter__in=voters).values_list("comment__page_id", flat=True))
    pages |= set(Rating.objects.filter(voter__in=voters).values_list("page_id", flat=True))
    with_replies = set(
        Comment.objects.filter(parent__in=comments).values_list("parent_id", flat=True)
    )
    kept = [c.pk for c in comments if c.pk in with_replies]
    Comment.objects.filter(pk__in=kept).update(
        body=REMOVED,
        body_html=f"<p>{REMOVED}</p>",
        status=Comment.Status.REMOVED,
        status_reason="Erased at the author's request.",
        user=None,
        guest_name="",
        guest_email="",
        guest_url="",
        guest_key="",
        ip_hash="",
    )
    deleted = Comment.objects.filter(pk__in=[c.pk for c in comments if c.pk not in with_replies])
    done = {
        "comments_removed": len(kept),
        "comments_deleted": deleted.delete()[1].get("engagement.Comment", 0),
        "votes": Vote.objects.filter(voter__in=voters).delete()[0],
        "ratings": Rating.objects.filter(voter__in=voters).delete()[0],
        "reports": Report.objects.filter(reporter__in=voters).delete()[0],
        "subscriptions": Address.objects.filter(email__in=emails)
        .delete()[1]
        .get("notifications.Subscription", 0),
    }
    for page_id in pages:
        engagement.recount(page_id)
    ModerationAction.objects.create(
        moderator=requested_by,
        action=ModerationAction.Action.ERASE,
        target=person.label,
        reason="Privacy request.",
    )
    return done


def person_for_email(email: str) -> Person:
    return Person(email=email.strip().lower())


def has_data(person: Person) -> bool:
    from broadsheet.notifications.models import Address

    return (
        person.comments().exists()
        or Address.objects.filter(email__in=person.emails()).exists()
        or (
            person.user is not None
            and (
                Vote.objects.filter(voter__in=person.voters()).exists()
                or Rating.objects.filter(Q(voter__in=person.voters())).exists()
            )
        )
    )


def send_link(email: str) -> None:
    """The email with the export and erase links (run by a task)."""
    token = signing.dumps({"e": email}, salt=SALT, compress=True)
    base = settings.WAGTAILADMIN_BASE_URL.rstrip("/")
    context = {
        "site_name": settings.WAGTAIL_SITE_NAME,
        "export_url": base + reverse("privacy_export", args=[token]),
        "erase_url": base + reverse("privacy_erase", args=[token]),
    }
    message = EmailMultiAlternatives(
        f"Your data on {settings.WAGTAIL_SITE_NAME}",
        render_to_string("moderation/email/privacy.txt", context),
        to=[email],
    )
    message.send()
