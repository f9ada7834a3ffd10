"""Reader API for reports (POST /api/v1/comments/{id}/flag), and the newsroom's picks
and pin (PUT and DELETE /api/v1/comments/{id}/pick and /pin) for signed-in editors and
moderators; every write checks the CSRF token, and the services check the permission."""

from typing import Any, Literal

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema
from ninja.responses import Status

from broadsheet.engagement.identity import reader_for, remember_reader
from broadsheet.engagement.models import Discussion
from broadsheet.engagement.services import CommentError, Throttled
from broadsheet.http import Answer, ApiError, require_csrf
from broadsheet.moderation import services
from broadsheet.moderation.models import Report
from broadsheet.reader_input import Id
from broadsheet.refusals import refusals

router = Router(tags=["moderation"])


class FlagIn(Schema):
    reason: Literal[tuple(Report.Reason.values)]
    note: str = ""


class FlagOut(Answer):
    reported: bool
    detail: str


@router.post(
    "/comments/{comment_id}/flag",
    response={200: FlagOut, 201: FlagOut, **refusals(400, 403, 404, 429)},
    summary="Report a comment to the moderators",
    description=f"reason: one of {', '.join(Report.Reason.values)}. A second report by "
    "the same reader changes nothing (200).",
)
def flag(request: HttpRequest, response: HttpResponse, comment_id: Id, payload: FlagIn):
    require_csrf(request)
    reader = reader_for(request, create=True)
    try:
        created = services.report(
            comment_id=comment_id, reader=reader, reason=payload.reason, note=payload.note
        )
    except Throttled as error:
        raise error.limited from error
    except services.ReportError as error:
        raise ApiError(error.status, {"reason": str(error)}) from error
    remember_reader(response, reader)
    if created:
        return Status(201, {"reported": True, "detail": "Thank you: the moderators will look."})
    return Status(200, {"reported": True, "detail": "You have reported this comment already."})


class VoiceOut(Answer):
    id: int
    picked: bool
    pinned: bool


def _voice(request: HttpRequest, change, comment_id: int, on: dict) -> dict:
    require_csrf(request)
    try:
        comment = change(moderator=request.user, comment_id=comment_id, **on)
    except PermissionDenied as error:
        raise ApiError(403, {"comment": "Only editors and moderators can do that."}) from error
    except CommentError as error:
        raise ApiError(error.status, error.errors) from error
    pinned = Discussion.objects.filter(pinned_id=comment.pk).exists()
    return {"id": comment.pk, "picked": comment.picked, "pinned": pinned}


VOICE = {**refusals(400, 403, 404)}


@router.put(
    "/comments/{comment_id}/pick",
    response={200: VoiceOut, **VOICE},
    summary="Make a comment an editor's pick (editors and moderators)",
)
def pick(request: HttpRequest, comment_id: Id):
    return _voice(request, services.pick, comment_id, {"picked": True})


@router.delete(
    "/comments/{comment_id}/pick",
    response={200: VoiceOut, **VOICE},
    summary="Undo an editor's pick (editors and moderators)",
)
def unpick(request: HttpRequest, comment_id: Id):
    return _voice(request, services.pick, comment_id, {"picked": False})


@router.put(
    "/comments/{comment_id}/pin",
    response={200: VoiceOut, **VOICE},
    summary="Pin a comment to the top of its article's thread (editors and moderators)",
    description="An article has one pin: this replaces any other. Only a published "
    "comment that starts a thread can be pinned (400 otherwise).",
)
def pin(request: HttpRequest, comment_id: Id):
    return _voice(request, services.pin, comment_id, {"pinned": True})


@router.delete(
    "/comments/{comment_id}/pin",
    response={200: VoiceOut, **VOICE},
    summary="Unpin a comment (editors and moderators)",
)
def unpin(request: HttpRequest, comment_id: Id):
    return _voice(request, services.pin, comment_id, {"pinned": False})


@router.get(
    "/altcha",
    response={200: dict[str, Any], **refusals(404)},
    summary="A proof-of-work challenge for the comment form (ALTCHA)",
)
def altcha_challenge(request: HttpRequest, response: HttpResponse):
    """Only when ALTCHA_ENABLED; solved by the widget in the reader's browser."""
    from django.utils.cache import add_never_cache_headers

    from broadsheet.moderation import proof_of_work

    if not proof_of_work.enabled():
        raise ApiError(404, {"altcha": "The proof-of-work check is switched off."})
    add_never_cache_headers(response)
    return proof_of_work.challenge()
