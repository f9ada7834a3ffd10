"""Subscriptions, double opt-in, and turning approved comments into emails.

Every write is here (views, the API and the tasks only translate); the reads they
share (who follows what, who is to be told of a comment) are in `selectors.py`. The rules:
- a subscription sends nothing but its own confirmation email until the address's
  owner confirms it; only the owner, signed in with the address verified, subscribes
  without one. Confirming one subscription never confirms another, and the answer to a
  request is the same whatever the address's state (it reveals nobody's subscriptions);
- subscription requests and confirmation emails are limited per address, per keyed
  client address and per article (the subscribe-anyone and mass-mail flaws);
- each event reaches an address once (Notification is unique per comment and address),
  at most one email per address and article per NOTIFICATIONS_DIGEST_MINUTES; events
  in between wait for the next email, which lists them all.
"""

import logging
import smtplib
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from wagtail.models import Page

from broadsheet import taskqueue
from broadsheet.engagement.models import Comment
from broadsheet.notifications import selectors
from broadsheet.notifications.models import Address, Delivery, Notification, Subscription
from broadsheet.ratelimit import Limit, RateLimited, check_all

log = logging.getLogger(__name__)
Kind = Subscription.Kind

SUBSCRIBE_PER_ADDRESS = Limit("subscribe-address", 10, 3600)
SUBSCRIBE_PER_CLIENT = Limit("subscribe-client", 30, 3600)
SUBSCRIBE_PER_ARTICLE = Limit("subscribe-article", 200, 3600)
CONFIRMATIONS_PER_ADDRESS = Limit("confirm-address", 3, 24 * 3600)
CONFIRMATIONS_PER_CLIENT = Limit("confirm-client", 10, 3600)
CONFIRMATIONS_PER_ARTICLE = Limit("confirm-article", 50, 3600)
CONFIRMATION_QUIET = timedelta(minutes=10)  # no second confirmation sooner than this


class SubscriptionError(Exception):
    """A request we refuse, with a message per field (400) or a status of its own."""

    status = 400

    def __init__(self, errors: dict[str, str], status: int | None = None):
        super().__init__("; ".join(errors.values()))
        self.errors = errors
        if status:
            self.status = status


@dataclass
class Subscribed:
    subscription: Subscription
    status: str  # "active" (the owner's own) or "confirmation_sent" (anyone else's)


def normalise_email(email: str) -> str:
    email = (email or "").strip()
    validate_email(email)
    return email.lower()


def _article(article_id) -> Page:
    from broadsheet.engagement.services import comments_state

    page = Page.objects.live().public().filter(pk=article_id).first() if article_id else None
    if page is None or not comments_state(page).accepts:
        raise SubscriptionError({"article": "No such article."}, status=400)
    return page


def subscribe(
    *, article_id, kind: str, email: str = "", user=None, client_hash: str = ""
) -> Subscribed:
    """Subscribe an address to an article's comments or to replies to its comments.

    An account with a verified email subscribes that address (an `email` is then
    ignored), active at once: it is its owner. Anyone else names an address, and that
    subscription waits for a confirmation email of its own, whatever else the address
    has confirmed: the answer is then "confirmation_sent" in every case (new, waiting,
    already active, stopped), so it reveals nothing about the address, and the same
    path runs, limits included (the worker sends nothing for a subscription confirmed
    already). Refused with SubscriptionError (400) or RateLimited (429); nothing is
    stored when either is raised.
    """
    errors: dict[str, str] = {}
    if kind not in Subscription.PER_ARTICLE:
        errors["kind"] = "Choose “comments” (all new comments) or “replies” (replies to yours)."
    owner = selectors.verified_email(user)
    if owner:
        email = owner
    else:
        try:
            email = normalise_email(email)
        except ValidationError:
            errors["email"] = "Enter a valid email address."
    try:
        page = _article(article_id)
    except SubscriptionError as error:
        errors.update(error.errors)
    if errors:
        raise SubscriptionError(errors)
    check_all(
        [
            (SUBSCRIBE_PER_ADDRESS, email),
            (SUBSCRIBE_PER_CLIENT, client_hash),
            (SUBSCRIBE_PER_ARTICLE, str(page.pk)),
        ]
    )
    with transaction.atomic():
        address, _ = Address.objects.get_or_create(email=email)
        subscription, _ = Subscription.objects.select_for_update().get_or_create(
            address=address, page=page, kind=kind
        )
        if owner:
            subscription.user = user
            subscription.confirmed_at = subscription.confirmed_at or timezone.now()
            subscription.ended_at = None
            subscription.save(update_fields=["user", "confirmed_at", "ended_at"])
            return Subscribed(subscription, "active")
        if subscription.ended_at is not None:
            # Stopped by its owner: asked for again by someone, it waits for them again.
            subscription.ended_at = subscription.confirmed_at = None
            subscription.save(update_fields=["ended_at", "confirmed_at"])
        request_confirmation(subscription, client_hash=client_hash)
    return Subscribed(subscription, "confirmation_sent")


