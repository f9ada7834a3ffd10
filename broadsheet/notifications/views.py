"""The pages emailed links open: confirm a subscription, unsubscribe, manage them.

A GET never changes anything (mail scanners follow links); each page has a button that
POSTs. The unsubscribe URL also takes RFC 8058's one-click POST from mail clients, which
carries no CSRF token: the signed token in the URL is the authority there.
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST
from wagtail.models import Page

from broadsheet.engagement.identity import client_hash
from broadsheet.http import FROM_ELSEWHERE, csrf_ok, from_our_pages
from broadsheet.notifications import selectors, services, tokens
from broadsheet.notifications.models import Address, Subscription
from broadsheet.ratelimit import RateLimited


def _page(request, template, context, status=200) -> HttpResponse:
    response = TemplateResponse(request, f"notifications/{template}.html", context, status=status)
    response["X-Robots-Tag"] = "noindex"
    return response


def _bad_link(request, error: Exception) -> HttpResponse:
    return _page(request, "message", {"title": "Link not valid", "message": str(error)}, 400)


@never_cache
@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    try:
        subscription = tokens.read_confirm(token)
    except tokens.BadToken as error:
        return _bad_link(request, error)
    address = subscription.address
    if request.method == "POST":
        subscription = services.confirm(subscription.pk)
        return _page(
            request,
            "confirmed",
            {
                "address": address,
                "confirmed": subscription,
                "subscriptions": selectors.active_subscriptions(address.pk),
                "manage_token": tokens.manage_token(address.pk),
            },
        )
    context = {"address": address, "subscription": subscription, "token": token}
    return _page(request, "confirm", context)


@never_cache
@csrf_exempt  # RFC 8058 one-click: the mail client's POST has no CSRF token
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    try:
        address_id, subscription_ids = tokens.read_unsubscribe(token)
    except tokens.BadToken as error:
        return _bad_link(request, error)
    subscriptions = Subscription.objects.filter(
        pk__in=subscription_ids, address_id=address_id
    ).select_related("page", "address")
    if request.method == "POST":
        for subscription in subscriptions:
            services.end_subscription(subscription.pk)
        return _page(
            request,
            "unsubscribed",
            {"subscriptions": subscriptions, "manage_token": tokens.manage_token(address_id)},
        )
    return _page(request, "unsubscribe", {"subscriptions": subscriptions, "token": token})


@never_cache
@require_http_methods(["GET", "POST"])
def manage(request: HttpRequest, token: str) -> HttpResponse:
    try:
        address_id = tokens.read_manage(token)
    except tokens.BadToken as error:
        return _bad_link(request, error)
    address = Address.objects.filter(pk=address_id).first()
    if address is None:
        return _bad_link(request, tokens.BadToken("This address has no subscriptions."))
    notice = ""
    if request.method == "POST":
        end = request.POST.get("end", "")
        if end == "all":
            count = services.end_all(address.pk)
            notice = f"Stopped {count} subscription{'s' * (count != 1)}."
        elif end.isdigit() and Subscription.objects.filter(pk=end, address=address).exists():
            services.end_subscription(int(end))
            notice = "Subscription stopped."
        else:
            return _page(
                request,
                "message",
                {"title": "Nothing changed", "message": "Choose a subscription to stop."},
                400,
            )
    return _page(
        request,
        "manage",
        {
            "address": address,
            "subscriptions": selectors.active_subscriptions(address.pk),
            "notice": notice,
            "token": token,
        },
    )


@never_cache
@csrf_exempt  # checked by hand: a cached article page degrades to a confirm step
@require_POST
def subscribe(request: HttpRequest, page_id: int) -> HttpResponse:
    """ "Notify me" without commenting, for readers without JavaScript as for others."""
    article = get_object_or_404(Page.objects.live().public(), pk=page_id).specific
    email = request.POST.get("email", "").strip()[:254]
    context = {"article": article, "email": email, "done": "", "error": "", "notice": ""}
    if not csrf_ok(request):
        if not from_our_pages(request):
            message = {"title": "Nothing was done", "message": FROM_ELSEWHERE}
            return _page(request, "message", message, 403)
        context["notice"] = "Please confirm: press “Notify me” again."
        return _page(request, "subscribe_page", context, 403)
    user = request.user if request.user.is_authenticated else None
    try:
        result = services.subscribe(
            article_id=article.pk,
            kind=request.POST.get("kind", "comments"),
            email=email,
            user=user,
            client_hash=client_hash(request),
        )
    except services.SubscriptionError as error:
        context["error"] = " ".join(error.errors.values())
        return _page(request, "subscribe_page", context, error.status)
    except RateLimited as error:
        context["error"] = str(error)
        response = _page(request, "subscribe_page", context, 429)
        response["Retry-After"] = str(error.retry_after)
        return response
    context["done"] = (
        "Check your inbox: press the button in the email we sent to confirm."
        if result.status == "confirmation_sent"
        else "Done: you will be emailed about new comments."
    )
    return _page(request, "subscribe_page", context, 200)
