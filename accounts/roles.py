"""Roles: Django groups with permissions, created by a data migration (0003_roles).

Every account has the ``user`` role. Staff roles (moderator, finance, admin) also make the
account staff, so it can reach the admin (with a second factor). Apps that arrive later give
their permissions to these groups in their own migrations.
"""

from django.db import models


class Role(models.TextChoices):
    USER = "user", "User"
    CREATOR = "creator", "Creator"
    ADVERTISER = "advertiser", "Advertiser"
    MODERATOR = "moderator", "Moderator"
    FINANCE = "finance", "Finance"
    ADMIN = "admin", "Admin"


STAFF_ROLES = frozenset({Role.MODERATOR, Role.FINANCE, Role.ADMIN})

# (app_label, codename) of each role's permissions. Kept here so the migrations and the tests
# read one list: accounts' 0005_roles grants accounts' own, each later app's migration grants
# the ones with its label (content: 0001_videos).
ROLE_PERMISSIONS: dict[str, list[tuple[str, str]]] = {
    Role.USER: [],
    Role.CREATOR: [],
    Role.ADVERTISER: [],
    Role.MODERATOR: [
        ("accounts", "view_user"),
        ("accounts", "moderate_users"),
        ("accounts", "review_appeals"),
        ("accounts", "view_moderationaction"),
        ("accounts", "view_appeal"),
        ("content", "view_video"),
        ("content", "view_rendition"),
        ("content", "moderate_videos"),
    ],
    Role.FINANCE: [("accounts", "view_user")],
    Role.ADMIN: [
        ("accounts", "view_user"),
        ("accounts", "change_user"),
        ("accounts", "moderate_users"),
        ("accounts", "review_appeals"),
        ("accounts", "change_roles"),
        ("accounts", "view_moderationaction"),
        ("accounts", "view_appeal"),
        ("accounts", "view_auditlogentry"),
        ("content", "view_video"),
        ("content", "view_rendition"),
        ("content", "moderate_videos"),
    ],
}
