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

# Granted by content's 0002_posts: reading posts, their history and hashtags in the admin, and moderating them.
POST_MODERATION_PERMISSIONS = ["moderate_posts", "view_post", "view_postrevision", "view_postimage", "view_hashtag"]

# (app_label, codename) of each role's permissions. Kept here so the migrations and the tests
# read one list: accounts' 0005_roles grants accounts' own; each later app's migration grants
# the ones with its label through grant_role_permissions (content: 0001_videos, 0002_posts).
# Comments to moderate; follows and blocks to look up in an investigation (mutes stay private).
SOCIAL_MODERATION_PERMISSIONS = [
    ("social", "view_comment"),
    ("social", "view_commentrevision"),
    ("social", "moderate_comments"),
    ("social", "view_follow"),
    ("social", "view_block"),
]

# Live streams in the admin and ending them with a reason (streaming's 0002_core_streams);
# stream chat: platform moderators act on every stream's chat and read its logs (0003).
STREAM_MODERATION_PERMISSIONS = [
    ("streaming", "view_livestream"),
    ("streaming", "moderate_streams"),
    ("streaming", "view_streamchat"),
    ("streaming", "delete_streamchat"),
    ("streaming", "view_chatban"),
    ("streaming", "add_chatban"),
    ("streaming", "delete_chatban"),
    ("streaming", "view_chattimeout"),
    ("streaming", "view_channelmoderator"),
    ("streaming", "view_chatmoderationlog"),
    ("streaming", "view_streamviewer"),
]

# Finance in the admin (billing's 0002_finance_role): payments and refunds, disputes and their
# evidence, the ledger read-only, and dj-stripe's webhook log.
BILLING_FINANCE_PERMISSIONS = [
    ("billing", "view_payment"),
    ("billing", "refund_payment"),
    ("billing", "view_refund"),
    ("billing", "view_dispute"),
    ("billing", "submit_dispute_evidence"),
    ("billing", "view_billingcustomer"),
    ("billing", "view_ledgeraccount"),
    ("billing", "view_journalentry"),
    ("billing", "view_journalline"),
    ("djstripe", "view_webhookeventtrigger"),
    # Payouts (billing's 0005_connect_payouts): runs, payouts (check, approve, hold), Connect, tax.
    ("billing", "view_payoutrun"),
    ("billing", "view_payout"),
    ("billing", "approve_payout"),
    ("billing", "view_connectaccount"),
    ("billing", "view_taxprofile"),
    ("billing", "change_taxprofile"),
]

# The moderation queue (moderation's 0001): cases, reports, decisions, notes, the log, rules.
MODERATION_PERMISSIONS = [
    ("moderation", "handle_cases"),
    ("moderation", "view_case"),
    ("moderation", "view_report"),
    ("moderation", "view_decision"),
    ("moderation", "view_casenote"),
    ("moderation", "view_moderationlogentry"),
    ("moderation", "view_rule"),
    ("moderation", "view_actionpreset"),
    ("moderation", "view_moderation_stats"),
]
# Admins also manage the platform's rules and presets.
MODERATION_ADMIN_PERMISSIONS = [
    *MODERATION_PERMISSIONS,
    ("moderation", "add_rule"),
    ("moderation", "change_rule"),
    ("moderation", "add_actionpreset"),
    ("moderation", "change_actionpreset"),
    ("moderation", "delete_actionpreset"),
]

# Ad review in the admin (ads' 0002_ads_roles): campaigns and ads, approve/reject, invalid traffic.
ADS_REVIEW_PERMISSIONS = [
    ("ads", "view_campaign"),
    ("ads", "review_campaigns"),
    ("ads", "view_ad"),
    ("ads", "view_advertiser"),
    ("ads", "view_adimpression"),
    ("ads", "view_adclick"),
]
# Finance sees advertisers' balances and the spend batches.
ADS_FINANCE_PERMISSIONS = [("ads", "view_advertiser"), ("ads", "view_campaign"), ("ads", "view_adspenditem")]

ROLE_PERMISSIONS: dict[str, list[tuple[str, str]]] = {
    Role.USER: [],
    # Going live is for creators (streaming's 0002_core_streams grants it).
    Role.CREATOR: [("streaming", "add_livestream")],
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
        ("notifications", "view_notification"),
        ("notifications", "view_deliveryattempt"),
        ("notifications", "view_pushtoken"),
        *[("content", codename) for codename in POST_MODERATION_PERMISSIONS],
        *SOCIAL_MODERATION_PERMISSIONS,
        *STREAM_MODERATION_PERMISSIONS,
        *MODERATION_PERMISSIONS,
        *ADS_REVIEW_PERMISSIONS,
    ],
    Role.FINANCE: [("accounts", "view_user"), *BILLING_FINANCE_PERMISSIONS, *ADS_FINANCE_PERMISSIONS],
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
        ("notifications", "view_notification"),
        ("notifications", "view_deliveryattempt"),
        ("notifications", "view_pushtoken"),
        ("notifications", "view_announcement"),
        ("notifications", "add_announcement"),
        *[("content", codename) for codename in POST_MODERATION_PERMISSIONS],
        *SOCIAL_MODERATION_PERMISSIONS,
        *STREAM_MODERATION_PERMISSIONS,
        *BILLING_FINANCE_PERMISSIONS,
        *MODERATION_ADMIN_PERMISSIONS,
        *ADS_REVIEW_PERMISSIONS,
        ("ads", "view_adspenditem"),
    ],
}


def grant_role_permissions(apps, app_label: str) -> None:
    """Give each role the permissions of ``app_label`` that ROLE_PERMISSIONS lists.

    For data migrations: each app's migration calls it for its own label once its models
    exist. Permissions are normally created after all migrations, so they are made here first.
    """
    from django.contrib.auth.management import create_permissions

    app_config = apps.get_app_config(app_label)
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, permissions in ROLE_PERMISSIONS.items():
        codenames = [codename for label, codename in permissions if label == app_label]
        if codenames:
            group, _ = Group.objects.get_or_create(name=role)
            group.permissions.add(*Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames))
