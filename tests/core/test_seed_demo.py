import base64
import io

import pytest
from django.core.management import CommandError, call_command
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User

pytestmark = pytest.mark.django_db


def seed(**options) -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out, **options)
    return out.getvalue()


def test_seed_demo_creates_the_five_demo_accounts(settings):
    settings.DEBUG = True

    output = seed()

    users = {user.email: user for user in User.objects.all()}
    assert set(users) == {
        "admin@fanfare.local",
        "moderator@fanfare.local",
        "finance@fanfare.local",
        "creator@fanfare.local",
        "viewer@fanfare.local",
        "advertiser@fanfare.local",  # ads' demo advertiser (ads/demo.py)
    }
    assert users["admin@fanfare.local"].is_superuser
    assert users["moderator@fanfare.local"].is_staff
    assert not users["moderator@fanfare.local"].is_superuser
    assert not users["creator@fanfare.local"].is_staff
    assert users["creator@fanfare.local"].check_password("fanfare-creator-demo")
    assert {u.email: sorted(u.groups.values_list("name", flat=True)) for u in users.values()} == {
        "admin@fanfare.local": ["admin", "user"],
        "moderator@fanfare.local": ["moderator", "user"],
        "finance@fanfare.local": ["finance", "user"],
        "creator@fanfare.local": ["creator", "user"],
        "viewer@fanfare.local": ["user"],
        "advertiser@fanfare.local": ["advertiser", "user"],
    }
    totp = TOTPDevice.objects.get(user=users["moderator@fanfare.local"], confirmed=True)
    assert f"authenticator secret: {base64.b32encode(totp.bin_key).decode()}" in output
    admin_code = StaticDevice.objects.get(user=users["admin@fanfare.local"]).token_set.order_by("id").first().token
    assert "admin      admin@fanfare.local        password: fanfare-admin-demo" in output
    assert f"backup code (second factor): {admin_code}" in output


def test_seed_demo_is_idempotent(settings):
    settings.DEBUG = True
    seed()

    output = seed()

    assert User.objects.count() == 6  # with ads' demo advertiser and billing's finance
    assert StaticDevice.objects.count() == 3  # admin, moderator and finance (staff) have backup codes
    assert TOTPDevice.objects.count() == 1
    assert output.count("(existing)") == 6  # every demo login


def test_seed_demo_refuses_without_debug(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="pass --force"):
        seed()

    assert not User.objects.exists()


def test_seed_demo_with_force_runs_without_debug(settings):
    settings.DEBUG = False

    seed(force=True)

    assert User.objects.count() == 6  # with ads' demo advertiser and billing's finance


def test_seed_demo_leaves_the_creator_grouped_unread_notifications(settings):
    from notifications.models import Notification

    settings.DEBUG = True
    seed()
    seed()

    creator = User.objects.get(email="creator@fanfare.local")
    groups = Notification.objects.filter(recipient=creator).order_by("kind", "actor_count")
    # Social's demo interactions add theirs (comments and likes on the sketch post grouped, on the
    # video and a comment apart; a reply), and content's demo repost and quote now notify too;
    # billing's demo fan joins a membership tier (a new member).
    assert [(n.kind, n.actor_count, n.read_at) for n in groups] == [
        ("comment", 1, None),
        ("comment", 2, None),
        ("follow", 3, None),
        ("like", 1, None),
        ("like", 1, None),
        ("like", 2, None),
        ("mention", 1, None),
        ("payout_sent", 0, None),  # billing's demo payout (no actor: the platform paid)
        ("quote", 1, None),
        ("reply", 1, None),
        ("repost", 1, None),
        ("subscription", 1, None),  # billing's demo: the fan became a Gold member
        ("tip", 1, None),  # streaming's three demo tips
        ("tip", 1, None),
        ("tip", 1, None),
    ]
