"""How accounts' authentication classes appear in the OpenAPI schema (loaded in AccountsConfig.ready)."""

from drf_spectacular.authentication import SessionScheme
from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme


class FanfareTokenScheme(KnoxTokenScheme):
    target_class = "accounts.authentication.TokenAuthentication"
    name = "tokenAuth"


class FanfareSessionScheme(SessionScheme):
    target_class = "accounts.authentication.SessionAuthentication"