def subscribe_with_comment(*, article_id, kind: str, email: str, reader) -> tuple[str, str]:
    """The "Notify me of" choice made with a comment: (status, message). A refusal never
    loses the comment, so it comes back as ("refused", why) instead of an exception.
    As for `subscribe`, only an account's own verified address is active at once."""
    try:
        result = subscribe(
            article_id=article_id,
            kind=kind,
            email=email,
            user=reader.user,
            client_hash=reader.ip_hash,
        )
    except (SubscriptionError, RateLimited) as error:
        return "refused", f"We could not set up your notifications: {error}"
    if result.status == "confirmation_sent":
        return result.status, "Check your inbox: confirm your email to get notifications."
    if kind == Kind.COMMENTS:
        return result.status, "You will be emailed about new comments."
    return result.status, "You will be emailed when someone replies to you."


def request_confirmation(subscription: Subscription, *, client_hash: str) -> None:
    """Send the double opt-in email for this one subscription, unless one went out for it
    in the last few minutes (the inbox has it; a repeat would only help someone flood
    it). Confirmation emails are limited per address, per client and per article.
    Called for every request that is not the owner's, even for a subscription confirmed
    already (the worker then sends nothing), so limits and answers never differ."""
    now = timezone.now()
    sent = subscription.confirmation_sent_at
    if sent and now - sent < CONFIRMATION_QUIET:
        return
    check_all(
        [
            (CONFIRMATIONS_PER_ADDRESS, subscription.address.email),
            (CONFIRMATIONS_PER_CLIENT, client_hash),
            (CONFIRMATIONS_PER_ARTICLE, str(subscription.page_id or "")),
        ],
        message="We have sent this address several confirmation emails already: "
        "please look for them, or try again later.",
    )
    Subscription.objects.filter(pk=subscription.pk).update(confirmation_sent_at=now)
    taskqueue.enqueue("broadsheet.notifications.tasks.send_confirmation_task", subscription.pk)


def confirm(subscription_id: int) -> Subscription:
    """The address's owner says yes to this subscription (and to no other): it is
    active from now on, even if it had been stopped since the email was sent."""
    subscription = Subscription.objects.select_related("address", "page").get(pk=subscription_id)
    if not subscription.active:
        subscription.confirmed_at = subscription.confirmed_at or timezone.now()
        subscription.ended_at = None
        subscription.save(update_fields=["confirmed_at", "ended_at"])
    return subscription


def end_subscription(subscription_id: int) -> Subscription | None:
    """Unsubscribe: idempotent, and pending notifications of it are dropped."""
    subscription = Subscription.objects.filter(pk=subscription_id).first()
    if subscription is None:
        return None
    if subscription.ended_at is None:
        subscription.ended_at = timezone.now()
        subscription.save(update_fields=["ended_at"])
    pending = Notification.objects.filter(
        address_id=subscription.address_id, kind=subscription.kind, delivery__isnull=True
    )
    if subscription.page_id:
        pending = pending.filter(page_id=subscription.page_id)
    pending.delete()
    return subscription


def end_all(address_id: int) -> int:
    ids = list(
        Subscription.objects.filter(address_id=address_id, ended_at__isnull=True).values_list(
            "pk", flat=True
        )
    )
    for subscription_id in ids:
        end_subscription(subscription_id)
    return len(ids)


def end_for_user(user, subscription_id: int) -> None:
    if not Subscription.objects.filter(pk=subscription_id, user=user).exists():
        raise SubscriptionError({"subscription": "No such subscription."}, status=404)
    end_subscription(subscription_id)


def ensure_account_kinds(user) -> None:
    """Accounts with a verified address hear about mentions and approvals unless they
    said no (an ended subscription stays ended)."""
    email = selectors.verified_email(user)
    if not email:
        return
    address, _ = Address.objects.get_or_create(email=email)
    for kind in (Kind.MENTIONS, Kind.APPROVED):
        Subscription.objects.get_or_create(
            address=address,
            page=None,
            kind=kind,
            defaults={"user": user, "confirmed_at": timezone.now()},
        )


# --- From an approved comment to notifications ---------------------------------------


def enrol_accounts(comment: Comment, *, was_held: bool) -> list:
    """Give the accounts this comment concerns their standing mention and approval
    subscriptions (`ensure_account_kinds`): its author when it was held (to hear of its
    approval), and every account it mentions. Returns the mentioned accounts, so that
    `selectors.recipients_for` need not read them again."""
    if was_held and comment.user_id:
        ensure_account_kinds(comment.user)
    mentioned = selectors.mentioned_users(comment.body)
    for user in mentioned:
        ensure_account_kinds(user)
    return mentioned


