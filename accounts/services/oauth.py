"""Signing in with Google, Apple and GitHub, and the identities linked to an account.

django-allauth does what it is good at: its providers verify the token a client got from the
provider (Google's and Apple's ``id_token`` against their published keys, GitHub's
``access_token`` by calling GitHub's API) and its ``SocialAccount`` rows record which provider
identity belongs to which account. The login itself always finishes through
:mod:`accounts.services.access` (standing, second factor, device, history, token or session).

Email rules, in order:

1. an identity already linked logs its account in;
2. otherwise an account with the provider's email is linked and logged in **only when the
   provider verified the email**; an unverified email never takes over an account
   (``email_in_use``, 409, nothing changed);
3. otherwise a new account is made (unusable password, a handle derived from the provider's
   profile, the email marked verified when the provider verified it).
"""

from __future__ import annotations

import logging
import re
import secrets
import unicodedata
from dataclasses import dataclass, field
from datetime import timedelta
from http import HTTPStatus
from typing import Any, NoReturn

import requests
from allauth.socialaccount.adapter import get_adapter
from allauth.socialaccount.models import SocialAccount, SocialToken
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from accounts.handles import validate_handle
from accounts.models import User
from accounts.services.access import (
    ClientInfo,
    LoginResult,
    login_challenge_start,
    login_complete,
    login_event_record,
    login_refuse_for_standing,
    login_standing_reason,
    user_access_revoke_all,
)
from accounts.services.users import user_create
from core.errors import ApplicationError, ConflictError, NotFoundError, PermissionDeniedError

# The providers Fanfare signs in with, and the token each one's client sends.
TOKEN_FIELDS = {"google": "id_token", "apple": "id_token", "github": "access_token"}
GITHUB_API_URL = "https://api.github.com"
_HANDLE_FALLBACK = "user"

logger = logging.getLogger(__name__)


class ProviderUnavailableError(ApplicationError):
    """The provider could not be reached, or answered with an error of its own (503)."""

    status_code = HTTPStatus.SERVICE_UNAVAILABLE
    default_code = "provider_unavailable"
    default_message = "The sign-in provider cannot be reached. Try again in a moment."


def _invalid_token() -> ApplicationError:
    return ApplicationError("This sign-in token is invalid or has expired.", code="invalid_token")


@dataclass(frozen=True)
class OAuthIdentity:
    """Who the provider says the token's holder is."""

    provider: str
    uid: str
    email: str  # "" when the provider gave none
    email_verified: bool
    username: str = ""
    name: str = ""
    extra_data: dict[str, Any] = field(default_factory=dict)


# ---------------------------------------------------------------------------------------------
# Providers and token verification
# ---------------------------------------------------------------------------------------------


def _configured_client_id(provider: str) -> str:
    apps = settings.SOCIALACCOUNT_PROVIDERS.get(provider, {}).get("APPS") or []
    return apps[0].get("client_id", "") if apps else ""


def oauth_provider_token_field(*, provider: str) -> str:
    """The request field carrying ``provider``'s token (``id_token`` or ``access_token``).

    Raises ``provider_not_enabled`` (404) for an unknown provider, or one whose environment
    variables are not set.
    """
    if provider not in TOKEN_FIELDS or not _configured_client_id(provider):
        raise NotFoundError(f"Signing in with {provider!r} is not enabled.", code="provider_not_enabled")
    return TOKEN_FIELDS[provider]


def _provider_get(*, request: Any, provider: str):
    oauth_provider_token_field(provider=provider)
    return get_adapter().get_provider(request, provider, client_id=_configured_client_id(provider))


def _http_error_raise(error: requests.RequestException) -> NoReturn:
    """A provider's HTTP failure: the token's fault (400) or the provider's (503)."""
    response = getattr(error, "response", None)
    status = response.status_code if response is not None else None
    if status is not None and 400 <= status < 500 and status not in {403, 429}:
        raise _invalid_token() from error
    logger.warning("GitHub unavailable: %r", error)
    raise ProviderUnavailableError() from error


def _github_verify(*, request: Any, provider, token: str):
    """GitHub: the token must have been issued to our OAuth app (GitHub's "check a token"
    endpoint, authenticated as the app), then allauth's GitHub adapter reads ``/user`` and
    ``/user/emails`` with it. Without the first check, a token any other GitHub app obtained
    from the user would sign them in here."""
    from allauth.socialaccount.providers.github.views import GitHubOAuth2Adapter

    app = provider.app
    session = get_adapter().get_requests_session()
    with session:
        response = session.post(
            f"{GITHUB_API_URL}/applications/{app.client_id}/token",
            json={"access_token": token},
            auth=(app.client_id, app.secret),
            headers={"Accept": "application/vnd.github+json"},
        )
    if response.status_code in {HTTPStatus.NOT_FOUND, HTTPStatus.UNPROCESSABLE_ENTITY}:
        raise _invalid_token()
    if response.status_code in {HTTPStatus.UNAUTHORIZED, HTTPStatus.FORBIDDEN}:
        # GitHub refused our own client id and secret: a configuration error, not the user's.
        logger.error("GitHub refused OAUTH_GITHUB_CLIENT_ID/OAUTH_GITHUB_SECRET (HTTP %s)", response.status_code)
        raise ProviderUnavailableError()
    response.raise_for_status()
    if (response.json().get("app") or {}).get("client_id") != app.client_id:
        raise _invalid_token()
    adapter = GitHubOAuth2Adapter(request)
    return adapter.complete_login(request, app, SocialToken(app=app, token=token), response={"access_token": token})


