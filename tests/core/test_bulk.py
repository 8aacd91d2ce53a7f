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