def notify_comment(comment_id: int, was_held: bool = False) -> int:
    """Record a notification per recipient (`selectors.recipients_for`: once, whatever
    retries happen) and schedule each address's next email for the article."""
    comment = Comment.objects.filter(pk=comment_id, status=Comment.Status.APPROVED).first()
    if comment is None:
        return 0
    made = 0
    mentioned = enrol_accounts(comment, was_held=was_held)
    recipients = selectors.recipients_for(comment, was_held=was_held, mentioned=mentioned)
    for address_id, (kind, page_id) in recipients.items():
        # The notification and the task that collects it are written together: a worker
        # dying between them would leave it waiting for an email nobody schedules.
        with transaction.atomic():
            waiting = Notification.objects.filter(
                address_id=address_id, page_id=page_id, delivery__isnull=True
            ).exists()
            try:
                with transaction.atomic():
                    Notification.objects.create(
                        address_id=address_id, page_id=page_id, comment=comment, kind=kind
                    )
            except IntegrityError:  # this event reached this address already
                continue
            if not waiting:  # else the email already scheduled will carry this one too
                schedule_delivery(address_id, page_id)
        made += 1
    return made


def window() -> timedelta:
    return timedelta(minutes=settings.NOTIFICATIONS_DIGEST_MINUTES)


def schedule_delivery(address_id: int, page_id: int | None) -> None:
    last = selectors.last_delivery_started(address_id, page_id)
    when = last + window() if last and last + window() > timezone.now() else None
    taskqueue.enqueue(
        "broadsheet.notifications.tasks.collect_task", address_id, page_id, run_after=when
    )


def collect(address_id: int, page_id: int | None) -> int | None:
    """Gather the waiting notifications of an address and article into one Delivery,
    and queue its sending in the same transaction (so no delivery exists without a task
    to send it, whenever a worker dies).

    Returns the delivery's id, or None when there is nothing to send yet (the window
    since the last email is still open: a later collect is scheduled)."""
    with transaction.atomic():
        last = selectors.last_delivery_started(address_id, page_id)
        if last and last + window() > timezone.now():
            schedule_delivery(address_id, page_id)
            return None
        waiting = Notification.objects.filter(
            address_id=address_id, page_id=page_id, delivery__isnull=True
        )
        if not waiting.exists():
            return None
        delivery = Delivery.objects.create(address_id=address_id, page_id=page_id)
        waiting.update(delivery=delivery)
        taskqueue.enqueue("broadsheet.notifications.tasks.send_delivery_task", delivery.pk)
    return delivery.pk


# --- Sending ------------------------------------------------------------------------


