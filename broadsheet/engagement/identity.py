"""Who is writing: an account, or a guest known by a cookie, plus a keyed address hash.

Guests get a random identity cookie on their first write. We store only an HMAC of it
(the guest key) and an HMAC of the client address, both keyed with the site secret, so
the database holds neither a usable cookie nor an IP address. A guest who asks us to
remember their name, email and website keeps them in a cookie encrypted with a key
derived from the site secret, so the browser holds them but nobody reading the cookie
(a shared computer, a proxy's log) learns the email.
"""

import base64
import functools
import hashlib
import hmac
import ipaddress
import json
import re
import secrets
from dataclasses import dataclass

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db.models import Q
from django.http import HttpRequest, HttpResponse

READER_COOKIE = "bs_reader"
GUEST_DETAILS_COOKIE = "bs_guest"
COOKIE_AGE = 365 * 24 * 3600
TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{32,64}$")


@functools.lru_cache(maxsize=16)
def _hash_key(purpose: str, secret: str) -> bytes:
    return hashlib.sha256(f"broadsheet.{purpose}:{secret}".encode()).digest()


def keyed_hash(purpose: str, value: str) -> str:
    # The key derived once per purpose and secret: every write hashes two or three values.
    key = _hash_key(purpose, settings.SECRET_KEY)
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


@functools.lru_cache(maxsize=4)
def _proxy_networks(proxies: tuple[str, ...]) -> tuple:
    """TRUSTED_PROXIES parsed once (per value of the setting), not on every request."""
    networks = []
    for proxy in proxies:
        try:
            networks.append(ipaddress.ip_network(proxy, strict=False))
        except ValueError:
            continue
    return tuple(networks)


def _is_trusted_proxy(address: str) -> bool:
    networks = _proxy_networks(tuple(settings.TRUSTED_PROXIES))
    if not networks:
        return False
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_address(request: HttpRequest) -> str:
    """REMOTE_ADDR, or the nearest untrusted hop of X-Forwarded-For when the request came
    through a configured trusted proxy. The header is never believed otherwise: anyone
    can send it."""
    address = request.META.get("REMOTE_ADDR", "")
    if not _is_trusted_proxy(address):
        return address
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    for hop in reversed([h for h in hops if h]):
        if not _is_trusted_proxy(hop):
            return hop
    return address


def client_hash(request: HttpRequest) -> str:
    """The keyed hash of the client address: what bans, limits and Reader.ip_hash use."""
    return keyed_hash("address", client_address(request))


@dataclass
class Reader:
    user: object | None
    guest_key: str
    ip_hash: str
    new_token: str = ""

    @property
    def is_authenticated(self) -> bool:
        return self.user is not None

    def written(self) -> Q:
        """This reader's comments, as a filter: their account's, or as a guest, their
        cookie's; nothing for a reader with neither. The one notion of "mine" that
        pages, the session answer and the edit rules share."""
        if self.user is not None:
            return Q(user_id=self.user.pk)
        if self.guest_key:
            return Q(user__isnull=True, guest_key=self.guest_key)
        return Q(pk__in=[])

    def owns(self, comment) -> bool:
        """Whether this reader wrote `comment`: their account's, or as a guest, their
        cookie's (an address never makes a comment anyone's)."""
        if self.user is not None:
            return comment.user_id == self.user.pk
        return (
            bool(self.guest_key)
            and comment.user_id is None
            and (comment.guest_key == self.guest_key)
        )

    @property
    def voter(self) -> str:
        """Whose vote or rating a row is: "u:<id>" for an account, "g:<guest key>" for a
        guest, "" for a guest without a cookie (who cannot vote). Two readers never share
        one, whatever address they come from: the address only limits and bans."""
        if self.user is not None:
            return f"u:{self.user.pk}"
        return f"g:{self.guest_key}" if self.guest_key else ""


def reader_for(request: HttpRequest, create: bool = False) -> Reader:
    """The reader behind a request; with create=True a guest without a cookie gets one
    (set on the response by `remember_reader`)."""
    user = request.user if request.user.is_authenticated else None
    token = request.COOKIES.get(READER_COOKIE, "")
    if not TOKEN_PATTERN.match(token):
        token = ""
    new_token = ""
    if not token and create and user is None:
        token = new_token = secrets.token_urlsafe(32)
    return Reader(
        user=user,
        guest_key=keyed_hash("reader", token) if token else "",
        ip_hash=client_hash(request),
        new_token=new_token,
    )


def personal_reader(request: HttpRequest | None, page_id: int) -> Reader | None:
    """The reader a page about `page_id` is rendered for, when it is rendered for one
    reader alone: someone signed in, or a browser with comments of its own there (see
    pagecache.OWN_PAGES_COOKIE). None for the copy every other reader shares."""
    from broadsheet import pagecache

    if request is None:
        return None
    user = getattr(request, "user", None)
    if (user is not None and user.is_authenticated) or pagecache.is_own_page(request, page_id):
        return reader_for(request)
    return None


def remember_reader(response: HttpResponse, reader: Reader) -> HttpResponse:
    if reader.new_token:
        response.set_cookie(
            READER_COOKIE,
            reader.new_token,
            max_age=COOKIE_AGE,
            httponly=True,
            samesite="Lax",
            secure=settings.SESSION_COOKIE_SECURE,
        )
    return response


def _guest_details_cipher() -> MultiFernet:
    """Fernet (AES-128-CBC with an HMAC-SHA256) keyed from SECRET_KEY; the keys from
    SECRET_KEY_FALLBACKS still open cookies made before a rotation."""
    keys = [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]
    return MultiFernet(
        [
            Fernet(
                base64.urlsafe_b64encode(
                    hashlib.sha256(f"broadsheet.guest-details:{key}".encode()).digest()
                )
            )
            for key in keys
        ]
    )


def remember_guest_details(response: HttpResponse, name: str, email: str, url: str) -> None:
    """Keep a guest's name, email and website for their next comment (they asked to),
    encrypted: the cookie cannot be read, only handed back."""
    details = json.dumps({"name": name, "email": email, "url": url}).encode()
    # Fernet tokens are base64url; without their "=" padding a cookie needs no quoting.
    value = _guest_details_cipher().encrypt(details).decode().rstrip("=")
    response.set_cookie(
        GUEST_DETAILS_COOKIE,
        value,
        max_age=COOKIE_AGE,
        httponly=True,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )


def forget_guest_details(response: HttpResponse) -> None:
    response.delete_cookie(GUEST_DETAILS_COOKIE, samesite="Lax")


def guest_details(request: HttpRequest) -> dict | None:
    """The details a guest asked us to remember, or None (no cookie, a forged or
    expired one, or one of the older, signed-only kind, which is ignored)."""
    raw = request.COOKIES.get(GUEST_DETAILS_COOKIE, "")
    if not raw or len(raw) > 4096:
        return None
    token = raw + "=" * (-len(raw) % 4)
    try:
        details = json.loads(_guest_details_cipher().decrypt(token.encode(), ttl=COOKIE_AGE))
    except (InvalidToken, ValueError):
        return None
    if not isinstance(details, dict):
        return None
    return {key: str(details.get(key, ""))[:300] for key in ("name", "email", "url")}
