"""notify/unnotify: grouping, idempotency, preferences, sender rules, critical kinds, expiry, purge."""

from datetime import time, timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from core.errors import ApplicationError
from notifications import selectors, services
from notifications.models import Notification, NotificationActor, NotificationSettings
from tests.factories import UserFactory
from tests.notifications.factories import NotificationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def recipient():
    return UserFactory(display_name="Rita")


@pytest.fixture
def post(recipient):
    # Any model instance is a target; a user stands in for a post here (its title is str()).
    return UserFactory(handle="the_post")


def test_groupable_events_on_one_target_merge_and_keep_every_actor(recipient, post):
    actors = [UserFactory(display_name=f"Actor {i}") for i in range(3)]

    results = [services.notify(recipient=recipient, kind="like", actor=a, target=post) for a in actors]

    assert len({n.pk for n in results}) == 1
    group = Notification.objects.get()
    assert group.actor_count == 3
    assert set(NotificationActor.objects.values_list("actor_id", flat=True)) == {a.pk for a in actors}
    assert group.target_title == "@the_post"


def test_a_group_outside_the_window_starts_a_new_one(recipient, post, settings):
    first = services.notify(recipient=recipient, kind="like", actor=UserFactory(), target=post)
    Notification.objects.filter(pk=first.pk).update(created_at=timezone.now() - timedelta(hours=13))

    second = services.notify(recipient=recipient, kind="like", actor=UserFactory(), target=post)

    assert second.pk != first.pk
    assert Notification.objects.count() == 2


def test_non_groupable_kinds_stay_apart(recipient, post):
    services.notify(recipient=recipient, kind="mention", actor=UserFactory(), target=post)
    services.notify(recipient=recipient, kind="mention", actor=UserFactory(), target=post)

    assert Notification.objects.count() == 2


def test_the_same_actor_twice_counts_once(recipient, post):
    actor = UserFactory()
    services.notify(recipient=recipient, kind="like", actor=actor, target=post)
    services.notify(recipient=recipient, kind="like", actor=actor, target=post)

    assert Notification.objects.get().actor_count == 1


def test_a_read_group_turns_unread_when_someone_joins(recipient, post):
    group = services.notify(recipient=recipient, kind="like", actor=UserFactory(), target=post)
    services.notification_mark_read(user=recipient, notification_id=group.pk)

    services.notify(recipient=recipient, kind="like", actor=UserFactory(), target=post)

    group.refresh_from_db()
    assert group.read_at is None
    assert group.actor_count == 2


def test_unnotify_removes_the_actor_and_deletes_an_emptied_group(recipient, post):
    ana, bob = UserFactory(), UserFactory()
    group = services.notify(recipient=recipient, kind="like", actor=ana, target=post)
    services.notify(recipient=recipient, kind="like", actor=bob, target=post)

    assert services.unnotify(recipient=recipient, kind="like", actor=ana, target=post) == 1
    group.refresh_from_db()
    assert group.actor_count == 1
    assert list(group.actor_links.values_list("actor_id", flat=True)) == [bob.pk]

    services.unnotify(recipient=recipient, kind="like", actor=bob, target=post)
    assert Notification.objects.count() == 0
    assert Notification.all_objects.get(pk=group.pk).is_deleted


def test_unnotify_of_someone_not_there_changes_nothing(recipient, post):
    services.notify(recipient=recipient, kind="like", actor=UserFactory(), target=post)

    assert services.unnotify(recipient=recipient, kind="like", actor=UserFactory(), target=post) == 0
    assert Notification.objects.get().actor_count == 1


def test_unnotify_events_withdraws_only_what_the_keys_led_to(recipient, post):
    ana, bob = UserFactory(), UserFactory()
    group = services.notify(recipient=recipient, kind="comment", actor=ana, target=post, idempotency_key="c:1")
    services.notify(recipient=recipient, kind="comment", actor=ana, target=post, idempotency_key="c:2")
    services.notify(recipient=recipient, kind="comment", actor=bob, target=post, idempotency_key="c:3")

    # c:2 still stands and led to the same group: ana stays.
    assert services.unnotify_events(actor=ana, keys=["c:1"], still_there=["c:2", "c:9"]) == 0
    group.refresh_from_db()
    assert group.actor_count == 2

    assert services.unnotify_events(actor=ana, keys=["c:2"], still_there=["c:9"]) == 1
    group.refresh_from_db()
    assert (group.actor_count, list(group.actor_links.values_list("actor_id", flat=True))) == (1, [bob.pk])

    assert services.unnotify_events(actor=bob, keys=["c:3"]) == 1
    assert Notification.objects.count() == 0
    assert Notification.all_objects.get(pk=group.pk).is_deleted
    assert services.unnotify_events(actor=bob, keys=["c:3"]) == 0  # withdrawn already
    # The keys stay used: the same event is not notified again.
    again = services.notify(recipient=recipient, kind="comment", actor=bob, target=post, idempotency_key="c:3")
    assert (again.pk, again.is_deleted) == (group.pk, True)
    assert Notification.objects.count() == 0


