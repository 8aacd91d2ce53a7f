from django.contrib.admin.apps import AdminConfig


class FanfareAdminConfig(AdminConfig):
    """django.contrib.admin, served by the two-factor admin site."""

    default_site = "config.admin_site.FanfareAdminSite"
