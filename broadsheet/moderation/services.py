"""Moderators' actions, readers' reports, and the spam filter's training.

Every action checks the moderator's permission here (not only in the admin's
templates), changes statuses through engagement's `set_status` (so counts stay right),
and writes the audit trail.
"""

from datetime import timedelta

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from broadsheet.engagement import services as engagement
from broadsheet.engagement.identity import Reader
from broadsheet.engagement.models import Comment
from broadsheet.engagement.signals import announced_together
from broadsheet.moderation import bans, spam
from broadsheet.moderation.models import Ban, ModerationAction, ModerationRules, Report, SpamFilter
from broadsheet.reader_input import clean_text, whole_number

Action = ModerationAction.Action
Status = Comment.Status
MAX_BAN_DAYS = 3650  # ten years; longer is a ban for good (no days)
RETRAIN_EVERY = 10  # decisions between trainings of the spam filter
REPORTED = "Reported by readers"


def can_moderate(user) -> bool:
    return bool(user and user.is_active and user.has_perm("moderation.moderate_comments"))


def require_moderator(user) -> None:
    if not can_moderate(user):
        raise PermissionDenied("Only moderators can do that.")


def _record(moderator, action: str, comment=None, target: str = "", reason: str = ""):
    return ModerationAction.objects.create(
        moderator=moderator,
        action=action,
        comment=comment,
        target=target or (f"comment {comment.pk}" if comment else ""),
        reason=clean_text(reason).strip()[:300],
    )


def _resolve_reports(comment_id: int) -> None:
    Report.objects.filter(comment_id=comment_id, resolved_at__isnull=True).update(
        resolved_at=timezone.now()
    )


def author_identities(comment: Comment) -> list[tuple[str, str]]:
    """What a ban on this comment's author covers: the account or email, and the
    keyed client address it came from."""
    found = []
    if comment.user_id:
        found.append((Ban.Kind.ACCOUNT, str(comment.user_id)))
    elif comment.guest_email:
        found.append((Ban.Kind.EMAIL, bans.canonical_email(comment.guest_email)))
    if comment.ip_hash:
        found.append((Ban.Kind.ADDRESS, comment.ip_hash))
    return found


@transaction.atomic
@announced_together()  # the live log's lock last, after every comment's
def moderate(
    *, moderator, comment_ids: list[int], action: str, reason: str = "", shadow=False, days=None
) -> int:
    """Apply one action to several comments (the queue's bulk actions use this too). A ban
    lasts `days` (a whole number from 1 to MAX_BAN_DAYS, as a form gives it or an int),
    or for good when None. Raises ValueError, having changed nothing, for an unknown
    action or a ban's length that is not such a number."""
    require_moderator(moderator)
    if action in VOICE_ACTIONS:
        return _voice(moderator, comment_ids, action)
    if action not in (Action.APPROVE, Action.SPAM, Action.REMOVE, Action.BAN, Action.DISMISS):
        raise ValueError(f"Unknown action {action!r}.")
    if action == Action.BAN and days is not None:
        days = whole_number(days, low=1, high=MAX_BAN_DAYS)
        if days is None:
            raise ValueError(
                f"A ban lasts 1 to {MAX_BAN_DAYS:,} days; leave the days empty to ban for good."
            )
    reason = clean_text(reason).strip()
    done = 0
    for comment in Comment.objects.filter(pk__in=comment_ids).order_by("pk"):
        if action == Action.APPROVE:
            engagement.set_status(comment.pk, Status.APPROVED)
        elif action == Action.SPAM:
            engagement.set_status(comment.pk, Status.SPAM, reason or "Marked as spam.")
        elif action == Action.REMOVE:
            engagement.set_status(comment.pk, Status.REMOVED, reason or "Removed by a moderator.")
        elif action == Action.DISMISS:
            if comment.status == Status.PENDING and comment.status_reason.startswith(REPORTED):
                engagement.set_status(comment.pk, Status.APPROVED)
        elif action == Action.BAN:
            expires = timezone.now() + timedelta(days=days) if days else None
            for kind, value in author_identities(comment):
                Ban.objects.create(
                    kind=kind,
                    value=value,
                    shadow=shadow,
                    reason=reason,
                    created_by=moderator,
                    expires_at=expires,
                )
            engagement.set_status(comment.pk, Status.SPAM if not shadow else Status.SHADOW)
        _resolve_reports(comment.pk)
        _record(moderator, action, comment, reason=reason)
        done += 1
    if action in (Action.APPROVE, Action.SPAM, Action.BAN):
        transaction.on_commit(maybe_retrain)
    return done


