import pytest
from django.db import transaction
from django.utils import timezone

from core.bulk import copy_insert
from tests.partitioning_probe.models import ProbeEvent

pytestmark = pytest.mark.django_db


def test_copy_insert_writes_every_field_as_the_orm_would():
    now = timezone.now()
    events = [ProbeEvent(name=f"e{n}", created_at=now, extra_metadata={"n": n, "tags": ["a", "b"]}) for n in range(3)]

    written = copy_insert(ProbeEvent, events)

    assert written == 3
    stored = {e.id: e for e in ProbeEvent.objects.all()}
    assert {(e.id, e.name, e.created_at, e.extra_metadata["n"]) for e in events} == {
        (s.id, s.name, s.created_at, s.extra_metadata["n"]) for s in stored.values()
    }
    assert stored[events[2].id].extra_metadata == {"n": 2, "tags": ["a", "b"]}


def test_copy_insert_is_part_of_the_callers_transaction():
    def fail_after_copy():
        with transaction.atomic():
            copy_insert(ProbeEvent, [ProbeEvent(name="gone")])
            raise RuntimeError

    with pytest.raises(RuntimeError):
        fail_after_copy()

    assert not ProbeEvent.objects.exists()


def test_copy_insert_from_template_writes_the_template_with_each_rows_values():
    from core.bulk import copy_insert_from_template

    now = timezone.now()
    template = ProbeEvent(name="unused", created_at=now, extra_metadata={"kind": "announcement", "tags": ["x"]})

    written = copy_insert_from_template(ProbeEvent, template, [("first",), ("second",)], fields=("name",))

    assert written == 2
    stored = list(ProbeEvent.objects.order_by("name"))
    assert [(e.name, e.created_at, e.extra_metadata) for e in stored] == [
        ("first", now, {"kind": "announcement", "tags": ["x"]}),
        ("second", now, {"kind": "announcement", "tags": ["x"]}),
    ]
    # Each row has a primary key of its own, none of them the template's.
    assert len({e.pk for e in stored}) == 2
    assert template.pk not in {e.pk for e in stored}


def test_insert_select_from_template_makes_one_row_per_selected_row_with_fresh_time_ordered_ids():
    from core.bulk import insert_select_from_template
    from notifications.models import Notification
    from tests.factories import UserFactory

    users = sorted([UserFactory() for _ in range(3)], key=lambda u: u.pk)
    now = timezone.now()
    template = Notification(kind="announcement", target_title="Moving", data={"body": "x\ty\n"}, created_at=now,
                            updated_at=now, last_event_at=now)  # fmt: skip
    select = ("SELECT id FROM accounts_user WHERE id = ANY(%s) ORDER BY id", [[u.pk for u in users[:2]]])

    written = insert_select_from_template(Notification, template, select, fields=("recipient_id",), max_rows=2)

    assert sorted(r for (r,) in written) == [u.pk for u in users[:2]]
    stored = list(Notification.objects.order_by("recipient_id"))
    assert [(n.recipient_id, n.kind, n.target_title, n.data, n.created_at) for n in stored] == [
        (u.pk, "announcement", "Moving", {"body": "x\ty\n"}, now) for u in users[:2]
    ]
    assert len({n.pk for n in stored}) == 2
    for n in stored:  # UUIDv7 (RFC 9562): version 7, and the first 48 bits are the time in ms
        assert n.pk.version == 7
        assert abs(int.from_bytes(n.pk.bytes[:6], "big") - now.timestamp() * 1000) < 60_000


def test_insert_select_from_template_is_part_of_the_callers_transaction():
    from core.bulk import insert_select_from_template
    from notifications.models import Notification
    from tests.factories import UserFactory

    user = UserFactory()
    now = timezone.now()
    template = Notification(kind="announcement", created_at=now, updated_at=now, last_event_at=now)

    def fail_after_insert():
        with transaction.atomic():
            select = ("SELECT %s::uuid", [user.pk])
            assert insert_select_from_template(Notification, template, select, fields=("recipient_id",), max_rows=1)
            raise RuntimeError

    with pytest.raises(RuntimeError):
        fail_after_insert()

    assert not Notification.objects.exists()
