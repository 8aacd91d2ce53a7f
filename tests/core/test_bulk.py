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