def _voice(moderator, comment_ids: list[int], action: str) -> int:
    """The queue's pick and pin actions: every chosen comment or none (ValueError with
    the reason, nothing changed); one pin per article, so one comment at a time."""
    if action in (Action.PIN, Action.UNPIN) and len(comment_ids) != 1:
        raise ValueError("Pin or unpin one comment at a time: an article has one pin.")
    try:
        for comment_id in sorted(set(comment_ids)):
            if action in (Action.PICK, Action.UNPICK):
                pick(moderator=moderator, comment_id=comment_id, picked=action == Action.PICK)
            else:
                pin(moderator=moderator, comment_id=comment_id, pinned=action == Action.PIN)
    except engagement.CommentError as error:  # moderate()'s transaction rolls back
        raise ValueError(error.message) from error
    return len(set(comment_ids))


@transaction.atomic
def lift_ban(*, moderator, ban_id: int, reason: str = "") -> None:
    require_moderator(moderator)
    ban = Ban.objects.filter(pk=ban_id).first()
    if ban is None:
        raise ValueError("No such ban.")
    ban.expires_at = timezone.now()
    ban.save(update_fields=["expires_at"])
    _record(moderator, Action.UNBAN, target=str(ban), reason=reason)


# --- The newsroom's voice: editors' picks and the pinned comment --------------------

VOICE_ACTIONS = (Action.PICK, Action.UNPICK, Action.PIN, Action.UNPIN)


@transaction.atomic
def pick(*, moderator, comment_id: int, picked: bool = True) -> Comment:
    """Make a comment an editor's pick (picked=False undoes it), for editors and
    moderators only (PermissionDenied for anyone else, nothing changed), with the audit
    trail. Raises engagement's CommentError (404 no such comment, 400 not published)."""
    require_moderator(moderator)
    comment = engagement.set_pick(comment_id, picked, by=moderator)
    _record(moderator, Action.PICK if picked else Action.UNPICK, comment)
    return comment


@transaction.atomic
def pin(*, moderator, comment_id: int, pinned: bool = True) -> Comment:
    """Pin a comment to the top of its article's thread, replacing the article's earlier
    pin (pinned=False unpins it), for editors and moderators only, with the audit
    trail. Raises engagement's CommentError (404 no such comment, 400 a reply or not
    published)."""
    require_moderator(moderator)
    comment = engagement.set_pin(comment_id, pinned)
    _record(moderator, Action.PIN if pinned else Action.UNPIN, comment)
    return comment


class ReportError(Exception):
    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


def report(*, comment_id: int, reader: Reader, reason: str, note: str = "") -> bool:
    """A reader reports a comment; True when this report is new. The comment is hidden
    until reviewed once its open reports weigh ModerationRules.reports_to_hide
    (`report_weight`): distinct readers, never one client however often it clears its
    cookies or signs in and out."""
    note = clean_text(note).strip()
    if reason not in Report.Reason.values:
        raise ReportError(f"Choose a reason: {', '.join(Report.Reason.values)}.")
    if not reader.voter:
        raise ReportError("Reporting needs cookies to be enabled.", 403)
    comment = Comment.objects.filter(pk=comment_id, status=Status.APPROVED).first()
    if comment is None:
        raise ReportError("No such comment.", 404)
    engagement.check_limits(reader, "report")
    rules = ModerationRules.load()
    try:
        with transaction.atomic():
            Report.objects.create(
                comment=comment,
                reporter=reader.voter,
                ip_hash=reader.ip_hash,
                weight=reporter_weight(reader, rules),
                reason=reason,
                note=note[:300],
            )
    except IntegrityError:
        return False  # reported by this reader already: nothing changes
    weight = report_weight(comment.pk)
    if weight >= rules.reports_to_hide:
        engagement.set_status(comment.pk, Status.PENDING, f"{REPORTED} ({weight}).")
    return True