def _display_name(extra_data: dict[str, Any]) -> str:
    name = extra_data.get("name")
    if isinstance(name, dict):  # Apple, when the client passes the user's name on
        name = " ".join(part for part in (name.get("firstName"), name.get("lastName")) if part)
    return (name or "").strip()


def oauth_identity_verify(*, request: Any, provider: str, token: str) -> OAuthIdentity:
    """Verify ``token`` with ``provider`` and say whose it is.

    Raises ``provider_not_enabled`` (404), ``invalid_token`` (400: bad signature, wrong audience
    or issuer, expired, revoked) and ``provider_unavailable`` (503: the provider's keys or API
    cannot be reached or fail).
    """
    app_provider = _provider_get(request=request, provider=provider)
    try:
        if provider == "github":
            sociallogin = _github_verify(request=request, provider=app_provider, token=token)
        else:
            sociallogin = app_provider.verify_token(request, {TOKEN_FIELDS[provider]: token})
    except ValidationError as error:  # allauth's verify_token: its cause says whose fault it was
        if isinstance(error.__cause__, requests.RequestException):  # the provider's keys did not load
            logger.warning("%s keys unavailable: %r", provider, error.__cause__)
            raise ProviderUnavailableError() from error
        raise _invalid_token() from error
    except requests.RequestException as error:
        _http_error_raise(error)
    except (KeyError, ValueError, TypeError) as error:  # a token without "kid", a payload without "sub"...
        raise _invalid_token() from error
    addresses = sociallogin.email_addresses
    address = next((a for a in addresses if a.primary), addresses[0] if addresses else None)
    extra_data = dict(sociallogin.account.extra_data)
    return OAuthIdentity(
        provider=provider,
        uid=sociallogin.account.uid,
        email=address.email if address else "",
        email_verified=bool(address and address.verified),
        username=str(extra_data.get("login") or ""),
        name=_display_name(extra_data),
        extra_data=extra_data,
    )


# ---------------------------------------------------------------------------------------------
# Finding, linking or creating the account
# ---------------------------------------------------------------------------------------------


def _identity_extra_data(identity: OAuthIdentity) -> dict[str, Any]:
    """What a SocialAccount keeps: the provider's profile, with the email Fanfare matched on."""
    return {**identity.extra_data, "email": identity.email or None, "email_verified": identity.email_verified}


