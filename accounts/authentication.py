"""The API's authentication classes: knox tokens and sessions, refusing writes from accounts in bad standing.

Checked here rather than in a permission class so that it holds for every endpoint, whatever
permission classes the endpoint sets. Suspended and banned accounts lose their sessions and
tokens at once; this closes the gap for a request already in flight.
"""

from knox.auth import TokenAuthentication as KnoxTokenAuthentication
from rest_framework.authentication import SessionAuthentication as DRFSessionAuthentication
from rest_framework.permissions import SAFE_METHODS

from accounts.standing import standing_error
from core.errors import ApplicationAPIException


class _StandingCheck:
    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None and request.method not in SAFE_METHODS:
            error = standing_error(result[0])
            if error is not None:
                raise ApplicationAPIException(error)
        return result


class TokenAuthentication(_StandingCheck, KnoxTokenAuthentication):
    pass


class SessionAuthentication(_StandingCheck, DRFSessionAuthentication):
    pass
