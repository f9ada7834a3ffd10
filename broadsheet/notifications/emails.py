"""The emails: plain text and HTML, each with a visible unsubscribe link and the
List-Unsubscribe headers of RFC 8058 so that mail clients offer one-click unsubscribe."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from broadsheet.engagement.rendering import excerpt
from broadsheet.notifications import tokens
from broadsheet.notifications.models import Address, Delivery, Subscription

EXCERPT_LENGTH = 400  # characters of the comment, as plain text


def absolute(path: str) -> str:
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + path


def _message(subject, address: Address, template, context, headers=None, message_id=None):
    context = {"site_name": settings.WAGTAIL_SITE_NAME, "address": address, **context}
    text = render_to_string(f"notifications/email/{template}.txt", context)
    html = render_to_string(f"notifications/email/{template}.html", context)
    headers = dict(headers or {})
    if message_id:
        headers["Message-ID"] = message_id
    message = EmailMultiAlternatives(
        subject=subject, body=text, to=[address.email], headers=headers
    )
    message.attach_alternative(html, "text/html")
    return message


def confirmation(address: Address) -> EmailMultiAlternatives:
    token = tokens.confirm_token(address)
    return _message(
        f"Confirm your email for {settings.WAGTAIL_SITE_NAME} notifications",
        address,
        "confirm",
        {"confirm_url": absolute(reverse("notifications:confirm", args=[token]))},
    )


def _author(comment) -> str:
    if comment.user_id:
        return comment.user.get_username()
    return comment.guest_name or "A reader"


def notification(delivery: Delivery, notifications: list) -> EmailMultiAlternatives:
    address, page = delivery.address, delivery.page
    kinds = {n.kind for n in notifications}
    subscriptions = Subscription.objects.filter(
        address=address, ended_at__isnull=True, kind__in=kinds
    )
    subscriptions = [
        s.pk
        for s in subscriptions
        if s.page_id == page.pk or (s.page_id is None and s.kind not in Subscription.PER_ARTICLE)
    ]
    unsubscribe = absolute(
        reverse(
            "notifications:unsubscribe",
            args=[tokens.unsubscribe_token(address.pk, subscriptions)],
        )
    )
    manage = absolute(reverse("notifications:manage", args=[tokens.manage_token(address.pk)]))
    items = [
        {
            "kind": n.kind,
            "author": _author(n.comment),
            "excerpt": excerpt(n.comment.body_html, EXCERPT_LENGTH),
            "url": f"{page.full_url}#comment-{n.comment_id}",
            "created_at": n.comment.created_at,
        }
        for n in notifications
    ]
    if len(items) == 1:
        first = items[0]
        subject = {
            "replies": f"{first['author']} replied to you on “{page.title}”",
            "mentions": f"{first['author']} mentioned you on “{page.title}”",
            "approved": f"Your comment on “{page.title}” is published",
        }.get(first["kind"], f"New comment on “{page.title}”")
    else:
        subject = f"{len(items)} new comments on “{page.title}”"
    domain = settings.WAGTAILADMIN_BASE_URL.split("//", 1)[-1].split("/")[0].split(":")[0]
    return _message(
        subject,
        address,
        "notification",
        {
            "page": page,
            "page_url": page.full_url,
            "items": items,
            "unsubscribe_url": unsubscribe,
            "manage_url": manage,
        },
        headers={
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
        # The same delivery always carries the same Message-ID: a retry after an
        # ambiguous failure can be recognised as a duplicate by the receiving side.
        message_id=f"<delivery-{delivery.pk}.{delivery.created_at:%Y%m%d%H%M%S}@{domain}>",
    )
