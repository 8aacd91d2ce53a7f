"""OpenAPI security schemes for accounts' authentication classes (same schemes as knox's and Django's)."""

from drf_spectacular.authentication import SessionScheme
from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme


class DeviceTokenScheme(KnoxTokenScheme):
    target_class = "accounts.api.auth_authentication.DeviceTokenAuthentication"


class DeviceSessionScheme(SessionScheme):
    target_class = "accounts.api.auth_authentication.DeviceSessionAuthentication"
