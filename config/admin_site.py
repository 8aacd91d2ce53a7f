from django_otp.admin import OTPAdminSite


class FanfareAdminSite(OTPAdminSite):
    """The admin for moderators, finance and ad review: password and a second factor."""

    site_header = "Fanfare administration"
    site_title = "Fanfare admin"
    index_title = "Moderation, finance and operations"
