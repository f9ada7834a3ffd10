"""Readers' privacy requests: /privacy/ asks by email (or from a signed-in account);
the emailed links open pages whose button exports or erases. GETs change nothing."""

import json

from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from broadsheet.engagement.identity import client_hash
from broadsheet.moderation import privacy
from broadsheet.moderation.tasks import send_privacy_link
from broadsheet.ratelimit import Limit, RateLimited, check_all

REQUESTS_PER_EMAIL = Limit("privacy-email", 3, 24 * 3600)
REQUESTS_PER_CLIENT = Limit("privacy-client", 10, 3600)


def _page(request, context, status=200, template="privacy"):
    response = TemplateResponse(request, f"moderation/{template}.html", context, status=status)
    response["X-Robots-Tag"] = "noindex"
    return response


@never_cache
@require_http_methods(["GET", "POST"])
def privacy_request(request: HttpRequest) -> HttpResponse:
    user = request.user if request.user.is_authenticated else None
    context = {"user_account": user, "sent": False, "error": "", "email": ""}
    if request.method == "GET":
        return _page(request, context)
    if user is not None and request.POST.get("do") in ("export", "erase"):
        person = privacy.Person(user=user)
        return _carry_out(request, person, request.POST["do"])
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email

    email = request.POST.get("email", "").strip().lower()[:254]
    context["email"] = email
    try:
        validate_email(email)
    except ValidationError:
        context["error"] = "Enter the email address you commented or subscribed with."
        return _page(request, context, 400)
    try:
        check_all(
            [
                (REQUESTS_PER_EMAIL, email),
                (REQUESTS_PER_CLIENT, client_hash(request)),
            ]
        )
    except RateLimited as limited:
        context["error"] = str(limited)
        response = _page(request, context, 429)
        response["Retry-After"] = str(limited.retry_after)
        return response
    if privacy.has_data(privacy.person_for_email(email)):
        send_privacy_link.enqueue(email)  # no transaction to join: queued at once
    context["sent"] = True  # the same answer either way: nobody learns who commented
    return _page(request, context)


def _carry_out(request, person, what: str) -> HttpResponse:
    if what == "export":
        data = json.dumps(privacy.export(person), indent=2, ensure_ascii=False)
        response = HttpResponse(data, content_type="application/json; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="my-data.json"'
        return response
    if request.POST.get("confirm") != "yes":
        return _page(
            request,
            {"error": "Tick the box to confirm that everything should be erased."},
            400,
            "privacy_done",
        )
    done = privacy.erase(person)
    return _page(request, {"done": done}, 200, "privacy_done")


@never_cache
@require_http_methods(["GET", "POST"])
def by_link(request: HttpRequest, token: str, what: str) -> HttpResponse:
    try:
        email = signing.loads(token, salt=privacy.SALT, max_age=privacy.LINK_AGE)["e"]
    except (signing.BadSignature, KeyError, TypeError):
        return _page(
            request,
            {"error": "This link is not valid or has expired: ask again at /privacy/."},
            400,
            "privacy_done",
        )
    if request.method == "GET":
        return _page(request, {"what": what, "email": email}, 200, "privacy_confirm")
    return _carry_out(request, privacy.person_for_email(email), what)


def export_by_link(request, token):
    return by_link(request, token, "export")


def erase_by_link(request, token):
    return by_link(request, token, "erase")


@never_cache
@require_http_methods(["GET", "POST"])
def report(request: HttpRequest, comment_id: int) -> HttpResponse:
    """Report a comment without JavaScript: a page with the reasons and a button."""
    from django.shortcuts import get_object_or_404

    from broadsheet.engagement.identity import reader_for, remember_reader
    from broadsheet.engagement.models import Comment
    from broadsheet.engagement.services import Throttled
    from broadsheet.moderation import services
    from broadsheet.moderation.models import Report

    comment = get_object_or_404(
        Comment.objects.select_related("page"), pk=comment_id, status=Comment.Status.APPROVED
    )
    context = {"comment": comment, "reasons": Report.Reason.choices, "error": "", "done": ""}
    if request.method == "GET":
        return _page(request, context, 200, "report")
    reader = reader_for(request, create=True)
    try:
        created = services.report(
            comment_id=comment.pk,
            reader=reader,
            reason=request.POST.get("reason", ""),
            note=request.POST.get("note", ""),
        )
    except Throttled as error:
        context["error"] = str(error.limited)
        response = _page(request, context, 429, "report")
        response["Retry-After"] = str(error.retry_after)
        return response
    except services.ReportError as error:
        context["error"] = str(error)
        return _page(request, context, error.status, "report")
    context["done"] = (
        "Thank you: the moderators will look at it."
        if created
        else "You have reported this comment already."
    )
    return remember_reader(_page(request, context, 200, "report"), reader)