def _identity_lock(identity: OAuthIdentity) -> None:
    """Serialize concurrent sign-ins of one identity (two first sign-ins must make one account)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"oauth:{identity.provider}:{identity.uid}"])


def handle_suggest(*, identity: OAuthIdentity) -> str:
    """A valid, unused handle from the provider's username, name or email (in that order),
    made unique with a numeric suffix."""
    base = ""
    for source in (identity.username, identity.name, identity.email.partition("@")[0]):
        ascii_text = unicodedata.normalize("NFKD", source).encode("ascii", "ignore").decode()
        candidate = re.sub(r"_+", "_", re.sub(r"[^A-Za-z0-9_]", "_", ascii_text)).strip("_").lower()[:30]
        try:
            validate_handle(candidate)
        except ValidationError:
            continue
        base = candidate
        break
    base = base or _HANDLE_FALLBACK
    if not User.all_objects.filter(handle__iexact=base).exists():
        return base
    taken = {
        handle.lower()
        for handle in User.all_objects.filter(handle__istartswith=base[:24]).values_list("handle", flat=True)
    }
    for number in range(2, 1000):
        suffix = str(number)
        candidate = f"{base[: 30 - len(suffix)]}{suffix}"
        if candidate.lower() not in taken:
            return candidate
    return f"{base[:22]}{secrets.randbelow(10**8):08d}"


def _account_unavailable(user: User) -> bool:
    """Deactivated, or deleted longer ago than the grace period (a restorable one may sign in)."""
    grace_start = timezone.now() - timedelta(days=settings.ACCOUNT_DELETION_GRACE_DAYS)
    return not user.is_active or (user.deleted_at is not None and user.deleted_at < grace_start)


def _account_unavailable_error() -> ApplicationError:
    return PermissionDeniedError("This account cannot sign in.", code="account_inactive")


@transaction.atomic
def _oauth_account_resolve(*, identity: OAuthIdentity) -> tuple[User, str | None]:
    """The account ``identity`` signs in to, linked (and created) as the email rules say.

    Returns (user, refusal): with a refusal (banned, suspended) nothing is written.
    """
    _identity_lock(identity)
    account = SocialAccount.objects.filter(provider=identity.provider, uid=identity.uid).first()
    if account is not None:
        user = User.all_objects.get(pk=account.user_id)
        if _account_unavailable(user):
            raise _account_unavailable_error()
        refusal = login_standing_reason(user=user)
        if refusal is None:
            account.extra_data = _identity_extra_data(identity)
            account.save(update_fields=["extra_data", "last_login"])
        return user, refusal
    if not identity.email:
        raise ApplicationError(
            "The provider did not share an email address; allow it and try again.", code="email_required"
        )
    user = User.all_objects.filter(email__iexact=identity.email.strip()).first()
    if user is not None:
        if not identity.email_verified:
            raise ConflictError(
                "An account with this email exists. Sign in to it and link this identity from there.",
                code="email_in_use",
            )
        if _account_unavailable(user):
            raise _account_unavailable_error()
        refusal = login_standing_reason(user=user)
        if refusal is None:
            SocialAccount.objects.create(
                user=user, provider=identity.provider, uid=identity.uid, extra_data=_identity_extra_data(identity)
            )
            if not user.is_email_verified:
                # The provider just proved who owns the address. Whoever made this account never
                # did: it may have been made in the owner's name in advance (pre-hijacking), so
                # its password stops working and every session of it ends.
                user.email_verified_at = timezone.now()
                user.set_unusable_password()
                user.save(update_fields=["email_verified_at", "password", "updated_at"])
                user_access_revoke_all(user=user)
        return user, refusal
    user = user_create(
        email=identity.email, handle=handle_suggest(identity=identity), password=None, display_name=identity.name[:100]
    )
    if identity.email_verified:
        user.email_verified_at = timezone.now()
        user.save(update_fields=["email_verified_at", "updated_at"])
    else:
        from accounts.services.registration import email_verification_send

        email_verification_send(user=user)
    SocialAccount.objects.create(
        user=user, provider=identity.provider, uid=identity.uid, extra_data=_identity_extra_data(identity)
    )
    return user, None


def oauth_login(*, request: Any, provider: str, token: str, client: str, device_name: str = "") -> LoginResult:
    """Sign in with a provider's token: verify it, find (or link, or create) the account by the
    rules in the module docstring, then finish as a password login does: standing, second
    factor, and :func:`accounts.services.access.login_complete`.

    Raises ``provider_not_enabled`` (404), ``invalid_token`` (400), ``email_required`` (400),
    ``provider_unavailable`` (503), ``email_in_use`` (409), ``account_inactive``,
    ``account_banned``, ``account_suspended`` (403).
    """
    identity = oauth_identity_verify(request=request, provider=provider, token=token)
    user, refusal = _oauth_account_resolve(identity=identity)
    if refusal:
        login_event_record(email=user.email, reason=refusal, client=ClientInfo.from_request(request), user=user)
        login_refuse_for_standing(user=user, reason=refusal)
    challenge = login_challenge_start(
        request=request, user=user, client=client, device_name=device_name, email=user.email
    )
    if challenge is not None:
        return challenge
    return login_complete(request=request, user=user, client=client, device_name=device_name, email=user.email)


# ---------------------------------------------------------------------------------------------
# Linking and unlinking identities of a signed-in user
# ---------------------------------------------------------------------------------------------


def oauth_identity_link(*, request: Any, user: User, provider: str, token: str) -> tuple[SocialAccount, bool]:
    """Link the identity behind ``token`` to ``user``. Returns (identity, created); linking one
    already theirs changes nothing. ``identity_linked_elsewhere`` (409) when another account has
    it; otherwise as :func:`oauth_identity_verify`."""
    identity = oauth_identity_verify(request=request, provider=provider, token=token)
    with transaction.atomic():
        _identity_lock(identity)
        account = SocialAccount.objects.filter(provider=identity.provider, uid=identity.uid).first()
        if account is not None:
            if account.user_id != user.pk:
                raise ConflictError("This identity is linked to another account.", code="identity_linked_elsewhere")
            return account, False
        account = SocialAccount.objects.create(
            user=user, provider=identity.provider, uid=identity.uid, extra_data=_identity_extra_data(identity)
        )
    return account, True


@transaction.atomic
def oauth_identity_unlink(*, user: User, identity_id: int) -> None:
    """Unlink one of ``user``'s identities. Another user's or unknown: ``not_found`` (404). The
    account's only way in (no usable password, no other identity): ``last_login_method`` (409)."""
    locked = User.all_objects.select_for_update().get(pk=user.pk)  # one unlink at a time per account
    account = SocialAccount.objects.filter(pk=identity_id, user=locked).first()
    if account is None:
        raise NotFoundError("No such identity.", code="not_found")
    others = SocialAccount.objects.filter(user=locked).exclude(pk=account.pk).exists()
    if not locked.has_usable_password() and not others:
        raise ConflictError(
            "This is the only way into the account. Set a password (password reset) or link another identity first.",
            code="last_login_method",
        )
    account.delete()
