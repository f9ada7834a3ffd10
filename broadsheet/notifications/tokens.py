"""Signed tokens in emailed links: confirm a subscription, unsubscribe, manage them.

Signed with the site secret (django.core.signing), so nothing needs storing and nobody
can forge one for another address. Confirmation links expire; unsubscribe and manage
links keep working for as long as the emails that carry them may be read.
"""

from django.core import signing

from broadsheet.engagement.identity import keyed_hash

CONFIRM_MAX_AGE = 7 * 24 * 3600


class BadToken(Exception):
    pass


def _dumps(salt: str, value: dict) -> str:
    return signing.dumps(value, salt=f"broadsheet.notifications.{salt}", compress=True)


def _loads(salt: str, token: str, max_age: int | None = None) -> dict:
    try:
        value = signing.loads(token, salt=f"broadsheet.notifications.{salt}", max_age=max_age)
    except signing.SignatureExpired as error:
        raise BadToken("This link has expired: subscribe again to get a new one.") from error
    except signing.BadSignature as error:
        raise BadToken("This link is not valid: check that it was copied whole.") from error
    if not isinstance(value, dict):
        raise BadToken("This link is not valid: check that it was copied whole.")
    return value


def _fingerprint(email: str) -> str:
    # Binds the token to the address without putting the address itself in the URL
    # (signed tokens are readable: server logs would hold every subscriber's email).
    return keyed_hash("confirm-email", email)[:20]


def confirm_token(subscription) -> str:
    """The link that confirms this one subscription (bound to its address too)."""
    return _dumps("confirm", {"s": subscription.pk, "h": _fingerprint(subscription.address.email)})


def read_confirm(token: str):
    """The Subscription the token confirms. Links from before confirmation was per
    subscription (they named an address, and would confirm whatever waited for it) are
    not valid any more."""
    from broadsheet.notifications.models import Subscription

    value = _loads("confirm", token, CONFIRM_MAX_AGE)
    subscription = (
        Subscription.objects.select_related("address", "page").filter(pk=value.get("s")).first()
        if isinstance(value.get("s"), int)
        else None
    )
    if subscription is None or _fingerprint(subscription.address.email) != value.get("h"):
        raise BadToken("This link is not valid any more: subscribe again to get a new one.")
    return subscription


def unsubscribe_token(address_id: int, subscription_ids: list[int]) -> str:
    return _dumps("unsubscribe", {"a": address_id, "s": sorted(subscription_ids)})


def read_unsubscribe(token: str) -> tuple[int, list[int]]:
    value = _loads("unsubscribe", token)
    return int(value["a"]), [int(s) for s in value.get("s", [])]


def manage_token(address_id: int) -> str:
    return _dumps("manage", {"a": address_id})


def read_manage(token: str) -> int:
    return int(_loads("manage", token)["a"])
