"""The moderation queue, the audit log and the bans, in the Wagtail admin.

Permission is checked here and again in the services each view calls.
"""

from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from wagtail.models import Page

from broadsheet.engagement.models import Comment, Discussion
from broadsheet.moderation import services, spam
from broadsheet.moderation.models import Ban, ModerationAction, Report
from broadsheet.reader_input import single_line, whole_number

TABS = {
    "held": "Held",
    "reported": "Reported",
    "spam": "Spam",
    "published": "Published",
    "picked": "Picked and pinned",
}
# Published comments are where the newsroom's voice is given (picks and the pin),
# newest first; the queue's own tabs list the oldest first.
VOICE_TABS = {"published", "picked"}
OLDEST_DAYS = 36_500  # "older than" a century: every comment; more is ignored
ACTIONS = {
    "approve": "Approve",
    "spam": "Mark as spam",
    "remove": "Remove",
    "ban": "Ban author",
    "dismiss": "Dismiss reports",
}
VOICE_ACTIONS = {
    "pick": "Pick",
    "unpick": "Undo pick",
    "pin": "Pin to top",
    "unpin": "Unpin",
    "remove": "Remove",
    "spam": "Mark as spam",
    "ban": "Ban author",
}


def _row_actions(comment, pinned: bool) -> dict[str, str]:
    """A published comment's own buttons: the pick and pin it can take or undo."""
    shown = dict(VOICE_ACTIONS)
    del shown["unpick" if not comment.picked else "pick"]
    del shown["unpin" if not pinned else "pin"]
    return shown


def _moderator(request: HttpRequest):
    if not services.can_moderate(request.user):
        raise PermissionDenied("Only moderators can see the moderation queue.")
    return request.user


def queue_filter(params) -> tuple[dict, Q]:
    """The queue's filters from the query string, and the Q they make. Bad values are
    ignored (shown as not applied), never an error."""
    tab = params.get("tab") if params.get("tab") in TABS else "held"
    chosen = {"tab": tab}
    # Reports are asked about with EXISTS, not a join: a join's "no resolved date" also
    # matches comments with no report at all, and makes rows repeat.
    reports = Report.objects.filter(comment=OuterRef("pk"))
    if tab == "spam":
        q = Q(status=Comment.Status.SPAM)
    elif tab == "published":
        q = Q(status=Comment.Status.APPROVED)
    elif tab == "picked":
        pinned = Discussion.objects.filter(pinned_id=OuterRef("pk"))
        q = Q(status=Comment.Status.APPROVED) & (Q(picked_at__isnull=False) | Q(Exists(pinned)))
    elif tab == "reported":
        q = Q(status=Comment.Status.PENDING, status_reason__startswith=services.REPORTED) | Q(
            Exists(reports.filter(resolved_at__isnull=True)), status=Comment.Status.APPROVED
        )
    else:
        q = Q(status=Comment.Status.PENDING) & ~Q(status_reason__startswith=services.REPORTED)
    article = single_line(params.get("article"))[:200]
    if article.isdigit() and len(article) < 12:  # a page id, as links from elsewhere give
        chosen["article"] = article
        q &= Q(page_id=int(article))
    elif article:  # words of its headline, as a moderator types them
        chosen["article"] = article
        q &= Q(page__title__icontains=article)
    section_id = whole_number(params.get("section"), low=1)
    section = Page.objects.filter(pk=section_id).first() if section_id else None
    if section:
        chosen["section"] = section.pk
        q &= Q(page__path__startswith=section.path) & ~Q(page_id=section.pk)
    reason = single_line(params.get("reason"))[:100]
    if reason:
        chosen["reason"] = reason
        q &= Q(status_reason__icontains=reason) | Q(Exists(reports.filter(reason=reason)))
    days = whole_number(params.get("older_than_days"), low=1, high=OLDEST_DAYS)
    if days:
        chosen["older_than_days"] = days
        q &= Q(created_at__lte=timezone.now() - timedelta(days=days))
    return chosen, q