def test_unnotify_events_leaves_other_groups_of_the_actor_alone(recipient, post):
    ana = UserFactory()
    old = services.notify(recipient=recipient, kind="comment", actor=ana, target=post, idempotency_key="c:1")
    Notification.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(hours=13))
    new = services.notify(recipient=recipient, kind="comment", actor=ana, target=post, idempotency_key="c:2")

    assert services.unnotify_events(actor=ana, keys=["c:1"]) == 1

    assert list(Notification.objects.values_list("pk", "actor_count")) == [(new.pk, 1)]


def test_unnotify_events_by_key_prefix_for_every_recipient(recipient, post):
    ana, other = UserFactory(), UserFactory()
    for user in (recipient, other):
        services.notify(recipient=user, kind="mention", actor=ana, target=post, idempotency_key=f"m:1:{user.pk}")
    kept = services.notify(recipient=recipient, kind="mention", actor=ana, target=post, idempotency_key="m:10:x")

    assert services.unnotify_events(actor=ana, key_prefix="m:1:") == 2

    assert list(Notification.objects.values_list("pk", flat=True)) == [kept.pk]
    assert services.unnotify_events(actor=ana) == 0


def test_the_same_idempotency_key_makes_one_notification(recipient, post):
    actor = UserFactory()
    first = services.notify(recipient=recipient, kind="mention", actor=actor, target=post, idempotency_key="m-1")
    second = services.notify(recipient=recipient, kind="mention", actor=actor, target=post, idempotency_key="m-1")

    assert first.pk == second.pk
    assert Notification.objects.count() == 1


def test_the_key_is_per_recipient(recipient, post):
    other = UserFactory()
    services.notify(recipient=recipient, kind="mention", actor=post, idempotency_key="k")
    services.notify(recipient=other, kind="mention", actor=post, idempotency_key="k")

    assert Notification.objects.count() == 2


def test_a_key_reused_after_the_window_does_not_add_a_group(recipient, post):
    first = services.notify(recipient=recipient, kind="like", actor=UserFactory(), target=post, idempotency_key="l-1")
    Notification.objects.filter(pk=first.pk).update(created_at=timezone.now() - timedelta(days=2))

    again = services.notify(recipient=recipient, kind="like", actor=UserFactory(), target=post, idempotency_key="l-1")

    assert again.pk == first.pk
    assert Notification.objects.count() == 1


def test_nobody_is_notified_of_their_own_action(recipient):
    assert services.notify(recipient=recipient, kind="like", actor=recipient, target=recipient) is None
    assert Notification.objects.count() == 0


def test_a_kind_turned_off_on_every_channel_sends_nothing(recipient):
    services.settings_update(user=recipient, kinds={"like": {"channels": {"in_app": False, "push": False}}})

    assert services.notify(recipient=recipient, kind="like", actor=UserFactory(), target=recipient) is None


def test_in_app_off_but_push_on_keeps_it_out_of_the_inbox(recipient):
    services.settings_update(user=recipient, kinds={"mention": {"channels": {"in_app": False}}})

    notification = services.notify(recipient=recipient, kind="mention", actor=UserFactory())

    assert notification.in_app is False
    assert list(selectors.notification_groups_for_user(user=recipient)) == []


@pytest.mark.parametrize(
    ("rule", "provider", "allowed"),
    [
        ("everyone", None, True),
        ("nobody", None, False),
        ("following", None, False),  # no social app yet: nobody is followed
        ("mutuals", None, False),
        ("following", services.Relationship(True, False), True),
        ("following", services.Relationship(False, True), False),
        ("mutuals", services.Relationship(True, False), False),
        ("mutuals", services.Relationship(True, True), True),
    ],
)
def test_sender_rules(recipient, rule, provider, allowed):
    services.settings_update(user=recipient, kinds={"mention": {"sender_rule": rule}})
    installed = services._relationship_provider  # social's, put back after (later tests rely on it)
    services.relationship_provider_set(provider=None if provider is None else lambda **_: provider)
    try:
        result = services.notify(recipient=recipient, kind="mention", actor=UserFactory())
    finally:
        services.relationship_provider_set(provider=installed)

    assert (result is not None) is allowed


