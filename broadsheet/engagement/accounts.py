"""Reader accounts (django-allauth) as Broadsheet runs them.

allauth rate-limits sign-ins, sign-ups and password resets per client address. By
default it takes REMOTE_ADDR (or trusts X-Forwarded-For by a count of proxies), so
behind our proxies every reader would share the proxy's address and ten failed sign-ins
from anyone would lock everyone out. Its adapter asks us instead: the same client
address as our own limits and bans (`identity.client_address`, which believes
X-Forwarded-For only from TRUSTED_PROXIES).
"""

from allauth.account.adapter import DefaultAccountAdapter
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from broadsheet.engagement.identity import client_address


class AccountAdapter(DefaultAccountAdapter):
    def get_client_ip(self, request: HttpRequest) -> str:
        address = client_address(request)
        if not address:  # as allauth does: no address, no sign-in
            raise PermissionDenied("Unable to determine client IP address")
        return address