def queue(request: HttpRequest) -> HttpResponse:
    moderator = _moderator(request)
    if request.method == "POST":
        return _act(request, moderator)
    chosen, q = queue_filter(request.GET)
    comments = (
        Comment.objects.filter(q)
        .select_related("page", "parent", "user")
        .prefetch_related(
            Prefetch(
                "reports",
                queryset=Report.objects.filter(resolved_at__isnull=True).order_by("pk"),
                to_attr="open_reports",
            )
        )
        .order_by(
            *(("-created_at", "-pk") if chosen["tab"] in VOICE_TABS else ("created_at", "pk"))
        )
    )
    # Wagtail's pagination links say ?p=N (and keep the filters); ?page=N is read too.
    page_obj = Paginator(comments, 50).get_page(request.GET.get("p") or request.GET.get("page"))
    score_of = spam.scorer()  # the stored filter is read once, not once per row
    voice = chosen["tab"] in VOICE_TABS
    pinned = (
        set(
            Discussion.objects.filter(
                pinned_id__in=[c.pk for c in page_obj.object_list]
            ).values_list("pinned_id", flat=True)
        )
        if voice
        else set()
    )
    rows = []
    for comment in page_obj.object_list:
        score, evidence = score_of(comment.body)
        reasons = list(dict.fromkeys(report.reason for report in comment.open_reports))
        rows.append(
            {
                "comment": comment,
                "score": score,
                "evidence": evidence,
                "reasons": reasons,
                "pinned": comment.pk in pinned,
                "actions": _row_actions(comment, comment.pk in pinned) if voice else ACTIONS,
            }
        )
    counts = {tab: Comment.objects.filter(queue_filter({"tab": tab})[1]).count() for tab in TABS}
    sections = Page.objects.filter(depth=3).live().order_by("title")
    # The headlines a moderator can pick from while typing: articles with comments in
    # this tab (one query, at most a hundred).
    headlines = (
        Page.objects.filter(
            pk__in=Comment.objects.filter(queue_filter({"tab": chosen["tab"]})[1]).values("page_id")
        )
        .order_by("title")
        .values_list("title", flat=True)[:100]
    )
    return TemplateResponse(
        request,
        "moderation/admin/queue.html",
        {
            "rows": rows,
            "page_obj": page_obj,
            "elided_page_range": page_obj.paginator.get_elided_page_range(page_obj.number),
            "headlines": list(headlines),
            "chosen": chosen,
            "tabs": [(key, label, counts[key]) for key, label in TABS.items()],
            "actions": VOICE_ACTIONS if voice else ACTIONS,
            "sections": sections,
            "report_reasons": Report.Reason.choices,
            "query": request.GET.urlencode(),
        },
    )


def _act(request: HttpRequest, moderator) -> HttpResponse:
    action = request.POST.get("action", "")
    ids = [i for i in (whole_number(v, low=1) for v in request.POST.getlist("comment")) if i]
    one = request.POST.get("one", "")  # a row's own button: "approve:12"
    if ":" in one:
        action, single = one.split(":", 1)
        ids = [i for i in [whole_number(single, low=1)] if i]
    back = redirect(f"{request.path}?{request.POST.get('query', '')}")
    labels = {**ACTIONS, **VOICE_ACTIONS}
    if action not in labels or not ids:
        messages.error(request, "Choose one or more comments and an action.")
        return back
    try:
        done = services.moderate(
            moderator=moderator,
            comment_ids=ids,
            action=action,
            reason=request.POST.get("reason", ""),
            shadow=bool(request.POST.get("shadow")),
            days=request.POST.get("days", "").strip() or None,  # none: a ban for good
        )
    except ValueError as error:  # a ban's length out of range, a pick refused: no change
        messages.error(request, str(error))
        return back
    messages.success(request, f"{labels[action]}: {done} comment{'s' * (done != 1)}.")
    return back


def log(request: HttpRequest) -> HttpResponse:
    _moderator(request)
    actions = ModerationAction.objects.select_related("moderator", "comment")
    page_obj = Paginator(actions, 100).get_page(request.GET.get("page"))
    bans = Ban.objects.filter(Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now()))
    return TemplateResponse(
        request,
        "moderation/admin/log.html",
        {"page_obj": page_obj, "bans": bans.select_related("created_by")},
    )


def lift_ban(request: HttpRequest, ban_id: int) -> HttpResponse:
    moderator = _moderator(request)
    if request.method == "POST":
        try:
            services.lift_ban(
                moderator=moderator, ban_id=ban_id, reason=request.POST.get("reason", "")
            )
            messages.success(request, "Ban lifted.")
        except ValueError as error:
            messages.error(request, str(error))
    return redirect("moderation_log")
