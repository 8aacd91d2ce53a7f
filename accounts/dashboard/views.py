"""Studio pages of accounts: the two-step login and the Security page. Thin: parse, call one service, render."""

from __future__ import annotations

import time

import django_otp
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render, resolve_url
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from accounts import selectors
from accounts.models import User
from accounts.services import access, two_factor
from accounts.standing import standing_error
from core.dashboard.views import StudioLoginView
from core.errors import ApplicationError

# The password step leaves this in the session; the code step finishes the login from it.
PENDING_LOGIN_KEY = "accounts_2fa_pending_login"
PENDING_LOGIN_SECONDS = 5 * 60


class StudioTwoFactorLoginView(StudioLoginView):
    """Step one: the password, on core's login page. Users with a second factor go on to step two."""

    def form_valid(self, form):
        user = form.get_user()
        refusal = standing_error(user)
        if refusal is not None:
            form.add_error(None, refusal.message)
            return self.form_invalid(form)
        if not selectors.two_factor_enabled(user=user):
            # Like every login: a device row, a login event, a new-device email.
            access.login_complete(request=self.request, user=user, client="session")
            return redirect(self.get_success_url())
        self.request.session[PENDING_LOGIN_KEY] = {
            "user_id": str(user.pk),
            "backend": user.backend,
            "next": self.get_success_url(),
            "started": time.time(),
        }
        return redirect("accounts_studio:login-code")


def _pending_login(request) -> tuple[User, dict] | None:
    """The user who passed the password step in this session, if that was under five minutes ago."""
    pending = request.session.get(PENDING_LOGIN_KEY)
    if not pending or time.time() - pending.get("started", 0) > PENDING_LOGIN_SECONDS:
        request.session.pop(PENDING_LOGIN_KEY, None)
        return None
    user = User.objects.filter(pk=pending["user_id"], is_active=True).first()
    return (user, pending) if user is not None else None


@method_decorator([sensitive_post_parameters("code"), csrf_protect, never_cache], name="dispatch")
class StudioLoginCodeView(View):
    """Step two: a code from the authenticator app, or a backup code. Only then is the session logged in."""

    template_name = "accounts/studio/login_code.html"

    def get(self, request):
        if _pending_login(request) is None:
            return redirect("studio:login")
        return render(request, self.template_name, {})

    def post(self, request):
        found = _pending_login(request)
        if found is None:
            messages.error(request, "Your login took too long. Please start again.")
            return redirect("studio:login")
        user, pending = found
        try:
            device = two_factor.second_factor_verify(user=user, code=request.POST.get("code", ""))
        except ApplicationError as error:
            return render(request, self.template_name, {"error": error.message, "error_code": error.code}, status=400)
        request.session.pop(PENDING_LOGIN_KEY, None)
        # The session is verified by the second factor, and the device row says so.
        access.login_complete(request=request, user=user, client="session", otp_device=device)
        target = pending.get("next") or ""
        if not url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            target = resolve_url("studio:home")
        return redirect(target)


# ---------------------------------------------------------------------------------------------
# Security
# ---------------------------------------------------------------------------------------------


@login_required
@never_cache
def security(request):
    pending = selectors.totp_device_pending(user=request.user)
    factors = selectors.second_factors_for_user(user=request.user)
    context = {
        "two_factor_enabled": any(factor.confirmed for factor in factors),
        "factors": [factor for factor in factors if factor.confirmed],
        "totp_enabled": any(factor.kind == "totp" and factor.confirmed for factor in factors),
        "totp_enrolment": two_factor.totp_enrolment_describe(device=pending) if pending else None,
        "backup_codes_remaining": selectors.backup_codes_remaining(user=request.user),
        "devices": selectors.devices_active(user=request.user).order_by("-last_seen_at"),
        "current_device": selectors.device_for_session_key(session_key=request.session.session_key),
    }
    return render(request, "accounts/studio/security.html", context)


@login_required
@require_POST
def device_revoke(request, device_id):
    """Sign one device out (404 for a device that is not the caller's)."""
    try:
        device = access.device_revoke(user=request.user, device_id=device_id)
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect("accounts_studio:security")
    messages.success(request, f"Signed out {device.name or 'the device'}.")
    return redirect("accounts_studio:security")


@login_required
@require_POST
def totp_start(request):
    try:
        two_factor.totp_enrolment_start(user=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
    return redirect("accounts_studio:security")


@login_required
@require_POST
@sensitive_post_parameters("code")
def totp_confirm(request):
    try:
        device = two_factor.totp_enrolment_confirm(user=request.user, code=request.POST.get("code", ""))
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        django_otp.login(request, device)  # this session has just proved the second factor
        messages.success(request, "Two-factor authentication is on. Generate backup codes in case you lose your phone.")
    return redirect("accounts_studio:security")


@login_required
@require_POST
@never_cache
@sensitive_post_parameters("password")
def backup_codes(request):
    try:
        codes = two_factor.backup_codes_reissue(user=request.user, password=request.POST.get("password", ""))
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect("accounts_studio:security")
    # Shown on this response only: the codes are never stored in the session or shown again.
    return render(request, "accounts/studio/backup_codes.html", {"codes": codes})


@login_required
@require_POST
@sensitive_post_parameters("password", "code")
def disable(request):
    try:
        two_factor.two_factor_disable(
            user=request.user, password=request.POST.get("password", ""), code=request.POST.get("code", "")
        )
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "Two-factor authentication is off. Every second factor was removed.")
    return redirect("accounts_studio:security")


@login_required
def data(request):
    """Your data: request an export of everything Fanfare holds about you, and follow its build."""
    from accounts.services.export import download_url
    from core.task_status import outbox_task_state

    exports = []
    for export in selectors.data_exports_for_user(user=request.user)[:5]:
        building = export.status in (export.Status.REQUESTED, export.Status.BUILDING)
        exports.append(
            {
                "export": export,
                "progress": outbox_task_state(task="accounts.data_export_build", args=[str(export.pk)])
                if building
                else "",
                "download": download_url(export=export) if export.status == export.Status.READY else "",
            }
        )
    building = any(item["progress"] for item in exports)
    return render(request, "accounts/studio/data.html", {"exports": exports, "building": building})


@login_required
@require_POST
def data_export_request(request):
    from accounts.services.export import data_export_request as request_export

    try:
        request_export(user=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "Your export is on its way: this page follows it, and we email you the link.")
    return redirect("accounts_studio:data")