def claim() -> timedelta:
    """How long a worker holds a delivery it sends: one whose worker died is sent again
    after this (NOTIFICATIONS_CLAIM_SECONDS)."""
    return timedelta(seconds=settings.NOTIFICATIONS_CLAIM_SECONDS)


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min ... capped at an hour (NOTIFICATIONS_RETRY_SECONDS is the base)."""
    seconds = settings.NOTIFICATIONS_RETRY_SECONDS * 2 ** max(0, attempts - 1)
    return timedelta(seconds=min(3600, seconds))


def permanent(error: Exception) -> bool:
    """Whether sending can never succeed as it is, so retrying would only repeat it: the
    server refused the message for good (a 5xx reply), or the message itself is wrong (a
    header Django's injection guard refuses, text it cannot encode: ValueErrors). The
    server down, a timeout or a 4xx reply are worth another try."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(500 <= code < 600 for code, _ in error.recipients.values())
    if isinstance(error, smtplib.SMTPResponseException):
        return 500 <= error.smtp_code < 600
    return isinstance(error, (ValueError, TypeError))  # BadHeaderError is a ValueError


def send_delivery(delivery_id: int) -> str:
    """Send one delivery's email, once. On an SMTP failure the delivery is released and a
    retry scheduled with backoff, unless the failure is permanent; it is marked sent
    the moment the server accepted it, before the connection is closed (an error on
    QUIT is not a failure to send). A worker that dies holding it leaves a claim that
    expires; `requeue_abandoned_deliveries` then sends it again, with the same
    Message-ID (see docs/notifications.md for the one window where that repeats it)."""
    from django.core.mail import get_connection

    from broadsheet.notifications import emails

    now = timezone.now()
    claimed = (
        Delivery.objects.filter(pk=delivery_id, sent_at__isnull=True)
        .exclude(claimed_until__gt=now)
        .update(claimed_until=now + claim())
    )
    if not claimed:
        return "skipped"  # sent already, or another worker has it
    delivery = Delivery.objects.select_related("address", "page").get(pk=delivery_id)
    notifications = list(
        delivery.notifications.select_related("comment", "comment__user").order_by(
            "comment__created_at", "pk"
        )
    )
    if not notifications or delivery.page is None:
        delivery.delete()  # everything in it was unsubscribed meanwhile
        return "empty"
    connection = get_connection()
    try:
        message = emails.notification(delivery, notifications)
        connection.open()
        connection.send_messages([message])  # returns once the server said 250
    except Exception as error:  # SMTP refused, unreachable, timed out: try again later
        _close_quietly(connection)
        attempts = delivery.attempts + 1
        give_up = permanent(error) or attempts >= settings.NOTIFICATIONS_MAX_ATTEMPTS
        with transaction.atomic():  # released and its retry queued together, or neither
            Delivery.objects.filter(pk=delivery_id).update(
                attempts=attempts, last_error=str(error)[:300], claimed_until=None
            )
            if not give_up:
                taskqueue.enqueue(
                    "broadsheet.notifications.tasks.send_delivery_task",
                    delivery_id,
                    run_after=timezone.now() + backoff(attempts),
                )
        if give_up:
            log.error(
                "Giving up on delivery %s after %s attempts: %s", delivery_id, attempts, error
            )
            return "abandoned"
        log.warning("Delivery %s failed (attempt %s), retrying: %s", delivery_id, attempts, error)
        return "retry"
    # The window: a worker that dies between the server's 250 and this update leaves the
    # delivery claimed, and it is sent a second time once the claim expires.
    Delivery.objects.filter(pk=delivery_id).update(
        sent_at=timezone.now(), attempts=delivery.attempts + 1, claimed_until=None, last_error=""
    )
    _close_quietly(connection)
    return "sent"


def _close_quietly(connection) -> None:
    """QUIT after the message was taken: its failure changes nothing we did."""
    try:
        connection.close()
    except Exception as error:
        log.info("Closing the SMTP connection failed: %s", error)


def requeue_abandoned_deliveries() -> int:
    """Queue again the deliveries whose claim expired unsent: the worker sending them
    died (killed, or its machine gone) after claiming them. Each is released and its
    task written in one transaction. Returns how many. `broadsheet worker` calls this
    as it runs; a delivery released by a worker (to retry later, or given up) has no
    claim and is left alone."""
    now = timezone.now()
    expired = Delivery.objects.filter(sent_at__isnull=True, claimed_until__lt=now)
    requeued = 0
    for delivery_id in expired.values_list("pk", flat=True):
        with transaction.atomic():
            if expired.filter(pk=delivery_id).update(claimed_until=None):
                taskqueue.enqueue("broadsheet.notifications.tasks.send_delivery_task", delivery_id)
                requeued += 1
                log.warning(
                    "Delivery %s was claimed by a worker that stopped: queued again.",
                    delivery_id,
                )
    return requeued


def send_confirmation(subscription_id: int, attempt: int = 1) -> str:
    """The confirmation email of one subscription; nothing when it is confirmed or
    stopped already (or gone), or when the email asked for went out already (a task run
    again after its worker died). As a delivery is (`send_delivery`), it is recorded as
    mailed the moment the server accepted it, before the connection is closed, so only
    a worker dying in that one step repeats it (docs/notifications.md)."""
    from django.core.mail import get_connection

    from broadsheet.notifications import emails

    subscription = (
        Subscription.objects.select_related("address", "page").filter(pk=subscription_id).first()
    )
    if subscription is None or subscription.confirmed or subscription.ended_at is not None:
        return "skipped"
    mailed, asked = subscription.confirmation_mailed_at, subscription.confirmation_sent_at
    if mailed is not None and (asked is None or mailed >= asked):
        return "skipped"
    connection = get_connection()
    try:
        message = emails.confirmation(subscription)
        message.connection = connection
        connection.open()
        message.send()  # returns once the server said 250
    except Exception as error:
        _close_quietly(connection)
        address_id = subscription.address_id
        if permanent(error) or attempt >= settings.NOTIFICATIONS_MAX_ATTEMPTS:
            log.error(
                "Giving up on confirming %s (address %s): %s", subscription_id, address_id, error
            )
            return "abandoned"
        log.warning(
            "Confirmation of %s to address %s failed (attempt %s): %s",
            subscription_id,
            address_id,
            attempt,
            error,
        )
        taskqueue.enqueue(
            "broadsheet.notifications.tasks.send_confirmation_task",
            subscription_id,
            attempt + 1,
            run_after=timezone.now() + backoff(attempt),
        )
        return "retry"
    Subscription.objects.filter(pk=subscription_id).update(confirmation_mailed_at=timezone.now())
    _close_quietly(connection)
    return "sent"