def is_trusted_reporter(user, rules: ModerationRules) -> bool:
    """An account whose reports weigh more: in the "Trusted reporters" group (or given
    the moderation.trusted_reporter permission), or with at least
    `trusted_after_approved_comments` approved comments. Never a guest: a cookie is
    too cheap to trust."""
    if user is None:
        return False
    if user.has_perm("moderation.trusted_reporter"):
        return True
    needed = rules.trusted_after_approved_comments
    if not needed:
        return False
    approved = Comment.objects.filter(user=user, status=Status.APPROVED)[:needed]
    return approved.count() >= needed


def reporter_weight(reader: Reader, rules: ModerationRules) -> int:
    """How many readers this reader's report counts as, decided when it is made: 0 from
    a banned reader (they are told nothing), a trusted reporter's weight, else 1."""
    user_id = reader.user.pk if reader.user else None
    if bans.find(user_id=user_id, ip_hash=reader.ip_hash) is not None:
        return 0
    if is_trusted_reporter(reader.user, rules):
        return rules.trusted_report_weight
    return 1


def report_weight(comment_id: int) -> int:
    """What a comment's open reports weigh: each account its report's weight; guests one
    per keyed client address, and none from an address an account reported from (a
    reader signing out to report again). So one client clearing its cookies never
    counts twice, and neither does an account and its signed-out self."""
    rows = Report.objects.filter(
        comment_id=comment_id, resolved_at__isnull=True, weight__gt=0
    ).values_list("reporter", "ip_hash", "weight")
    accounts = [(ip_hash, weight) for reporter, ip_hash, weight in rows if reporter[:2] == "u:"]
    account_addresses = {ip_hash for ip_hash, _ in accounts}
    guest_addresses = {ip_hash for reporter, ip_hash, _ in rows if reporter[:2] == "g:"}
    return sum(weight for _, weight in accounts) + len(guest_addresses - account_addresses)


# --- The spam filter's training ------------------------------------------------------


def decisions():
    """(text, 1 for spam / 0 for ham) for every comment a moderator decided on."""
    latest: dict[int, int] = {}
    rows = ModerationAction.objects.filter(
        action__in=[Action.APPROVE, Action.SPAM, Action.BAN], comment__isnull=False
    ).order_by("created_at", "pk")
    for comment_id, action in rows.values_list("comment_id", "action"):
        latest[comment_id] = 0 if action == Action.APPROVE else 1
    bodies = dict(Comment.objects.filter(pk__in=latest).values_list("pk", "body"))
    return [(bodies[c], label) for c, label in latest.items() if c in bodies]


def train() -> SpamFilter | None:
    data = decisions()
    labels = [label for _, label in data]
    if len(set(labels)) < 2:
        return None
    model = spam.Model.train([text for text, _ in data], labels)
    SpamFilter.objects.all().delete()
    return SpamFilter.objects.create(ham=model.ham, spam=model.spam, data=model.dumps())


def maybe_retrain() -> None:
    """Enqueue a training when RETRAIN_EVERY decisions were made since the last one."""
    last = SpamFilter.objects.order_by("-pk").values_list("trained_at", flat=True).first()
    since = ModerationAction.objects.filter(action__in=[Action.APPROVE, Action.SPAM, Action.BAN])
    if last:
        since = since.filter(created_at__gt=last)
    if since.count() >= RETRAIN_EVERY:
        # Called once the decision has committed: nothing to join, queued at once.
        import_string("broadsheet.moderation.tasks.train_spam_filter").enqueue()
