"""Roles: Django groups with permissions, created by a data migration (0003_roles).

Every account has the ``user`` role. Staff roles (moderator, finance, admin) also make the
account staff, so it can reach the admin (with a second factor). Apps that arrive later list
their permissions here too, and grant them to these groups in their own migrations (their
tables do not exist yet when ``0005_roles`` runs, so it grants only accounts' own).
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

# Granted by content's 0001_posts: reading posts, their history and hashtags in the admin, and moderating them.
POST_MODERATION_PERMISSIONS = ["moderate_posts", "view_post", "view_postrevision", "view_postimage", "view_hashtag"]

# (app_label, codename) of each role's permissions. Kept here so the migration and the tests
# read one list.
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
        *[("content", codename) for codename in POST_MODERATION_PERMISSIONS],
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
        *[("content", codename) for codename in POST_MODERATION_PERMISSIONS],
    ],
}
