"""Reader API for "notify me": subscribe, list and end subscriptions.

POST is a write like any other: it needs the CSRF token from GET /api/v1/session.
"""

from typing import Literal

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.responses import Status
from pydantic import Field

from broadsheet.engagement.identity import client_hash
from broadsheet.http import Answer, ApiError, require_csrf
from broadsheet.notifications import selectors, services
from broadsheet.reader_input import Id, JsonId
from broadsheet.refusals import refusals

router = Router(tags=["notifications"])


class SubscriptionIn(Schema):
    article: JsonId = Field(description="The article's id (a JSON integer).")
    email: str | None = Field(None, description="For guests; accounts use their verified email.")
    kind: Literal["comments", "replies"]


class SubscribeOut(Answer):
    id: int | None = Field(
        description="The subscription, for its signed-in owner (to DELETE it); null when "
        "it waits for the address's confirmation (an id would tell whether the address "
        "had asked before)."
    )
    status: Literal["confirmation_sent", "active"]


class SubscriptionOut(Answer):
    id: int
    kind: str
    article: int | None
    title: str
    email: str


def _signed_in(request: HttpRequest):
    if not request.user.is_authenticated:
        raise ApiError(401, {"user": "Sign in to see your subscriptions."})
    return request.user


@router.post(
    "/subscriptions",
    response={202: SubscribeOut, **refusals(400, 403, 429)},
    summary="Be emailed about new comments",
)
def subscribe(request: HttpRequest, payload: SubscriptionIn):
    require_csrf(request)
    user = request.user if request.user.is_authenticated else None
    try:
        result = services.subscribe(
            article_id=payload.article,
            kind=payload.kind,
            email=payload.email or "",
            user=user,
            client_hash=client_hash(request),
        )
    except services.SubscriptionError as error:
        raise ApiError(error.status, error.errors) from error
    owners = result.status == "active"
    return Status(202, {"id": result.subscription.pk if owners else None, "status": result.status})


@router.get(
    "/subscriptions",
    response={200: list[SubscriptionOut], **refusals(401)},
    summary="My subscriptions",
)
def my_subscriptions(request: HttpRequest):
    return [
        {
            "id": s.pk,
            "kind": s.kind,
            "article": s.page_id,
            "title": s.page.title if s.page else "",
            "email": s.address.email,
        }
        for s in selectors.subscriptions_of(_signed_in(request))
    ]


@router.delete(
    "/subscriptions/{subscription_id}",
    response={204: None, **refusals(400, 401, 403, 404)},
    summary="Unsubscribe",
)
def end(request: HttpRequest, subscription_id: Id):
    require_csrf(request)
    try:
        services.end_for_user(_signed_in(request), subscription_id)
    except services.SubscriptionError as error:
        raise ApiError(error.status, error.errors) from error
    return Status(204, None)
