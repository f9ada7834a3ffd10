"""The emails: plain text and HTML, each with a visible unsubscribe link and the
List-Unsubscribe headers of RFC 8058 so that mail clients offer one-click unsubscribe.

Every email says who it is from and what it is about: the publication, as its editors
name it in the admin (Settings → Publication), in the sender's name, the subject and the
body, and the article's headline; a reader who asked for replies reads of replies to
their comment, not of new comments."""

from email.utils import formataddr, parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import format_html
from wagtail.models import Page, Site

from broadsheet.engagement.rendering import excerpt
from broadsheet.newsroom.models import PublicationSettings
from broadsheet.notifications import tokens
from broadsheet.notifications.models import Address, Delivery, Subscription
from broadsheet.reader_input import single_line

EXCERPT_LENGTH = 400  # characters of the comment, as plain text
Kind = Subscription.Kind

# What a confirmation asks to confirm, per kind of subscription.
ASKED_FOR = {
    Kind.COMMENTS: "new comments on “{headline}”",
    Kind.REPLIES: "replies to your comment on “{headline}”",
}
# What a notification is about: one event, by its kind, or a digest of several.
ABOUT_ONE = {
    Kind.COMMENTS: "New comment on {headline}",
    Kind.REPLIES: "{author} replied to your comment on {headline}",
    Kind.MENTIONS: "{author} mentioned you on {headline}",
    Kind.APPROVED: "Your comment on {headline} is published",
}
ABOUT_REPLIES = "{count} replies to your comment on {headline}"
ABOUT_MANY = "{count} new comments on {headline}"


def absolute(path: str) -> str:
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + path


def publication(page: Page | None) -> str:
    """The name of the publication the article belongs to, as its editors set it in the
    admin (the PublicationSettings of the article's site; the default site's without an
    article)."""
    site = page.get_site() if page is not None else None
    site = site or Site.objects.filter(is_default_site=True).first()
    return PublicationSettings.for_site(site).name if site else settings.WAGTAIL_SITE_NAME


def _message(
    about: str, address: Address, template, context, sender: str, headers=None, message_id=None
):
    """An email from the publication `sender` about `about` (its subject, which names the
    publication too). Both may hold reader or editor text (a guest's name, a headline):
    made one line, since a line break in a header is refused (or, worse, obeyed)."""
    context = {"publication": sender, "address": address, **context}
    text = render_to_string(f"notifications/email/{template}.txt", context)
    html = render_to_string(f"notifications/email/{template}.html", context)
    headers = dict(headers or {})
    if message_id:
        headers["Message-ID"] = message_id
    mailbox = parseaddr(settings.DEFAULT_FROM_EMAIL)[1] or settings.DEFAULT_FROM_EMAIL
    message = EmailMultiAlternatives(
        subject=single_line(f"{about} · {sender}"),
        body=text,
        from_email=formataddr((single_line(sender), mailbox)),
        to=[address.email],
        headers=headers,
    )
    message.attach_alternative(html, "text/html")
    return message


def confirmation(subscription: Subscription) -> EmailMultiAlternatives:
    """The double opt-in email of one subscription, saying what it is for and on which
    article; its link confirms that subscription and no other."""
    token = tokens.confirm_token(subscription)
    about = ASKED_FOR[subscription.kind].format(headline=subscription.page.title)
    return _message(
        f"Confirm your email for {about}",
        subscription.address,
        "confirm",
        {
            "asked_for": about,
            "confirm_url": absolute(reverse("notifications:confirm", args=[token])),
        },
        publication(subscription.page),
        # The same request for confirmation always carries the same Message-ID: sent
        # twice (a worker dying between the server's 250 and its record), it is one.
        message_id=f"<confirm-{subscription.pk}.{asked:%Y%m%d%H%M%S%f}@{_domain()}>"
        if (asked := subscription.confirmation_sent_at)
        else None,
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
    sender = publication(page)
    about, about_html = _about(items, page)
    return _message(
        about,
        address,
        "notification",
        {
            "page": page,
            "page_url": page.full_url,
            "about": about,
            "about_html": about_html,
            "items": items,
            "unsubscribe_url": unsubscribe,
            "manage_url": manage,
        },
        sender,
        headers={
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
        # The same delivery always carries the same Message-ID: a retry after an
        # ambiguous failure can be recognised as a duplicate by the receiving side.
        message_id=f"<delivery-{delivery.pk}.{delivery.created_at:%Y%m%d%H%M%S}@{_domain()}>",
    )


def _about(items: list[dict], page: Page) -> tuple[str, str]:
    """What a notification is about, naming the article: as text (the subject, the
    plain-text body) and as HTML with the headline linked."""
    if len(items) == 1:
        about = ABOUT_ONE.get(items[0]["kind"], ABOUT_ONE[Kind.COMMENTS])
    elif all(item["kind"] == Kind.REPLIES for item in items):
        about = ABOUT_REPLIES
    else:
        about = ABOUT_MANY
    values = {"author": items[0]["author"], "count": len(items)}
    text = about.format(headline=f"“{page.title}”", **values)
    html = format_html(
        about, headline=format_html('<a href="{}">“{}”</a>', page.full_url, page.title), **values
    )
    return text, html


def _domain() -> str:
    return settings.WAGTAILADMIN_BASE_URL.split("//", 1)[-1].split("/")[0].split(":")[0]
