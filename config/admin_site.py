from django_otp.admin import OTPAdminAuthenticationForm, OTPAdminSite

from accounts.selectors import otp_device_for_token


class FanfareAdminAuthenticationForm(OTPAdminAuthenticationForm):
    """Password and a code on one form; the device is picked for the user when it is clear which."""

    def _chosen_device(self, user):
        device = super()._chosen_device(user)
        if device is None:
            device = otp_device_for_token(user=user, token=(self.cleaned_data.get("otp_token") or "").strip())
        return device


class FanfareAdminSite(OTPAdminSite):
    """The admin for moderators, finance and ad review: password and a second factor."""

    login_form = FanfareAdminAuthenticationForm
    site_header = "Fanfare administration"
    site_title = "Fanfare admin"
    index_title = "Moderation, finance and operations"
    index_template = "admin/fanfare_index.html"
    # "View site" leads creators' staff to the studio (the platform has no public web pages here).
    site_url = "/studio/"
    # The app list beside every page left lists about 630 px at 1280: the index and the
    # breadcrumbs already lead everywhere, so the lists get the whole width.
    enable_nav_sidebar = False

    def index(self, request, extra_context=None):
        from core.admin_pending import pending_work
        from core.dev_mail import mail_directory

        context = {"pending_work": pending_work(request), "dev_mail": mail_directory() is not None}
        return super().index(request, {**(extra_context or {}), **context})

    def get_urls(self):
        from django.urls import path

        return [path("dev/mail/", self.admin_view(self.dev_mail_view), name="dev-mail"), *super().get_urls()]

    def dev_mail_view(self, request):
        """The latest emails of the file backend (development): staff only."""
        from django.conf import settings
        from django.template.response import TemplateResponse

        from core.dev_mail import latest_mail, mail_directory

        context = {
            **self.each_context(request),
            "directory": mail_directory(),
            "backend": settings.EMAIL_BACKEND,
            "items": latest_mail(),
        }
        return TemplateResponse(request, "admin/dev_mail.html", context)