def test_critical_kinds_bypass_preferences(recipient):
    NotificationSettings.objects.create(
        user=recipient, channels={"security_alert": {"in_app": False}}, senders={"security_alert": "nobody"}
    )

    alert = services.notify(recipient=recipient, kind="security_alert", actor=UserFactory(), priority="low")

    assert alert.in_app is True
    assert alert.priority == "critical"


@pytest.mark.parametrize(
    ("kinds", "code"),
    [
        ({"security_alert": {"channels": {"email": False}}}, "critical_kind"),
        ({"nope": {"channels": {"email": False}}}, "unknown_kind"),
        ({"like": {"channels": {"fax": True}}}, "unknown_channel"),
        ({"like": {"channels": {"sms": True}}}, "channel_not_available"),
        ({"like": {"sender_rule": "friends"}}, "invalid_sender_rule"),
    ],
)
def test_settings_refuse_bad_changes(recipient, kinds, code):
    with pytest.raises(ApplicationError) as error:
        services.settings_update(user=recipient, kinds=kinds)

    assert error.value.code == code


def test_quiet_hours_need_both_ends(recipient):
    with pytest.raises(ApplicationError) as error:
        services.settings_update(user=recipient, quiet_hours_start=time(22))

    assert error.value.code == "quiet_hours_incomplete"


def test_unknown_kind_priority_and_actions_are_refused(recipient):
    for kwargs, code in [
        ({"kind": "nope"}, "unknown_kind"),
        ({"kind": "mention", "priority": "urgent"}, "invalid_priority"),
        ({"kind": "mention", "data": {"actions": [{"label": "Open"}]}}, "invalid_actions"),
    ]:
        with pytest.raises(ApplicationError) as error:
            services.notify(recipient=recipient, **kwargs)
        assert error.value.code == code


def test_action_buttons_are_kept_in_the_payload(recipient):
    actions = [
        {"label": "Reply", "action": "reply", "api": {"method": "POST", "path": "/api/v1/comments/"}},
        {"label": "Open", "action": "open", "url": "https://fanfare.example/p/1"},
    ]

    notification = services.notify(recipient=recipient, kind="mention", data={"actions": actions})

    assert Notification.objects.get(pk=notification.pk).data == {"actions": actions}


def test_the_target_title_survives_the_target(recipient):
    target = UserFactory(handle="gone_post")
    notification = services.notify(recipient=recipient, kind="mention", actor=UserFactory(), target=target)

    target.hard_delete()

    notification.refresh_from_db()
    assert notification.target_title == "@gone_post"


def test_expired_notifications_are_hidden(recipient):
    NotificationFactory(recipient=recipient, expires_at=timezone.now() - timedelta(minutes=1))
    alive = NotificationFactory(recipient=recipient, expires_at=timezone.now() + timedelta(days=1))

    assert [n.pk for n in selectors.notification_groups_for_user(user=recipient)] == [alive.pk]
    assert selectors.unread_count(user=recipient) == 1


def test_purge_removes_expired_and_old_read_ones(recipient):
    now = timezone.now()
    NotificationFactory(recipient=recipient, expires_at=now - timedelta(minutes=1))
    NotificationFactory(recipient=recipient, read_at=now - timedelta(days=100))
    recent_read = NotificationFactory(recipient=recipient, read_at=now - timedelta(days=1))
    unread = NotificationFactory(recipient=recipient)

    dry = services.notifications_purge(older_than=timedelta(days=90), dry_run=True)
    assert dry == {"expired": 1, "read": 1, "deleted": 0}
    assert Notification.all_objects.count() == 4

    call_command("purge_notifications", "--older-than", "90", verbosity=0)

    remaining = set(Notification.all_objects.values_list("pk", flat=True))
    assert remaining == {recent_read.pk, unread.pk}


def test_push_tokens_die_with_their_device(recipient):
    from accounts.models import AuthDevice
    from accounts.services.access import device_revoke

    device = AuthDevice.objects.create(user=recipient, kind="token", token_key="abcd1234")
    token = services.push_token_register(user=recipient, token="t-1", platform="android", device_id=device.pk)
    other = services.push_token_register(user=recipient, token="t-2", platform="ios")

    device_revoke(user=recipient, device_id=device.pk)

    token.refresh_from_db()
    other.refresh_from_db()
    assert token.disabled_at is not None
    assert token.disabled_reason == "device_revoked"
    assert other.disabled_at is None
